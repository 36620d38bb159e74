// issue #11 through the real hook (bin/cc-otel.js, a cleared environment, a temp HOME): the hook runs
// in every directory Claude Code opens, and what it appends to must be a file cc-otel owns. For each
// planted file the target stays byte-for-byte (and mode-for-mode) unchanged, the refusal is logged,
// and the hook still exits 0 with nothing on stdout — quickly, even with a FIFO in the way.
// These run as root here: "someone else's" would need a chown; the unit tests do that.
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel, type RunCcOtelOptions } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const SID = '7d4b9a1e-2c3f-4e5a-8b6c-0123456789ab';
const BASHRC = `# ~/.bashrc\nexport PATH="$HOME/bin:$PATH"\n${'alias ll="ls -l"  # padding past rotateBytes\n'.repeat(120)}`;
const dirs: Array<{ cleanup(): void }> = [];
const pwned: string[] = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
  for (const p of pwned) rmSync(p, { force: true });
});

interface World {
  root: string;
  home: string;
  proj: string;
  bashrc: string;
  logDir: string;
  log: string;
  errorLog: string;
  env: Record<string, string>;
}

/** A temp HOME with ~/.bashrc and the USER config `config` (~/.config/cc-otel/config.json); a project without one. */
function world(config: Record<string, unknown>): World {
  const dir = makeTempDir('cc-otel-files');
  dirs.push(dir);
  const root = dir.path;
  const home = join(root, 'home');
  const proj = join(root, 'proj');
  writeTree(root, {
    'home/.bashrc': { content: BASHRC, mode: 0o644 },
    'home/.config/cc-otel/config.json': `${JSON.stringify(config, null, 2)}\n`,
    'proj/README.md': 'a repository\n',
  });
  const logDir = join(home, '.claude', 'logs');
  return { root, home, proj, bashrc: join(home, '.bashrc'), logDir, log: join(logDir, 'hooks.jsonl'), errorLog: join(home, '.local', 'state', 'cc-otel', 'errors.log'), env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj } };
}

