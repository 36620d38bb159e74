// issue #11: the hook runs in every directory Claude Code opens, hostile repositories included, and
// other local users may plant files. The event log is appended to, rotated and pruned only when it is
// a regular file of the user's that cc-otel wrote, in a directory nobody else can write, inside its
// allowed root. Each case checks that the planted target is byte-for-byte (and mode-for-mode)
// unchanged. These tests run as root here: root can write anything, so "someone else's" is a chown
// to nobody (65534).
import { afterEach, describe, expect, it } from 'vitest';
import { trustProject } from '../../helpers/trust.js';
import { chmodSync, chownSync, closeSync, constants, existsSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { appendEventLine, listLogFiles, rotateLog } from '../../../src/events/event-log.js';
import { rotateKeepingUnshipped } from '../../../src/events/retention.js';
import { recordHookEvent } from '../../../src/events/hook-recorder.js';
import { makeContext } from '../../../src/context.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
const tmp = () => {
  const d = makeTempDir('cc-otel-filesafety');
  dirs.push(d);
  return d.path;
};
const NOBODY = 65534;
const line = (i: number, pad = 0) => `${JSON.stringify({ id: `E${i}`, time: '2026-01-01T00:00:00.000Z', event: 'Stop', v: 1, pad: 'x'.repeat(pad) })}\n`;
const BASHRC = '# ~/.bashrc\nexport PATH="$HOME/bin:$PATH"\nalias ll="ls -l"\n';

/** bytes, mode, owner and link count of a file (what "unchanged" means) */
const snapshot = (p: string) => {
  const st = lstatSync(p);
  return { bytes: readFileSync(p).toString('base64'), mode: st.mode, uid: st.uid, nlink: st.nlink };
};
/** the error thrown by `f`, or undefined */
const thrown = (f: () => unknown): (Error & { code?: string; hint?: string }) | undefined => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  return undefined;
};

