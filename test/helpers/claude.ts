// Drive the real, pinned Claude Code binary (devDependency @anthropic-ai/claude-code) in a cleared
// environment against a mock model API. See docs: claude-code-facts.md §8.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in `<root>/test/helpers/`). */
export const REPO_ROOT: string = fileURLToPath(new URL('../../', import.meta.url));
/** The pinned binary — never `npx`, never a `claude` from PATH. */
export const CLAUDE_BIN: string = join(REPO_ROOT, 'node_modules', '.bin', 'claude');

export interface RunClaudeOptions {
  /** Temp directory used as HOME (settings go to `<home>/.claude/settings.json`). */
  home: string;
  /** Working directory (the "project"). */
  cwd: string;
  prompt: string;
  /** Base URL of the mock model API (ANTHROPIC_BASE_URL). */
  modelApiUrl: string;
  /** Extra variables; `undefined` removes one of the base variables. */
  env?: Record<string, string | undefined>;
  /** Extra CLI arguments after `-p <prompt> --allowedTools Bash`. */
  args?: string[];
  /** Kill the whole process group after this long. Default 45 000 ms. */
  timeoutMs?: number;
}

export interface ClaudeRunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** The exact environment the process got. */
  env: Record<string, string>;
  /** The exact argv after the binary. */
  args: string[];
}

/** The cleared environment: PATH, HOME, the mock API, a fake key, no nonessential traffic, + `extra`. */
export function buildClaudeEnv(
  home: string,
  modelApiUrl: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    ANTHROPIC_BASE_URL: modelApiUrl,
    ANTHROPIC_API_KEY: 'sk-test',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Run `claude -p <prompt> --allowedTools Bash [...args]` and collect its output. Never rejects on a
 *  non-zero exit or timeout — assert on the result (include `stderr` in the assertion message). */
export function runClaude(opts: RunClaudeOptions): Promise<ClaudeRunResult> {
  if (!existsSync(CLAUDE_BIN)) {
    return Promise.reject(new Error(`Claude Code binary not found at ${CLAUDE_BIN} — run npm install (devDependency @anthropic-ai/claude-code).`));
  }
  const env = buildClaudeEnv(opts.home, opts.modelApiUrl, opts.env);
  const args = ['-p', opts.prompt, '--allowedTools', 'Bash', ...(opts.args ?? [])];
  const timeoutMs = opts.timeoutMs ?? 45_000;
  const started = Date.now();

  return new Promise((resolve, reject) => {
    // detached: own process group, so a timeout kills Bash tool children and hooks too.
    const child = spawn(CLAUDE_BIN, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, timedOut, env, args });
    });
  });
}

/** Write `<home>/.claude/settings.json` (user settings); returns its path. */
export function writeClaudeSettings(home: string, settings: Record<string, unknown>): string {
  const dir = join(home, '.claude');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'settings.json');
  writeFileSync(path, `${JSON.stringify(settings, null, 2)}\n`);
  return path;
}

/** One-line summary of a run, for assertion messages. */
export function describeRun(r: ClaudeRunResult): string {
  return `claude exited ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''} after ${r.durationMs} ms\n` +
    `--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
