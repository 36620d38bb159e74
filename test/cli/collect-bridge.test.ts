// `cc-otel collect --bridge` (the installed package, a real long-running process): with no
// configuration at all, the collector's own bridge stores cc.sessions.active/silent for a live
// session into the collector; `report` shows it under "live now", with its telemetry once it arrived.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRequests } from '../../src/collector/index.js';
import { readProcStart } from '../../src/sessions/liveness.js';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir } from '../helpers/tmp.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Gauge values of one metric the collector stored, in arrival order. */
function stored(dataDir: string, name: string): number[] {
  const out: number[] = [];
  for (const q of readRequests(dataDir, 'metrics'))
    for (const rm of (q.request.resourceMetrics ?? []) as Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string; gauge?: { dataPoints: Array<{ asInt?: string | number; asDouble?: number }> } }> }> }>)
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? []) if (m.name === name) for (const dp of m.gauge?.dataPoints ?? []) out.push(Number(dp.asInt ?? dp.asDouble));
  return out;
}

async function until<T>(what: string, ms: number, f: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(process.platform !== 'linux')('cc-otel collect --bridge', () => {
  it('zero configuration: the collector stores its own live-session gauges; report shows them under live now', async () => {
    const dir = makeTempDir('cc-otel-collect-bridge');
    cleanups.push(() => dir.cleanup());
    const home = join(dir.path, 'home');
    const dataDir = join(dir.path, 'data');
    const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
    cleanups.push(() => sleeper.kill('SIGKILL'));
    const sessions = join(home, '.claude', 'sessions');
    mkdirSync(sessions, { recursive: true, mode: 0o700 });
    writeFileSync(join(sessions, `${sleeper.pid}.json`), JSON.stringify({ pid: sleeper.pid, sessionId: 'live-c', cwd: '/w/zero', startedAt: Date.now() - 600_000, procStart: readProcStart(sleeper.pid!), version: '2.1.197', kind: 'interactive', entrypoint: 'cli' }));

    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: 'ada' };
    const child: ChildProcess = spawn(process.execPath, [CC_OTEL_BIN, 'collect', '--port', '0', '--no-grpc', '--data-dir', dataDir, '--bridge', '--bridge-interval', '1s'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    cleanups.push(() => new Promise<void>((r) => { if (child.exitCode !== null) return r(); child.once('exit', () => r()); child.kill('SIGTERM'); }));
    const url = await until(`the collector's address (stdout: ${out}, stderr: ${err})`, 15_000, () => /http (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]);

    await until(`cc.sessions.active stored (stderr: ${err})`, 15_000, () => (stored(dataDir, 'cc.sessions.active').includes(1) ? true : undefined));
    expect(stored(dataDir, 'cc.sessions.silent')[0]).toBe(1);
    // the tick logs once its export was answered, which can be just after the store has it
    await until(`the bridge's log line (stderr: ${err})`, 10_000, () => (/bridge: 1 live, 0 stale, 1 silent/.test(err) ? true : undefined));

    const r1 = await runCcOtel(['report', '--json', '--since', 'all', '--data-dir', dataDir], { env: { HOME: home } });
    expect(r1.code, describeCcOtel(r1)).toBe(0);
    expect(JSON.parse(r1.stdout).liveNow).toEqual({ stale: 0, live: [expect.objectContaining({ sessionId: 'live-c', project: 'zero', telemetry: false })] });

    // Claude Code's own metric for that session arrives: report says so, the bridge stops calling it silent.
    const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] }, scopeMetrics: [{ scope: { name: 'com.anthropic.claude_code' }, metrics: [{ name: 'claude_code.session.count', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asDouble: 1, timeUnixNano: String(Date.now() * 1e6), attributes: [{ key: 'session.id', value: { stringValue: 'live-c' } }] }] } }] }] }] };
    const res = await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    await until(`silent 0 stored (stderr: ${err})`, 15_000, () => (stored(dataDir, 'cc.sessions.silent').includes(0) ? true : undefined));
    const r2 = await runCcOtel(['report', '--since', 'all', '--data-dir', dataDir], { env: { HOME: home } });
    expect(r2.code, describeCcOtel(r2)).toBe(0);
    expect(r2.stdout).toMatch(/Live now on this machine: 1 session\n  live-c  zero  -  age 10m  telemetry arriving\n/);
  }, 60_000);
});
