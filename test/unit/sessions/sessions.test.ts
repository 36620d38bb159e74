import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  isSilent, livenessOf, loadManifests, loadSessions, modelFromTranscriptTail, parseManifest,
  parseProcStatStart, pidExists, readProcStart, sessionPoints, transcriptPath, type Session,
} from '../../../src/sessions/index.js';

const linux = process.platform === 'linux';

function home(): string {
  const h = mkdtempSync(join(tmpdir(), 'cc-otel-sessions-'));
  mkdirSync(join(h, '.claude', 'sessions'), { recursive: true, mode: 0o700 });
  return h;
}

describe('parseManifest', () => {
  it.each([
    ['2.1.197 full', { pid: 20205, sessionId: 'a61e', cwd: '/home/dev/proj', startedAt: 1795318708693, procStart: '117737', version: '2.1.197', peerProtocol: 1, kind: 'interactive', entrypoint: 'sdk-cli', name: 'proj-37', nameSource: 'derived' }, { pid: 20205, sessionId: 'a61e', cwd: '/home/dev/proj', procStart: '117737', version: '2.1.197', kind: 'interactive', entrypoint: 'sdk-cli', name: 'proj-37' }],
    ['older 2.1.1xx, no procStart/kind', { pid: 7, sessionId: 's1', cwd: '/p', startedAt: 1 }, { pid: 7, sessionId: 's1', cwd: '/p', startedAt: 1 }],
    ['unknown extra fields ignored', { pid: 8, sessionId: 's2', futureField: { x: 1 } }, { pid: 8, sessionId: 's2' }],
    ['numeric procStart normalised', { pid: 9, sessionId: 's3', procStart: 42 }, { pid: 9, sessionId: 's3', procStart: '42' }],
  ])('%s', (_n, raw, want) => {
    const got = parseManifest('/f.json', JSON.stringify(raw));
    expect(got).toMatchObject(want);
    expect(got).not.toHaveProperty('futureField');
    expect(got).not.toHaveProperty('peerProtocol');
  });

  it.each([
    ['truncated', '{"pid":1,"sessionId":"x', 'not-json'],
    ['not JSON', 'hello', 'not-json'],
    ['array', '[1]', 'unknown-shape'],
    ['no sessionId', '{"pid":1}', 'unknown-shape'],
    ['a sessionId that is a path', '{"pid":1,"sessionId":"../../.ssh/id_rsa"}', 'unknown-shape'],
    ['bad pid', '{"pid":-3,"sessionId":"x"}', 'unknown-shape'],
    ['null', 'null', 'unknown-shape'],
  ])('skips %s', (_n, text, reason) => {
    expect(parseManifest('/f.json', text)).toEqual({ skip: reason });
  });
});

describe('loadManifests', () => {
  it('skips and counts bad files and symlinks, never writes into the dir', () => {
    const h = home();
    const dir = join(h, '.claude', 'sessions');
    writeFileSync(join(dir, '1.json'), JSON.stringify({ pid: 1, sessionId: 'ok' }));
    writeFileSync(join(dir, '2.json'), '{"pid":2,');
    writeFileSync(join(dir, '3.json'), '"str"');
    const target = join(h, 'elsewhere.json');
    writeFileSync(target, JSON.stringify({ pid: 4, sessionId: 'via-link' }));
    symlinkSync(target, join(dir, '4.json'));
    mkdirSync(join(dir, '5.json'));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const before = readdirSync(dir).map((n) => [n, statSync(join(dir, n)).mtimeMs]);
    const scan = loadManifests(h);
    expect(scan.manifests.map((m) => m.sessionId)).toEqual(['ok']);
    expect(scan.skipped.map((s) => s.reason)).toEqual(['not-json', 'unknown-shape', 'symlink', 'not-a-file']);
    expect(readdirSync(dir).map((n) => [n, statSync(join(dir, n)).mtimeMs])).toEqual(before);
  });

  it('a missing sessions dir is an empty scan', () => {
    expect(loadManifests(mkdtempSync(join(tmpdir(), 'cc-otel-empty-')))).toEqual({ manifests: [], skipped: [] });
  });
});

describe('liveness', () => {
  it('parses field 22 even when comm has spaces and parens', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    expect(parseProcStatStart(`123 (a b) c) ${fields.join(' ')}`)).toBe('22');
  });

  it.skipIf(!linux)('a live pid with the same procStart is alive; a reused pid is not; a dead pid is dead', () => {
    const io = { pidExists, procStart: readProcStart, hasProc: true };
    const mine = readProcStart(process.pid);
    expect(mine).toMatch(/^\d+$/);
    expect(livenessOf({ pid: process.pid, procStart: mine! }, io)).toBe('alive');
    expect(livenessOf({ pid: process.pid, procStart: String(Number(mine) + 1) }, io)).toBe('pid-reused');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout);
    expect(livenessOf({ pid: deadPid, procStart: '1' }, io)).toBe('dead');
  });

  it.skipIf(!linux)('loadSessions reads the model from the transcript tail of a live session', () => {
    const h = home();
    const cwd = '/work/some/proj';
    writeFileSync(join(h, '.claude', 'sessions', `${process.pid}.json`),
      JSON.stringify({ pid: process.pid, sessionId: 'live-1', cwd, procStart: readProcStart(process.pid), version: '2.1.197' }));
    const tp = transcriptPath(h, cwd, 'live-1');
    expect(tp).toBe(join(h, '.claude', 'projects', '-work-some-proj', 'live-1.jsonl'));
    mkdirSync(join(tp, '..'), { recursive: true });
    const filler = JSON.stringify({ type: 'user', message: { content: 'x'.repeat(1000) } });
    writeFileSync(tp, [JSON.stringify({ type: 'assistant', message: { model: 'old-model' } }), ...Array(200).fill(filler),
      JSON.stringify({ type: 'assistant', message: { model: 'claude-sonnet-4-5' } }), filler, ''].join('\n'));
    const { sessions } = loadSessions(h);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ sessionId: 'live-1', liveness: 'alive', model: 'claude-sonnet-4-5' });
  });
});

