// Run the INSTALLED cc-otel as a real process with a CLEARED environment: the child sees only the
// variables a test passes, plus PATH. What runs is what ships: the tarball `npm pack` made, installed
// with `npm install -g --prefix <tmp>` by test/helpers/artifact-setup.ts (the vitest globalSetup of
// the CLI and e2e tests), run through the bin link npm made.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { InstalledArtifact } from './artifact-setup.js';
import { REPO_ROOT } from './claude.js';

function artifact(): InstalledArtifact {
  const a = inject('ccOtelArtifact');
  if (!a) throw new Error('the installed cc-otel is missing: test/helpers/cc-otel.ts is for test/cli and test/e2e, whose globalSetup (test/helpers/artifact-setup.ts) packs and installs it');
  return a;
}

/** What was installed: the tarball, its file list, the prefix, the bin link, the package dir. */
export const CC_OTEL_ARTIFACT: InstalledArtifact = artifact();
/** `<prefix>/bin/cc-otel`: the link `npm install -g` made, to the installed bin/cc-otel.js. */
export const CC_OTEL_BIN: string = CC_OTEL_ARTIFACT.bin;
/** The installed package's root (real path): `bin/cc-otel.js`, `dist/hot.cjs`, `dist/cli.js`, … */
export const CC_OTEL_PACKAGE_DIR: string = CC_OTEL_ARTIFACT.packageDir;

/**
 * The installed package seen at another path, `dir` (created): its own copy of `bin/` (so the real
 * path of `dir/bin/cc-otel.js` is under `dir`, as it is for a package that really lives there) and
 * links to the installed `dist/`, `node_modules/` and `package.json` (no second 150 MB install).
 * Returns `dir/bin/cc-otel.js`.
 */
export function placeInstalledPackage(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const f of readdirSync(join(CC_OTEL_PACKAGE_DIR, 'bin'))) copyFileSync(join(CC_OTEL_PACKAGE_DIR, 'bin', f), join(dir, 'bin', f));
  for (const f of ['dist', 'node_modules', 'package.json']) symlinkSync(join(CC_OTEL_PACKAGE_DIR, f), join(dir, f));
  return join(dir, 'bin', 'cc-otel.js');
}

export interface RunCcOtelOptions {
  /** The child's whole environment, besides PATH (default: this process's PATH). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /**
   * What goes on stdin: a string is written and stdin closed; `{ data, keepOpen: true }` writes
   * `data` and leaves the pipe open (a writer that never closes); undefined: stdin is /dev/null.
   */
  input?: string | { data?: string; keepOpen: true };
  /** The cc-otel to run (default CC_OTEL_BIN), e.g. one placeInstalledPackage() made. */
  bin?: string;
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
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', ...opts.env })) {
    if (v !== undefined) env[k] = v;
  }
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // `<node> <bin>`, as the commands `cc-otel install` writes run it (absolute node, whatever PATH
    // has); the bin's own shebang is run by test/cli/artifact.test.ts.
    const child = spawn(process.execPath, [opts.bin ?? CC_OTEL_BIN, ...args], {
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
