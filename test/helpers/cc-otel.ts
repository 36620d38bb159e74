// Run the built CLI (`bin/cc-otel.js` → dist/) as a real process with a CLEARED environment: the
// child sees only the variables a test passes, plus PATH. Needs `npm run build` first.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './claude.js';

/** The shim Claude Code would run (`node <abs>/bin/cc-otel.js …`). */
export const CC_OTEL_BIN: string = join(REPO_ROOT, 'bin', 'cc-otel.js');

export interface RunCcOtelOptions {
  /** The child's whole environment, besides PATH (default: this process's PATH). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /**
   * What goes on stdin: a string is written and stdin closed; `{ data, keepOpen: true }` writes
   * `data` and leaves the pipe open (a writer that never closes); undefined: stdin is /dev/null.
   */
  input?: string | { data?: string; keepOpen: true };
  /** Kill the process (SIGKILL) after this long. Default 20 000 ms. */
  timeoutMs?: number;
}

export interface CcOtelRun {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit (not to the close of the pipes, which a leftover grandchild might hold). */
  durationMs: number;
  timedOut: boolean;
}

export function runCcOtel(args: readonly string[], opts: RunCcOtelOptions = {}): Promise<CcOtelRun> {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli.js'))) {
    return Promise.reject(new Error('dist/ is missing: run `npm run build` before these tests'));
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', ...opts.env })) {
    if (v !== undefined) env[k] = v;
  }
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CC_OTEL_BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null; ms: number } | undefined;
    // stdout/stderr are pipes (stdio above), never null.
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE when the CLI exits without reading: irrelevant
      const input = opts.input;
      if (typeof input === 'string') child.stdin.end(input);
      else if (input?.data) child.stdin.write(input.data);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      exited = { code, signal, ms: performance.now() - started };
      child.stdin?.destroy(); // a kept-open stdin must not outlive the process
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const e = exited ?? { code, signal, ms: performance.now() - started };
      resolve({ code: e.code, signal: e.signal, stdout, stderr, durationMs: Math.round(e.ms), timedOut });
    });
  });
}

/** One-line-per-stream summary for assertion messages. */
export function describeCcOtel(r: CcOtelRun): string {
  return `exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''} after ${r.durationMs} ms\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
