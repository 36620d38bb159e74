/**
 * Run a secret-backend CLI (`op`, `gcloud`) with a hard deadline that really ends.
 *
 * Why not execa or a promisified execFile: both wait for the child's stdio to close, and a
 * grandchild that inherited the pipes (a shim script, a `op` daemon) keeps them open — execa
 * settled after 5.0 s on a 1.5 s timeout (../../../../shared/docs/secrets-and-startup.md §2.6).
 * Here:
 *  - stdin is /dev/null, so the CLI can never block on a prompt;
 *  - on POSIX the child leads its own process group (`detached`), and at the deadline or on abort
 *    the whole group gets SIGTERM, then SIGKILL 250 ms later; our end of the pipes is destroyed
 *    at once, so the promise settles at the deadline whatever the grandchildren do;
 *  - the environment is exactly the one given (the caller passes ctx.env), never process.env;
 *  - arguments are passed as an argv array, never through a shell (Windows .cmd/.bat shims are
 *    the one exception, see `needsShell`).
 *
 * The promise never rejects: spawn errors (ENOENT, EACCES) come back in `error`.
 * stdout may hold a secret: callers must never copy it into a message.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter as posixDelimiter, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Env } from '../../context.js';

export interface RunCliOptions {
  /** The child's whole environment (undefined values are dropped). */
  env: Env;
  /** Hard deadline in ms; the child's process group is killed when it passes. */
  timeoutMs: number;
  /** Aborting kills the child the same way as the deadline. */
  signal?: AbortSignal;
  platform?: NodeJS.Platform;
  cwd?: string;
  /** Kill the child when stdout + stderr exceed this many bytes (default 1 MiB). */
  maxBuffer?: number;
}

export interface RunCliResult {
  /** null when the child was killed by a signal, or never started */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** our deadline fired */
  timedOut: boolean;
  /** opts.signal fired first */
  aborted: boolean;
  /** output exceeded maxBuffer */
  overflow: boolean;
  /** the spawn itself failed (ENOENT, EACCES, …) */
  error?: NodeJS.ErrnoException;
  ms: number;
}

const KILL_GRACE_MS = 250;
/** After `exit`, how long to wait for the pipes to drain before cutting them (grandchildren). */
const DRAIN_AFTER_EXIT_MS = 100;

export async function runCli(file: string, args: readonly string[], opts: RunCliOptions): Promise<RunCliResult> {
  const started = performance.now();
  const platform = opts.platform ?? process.platform;
  const maxBuffer = opts.maxBuffer ?? 1024 * 1024;
  const base = { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false, overflow: false };

  if (opts.signal?.aborted) return { ...base, aborted: true, ms: 0 };
  const shell = needsShell(file, platform);
  if (shell && !args.every((a) => SHELL_SAFE_ARG.test(a))) {
    const error: NodeJS.ErrnoException = new Error(`refusing to pass unsafe arguments to ${file} through cmd.exe`);
    error.code = 'EINVAL';
    return { ...base, error, ms: 0 };
  }

  // Lazy: keeps node:child_process off the hot path when every key comes from env/.env/cache.
  const { spawn } = await import('node:child_process');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;

  return new Promise<RunCliResult>((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let timedOut = false;
    let aborted = false;
    let overflow = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    let child: ChildProcess;
    try {
      child = spawn(shell ? quoteForCmd(file) : file, [...args], {
        env,
        cwd: opts.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Own process group on POSIX, so a timeout can kill grandchildren that hold our pipes.
        detached: platform !== 'win32',
        windowsHide: true,
        shell,
      });
    } catch (e) {
      resolve({ ...base, error: e as NodeJS.ErrnoException, ms: performance.now() - started });
      return;
    }

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({
        exitCode,
        signal: exitSignal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        aborted,
        overflow,
        ...(spawnError ? { error: spawnError } : {}),
        ms: performance.now() - started,
      });
    };

    const killTree = (sig: NodeJS.Signals) => {
      const pid = child.pid;
      if (pid === undefined) return;
      try {
        if (platform !== 'win32') process.kill(-pid, sig);
        else child.kill(sig);
      } catch {
        // ESRCH: already gone. Fall back to the direct child in case the group kill was refused.
        try {
          child.kill(sig);
        } catch {
          /* gone */
        }
      }
    };

    const stop = () => {
      killTree('SIGTERM');
      const hard = setTimeout(() => killTree('SIGKILL'), KILL_GRACE_MS);
      hard.unref();
      // A survivor must not keep our event loop alive.
      child.unref();
      finish();
    };

    const onAbort = () => {
      if (settled) return;
      aborted = true;
      stop();
    };

    const deadline = setTimeout(() => {
      timedOut = true;
      stop();
    }, Math.max(0, opts.timeoutMs));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBuffer) {
        overflow = true;
        stop();
        return;
      }
      into.push(chunk);
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    // Destroyed streams may emit errors (EPIPE/ECONNRESET); they are irrelevant once we cut them.
    child.stdout?.on('error', () => {});
    child.stderr?.on('error', () => {});

    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
      finish();
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      // Normally 'close' follows at once; if a grandchild still holds the pipes, stop waiting.
      drainTimer = setTimeout(finish, DRAIN_AFTER_EXIT_MS);
    });
    child.on('close', finish);
  });
}

