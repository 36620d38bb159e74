// The local event log: appends, rotation by size under a lock, the file listing the shipper reads,
// and the lock files themselves. Temp trees; concurrency across processes is in the e2e test.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { appendEventLine, listLogFiles, rotateLog } from '../../../src/events/event-log.js';
import { eventLogFile, eventLogLocation, eventLogPaths, shipEnabled } from '../../../src/events/paths.js';
import { CcOtelError } from '../../../src/errors.js';
import { holdsLock, lockHeld, releaseLock, touchLock, tryLock } from '../../../src/events/lock.js';
import { pidAlive } from '../../../src/process/pid.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
const tmp = () => {
  const d = makeTempDir('cc-otel-events');
  dirs.push(d);
  return d.path;
};
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const line = (i: number, pad = 0) => `${JSON.stringify({ id: `e${i}`, pad: 'x'.repeat(pad) })}\n`;
/** a pid that is certainly dead: a child that already exited */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('eventLogFile', () => {
  const ctx = { env: {}, homeDir: '/h', cwd: '/cwd' };
  it.each([
    [{}, {}, undefined, '/h/.claude/logs/hooks.jsonl'],
    [{}, { CLAUDE_CONFIG_DIR: '/cfg' }, undefined, '/cfg/logs/hooks.jsonl'],
    [{ events: { projectLog: true } }, { CLAUDE_PROJECT_DIR: '/p' }, undefined, '/p/.claude/logs/hooks.jsonl'],
    [{ events: { projectLog: true } }, {}, '/from-config', '/from-config/.claude/logs/hooks.jsonl'],
    [{ events: { projectLog: true } }, {}, undefined, '/cwd/.claude/logs/hooks.jsonl'],
    [{ events: { logFile: '~/.claude/logs/ev.jsonl' } }, {}, undefined, '/h/.claude/logs/ev.jsonl'],
    [{ events: { logFile: '~/.local/state/cc-otel/events/ev.jsonl' } }, {}, undefined, '/h/.local/state/cc-otel/events/ev.jsonl'],
    [{ events: { logFile: '/xdg/cc-otel/ev.jsonl' } }, { XDG_STATE_HOME: '/xdg' }, undefined, '/xdg/cc-otel/ev.jsonl'],
    [{ events: { logFile: '/cfg/logs/ev.jsonl' } }, { CLAUDE_CONFIG_DIR: '/cfg' }, undefined, '/cfg/logs/ev.jsonl'],
    [{ events: { logFile: '${CLAUDE_PROJECT_DIR}/.claude/logs/ev.jsonl' } }, { CLAUDE_PROJECT_DIR: '/p' }, undefined, '/p/.claude/logs/ev.jsonl'],
    [{ events: { logFile: '.claude/logs/ev.jsonl' } }, {}, '/proj', '/proj/.claude/logs/ev.jsonl'],
    [{ events: { logFile: '~/.claude/logs/ev.jsonl', projectLog: true } }, {}, undefined, '/h/.claude/logs/ev.jsonl'],
  ])('config %j env %j project %j → %s', (config, env, projectDir, want) => {
    expect(eventLogFile(config, { ...ctx, env }, projectDir)).toBe(want);
  });

  // issue #11: the hook runs in hostile repositories; the log must never land on a file of yours.
  it.each([
    ['~/.bashrc', {}],
    ['~/logs/ev.jsonl', {}],
    ['~/.claude/settings.json', {}],
    ['~/.claude/logs', {}], // the root itself is not a file in it
    ['~/.claude/logs/../../.profile', {}],
    ['/abs/ev.jsonl', {}],
    ['${CLAUDE_PROJECT_DIR}/x/ev.jsonl', { CLAUDE_PROJECT_DIR: '/p' }],
    ['${CLAUDE_PROJECT_DIR}/.claude/logs/../../.git/hooks/post-checkout', { CLAUDE_PROJECT_DIR: '/p' }],
    ['rel/ev.jsonl', {}],
    ['/p/.claude/logs/ev.jsonl', { CLAUDE_PROJECT_DIR: '/p' }], // the project's logs only for a path derived from the project
    ['/h/.config/cc-otel-evil/ev.jsonl', {}],
  ])('logFile %j (env %j) is refused, naming the path, the allowed roots and the fix', (logFile, env) => {
    let err: unknown;
    try {
      eventLogFile({ events: { logFile, rotateBytes: 4096 } }, { ...ctx, env });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CcOtelError);
    const e = err as CcOtelError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain(JSON.stringify(logFile));
    expect(e.message).toContain('/h/.claude/logs, /h/.config/cc-otel, /h/.cache/cc-otel, /h/.local/state/cc-otel, /h/.local/share/cc-otel');
    expect(e.hint).toMatch(/projectLog/);
  });

  it('eventLogLocation: the root the log must stay in, and what of it is trusted as it is', () => {
    expect(eventLogLocation({}, ctx)).toEqual({ log: '/h/.claude/logs/hooks.jsonl', scope: { root: '/h/.claude/logs', anchor: '/h/.claude/logs' } });
    expect(eventLogLocation({ events: { projectLog: true } }, { ...ctx, env: { CLAUDE_PROJECT_DIR: '/p' } })).toEqual({ log: '/p/.claude/logs/hooks.jsonl', scope: { root: '/p/.claude/logs', anchor: '/p' } });
    expect(eventLogLocation({ events: { logFile: '~/.cache/cc-otel/a/b.jsonl' } }, ctx).scope).toEqual({ root: '/h/.cache/cc-otel', anchor: '/h/.cache/cc-otel' });
  });

  it('keeps its bookkeeping beside the log', () => {
    expect(eventLogPaths('/l/hooks.jsonl')).toEqual({
      log: '/l/hooks.jsonl',
      dir: '/l',
      state: '/l/.hooks.jsonl.ship-state.json',
      shipLock: '/l/.hooks.jsonl.ship.lock',
      rotateLock: '/l/.hooks.jsonl.rotate.lock',
      startMarker: '/l/.hooks.jsonl.ship.starting',
      deadLetter: '/l/hooks.jsonl.rejected',
    });
  });

  it.each([
    [{}, false, false],
    [{ backend: 'local' }, true, true],
    [{ backend: 'local', events: { ship: false } }, true, false],
    [{ events: { ship: true } }, false, true],
  ])('shipEnabled(%j, configured=%j) → %j', (config, configured, want) => expect(shipEnabled(config, configured)).toBe(want));
});

