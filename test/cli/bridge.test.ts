// `cc-otel bridge --once` of the installed package against real peers: a real OTLP receiver (auth
// header, engineer/team/org resource, every instrument, started counted once across runs, both
// temporalities), the embedded collector (the silent rule), a dead endpoint, no configuration.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRequests, startCollector, type RunningCollector } from '../../src/collector/index.js';
import { readProcStart } from '../../src/sessions/liveness.js';
import { CC_OTEL_BIN, runCcOtel, describeCcOtel } from '../helpers/cc-otel.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir } from '../helpers/tmp.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A HOME with a live session (a real process and its real procStart), a crashed one, and two bad files. */
function world(sleeperPid: number, config: Record<string, unknown>): { home: string; sessions: string } {
  const dir = makeTempDir('cc-otel-bridge-cli');
  cleanups.push(() => dir.cleanup());
  const home = dir.path;
  const sessions = join(home, '.claude', 'sessions');
  mkdirSync(sessions, { recursive: true, mode: 0o700 });
  mkdirSync(join(home, '.config', 'cc-otel'), { recursive: true });
  writeFileSync(join(home, '.config', 'cc-otel', 'config.json'), JSON.stringify(config));
  const procStart = readProcStart(sleeperPid)!;
  writeFileSync(join(sessions, `${sleeperPid}.json`), JSON.stringify({ pid: sleeperPid, sessionId: 'live-s', cwd: '/w/proj', startedAt: Date.now() - 600_000, procStart, version: '2.1.197', kind: 'interactive', entrypoint: 'sdk-cli', peerProtocol: 1 }));
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  writeFileSync(join(sessions, `${dead}.json`), JSON.stringify({ pid: dead, sessionId: 'dead-s', procStart: '1', version: '2.1.197' }));
  writeFileSync(join(sessions, '99.json'), '{"pid":99,"sess');
  symlinkSync('/etc/hostname', join(sessions, '98.json'));
  return { home, sessions };
}

const listing = (dir: string) => readdirSync(dir).sort().map((n) => `${n}:${statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 'link'}`);

