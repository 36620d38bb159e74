/**
 * The JSON Claude Code writes on a hook's stdin (claude-code-facts §4). Missing or malformed input
 * is not fatal: the caller logs it and carries on with what it has.
 */
export interface HookInput {
  session_id?: string;
  transcript_path?: string;
  cwd?: string;
  hook_event_name?: string;
  source?: string;
  reason?: string;
  prompt_id?: string;
  tool_name?: string;
  tool_use_id?: string;
  [k: string]: unknown;
}

export type ParsedHookInput = { ok: true; input: HookInput } | { ok: false; input: HookInput; problem: string };

export function parseHookInput(text: string): ParsedHookInput {
  if (text.trim() === '') return { ok: false, input: {}, problem: 'no input on stdin' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, input: {}, problem: `stdin is not JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, input: {}, problem: 'stdin JSON is not an object' };
  const input = v as HookInput;
  if (input.session_id !== undefined && typeof input.session_id !== 'string') return { ok: false, input: { ...input, session_id: undefined }, problem: 'session_id is not a string' };
  return { ok: true, input };
}

/** Read all of stdin, but never wait past `timeoutMs` (a hook must not hang on a TTY or an open pipe). */
export function readStdin(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, timeoutMs: number, maxBytes = 4 << 20): Promise<string> {
  if (stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      stdin.removeAllListeners('data');
      stdin.removeAllListeners('end');
      stdin.removeAllListeners('error');
      (stdin as NodeJS.ReadStream).pause?.();
      (stdin as NodeJS.ReadStream).unref?.();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    });
    stdin.on('end', done);
    stdin.on('error', done);
  });
}
