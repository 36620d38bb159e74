import { fstatSync, read } from 'node:fs';

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

/**
 * Read all of stdin (fd 0), but never wait past `timeoutMs`: a hook must not hang on a TTY or a
 * pipe nobody closes. Uses fs.read on the fd rather than process.stdin, which for a pipe would load
 * node:net and the stream stack — several ms on the hot path. fs.read runs on the libuv thread
 * pool, so the event loop (and our deadline) stay alive while it waits.
 */
export function readStdinFd(fd: number, timeoutMs: number, maxBytes = 4 << 20): Promise<string> {
  try {
    if (fstatSync(fd).isCharacterDevice()) return Promise.resolve(''); // a TTY or /dev/null
  } catch {
    return Promise.resolve(''); // no stdin at all
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    const step = () => {
      if (finished) return;
      const buf = Buffer.allocUnsafe(65536);
      read(fd, buf, 0, buf.length, null, (err, n) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(step, 5);
          return done();
        }
        if (n === 0) return done();
        size += n;
        if (size <= maxBytes) chunks.push(buf.subarray(0, n));
        step();
      });
    };
    step();
  });
}