/**
 * Find an executable on `env.PATH` (case-insensitive `Path` and PATHEXT on Windows) without
 * spawning anything. Returns the absolute path, or undefined.
 */
export function findOnPath(name: string, env: Env, platform: NodeJS.Platform = process.platform): string | undefined {
  const win = platform === 'win32';
  const pathVar = win ? Object.entries(env).find(([k]) => k.toUpperCase() === 'PATH')?.[1] : env.PATH;
  if (!pathVar) return undefined;
  const exts = win
    ? ['', ...(env.PATHEXT ?? env.Pathext ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean).map((e) => e.toLowerCase())]
    : [''];
  for (const dir of pathVar.split(win ? ';' : posixDelimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir.replace(/^"(.*)"$/, '$1'), name + ext);
      try {
        if (!statSync(candidate).isFile()) continue;
        if (!win) accessSync(candidate, constants.X_OK);
        else if (ext === '') continue; // on Windows an extension-less file is not runnable
        return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

/** Lines like `[ERROR] 2026/11/22 10:00:00 message` (the `op` CLI's stderr format, as parsed by 1Password's own op-js). */
const OP_ERROR_LINE = /\[ERROR\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} (.+)/;

/**
 * The one-line reason from a CLI's stderr: the last `[ERROR] <date> <time> msg` message when
 * present, else the last non-empty line. Capped at 300 characters.
 */
export function stderrReason(stderr: string): string | undefined {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const tagged = lines.map((l) => OP_ERROR_LINE.exec(l)?.[1]).filter((m): m is string => !!m);
  const pick = tagged.at(-1) ?? lines.at(-1);
  if (!pick) return undefined;
  return pick.length > 300 ? `${pick.slice(0, 297)}...` : pick;
}

// Windows cannot execFile a .cmd/.bat without cmd.exe (Node's CVE-2024-27980 fix: EINVAL).
// gcloud is gcloud.cmd there. We only go through the shell when every argument is made of
// characters cmd.exe does not interpret; callers validate refs before building arguments.
const SHELL_SAFE_ARG = /^[A-Za-z0-9_\-=.:/@,+]+$/;

function needsShell(file: string, platform: NodeJS.Platform): boolean {
  return platform === 'win32' && /\.(cmd|bat)$/i.test(file);
}

function quoteForCmd(file: string): string {
  return /\s/.test(file) ? `"${file}"` : file;
}

export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Settle with `work()`'s outcome, or with TIMED_OUT when `signal` aborts or `timeoutMs` passes,
 * whichever is first. For SDKs without a timeout option (1Password): the work itself keeps
 * running in the background (its rejection is swallowed), so the caller's promise settles on
 * time and the entry point's process.exit() ends the rest.
 */
export function raceDeadline<T>(work: () => Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  if (signal.aborted) return Promise.resolve(TIMED_OUT);
  let p: Promise<T>;
  try {
    p = work();
  } catch (e) {
    return Promise.reject(e);
  }
  p.catch(() => {});
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      resolve(TIMED_OUT);
    };
    const timer = setTimeout(onAbort, Math.max(0, timeoutMs));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}