describe.skipIf(process.platform !== 'linux')('cc-otel bridge --once', () => {
  let rx: OtlpReceiver;
  const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
  beforeAll(async () => {
    rx = await startOtlpReceiver();
    cleanups.push(() => rx.close(), () => sleeper.kill('SIGKILL'));
  });

  const otlp = (extra: Record<string, unknown> = {}) => ({ backend: 'otlp', endpoint: rx.url, header: 'authorization', headerValue: 'Bearer {key}', key: ['env:BRIDGE_KEY'], team: 'platform', org: 'acme', ...extra });

  it('delivers active 1, stale 1, the per-session liveness and one start per id, with the auth header and engineer/team/org', async () => {
    rx.reset();
    const { home, sessions } = world(sleeper.pid!, otlp());
    const before = listing(sessions);
    const env = { HOME: home, USER: 'ada', BRIDGE_KEY: 'k-bridge-1' };
    const r1 = await runCcOtel(['bridge', '--once', '--json'], { env });
    expect(r1.code, describeCcOtel(r1)).toBe(0);
    expect(r1.stdout).not.toContain('k-bridge-1');
    const tick = JSON.parse(r1.stdout);
    expect(tick).toMatchObject({ live: 1, stale: 1, skipped: 2, export: { ok: true } });
    expect(tick.started.sort()).toEqual(['dead-s', 'live-s']);

    const reqs = rx.bySignal('metrics');
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.headers.authorization).toBe('Bearer k-bridge-1');
    const active = rx.dataPoints('cc.sessions.active');
    expect(active.map((p) => [p.value, p.attributes])).toEqual([[1, { version: '2.1.197', entrypoint: 'sdk-cli', kind: 'interactive', project: 'proj' }]]);
    expect(active[0]!.type).toBe('gauge');
    expect(active[0]!.resource).toMatchObject({ engineer: 'ada', team: 'platform', org: 'acme', 'service.name': 'cc-otel-bridge' });
    expect(rx.dataPoints('cc.sessions.stale').map((p) => p.value)).toEqual([1]);
    expect(rx.dataPoints('cc.session.alive').map((p) => [p.value, p.attributes])).toEqual([[1, { 'session.id': 'live-s' }]]);
    expect(rx.dataPoints('cc.sessions.silent')).toEqual([]); // not the embedded collector: undecidable here
    const started = rx.dataPoints('cc.session.started');
    expect(started.map((p) => [p.value, p.temporality, p.isMonotonic])).toEqual([[2, 'delta', true]]);

    // A second run: the same sessions are not started again; the state file is private.
    const r2 = await runCcOtel(['bridge', '--once', '--json'], { env });
    expect(r2.code, describeCcOtel(r2)).toBe(0);
    expect(JSON.parse(r2.stdout).started).toEqual([]);
    expect(rx.dataPoints('cc.session.started')).toHaveLength(1);
    expect(rx.dataPoints('cc.sessions.active')).toHaveLength(2);
    const seen = join(home, '.local', 'state', 'cc-otel', 'bridge-sessions.json');
    expect(statSync(seen).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(readFileSync(seen, 'utf8')).ids).sort()).toEqual(['dead-s', 'live-s']);
    // Never writes into ~/.claude/sessions.
    expect(listing(sessions)).toEqual(before);
  });

  it('cumulative temporality: cc.session.started is the running total, the same on the next run', async () => {
    rx.reset();
    const { home } = world(sleeper.pid!, otlp({ temporality: 'cumulative' }));
    const env = { HOME: home, USER: 'ada', BRIDGE_KEY: 'k' };
    for (let i = 0; i < 2; i++) {
      const r = await runCcOtel(['bridge', '--once'], { env });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toMatch(/1 live, 1 stale.*exported to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics/);
    }
    expect(rx.dataPoints('cc.session.started').map((p) => [p.value, p.temporality])).toEqual([[2, 'cumulative'], [2, 'cumulative']]);
  });

  it('running (--interval), cumulative: a session that ended is no longer exported — neither its label set nor its liveness', async () => {
    rx.reset();
    const { home, sessions } = world(sleeper.pid!, otlp({ temporality: 'cumulative' }));
    const child = spawn(process.execPath, [CC_OTEL_BIN, 'bridge', '--interval', '0.3s', '--json'], { env: { PATH: process.env.PATH, HOME: home, USER: 'ada', BRIDGE_KEY: 'k' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let ticks = 0;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (ticks += d.split('\n').length - 1));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    cleanups.push(() => child.kill('SIGKILL'));
    const wait = async (n: number) => {
      const end = Date.now() + 15_000;
      while (ticks < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(ticks).toBeGreaterThanOrEqual(n);
    };
    await wait(2);
    rmSync(join(sessions, `${sleeper.pid}.json`)); // a clean exit removes the manifest
    const after = rx.bySignal('metrics').length;
    await wait(ticks + 2);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const later = rx.bySignal('metrics').slice(after + 1); // the first may have been read before the removal
    expect(later.length).toBeGreaterThan(0);
    const pointsAfter = (name: string) => rx.dataPoints(name).filter((p) => later.includes(p.record));
    expect(pointsAfter('cc.sessions.active').map((p) => [p.value, p.attributes])).toEqual(later.map(() => [0, {}]));
    expect(pointsAfter('cc.session.alive')).toEqual([]);
    expect(pointsAfter('cc.session.started').every((p) => p.value === 2 && p.temporality === 'cumulative')).toBe(true);
  });

  it('an export that fails exits 1, says where and why, and counts the starts again next time', async () => {
    const { home } = world(sleeper.pid!, { ...otlp(), endpoint: 'http://127.0.0.1:9' });
    const r = await runCcOtel(['bridge', '--once', '--timeout', '1500'], { env: { HOME: home, BRIDGE_KEY: 'k' } });
    expect(r.code, describeCcOtel(r)).toBe(1);
    expect(r.stderr).toMatch(/not delivered to http:\/\/127\.0\.0\.1:9\/v1\/metrics/);
    expect(r.stderr).toMatch(/cc-otel verify/);
    const again = await runCcOtel(['bridge', '--once', '--json', '--timeout', '1500'], { env: { HOME: home, BRIDGE_KEY: 'k' } });
    expect(JSON.parse(again.stdout).started.sort()).toEqual(['dead-s', 'live-s']);
  });

  it('without configuration: exit 2 and what to run (--once, and the running bridge at its first tick)', async () => {
    const dir = makeTempDir('cc-otel-bridge-cli');
    cleanups.push(() => dir.cleanup());
    for (const args of [['bridge', '--once'], ['bridge', '--interval', '1s']]) {
      const r = await runCcOtel(args, { env: { HOME: dir.path } });
      expect(r.code, describeCcOtel(r)).toBe(2);
      expect(r.stderr).toMatch(/not configured/);
      expect(r.stderr).toMatch(/cc-otel init/);
    }
  });
});

describe.skipIf(process.platform !== 'linux')('cc-otel bridge --once with the embedded collector', () => {
  let collector: RunningCollector;
  let dataDir: string;
  const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
  beforeAll(async () => {
    const d = makeTempDir('cc-otel-bridge-collector');
    dataDir = join(d.path, 'data');
    collector = await startCollector({ dataDir, httpPort: 0, grpcPort: null, writeState: false });
    cleanups.push(() => collector.close(), () => d.cleanup(), () => sleeper.kill('SIGKILL'));
  });

  it('a live session past the grace with no Claude Code telemetry is silent; once its session.id arrives, it is not', async () => {
    const { home } = world(sleeper.pid!, { backend: 'local', endpoint: collector.httpUrl, verify: { local: { dataDir } } });
    const env = { HOME: home, USER: 'ada' };
    const r1 = await runCcOtel(['bridge', '--once', '--json', '--grace', '1m'], { env });
    expect(r1.code, describeCcOtel(r1)).toBe(0);
    expect(JSON.parse(r1.stdout)).toMatchObject({ live: 1, silent: 1 });
    // Claude Code's own metric for that session reaches the collector (OTLP/JSON, as a client sends it).
    const body = {
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
        scopeMetrics: [{ scope: { name: 'com.anthropic.claude_code' }, metrics: [{
          name: 'claude_code.session.count',
          sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asDouble: 1, timeUnixNano: String(Date.now() * 1e6), attributes: [{ key: 'session.id', value: { stringValue: 'live-s' } }] }] },
        }] }],
      }],
    };
    const res = await fetch(`${collector.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const r2 = await runCcOtel(['bridge', '--once', '--json', '--grace', '1m'], { env });
    expect(r2.code, describeCcOtel(r2)).toBe(0);
    expect(JSON.parse(r2.stdout)).toMatchObject({ live: 1, silent: 0 });
    // The collector stored the bridge's cc.sessions.silent gauge: 1, then 0.
    const silent: number[] = [];
    for (const q of readRequests(dataDir, 'metrics'))
      for (const rm of (q.request.resourceMetrics ?? []) as Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string; gauge?: { dataPoints: Array<{ asInt?: string | number; asDouble?: number }> } }> }> }>)
        for (const sm of rm.scopeMetrics ?? [])
          for (const m of sm.metrics ?? []) if (m.name === 'cc.sessions.silent') for (const dp of m.gauge?.dataPoints ?? []) silent.push(Number(dp.asInt ?? dp.asDouble));
    expect(silent).toEqual([1, 0]);
  });
});
