/**
 * Run an `otelHeadersHelper` the way Claude Code does (claude-code-facts §1.2): the settings value
 * is a command line run through a shell, with the settings `env` in its environment; it must print
 * a JSON object of string headers on stdout. Its latency decides whether a short session has any
 * telemetry at all (§2), so it is timed.
 *
 * Values never leave this module except for comparison: callers get header NAMES.
 */
import { spawn } from 'node:child_process';
import { isValidHeaderName, isValidHeaderValue } from '../otel/headers.js';

export interface HelperRun {
  /** exit code; null when killed (timeout/abort) or it could not start */
  code: number | null;
  ms: number;
  timedOut: boolean;
  /** spawn error (e.g. no shell) */
  spawnError?: string;
  stdout: string;
  stderr: string;
}

export interface HelperRunOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  now?: () => number;
}

const MAX_OUTPUT = 1 << 20;

export function runHelperCommand(command: string, opts: HelperRunOptions): Promise<HelperRun> {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
    // A process group of its own, so a timeout also ends what the helper started (op, gcloud, sleep).
    const child = spawn(command, { shell: true, cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    let exitedAt: number | undefined;
    const finish = (r: Omit<HelperRun, 'ms' | 'stdout' | 'stderr' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, ms: Math.round((exitedAt ?? now()) - started), timedOut, stdout, stderr });
    };
    const kill = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const onAbort = () => {
      timedOut = true;
      kill();
    };
    const timer = setTimeout(onAbort, Math.max(1, opts.timeoutMs));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d;
    });
    child.once('error', (e) => finish({ code: null, spawnError: e.message }));
    // Timed to 'exit', not 'close': a grandchild left holding the pipes must not stretch the
    // measured time. Output written before the exit is still read: wait for 'close' a little.
    child.once('exit', (code) => {
      exitedAt = now();
      const result = { code: timedOut ? null : code };
      const drain = setTimeout(() => finish(result), 250);
      child.once('close', () => {
        clearTimeout(drain);
        finish(result);
      });
    });
  });
}

export type HelperOutput =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; problem: string };

/** Is stdout what Claude Code accepts: one JSON object whose values are all strings? Never echoes values. */
export function parseHelperOutput(stdout: string): HelperOutput {
  const text = stdout.trim();
  if (text === '') return { ok: false, problem: 'printed nothing on stdout' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `stdout is not JSON (${text.length} characters)` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, problem: `stdout is JSON but not an object (${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json})` };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(json)) {
    if (typeof v !== 'string') return { ok: false, problem: `the value of "${k}" is ${v === null ? 'null' : typeof v}, not a string` };
    if (!isValidHeaderName(k)) return { ok: false, problem: `"${k}" is not a valid header name` };
    if (!isValidHeaderValue(v)) return { ok: false, problem: `the value of "${k}" contains a newline or control character` };
    headers[k] = v;
  }
  return { ok: true, headers };
}

/**
 * How a command line is shown: the program and plain arguments; anything that might carry a
 * secret (inline JSON, `k=v`, long tokens) is elided.
 */
export function describeCommand(command: string): string {
  const words = command.trim().split(/\s+/);
  const shown = words.map((w, i) => (i === 0 || /^[\w./~$@:-]{1,40}$/.test(w)) && !/[{}=]/.test(w) && !/^[A-Za-z0-9_-]{24,}$/.test(w) ? w : '…');
  const s = shown.join(' ');
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}
