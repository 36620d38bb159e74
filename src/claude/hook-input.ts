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

export interface ReadStdinOptions {
  /** tests: skip libuv's stream handle and read through node:net (the fallback) */
  viaNet?: boolean;
}

/**
 * Read all of stdin (or `fd`, which this then owns and closes), but never wait past `timeoutMs`: a
 * hook must not hang on a TTY or on a pipe nobody closes.
 *  - TTY, /dev/null, no stdin → ''
 *  - a regular file → read it directly
 *  - a pipe or socket (Claude Code hands hooks a socket) → read on the event loop. NOT fs.read: a
 *    read blocked on a pipe sits in the libuv thread pool, and process.exit() then hangs joining
 *    that thread (found by the "stdin never closed" test); not fs.readSync either: it would block
 *    the deadline timer itself.
 */
export async function readStdinFd(fd: number, timeoutMs: number, maxBytes = 4 << 20, opts: ReadStdinOptions = {}): Promise<string> {
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
  if (!st.isFIFO() && !st.isSocket()) return '';
  const handle = opts.viaNet ? undefined : openStreamHandle(fd);
  return handle ? readHandle(handle, fd, timeoutMs, maxBytes) : readNetSocket(fd, timeoutMs, maxBytes);
}

/** libuv's pipe handle as Node's own net.Socket drives it (lib/internal/stream_base_commons.js). */
interface PipeHandle {
  open(fd: number): number;
  readStart(): number;
  readStop(): number;
  close(): void;
  unref(): void;
  onread: (buf: ArrayBuffer | undefined) => void;
}
interface StreamHandleApi {
  Pipe: new (type: number) => PipeHandle;
  socketType: number;
  state: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
}

let streamApi: StreamHandleApi | null | undefined;

/**
 * The pipe/socket reader without node:net: the stream stack that process.stdin or a net.Socket
 * loads costs ~5 ms — a fifth of a hook's whole budget — to read a few hundred bytes. libuv's pipe
 * handle reads the same way on the event loop, so the deadline timer still fires. It is reached
 * through process.binding (an allow-listed, documentation-only deprecation, DEP0111; checked here
 * shape by shape): if anything is missing or unexpected, undefined, and the caller uses node:net.
 */
function streamHandleApi(): StreamHandleApi | undefined {
  if (streamApi !== undefined) return streamApi ?? undefined;
  streamApi = null;
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true; // never a warning on a hook's stderr
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const pw = binding('pipe_wrap') as { Pipe?: unknown; constants?: { SOCKET?: unknown } };
    const sw = binding('stream_wrap') as { streamBaseState?: unknown; kReadBytesOrError?: unknown; kArrayBufferOffset?: unknown };
    if (
      typeof pw.Pipe === 'function' &&
      typeof pw.constants?.SOCKET === 'number' &&
      sw.streamBaseState instanceof Int32Array &&
      typeof sw.kReadBytesOrError === 'number' &&
      typeof sw.kArrayBufferOffset === 'number'
    ) {
      streamApi = {
        Pipe: pw.Pipe as StreamHandleApi['Pipe'],
        socketType: pw.constants.SOCKET,
        state: sw.streamBaseState,
        kReadBytesOrError: sw.kReadBytesOrError,
        kArrayBufferOffset: sw.kArrayBufferOffset,
      };
    }
  } catch {
    /* no process.binding (a future Node): the node:net path */
  } finally {
    process.noDeprecation = quiet;
  }
  return streamApi ?? undefined;
}

function openStreamHandle(fd: number): { api: StreamHandleApi; h: PipeHandle } | undefined {
  const api = streamHandleApi();
  if (!api) return undefined;
  try {
    const h = new api.Pipe(api.socketType);
    if (h.open(fd) !== 0) return undefined;
    return { api, h };
  } catch {
    return undefined;
  }
}

/**
 * What both readers share: keep at most `maxBytes` of what arrives, and settle once — at the end of
 * the input (`finish`) or at `timeoutMs` — after `release` let go of the fd.
 */
function boundedRead(timeoutMs: number, maxBytes: number, release: () => void): { done: Promise<string>; push(chunk: Buffer): void; finish(): void } {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  let settle!: (text: string) => void;
  const done = new Promise<string>((r) => (settle = r));
  const finish = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    release();
    settle(Buffer.concat(chunks).toString('utf8'));
  };
  const timer = setTimeout(finish, timeoutMs);
  return {
    done,
    finish,
    push(chunk) {
      const take = Math.min(chunk.length, maxBytes - size);
      if (take > 0) chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      size += chunk.length;
    },
  };
}

function readHandle({ api, h }: { api: StreamHandleApi; h: PipeHandle }, fd: number, timeoutMs: number, maxBytes: number): Promise<string> {
  const r = boundedRead(timeoutMs, maxBytes, () => {
    h.readStop();
    // A non-stdin fd is owned by its reader: closing the handle closes it (and its epoll
    // registration). fd 0 stays open, so no later open() is handed the number 0.
    if (fd !== 0) h.close();
    else h.unref();
  });
  h.onread = (buf) => {
    const n = api.state[api.kReadBytesOrError]!;
    if (n > 0 && buf) r.push(Buffer.from(new Uint8Array(buf, api.state[api.kArrayBufferOffset]!, n))); // a copy
    else if (n < 0) r.finish(); // UV_EOF, or an error: what arrived is all there is
  };
  if (h.readStart() !== 0) r.finish();
  return r.done;
}

async function readNetSocket(fd: number, timeoutMs: number, maxBytes: number): Promise<string> {
  const stdin: NodeJS.ReadableStream & { unref?: () => void; destroy: () => void } =
    fd === 0 ? process.stdin : new (await import('node:net')).Socket({ fd, readable: true, writable: false });
  const r = boundedRead(timeoutMs, maxBytes, () => {
    stdin.removeListener('data', r.push);
    stdin.removeListener('end', r.finish);
    stdin.removeListener('error', r.finish);
    stdin.pause();
    stdin.unref?.();
    // A non-stdin fd is owned by its reader: close it through the stream (closing it behind
    // libuv's back leaves a stale epoll registration).
    if (fd !== 0) stdin.destroy();
  });
  stdin.on('data', r.push);
  stdin.once('end', r.finish);
  stdin.once('error', r.finish);
  return r.done;
}