describe('appendEventLine', () => {
  it('creates the directories (private) and the file (0600), one whole line per call', () => {
    const log = join(tmp(), 'a', 'b', 'hooks.jsonl');
    appendEventLine(log, line(1));
    appendEventLine(log, line(2));
    expect(readFileSync(log, 'utf8')).toBe(line(1) + line(2));
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(join(log, '..')).mode & 0o777).toBe(0o700);
  });

  it('after a torn last line (an append cut short), the next record starts on a new line (issue #12)', () => {
    const log = join(tmp(), 'hooks.jsonl');
    appendEventLine(log, line(1));
    writeFileSync(log, line(2).slice(0, 9), { flag: 'a' }); // what a short write on a full disk leaves
    appendEventLine(log, line(3));
    expect(readFileSync(log, 'utf8')).toBe(`${line(1)}${line(2).slice(0, 9)}\n${line(3)}`);
    // a whole last line: nothing added
    appendEventLine(log, line(4));
    expect(readFileSync(log, 'utf8').endsWith(`\n${line(3)}${line(4)}`)).toBe(true);
  });

  it('rotates past rotateBytes: hooks.jsonl → .1 → .2 …, keeping `keep` files', () => {
    const log = join(tmp(), 'hooks.jsonl');
    // ~100-byte lines: every second append crosses 200 bytes and rotates; the 13th starts a new file
    for (let i = 0; i < 13; i++) appendEventLine(log, line(i, 80), { rotateBytes: 200, keep: 3 });
    const files = listLogFiles(log).map((f) => f.slice(log.length));
    expect(files).toEqual(['.3', '.2', '.1', '']);
    const all = listLogFiles(log).map((f) => readFileSync(f, 'utf8')).join('');
    // every kept line whole, in order, oldest first; the oldest files were dropped
    const ids = all.trim().split('\n').map((l) => JSON.parse(l).id as string);
    expect(ids).toEqual(ids.slice().sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    expect(ids).toEqual(['e6', 'e7', 'e8', 'e9', 'e10', 'e11', 'e12']);
  });

  it('does not rotate a file someone else already rotated', () => {
    const log = join(tmp(), 'hooks.jsonl');
    appendEventLine(log, line(1, 300), { rotateBytes: 1 << 20 });
    const ino = statSync(log).ino;
    expect(rotateLog(log, { ino, rotateBytes: 100, keep: 5, now: Date.now() })).toBe(true);
    appendEventLine(log, line(2, 300), { rotateBytes: 1 << 20 });
    // a late rotator that still holds the old inode must leave the new file alone
    expect(rotateLog(log, { ino, rotateBytes: 100, keep: 5, now: Date.now() })).toBe(false);
    expect(listLogFiles(log).map((f) => f.slice(log.length))).toEqual(['.1', '']);
  });

  it('skips rotation while another process holds the rotate lock', () => {
    const log = join(tmp(), 'hooks.jsonl');
    const held = tryLock(eventLogPaths(log).rotateLock, Date.now(), 10_000, process.ppid)!;
    expect(held).toBeDefined();
    const r = appendEventLine(log, line(1, 500), { rotateBytes: 100 });
    expect(r.rotated).toBe(false);
    releaseLock(held);
    expect(appendEventLine(log, line(2), { rotateBytes: 100 }).rotated).toBe(true);
  });

  it('listLogFiles ignores unrelated files and sorts numerically', () => {
    const dir = tmp();
    const log = join(dir, 'hooks.jsonl');
    for (const f of ['hooks.jsonl', 'hooks.jsonl.2', 'hooks.jsonl.10', 'hooks.jsonl.1', 'hooks.jsonl.bak', '.hooks.jsonl.ship.lock', 'other.jsonl.1']) writeFileSync(join(dir, f), 'x\n');
    expect(listLogFiles(log).map((f) => f.slice(dir.length + 1))).toEqual(['hooks.jsonl.10', 'hooks.jsonl.2', 'hooks.jsonl.1', 'hooks.jsonl']);
    expect(listLogFiles(join(dir, 'nope', 'hooks.jsonl'))).toEqual([]);
  });
});