describe('appending to the event log (issue #11)', () => {
  it('a symlink planted at hooks.jsonl is refused, not followed: its target is unchanged', () => {
    const d = tmp();
    const target = join(d, 'victim');
    writeFileSync(target, BASHRC, { mode: 0o644 });
    chmodSync(target, 0o644);
    mkdirSync(join(d, 'logs'), { mode: 0o700 });
    const log = join(d, 'logs', 'hooks.jsonl');
    symlinkSync(target, log);
    const before = snapshot(target);
    const e = thrown(() => appendEventLine(log, line(1)));
    expect(snapshot(target)).toEqual(before);
    expect(readlinkSync(log)).toBe(target);
    expect(e?.code).toBe('UNSAFE_FILE');
    expect(e?.message).toMatch(/symbolic link/);
  });

  it('a FIFO planted at hooks.jsonl is refused: nothing goes into the pipe (and without a reader the open cannot block: O_NONBLOCK)', () => {
    const d = tmp();
    const log = join(d, 'hooks.jsonl');
    expect(spawnSync('mkfifo', [log]).status).toBe(0);
    // With a reader the old open('a') would succeed and write the line into the pipe.
    const reader = openSync(log, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const e = thrown(() => appendEventLine(log, line(1)));
      let got = 0;
      try {
        got = readSync(reader, Buffer.alloc(4096));
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('EAGAIN'); // empty pipe
      }
      expect(got).toBe(0);
      expect(e?.code).toBe('UNSAFE_FILE');
      expect(e?.message).toMatch(/FIFO/);
    } finally {
      closeSync(reader);
    }
    // No reader: refused at once (ENXIO), not blocked.
    expect(thrown(() => appendEventLine(log, line(2)))?.code).toBe('UNSAFE_FILE');
  });

  it('a hard link to another file is refused (nlink 2): the other file is unchanged', () => {
    const d = tmp();
    const target = join(d, 'victim');
    writeFileSync(target, line(0)); // even one that looks like a log
    const log = join(d, 'hooks.jsonl');
    linkSync(target, log);
    const before = snapshot(target);
    const e = thrown(() => appendEventLine(log, line(1)));
    expect(snapshot(target)).toEqual(before);
    expect(e?.code).toBe('UNSAFE_FILE');
    expect(e?.message).toMatch(/hard link/);
  });

  it("someone else's file at hooks.jsonl is refused, not chmod'ed", () => {
    const d = tmp();
    const log = join(d, 'hooks.jsonl');
    writeFileSync(log, line(0));
    chmodSync(log, 0o666);
    chownSync(log, NOBODY, NOBODY);
    const before = snapshot(log);
    const e = thrown(() => appendEventLine(log, line(1)));
    expect(snapshot(log)).toEqual(before);
    expect(e?.code).toBe('UNSAFE_FILE');
    expect(e?.message).toMatch(/belongs to uid 65534/);
  });

  it('an existing file that is not a cc-otel log is refused (a dotfile, another tool\'s JSONL); ours, empty or with reordered keys, is appended to', () => {
    const d = tmp();
    for (const [name, content] of [
      ['shell', BASHRC],
      ['json', '{"ts":"2026-01-01","hook":"Stop"}\n'],
      ['short', '{"i'],
      ['binary', '\u0000\u0001\u0002'],
    ] as const) {
      const log = join(d, `${name}.jsonl`);
      writeFileSync(log, content);
      chmodSync(log, 0o644);
      const before = snapshot(log);
      const e = thrown(() => appendEventLine(log, line(1)));
      expect(snapshot(log), name).toEqual(before);
      expect(e?.code, name).toBe('UNSAFE_FILE');
      expect(e?.message).toMatch(/is not the event log/);
      expect(e?.hint).toMatch(/logFile/);
    }
    const empty = join(d, 'empty.jsonl');
    writeFileSync(empty, '');
    appendEventLine(empty, line(1));
    expect(readFileSync(empty, 'utf8')).toBe(line(1));
    const sorted = join(d, 'sorted.jsonl');
    const first = `${JSON.stringify({ event: 'Stop', id: 'E0', time: '2026-01-01T00:00:00.000Z', v: 1 })}\n`; // jq -S
    writeFileSync(sorted, first);
    appendEventLine(sorted, line(1));
    expect(readFileSync(sorted, 'utf8')).toBe(first + line(1));
    expect(statSync(sorted).mode & 0o777).toBe(0o600); // tightened: it is ours
  });

  it('a directory others can write (0777, 1777) is refused; so is one of another user', () => {
    const d = tmp();
    for (const mode of [0o777, 0o1777, 0o775, 0o757]) {
      const dir = join(d, `logs-${mode.toString(8)}`);
      mkdirSync(dir);
      chmodSync(dir, mode);
      const e = thrown(() => appendEventLine(join(dir, 'hooks.jsonl'), line(1)));
      expect(readdirSync(dir), mode.toString(8)).toEqual([]);
      expect(e?.code, mode.toString(8)).toBe('UNSAFE_FILE');
      expect(e?.message).toMatch(/is writable by/);
      expect(e?.hint).toContain(`chmod 700 ${dir}`);
    }
    const theirs = join(d, 'theirs');
    mkdirSync(theirs, { mode: 0o755 });
    chownSync(theirs, NOBODY, NOBODY);
    const e = thrown(() => appendEventLine(join(theirs, 'hooks.jsonl'), line(1)));
    expect(readdirSync(theirs)).toEqual([]);
    expect(e?.message).toMatch(/belongs to uid 65534/);
  });

  it('directories cc-otel creates are 0700 whatever the umask (chmod, not only mkdir mode)', () => {
    const d = join(tmp(), 'existing');
    mkdirSync(d, { mode: 0o755 });
    const log = join(d, 'a', 'b', 'c', 'hooks.jsonl');
    const old = process.umask(0o277); // mkdir(0700) alone would give 0500
    try {
      appendEventLine(log, line(1));
    } finally {
      process.umask(old);
    }
    for (const dir of ['a', 'a/b', 'a/b/c']) expect(statSync(join(d, dir)).mode & 0o7777, dir).toBe(0o700);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(d).mode & 0o7777).toBe(0o755); // not created by cc-otel: left as it was
  });
});