describe('transcript tail', () => {
  it('takes the last assistant model and survives a partial first line', () => {
    expect(modelFromTranscriptTail('del":"x"}}\n{"type":"assistant","message":{"model":"m1"}}\n{"type":"user"}\n')).toBe('m1');
    expect(modelFromTranscriptTail('{"type":"user"}\n')).toBeUndefined();
  });
});

describe('silent rule and points', () => {
  const base = (o: Partial<Session>): Session => ({ file: '/f', pid: 1, sessionId: 's', liveness: 'alive', startedAt: 0, ...o });

  it.each([
    ['alive past grace, no telemetry', base({}), 100, new Set<string>(), true],
    ['alive past grace, telemetry arrived', base({}), 100, new Set(['s']), false],
    ['within grace', base({ startedAt: 50 }), 100, new Set<string>(), false],
    ['stale is never silent', base({ liveness: 'dead' }), 100, new Set<string>(), false],
    ['backend cannot be asked', base({}), 100, undefined, false],
  ])('%s', (_n, s, now, seen, want) => {
    expect(isSilent(s, now, 60, seen)).toBe(want);
  });

  it('groups active by attributes, counts stale, exports per-session alive when silence is undecidable', () => {
    const sessions = [
      base({ sessionId: 'a', version: '2.1.197', entrypoint: 'sdk-cli', kind: 'interactive', cwd: '/x/proj', model: 'm' }),
      base({ sessionId: 'b', version: '2.1.197', entrypoint: 'sdk-cli', kind: 'interactive', cwd: '/y/proj', model: 'm' }),
      base({ sessionId: 'c', liveness: 'pid-reused' }),
    ];
    expect(sessionPoints(sessions, { nowMs: 100, graceMs: 60 })).toEqual([
      { name: 'cc.sessions.active', value: 2, attributes: { version: '2.1.197', entrypoint: 'sdk-cli', kind: 'interactive', project: 'proj', model: 'm' } },
      { name: 'cc.sessions.stale', value: 1, attributes: {} },
      { name: 'cc.session.alive', value: 1, attributes: { 'session.id': 'a' } },
      { name: 'cc.session.alive', value: 1, attributes: { 'session.id': 'b' } },
    ]);
    expect(sessionPoints([base({ liveness: 'dead' })], { nowMs: 100, graceMs: 60, seenSessionIds: new Set() })).toEqual([
      { name: 'cc.sessions.active', value: 0, attributes: {} },
      { name: 'cc.sessions.stale', value: 1, attributes: {} },
      { name: 'cc.sessions.silent', value: 0, attributes: {} },
    ]);
  });
});

describe('liveness without /proc (macOS): the process start time from ps', () => {
  it('parses `ps -o pid=,lstart=` and decides reused pids by start time', async () => {
    const { parsePsStartTimes } = await import('../../../src/sessions/liveness.js');
    const m = parsePsStartTimes('  501 Fri Dec  4 20:49:41 2026\n 7 Thu Jan  1 00:00:05 2026\ngarbage\n');
    expect([...m.keys()]).toEqual([501, 7]);
    expect(m.get(501)).toBe(new Date(2026, 11, 4, 20, 49, 41).getTime());
    const at = new Date(2026, 11, 4, 20, 49, 41).getTime();
    const io = { pidExists: () => true, procStart: () => undefined, hasProc: false, startMs: (pid: number) => m.get(pid) };
    expect(livenessOf({ pid: 501, startedAt: at + 700 }, io)).toBe('alive'); // the process started, then wrote the manifest
    expect(livenessOf({ pid: 501, startedAt: at - 60_000 }, io)).toBe('pid-reused'); // a process started after the session
    expect(livenessOf({ pid: 99, startedAt: at }, io)).toBe('alive'); // ps did not know it: the pid decides
    expect(livenessOf({ pid: 501 }, io)).toBe('alive'); // no startedAt: the pid decides
  });

  it.skipIf(!linux)('psStartTimes asks the real ps (procps here) for several pids at once, a dead one left out', async () => {
    const { psStartTimes } = await import('../../../src/sessions/liveness.js');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const t = psStartTimes([process.pid, Number(child.stdout)]);
    expect([...t.keys()]).toEqual([process.pid]);
    const mine = t.get(process.pid)!;
    expect(mine).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - mine).toBeLessThan(10 * 60_000);
    expect(livenessOf({ pid: process.pid, startedAt: Date.now() }, { pidExists, procStart: readProcStart, hasProc: false, startMs: (p) => t.get(p) })).toBe('alive');
    expect(livenessOf({ pid: process.pid, startedAt: mine - 3_600_000 }, { pidExists, procStart: readProcStart, hasProc: false, startMs: (p) => t.get(p) })).toBe('pid-reused');
  });
});