describe('lock files', () => {
  it('one holder at a time; released → free', () => {
    const path = join(tmp(), 'x.lock');
    const now = Date.now();
    const a = tryLock(path, now, 60_000)!;
    expect(a).toBeDefined();
    expect(holdsLock(a)).toBe(true);
    expect(tryLock(path, now, 60_000)).toBeUndefined();
    expect(lockHeld(path, now, 60_000)?.pid).toBe(process.pid);
    releaseLock(a);
    expect(existsSync(path)).toBe(false);
    expect(lockHeld(path, now, 60_000)).toBeUndefined();
  });

  it('takes over a lock whose holder died', () => {
    const path = join(tmp(), 'x.lock');
    const pid = deadPid();
    expect(pidAlive(pid)).toBe(false);
    writeFileSync(path, JSON.stringify({ pid, at: Date.now() }));
    const b = tryLock(path, Date.now(), 60_000)!;
    expect(b).toBeDefined();
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
  });

  it('takes over a live holder\'s lock only once it is older than staleMs; touch keeps it fresh', () => {
    const path = join(tmp(), 'x.lock');
    const t0 = Date.now();
    const a = tryLock(path, t0, 1000, process.ppid)!; // "another process", alive
    const old = new Date(t0 - 5000);
    utimesSync(path, old, old);
    writeFileSync(path, JSON.stringify({ pid: process.ppid, at: t0 - 5000 }));
    touchLock({ ...a, token: readFileSync(path, 'utf8') }, t0);
    expect(tryLock(path, t0, 1000)).toBeUndefined(); // touched: fresh
    utimesSync(path, old, old);
    const b = tryLock(path, t0, 1000);
    expect(b).toBeDefined();
    expect(holdsLock(a)).toBe(false); // the displaced holder can tell
  });

  it('garbage in a lock file: held briefly (being written), then stale', () => {
    const path = join(tmp(), 'x.lock');
    writeFileSync(path, '');
    const now = Date.now();
    expect(lockHeld(path, now, 60_000)).toBeDefined();
    expect(tryLock(path, now, 60_000)).toBeUndefined();
    const old = new Date(now - 10_000);
    utimesSync(path, old, old);
    expect(tryLock(path, now, 60_000)).toBeDefined();
  });
});