const input = (event: string) => JSON.stringify({ session_id: SID, cwd: '/somewhere', hook_event_name: event, tool_name: 'Bash', tool_use_id: 'toolu_1' });
function hook(w: World, arg: string, event: string, opts: Omit<RunCcOtelOptions, 'env'> & { env?: Record<string, string | undefined> } = {}) {
  return runCcOtel(['hook', arg], { cwd: w.proj, input: input(event), timeoutMs: 10_000, ...opts, env: { ...w.env, ...opts.env } });
}
/** bytes, mode, inode and link count: what "unchanged" means */
const snapshot = (p: string) => {
  const st = lstatSync(p);
  return { bytes: readFileSync(p, 'utf8'), mode: st.mode, ino: st.ino, nlink: st.nlink };
};
const errorLines = (w: World): Array<{ command: string; code?: string; message: string; hint?: string }> =>
  existsSync(w.errorLog) && lstatSync(w.errorLog).isFile()
    ? readFileSync(w.errorLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : [];

describe('the hook never writes outside its files (issue #11, real process)', () => {
  test('events.logFile "~/.bashrc" (user config, rotateBytes 4096, team "$(touch …)"): ~/.bashrc unchanged and not renamed, nothing runs when it is sourced', async () => {
    const marker = join(tmpdir(), `PWNED-${process.pid}-${Date.now().toString(36)}`);
    pwned.push(marker);
    const w = world({ team: `$(touch ${marker})`, events: { logFile: '~/.bashrc', rotateBytes: 4096 } });
    const before = snapshot(w.bashrc);
    const runs = [];
    for (const [arg, event] of [['stop', 'Stop'], ['pre-tool-use', 'PreToolUse'], ['stop', 'Stop']] as const) runs.push({ arg, r: await hook(w, arg, event) });
    // What a login shell would do next: source it (and the old code's rotated copy, had there been one).
    const sh = spawnSync('bash', ['--norc', '--noprofile', '-c', '. "$HOME/.bashrc" 2>/dev/null; [ -f "$HOME/.bashrc.1" ] && . "$HOME/.bashrc.1" 2>/dev/null; true'], { env: { HOME: w.home, PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: 'ignore' });
    expect(sh.status).toBe(0);
    expect(existsSync(marker), 'the team value ran as a command').toBe(false);
    expect(existsSync(`${w.bashrc}.1`), '~/.bashrc was rotated away').toBe(false);
    expect(snapshot(w.bashrc)).toEqual(before);
    for (const { arg, r } of runs) {
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
      // A decision hook prints nothing at all; Stop says it on stderr too.
      if (arg === 'pre-tool-use') expect(r.stderr).toBe('');
      else expect(r.stderr).toContain('.bashrc');
    }
    const log = errorLines(w);
    expect(log.length).toBe(3);
    expect(log[0]).toMatchObject({ command: 'hook stop', code: 'CONFIG_INVALID', message: expect.stringContaining(`resolves to ${w.bashrc}, outside`), hint: expect.stringMatching(/projectLog/) });
    expect(log[1]).toMatchObject({ command: 'hook pre-tool-use', code: 'CONFIG_INVALID' });
    expect(existsSync(w.log)).toBe(false); // and nothing written in its place
  });

  test.each([
    ['a symlink to ~/.bashrc', (w: World) => symlinkSync(w.bashrc, w.log), /symbolic link/],
    ['a hard link to ~/.bashrc', (w: World) => linkSync(w.bashrc, w.log), /hard links/],
    ['a FIFO', (w: World) => void expect(spawnSync('mkfifo', [w.log]).status).toBe(0), /FIFO/],
  ])('%s planted at ~/.claude/logs/hooks.jsonl: refused, ~/.bashrc unchanged, the hook does not block', async (_what, plant, why) => {
    const w = world({ team: 'platform' });
    mkdirSync(w.logDir, { recursive: true, mode: 0o700 });
    plant(w);
    const before = snapshot(w.bashrc);
    for (const [arg, event] of [['pre-tool-use', 'PreToolUse'], ['stop', 'Stop']] as const) {
      const r = await hook(w, arg, event);
      expect(r.timedOut, describeCcOtel(r)).toBe(false);
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.durationMs).toBeLessThan(5_000);
    }
    expect(snapshot(w.bashrc)).toEqual(before);
    const log = errorLines(w);
    expect(log).toHaveLength(2);
    for (const l of log) expect(l).toMatchObject({ code: 'UNSAFE_FILE', message: expect.stringMatching(why) });
  });

  test('a 0777 ~/.claude/logs is refused: nothing written in it, the refusal logged', async () => {
    const w = world({ team: 'platform' });
    mkdirSync(w.logDir, { recursive: true });
    chmodSync(w.logDir, 0o777);
    const r = await hook(w, 'stop', 'Stop');
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(existsSync(w.log)).toBe(false);
    expect(errorLines(w)).toEqual([expect.objectContaining({ code: 'UNSAFE_FILE', message: expect.stringMatching(/writable by group and others \(mode 0777\)/), hint: expect.stringContaining(`chmod 700 ${w.logDir}`) })]);
  });

  test('a symlink planted at errors.log: its target unchanged; the refusal is said on stderr', async () => {
    const w = world({ team: 'platform' });
    const state = join(w.home, '.local', 'state', 'cc-otel');
    mkdirSync(state, { recursive: true, mode: 0o700 });
    symlinkSync(w.bashrc, w.errorLog);
    const before = snapshot(w.bashrc);
    const r = await hook(w, 'stop', 'Stop', { input: 'not json' }); // something to log
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(snapshot(w.bashrc)).toEqual(before);
    expect(r.stderr).toMatch(/refusing to write the error log .*errors\.log: it is a symbolic link/);
    expect(existsSync(w.log)).toBe(true); // the event itself is still recorded
  });

  test('a symlink planted at $CLAUDE_ENV_FILE: its target unchanged, mode too (not chmod 0600); logged', async () => {
    const w = world({ backend: 'otlp', endpoint: 'http://127.0.0.1:9', team: 'platform', events: { ship: false } });
    const envDir = join(w.home, '.claude', 'session-env', SID);
    mkdirSync(envDir, { recursive: true });
    const envFile = join(envDir, 'sessionstart-hook-0.sh');
    symlinkSync(w.bashrc, envFile);
    const before = snapshot(w.bashrc);
    const r = await hook(w, 'session-start', 'SessionStart', { env: { CLAUDE_ENV_FILE: envFile } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(snapshot(w.bashrc)).toEqual(before);
    expect(statSync(w.bashrc).mode & 0o777).toBe(0o644);
    expect(errorLines(w)).toEqual([expect.objectContaining({ command: 'hook session-start', code: 'UNSAFE_FILE', message: expect.stringMatching(/\$CLAUDE_ENV_FILE .*symbolic link/) })]);
  });

  test('directories cc-otel creates are 0700 even under umask 0277 (the event log, the error log)', async () => {
    const w = world({ team: 'platform' });
    const old = process.umask(0o277); // the child inherits it at spawn (synchronous in runCcOtel)
    let run;
    try {
      run = hook(w, 'stop', 'Stop', { input: 'not json' }); // something for the error log too
    } finally {
      process.umask(old);
    }
    const r = await run;
    expect(r.code, describeCcOtel(r)).toBe(0);
    for (const d of ['.claude', '.claude/logs', '.local', '.local/state', '.local/state/cc-otel']) expect((statSync(join(w.home, d)).mode & 0o7777).toString(8), d).toBe('700');
    expect(statSync(w.log).mode & 0o777).toBe(0o600);
    expect(statSync(w.errorLog).mode & 0o777).toBe(0o600);
  });
});