describe('projectLog in a hostile repository (issue #11)', () => {
  function world(claudeDir: (proj: string, elsewhere: string) => void) {
    const d = tmp();
    const home = join(d, 'home');
    const proj = join(d, 'proj');
    const elsewhere = join(d, 'elsewhere');
    for (const p of [home, proj, elsewhere]) mkdirSync(p, { mode: 0o755 });
    writeFileSync(join(proj, '.cc-otel.json'), JSON.stringify({ events: { projectLog: true } }));
    claudeDir(proj, elsewhere);
    const problems: string[] = [];
    const ctx = makeContext({ env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj }, cwd: proj, homeDir: home, now: () => Date.UTC(2026, 5, 1) });
    // The user's own project (trusted): projectLog applies, so the log directory's checks are what is tested.
    trustProject(proj, ctx);
    const rec = () => recordHookEvent({ ctx, arg: 'stop', input: { session_id: 's' }, startedAt: ctx.now(), cliPath: join(d, 'nope.cjs'), log: (m) => void problems.push(m) });
    return { proj, elsewhere, rec, problems };
  }

  it('a symlinked <project>/.claude pointing elsewhere is refused: nothing is created or written through it', async () => {
    const w = world((proj, elsewhere) => symlinkSync(elsewhere, join(proj, '.claude')));
    const r = await w.rec();
    expect(readdirSync(w.elsewhere)).toEqual([]);
    expect(r).toBeUndefined();
    expect(w.problems.join('\n')).toMatch(/real path is .*elsewhere.*outside .*proj\/\.claude\/logs/);
  });

  it('a symlinked <project>/.claude/logs pointing at an existing log directory is refused, its log unchanged', async () => {
    const w = world((proj, elsewhere) => {
      mkdirSync(join(proj, '.claude'));
      writeFileSync(join(elsewhere, 'hooks.jsonl'), line(0));
      symlinkSync(elsewhere, join(proj, '.claude', 'logs'));
    });
    const before = snapshot(join(w.elsewhere, 'hooks.jsonl'));
    const r = await w.rec();
    expect(snapshot(join(w.elsewhere, 'hooks.jsonl'))).toEqual(before);
    expect(r).toBeUndefined();
    expect(w.problems.join('\n')).toMatch(/outside .*proj\/\.claude\/logs/);
  });

  it('a real <project>/.claude/logs (say from git, 0755) is used', async () => {
    const w = world((proj) => mkdirSync(join(proj, '.claude', 'logs'), { recursive: true, mode: 0o755 }));
    expect((await w.rec())?.path).toBe(join(w.proj, '.claude', 'logs', 'hooks.jsonl'));
    expect(w.problems).toEqual([]);
  });
});

describe('rotation and retention touch only files cc-otel wrote (issue #11)', () => {
  function rotatedWorld() {
    const d = tmp();
    const dir = join(d, 'logs');
    mkdirSync(dir, { mode: 0o700 });
    const log = join(dir, 'hooks.jsonl');
    return { d, dir, log };
  }
  const names = (log: string) => listLogFiles(log).map((f) => f.slice(log.length));

  it.each([
    ['a symlink', (file: string, target: string) => symlinkSync(target, file)],
    ['a file that is not a cc-otel log', (file: string) => writeFileSync(file, BASHRC)],
    ["someone else's log", (file: string) => (writeFileSync(file, line(9)), chownSync(file, NOBODY, NOBODY))],
    ['a hard link', (file: string, target: string) => linkSync(target, file)],
  ])('%s among the rotated files: the rotation is refused, nothing renamed or deleted', (_what, plant) => {
    const w = rotatedWorld();
    const target = join(w.d, 'victim');
    writeFileSync(target, BASHRC);
    writeFileSync(`${w.log}.1`, line(1));
    plant(`${w.log}.2`, target); // beyond keep = 1: the old code deleted it
    writeFileSync(w.log, line(2, 300));
    const before = { log: snapshot(w.log), one: snapshot(`${w.log}.1`), two: lstatSync(`${w.log}.2`).ino, target: snapshot(target) };
    const e = thrown(() => rotateLog(w.log, { rotateBytes: 100, keep: 1, now: Date.now() }));
    expect(names(w.log)).toEqual(['.2', '.1', '']);
    expect({ log: snapshot(w.log), one: snapshot(`${w.log}.1`), two: lstatSync(`${w.log}.2`).ino, target: snapshot(target) }).toEqual(before);
    expect(e?.code).toBe('UNSAFE_FILE');
    expect(e?.message).toContain(`${w.log}.2`);
    // The same through retention (shipping on): refused, the hook logs it.
    expect(thrown(() => rotateKeepingUnshipped(w.log, { rotateBytes: 100, keep: 1, now: Date.now() }))?.code).toBe('UNSAFE_FILE');
    expect(names(w.log)).toEqual(['.2', '.1', '']);
  });

  it('a current log that is not ours (a dotfile) is never renamed away', () => {
    const w = rotatedWorld();
    writeFileSync(w.log, BASHRC.repeat(10));
    const before = snapshot(w.log);
    const e = thrown(() => rotateLog(w.log, { rotateBytes: 100, keep: 5, now: Date.now() }));
    expect(existsSync(`${w.log}.1`)).toBe(false);
    expect(snapshot(w.log)).toEqual(before);
    expect(e?.code).toBe('UNSAFE_FILE');
  });

  it('our own files rotate as before', () => {
    const w = rotatedWorld();
    for (let i = 0; i < 6; i++) appendEventLine(w.log, line(i, 80), { rotateBytes: 200, keep: 2 });
    expect(names(w.log)).toEqual(['.2', '.1']);
    expect(readFileSync(`${w.log}.1`, 'utf8')).toBe(line(4, 80) + line(5, 80));
  });
});
