import { fstatSync, readFileSync } from 'node:fs';

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
 * Read all of stdin (or `fd`, which this then owns and closes), but never wait past `timeoutMs`: a hook must not hang on a TTY or on a pipe
 * nobody closes.
 *  - TTY, /dev/null, no stdin → ''
 *  - a regular file → read it directly
 *  - a pipe or socket → a stream on the event loop (process.stdin for fd 0). NOT fs.read:
 *    a read blocked on a pipe sits in the libuv thread pool, and process.exit() then hangs joining
 *    that thread (found by the "stdin never closed" test).
 */
export async function readStdinFd(fd: number, timeoutMs: number, maxBytes = 4 << 20): Promise<string> {
  let st: ReturnType<typeof fstatSync>;
  try {
    st = fstatSync(fd);
  } catch {
    return '';
  }
  if (st.isCharacterDevice()) return '';
  if (st.isFile()) {
    try {
      return readFileSync(fd).subarray(0, maxBytes).toString('utf8');
    } catch {
      return '';
    }
  }
  const stdin: NodeJS.ReadableStream & { unref?: () => void } =
    fd === 0 ? process.stdin : new (await import('node:net')).Socket({ fd, readable: true, writable: false });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', done);
      stdin.removeListener('error', done);
      stdin.pause();
      stdin.unref?.();
      // A non-stdin fd is owned by its reader: close it through the stream (closing it behind
      // libuv's back leaves a stale epoll registration).
      if (fd !== 0) (stdin as NodeJS.ReadableStream & { destroy: () => void }).destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    };
    const timer = setTimeout(done, timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', done);
    stdin.once('error', done);
  });
}
