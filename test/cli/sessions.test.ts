import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runCcOtel, describeCcOtel } from '../helpers/cc-otel.js';
import { readProcStart } from '../../src/sessions/liveness.js';

// A real process stands in for a running Claude Code; its manifest carries its real procStart.
describe.skipIf(process.platform !== 'linux')('cc-otel sessions', () => {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  afterAll(() => { sleeper.kill('SIGKILL'); });

  it('lists the live session, a crashed one and a reused pid apart, and counts bad files', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cc-otel-sessions-cli-'));
    const dir = join(home, '.claude', 'sessions');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pid = sleeper.pid!;
    const procStart = readProcStart(pid)!;
    writeFileSync(join(dir, `${pid}.json`), JSON.stringify({ pid, sessionId: 'live-s', cwd: '/w/proj', startedAt: Date.now() - 120_000, procStart, version: '2.1.197', kind: 'interactive', entrypoint: 'sdk-cli', extra: true }));
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(join(dir, `${dead}.json`), JSON.stringify({ pid: dead, sessionId: 'dead-s', procStart: '1' }));
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ pid: process.pid, sessionId: 'reused-s', procStart: String(Number(readProcStart(process.pid)) + 7) }));
    writeFileSync(join(dir, '99.json'), '{"pid":99,"sess');
    symlinkSync('/etc/hostname', join(dir, '98.json'));

    const r = await runCcOtel(['sessions', '--json', '--all', '--no-cross-check'], { env: { HOME: home } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.live.map((s: { sessionId: string }) => s.sessionId)).toEqual(['live-s']);
    expect(out.live[0]).toMatchObject({ pid, project: 'proj', version: '2.1.197', entrypoint: 'sdk-cli', liveness: 'alive' });
    expect(out.live[0].ageSeconds).toBeGreaterThanOrEqual(119);
    expect(out.stale.map((s: { sessionId: string; liveness: string }) => [s.sessionId, s.liveness]).sort()).toEqual([['dead-s', 'dead'], ['reused-s', 'pid-reused']]);
    expect(out.skippedCount).toBe(2);
    expect(out.skipped.map((s: { reason: string }) => s.reason).sort()).toEqual(['not-json', 'symlink']);

    const text = await runCcOtel(['sessions', '--no-cross-check'], { env: { HOME: home } });
    expect(text.code, describeCcOtel(text)).toBe(0);
    expect(text.stdout).toMatch(/Live sessions \(1\):\n  live-s/);
    expect(text.stdout).toMatch(/Stale manifests \(2/);
  });

  it('says when claude is not on PATH for the cross-check', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cc-otel-sessions-cli-'));
    const r = await runCcOtel(['sessions', '--json'], { env: { HOME: home, PATH: '/nonexistent' } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ live: [], stale: [], crossCheck: { ran: false, reason: 'claude is not on PATH' } });
  });
});
