// Collector lifecycle and helpers: loopback guard, one writer per data dir, state/pid files,
// findProbe over what the official exporters send, segment roll-over.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { isLoopback, startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { findProbe } from '../../../src/collector/reader.js';
import { readRequests } from '../../../src/collector/requests.js';
import { listSegments } from '../../../src/collector/store.js';
import { readCollectorStatus, stopCollector } from '../../../src/collector/daemon.js';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { isCcOtelError } from '../../../src/errors.js';
import { buildReport } from '../../../src/report/build.js';
import { logsRequest, metricsRequest, post } from '../report/fixtures.js';

const dirs: TempDir[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) d.cleanup();
});
function tmp(): TempDir {
  const d = makeTempDir('cc-otel-collector');
  dirs.push(d);
  return d;
}
async function start(dataDir: string, extra: Partial<Parameters<typeof startCollector>[0]> = {}): Promise<RunningCollector> {
  const c = await startCollector({ dataDir, httpPort: 0, grpcPort: 0, ...extra });
  running.push(c);
  return c;
}

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('%s → %s', (host, expected) => expect(isLoopback(host)).toBe(expected));
});

describe('startCollector', () => {
  it('refuses a non-loopback address unless asked explicitly', async () => {
    const d = tmp();
    const err = await startCollector({ dataDir: d.path, host: '0.0.0.0', httpPort: 0, grpcPort: null }).catch((e: unknown) => e);
    expect(isCcOtelError(err) && err.code).toBe('USAGE');
    expect(String((err as Error).message)).toMatch(/non-loopback/);
    expect(existsSync(join(d.path, 'collector.pid'))).toBe(false);
  });

  it('one writer per data dir; the pid and state files describe it and go away on close', async () => {
    const d = tmp();
    const c = await start(d.path);
    expect(readFileSync(join(d.path, 'collector.pid'), 'utf8').split('\n')[0]).toBe(String(process.pid));
    const st = await readCollectorStatus(d.path);
    expect(st).toMatchObject({ running: true, pid: process.pid, stale: false, state: { httpPort: c.httpPort, grpcPort: c.grpcPort, host: '127.0.0.1' } });
    const err = await startCollector({ dataDir: d.path, httpPort: 0, grpcPort: null }).catch((e: unknown) => e);
    expect(isCcOtelError(err) && err.message).toMatch(/another cc-otel collect/);
    await c.close();
    expect(existsSync(join(d.path, 'collector.pid'))).toBe(false);
    expect(existsSync(join(d.path, 'collector.json'))).toBe(false);
    expect(await readCollectorStatus(d.path)).toMatchObject({ running: false, stale: false });
  });

  it('replaces a stale pid file (a killed collector) and reports it as stale until then', async () => {
    const d = tmp();
    (await start(d.path)).close();
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(d.path, 'collector.pid'), '999999999\n');
    expect(await readCollectorStatus(d.path)).toMatchObject({ running: false, stale: true, pid: 999999999 });
    const c = await start(d.path);
    expect(c.httpPort).toBeGreaterThan(0);
  });

  // After a reboot or kill -9 the pid in collector.pid may belong to any process by now.
  it.each([
    ['with a start time (Linux /proc)', (pid: number) => `${pid}\nstart=1\n`],
    ['without one (other platforms, old pid files): the recorded port is asked', (pid: number) => `${pid}\n`],
  ])('a pid file naming an unrelated live process, %s: stale; collect starts; stop leaves that process alone', async (_name, content) => {
    const d = tmp();
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = stranger.pid!;
      // What a killed collector leaves: its pid file and state file (its port now answered by nothing, or by someone else).
      const other = createServer((_q, r) => r.end('not a collector'));
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
      const port = (other.address() as { port: number }).port;
      writeFileSync(join(d.path, 'collector.pid'), content(pid));
      writeFileSync(join(d.path, 'collector.json'), JSON.stringify({ pid, host: '127.0.0.1', httpPort: port, grpcPort: null, dataDir: d.path, startedAt: '2026-01-01T00:00:00Z' }));
      try {
        expect(await readCollectorStatus(d.path)).toMatchObject({ running: false, stale: true, pid });
        expect(await stopCollector(d.path)).toEqual({ wasRunning: false, pid });
        expect(stranger.exitCode).toBeNull();
        expect(stranger.signalCode).toBeNull();
        const c = await start(d.path);
        expect(await readCollectorStatus(d.path)).toMatchObject({ running: true, pid: process.pid });
        await c.close();
      } finally {
        other.close();
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(stranger.exitCode).toBeNull(); // never signalled
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('a live collector is recognised by its start time, and by its port without one', async () => {
    const d = tmp();
    const c = await start(d.path);
    try {
      expect(readFileSync(join(d.path, 'collector.pid'), 'utf8')).toMatch(process.platform === 'linux' ? /^\d+\nstart=\d+\n$/ : /^\d+\n/);
      writeFileSync(join(d.path, 'collector.pid'), `${process.pid}\n`);
      expect(await readCollectorStatus(d.path)).toMatchObject({ running: true, stale: false });
    } finally {
      await c.close();
    }
  });

  it('reports a busy port as a CcOtelError with a hint, and releases the lock', async () => {
    const d1 = tmp();
    const d2 = tmp();
    const c = await start(d1.path, { grpcPort: null });
    const err = await startCollector({ dataDir: d2.path, httpPort: c.httpPort, grpcPort: null }).catch((e: unknown) => e);
    expect(isCcOtelError(err) && err.hint).toMatch(/collect status/);
    expect(existsSync(join(d2.path, 'collector.pid'))).toBe(false);
  });

  it('counts requests and records in stats()', async () => {
    const c = await start(tmp().path);
    await post(c.httpUrl, 'logs', logsRequest({}, [{ name: 'x', time: Date.now(), attrs: {} }, { name: 'y', time: Date.now(), attrs: {} }]));
    await post(c.httpUrl, 'logs', { resourceLogs: 1 });
    expect(c.stats()).toMatchObject({ requests: 2, records: 2, rejected: 1, bySignal: { logs: 2, metrics: 0, traces: 0 } });
  });

  it('rolls over to a new segment past maxSegmentBytes; reads span all segments', async () => {
    const d = tmp();
    const c = await start(d.path, { maxSegmentBytes: 2048 });
    for (let i = 0; i < 10; i++) {
      const pts = [{ attrs: { engineer: 'ada', 'session.id': 's', pad: 'p'.repeat(600) }, start: 1000, time: 1000 + (i + 1) * 1000, value: (i + 1) * 10 }];
      expect(await post(c.httpUrl, 'metrics', metricsRequest({ engineer: 'ada' }, [{ name: 'claude_code.token.usage', temporality: 'cumulative', points: pts.map((p) => ({ ...p, attrs: { ...p.attrs, type: 'input' } })) }]))).toBe(200);
    }
    expect(listSegments(d.path).length).toBeGreaterThan(2);
    expect(readRequests(d.path, 'metrics')).toHaveLength(10);
    expect(buildReport({ dataDir: d.path }).totals.tokens.input).toBe(100); // cumulative across segments
  });
});

describe('findProbe', () => {
  it('finds the probe id on resource, record and data point attributes, per signal', async () => {
    const d = tmp();
    const c = await start(d.path);
    const id = 'probe-7f3a';
    await post(c.httpUrl, 'logs', logsRequest({ 'service.name': 'cc-otel-probe' }, [{ name: 'probe', time: Date.now(), attrs: { 'cc_otel.probe_id': id } }]));
    await post(c.httpUrl, 'metrics', metricsRequest({ 'cc_otel.probe_id': id }, [{ name: 'cc_otel.probe', temporality: 'delta', points: [{ attrs: {}, start: 1, time: 2, value: 1 }] }]));
    await post(c.httpUrl, 'metrics', metricsRequest({}, [{ name: 'cc_otel.probe', temporality: 'delta', points: [{ attrs: { 'cc_otel.probe_id': 'other' }, start: 1, time: 2, value: 1 }] }]));
    expect(await findProbe(d.path, id)).toEqual(['metrics', 'logs']);
    expect(await findProbe(d.path, 'other')).toEqual(['metrics']);
    expect(await findProbe(d.path, 'nope')).toEqual([]);
    expect(await findProbe('/nonexistent/dir', id)).toEqual([]);
  });

  it('finds a probe span sent by the official exporter (span attribute)', async () => {
    const d = tmp();
    const c = await start(d.path);
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    const { BasicTracerProvider, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.httpUrl}/v1/traces` }))] });
    provider.getTracer('probe').startSpan('cc-otel probe', { attributes: { 'cc_otel.probe_id': 'span-probe' } }).end();
    await provider.forceFlush();
    await provider.shutdown();
    expect(await findProbe(d.path, 'span-probe')).toEqual(['traces']);
  });
});
