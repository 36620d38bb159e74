// Check groups 5 and 6 wired to the plan: what verify's probes carry (the receivers and the fault
// classes themselves are covered in test/unit/probe), and the read-back — against the real local
// collector, a SigNoz-shaped API on 127.0.0.1, and backends without a read module.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCollector } from '../../../src/collector/index.js';
import { PROBE_ID_ATTRIBUTE } from '../../../src/probe/index.js';
import { attr, partialSuccessBody, startGrpcReceiver, startHttpReceiver, viewProbe, type OtlpSignal } from '../../helpers/probe-receiver.js';
import { configCheck, keyCheck, probeChecks } from '../../../src/verify/checks/index.js';
import type { Check } from '../../../src/verify/types.js';
import { KEY, byId, cleanupWorlds, makeWorld, statuses } from './world.js';

afterAll(cleanupWorlds);
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});
const NO_CLAUDE = { skip: ['claude'] };

describe('5. probes carry what Claude Code will send', () => {
  it('HTTP: one record per signal, the run’s probe id, the auth header, the resource attributes and the configured temporality', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'otlp', endpoint: rx.url, header: 'authorization', headerValue: 'Bearer {key}', key: ['env:TEST_KEY'], team: 'platform', temporality: 'cumulative' });
    const r = await w.verify(NO_CLAUDE);
    expect(statuses(r, 'probe.')).toEqual({ 'probe.metrics': 'pass', 'probe.logs': 'pass', 'probe.traces': 'pass' });
    expect(byId(r, 'probe.metrics').value).toMatch(/^accepted \(HTTP 200 in \d+ ms\)$/);
    expect(byId(r, 'probe.metrics').source).toBe(`http/protobuf ${rx.url}/v1/metrics · headers authorization · cumulative`);
    expect(rx.requests.map((q) => q.path).sort()).toEqual(['/v1/logs', '/v1/metrics', '/v1/traces']);
    for (const q of rx.requests) {
      expect(q.headers.authorization).toBe(`Bearer ${KEY}`);
      const view = viewProbe(q.signal as OtlpSignal, q.decoded!);
      expect(view.recordCount).toBe(1);
      expect(attr(view.resourceAttributes, PROBE_ID_ATTRIBUTE)).toBe(r.probeId);
      expect(attr(view.resourceAttributes, 'team')).toBe('platform');
      expect(attr(view.resourceAttributes, 'service.name')).toBe('claude-code');
      if (q.signal === 'metrics') expect(view.temporality).toBe(2); // CUMULATIVE, as configured
    }
    expect(byId(r, 'readback.metrics')).toMatchObject({ status: 'skip', fix: expect.stringContaining('add --query') });
    expect(r.exitCode).toBe(0);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('gRPC, with the per-signal dataset header of the preset', async () => {
    const rx = await startGrpcReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'honeycomb', endpoint: rx.url, protocol: 'grpc', key: ['env:TEST_KEY'], dataset: 'cc-metrics' });
    const r = await w.verify(NO_CLAUDE);
    expect(statuses(r, 'probe.')).toEqual({ 'probe.metrics': 'pass', 'probe.logs': 'pass', 'probe.traces': 'pass' });
    expect(byId(r, 'probe.logs').value).toMatch(/gRPC OK/);
    const metrics = rx.calls.find((c) => c.signal === 'metrics');
    expect(metrics?.metadata['x-honeycomb-team']).toBe(KEY);
    expect(metrics?.metadata['x-honeycomb-dataset']).toBe('cc-metrics');
    expect(viewProbe('metrics', metrics!.decoded).temporality).toBe(1); // DELTA, Honeycomb's
  });

  it('rejected credentials: each probe fails with its hint, read-back is skipped, exit 1', async () => {
    const rx = await startHttpReceiver({ reply: () => ({ status: 401, body: 'invalid key' }) });
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'otlp', endpoint: rx.url, header: 'x-api-key', key: ['env:TEST_KEY'] });
    const r = await w.verify({ ...NO_CLAUDE, query: true });
    const p = byId(r, 'probe.logs');
    expect(p).toMatchObject({ status: 'fail', details: expect.objectContaining({ status: 'auth', httpStatus: 401 }) });
    expect(p.value).toMatch(/^auth: /);
    expect(p.fix).toBeTruthy();
    expect(byId(r, 'readback.logs')).toMatchObject({ status: 'skip', fix: 'needs "Probe logs", which failed' });
    expect(r.exitCode).toBe(1);
  });

  it.each([
    ['rejected 0 with a message: a warning, the run passes', 0, 'warn', 0],
    ['rejected 1: a failure', 1, 'fail', 1],
  ] as const)('partial success, %s', async (_n, rejected, status, exitCode) => {
    const rx = await startHttpReceiver({ reply: (q) => ({ status: 200, body: partialSuccessBody(q.signal as OtlpSignal, rejected, 'attribute value truncated', 'protobuf') }) });
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'local', endpoint: rx.url, signals: ['logs'] });
    const r = await w.verify(NO_CLAUDE);
    const p = byId(r, 'probe.logs');
    expect(p).toMatchObject({ status, details: expect.objectContaining({ status: 'partial', rejected }) });
    expect(p.value).toContain('attribute value truncated');
    if (status === 'warn') expect(p.fix).toMatch(/^warning only/);
    expect(r.exitCode).toBe(exitCode);
    expect((await w.verify({ ...NO_CLAUDE, strict: true })).exitCode).toBe(1);
  });

  it('a transient 503 is retried within the timeout', async () => {
    let n = 0;
    const rx = await startHttpReceiver({ reply: () => (n++ === 0 ? { status: 503, headers: { 'retry-after': '0' } } : undefined) });
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'local', endpoint: rx.url, signals: ['logs'] });
    const r = await w.verify(NO_CLAUDE);
    expect(byId(r, 'probe.logs')).toMatchObject({ status: 'pass', details: expect.objectContaining({ attempts: 2 }) });
    expect(byId(r, 'probe.metrics')).toMatchObject({ status: 'skip', fix: 'metrics not exported (signals: logs)' });
  });
});

describe('5. probes and the --timeout', () => {
  it('too little of the --timeout left for a probe: it fails with "raise --timeout" and the run exits 1, --strict or not', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'local', endpoint: rx.url });
    // Eats the time before the probes without hanging past the deadline.
    const slow: Check = { id: 'slow', title: 'Slow', required: false, run: () => new Promise((res) => setTimeout(() => res({ status: 'pass' }), 700)) };
    for (const strict of [false, true]) {
      const r = await w.verify({ checks: [configCheck, keyCheck, slow, ...probeChecks], timeoutMs: 1500, strict });
      expect(statuses(r, 'probe.')).toEqual({ 'probe.metrics': 'fail', 'probe.logs': 'fail', 'probe.traces': 'fail' });
      expect(byId(r, 'probe.logs').fix).toMatch(/^raise --timeout/);
      expect(rx.requests).toEqual([]);
      expect(r.exitCode).toBe(1);
    }
  });
});

describe('6. read-back (--query)', () => {
  it('local: the real collector stores the probes and findProbe finds each signal', async () => {
    const dataDir = join(makeWorld(null).root, 'data');
    const c = await startCollector({ dataDir, httpPort: 0, grpcPort: null, writeState: false });
    closers.push(() => c.close());
    // verify.local.dataDir is a path setting: never from a project file, so it is the user's config.
    const w = makeWorld({ backend: 'local', endpoint: c.httpUrl }, { 'home/.config/cc-otel/config.json': JSON.stringify({ verify: { local: { dataDir } } }) });
    const lines: string[] = [];
    const r = await w.verify({ ...NO_CLAUDE, query: true, waitMs: 5000, progress: (m) => lines.push(m) }, { pollIntervalMs: 200 });
    expect(statuses(r, 'readback.')).toEqual({ 'readback.metrics': 'pass', 'readback.logs': 'pass', 'readback.traces': 'pass' });
    expect(byId(r, 'readback.traces')).toMatchObject({ source: 'the local collector', value: `the local collector wrote the traces probe (${PROBE_ID_ATTRIBUTE}=${r.probeId})` });
    expect(lines.some((l) => l.startsWith('sending the metrics probe to '))).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('not found within --wait: fails after waiting, with progress lines meanwhile; found signals pass', async () => {
    const w = makeWorld({ backend: 'local', endpoint: 'http://127.0.0.1:1' }, { 'home/.config/cc-otel/config.json': JSON.stringify({ verify: { local: { dataDir: '/nowhere' } } }) });
    const lines: string[] = [];
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const r = await w.verify(
      { ...NO_CLAUDE, query: true, waitMs: 1200, flags: { endpoint: rx.url }, progress: (m) => lines.push(m) },
      { pollIntervalMs: 200, findProbe: async () => [{ signal: 'metrics' }] },
    );
    expect(byId(r, 'readback.metrics').status).toBe('pass');
    const logs = byId(r, 'readback.logs');
    expect(logs.status).toBe('fail');
    expect(logs.value).toMatch(/no logs record with cc_otel\.probe_id=.* after waiting \d s/);
    expect(logs.fix).toMatch(/raise --wait/);
    expect(lines.some((l) => /^waiting for the probe in the local collector: .*pending/.test(l))).toBe(true);
    expect(r.exitCode).toBe(1);
  });

  it('SigNoz: read key through the key chain, sent to the instance URL; the probe is found', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const seen: Array<{ path: string; key: string | undefined; body: string }> = [];
    const api = await jsonServer((req, body) => {
      seen.push({ path: req.url ?? '', key: req.headers['signoz-api-key'] as string | undefined, body });
      if (req.url === '/api/v1/stats') return { data: {} };
      return { data: { data: { results: [{ rows: [{ timestamp: 'x' }] }] } } };
    });
    closers.push(() => api.close());
    const w = makeWorld(
      { backend: 'signoz-cloud', region: 'eu', endpoint: rx.url, key: ['env:TEST_KEY'], verify: { signoz: { url: api.url, apiKey: 'env:SIGNOZ_READ' } } },
      {},
      { SIGNOZ_READ: 'read-key-0123456789' },
    );
    const r = await w.verify({ ...NO_CLAUDE, query: true, waitMs: 3000 });
    expect(statuses(r, 'readback.')).toEqual({ 'readback.metrics': 'pass', 'readback.logs': 'pass', 'readback.traces': 'pass' });
    expect(seen.every((s) => s.key === 'read-key-0123456789')).toBe(true);
    expect(seen.some((s) => s.path === '/api/v5/query_range' && s.body.includes(r.probeId))).toBe(true);
    expect(JSON.stringify(r)).not.toContain('read-key-0123456789');
  });

  it('Honeycomb: "dataset written after the probe" is a warning that says what it does not prove, not a pass', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const api = await jsonServer((req) =>
      req.url === '/1/auth'
        ? { type: 'configuration', team: { slug: 'acme' }, environment: { slug: 'prod' } }
        : { slug: 'claude-code', last_written_at: new Date(Date.now() + 1000).toISOString() },
    );
    closers.push(() => api.close());
    const w = makeWorld({ backend: 'honeycomb', endpoint: rx.url, key: ['env:TEST_KEY'], signals: ['logs'], verify: { honeycomb: { apiKey: 'env:TEST_KEY', apiUrl: api.url } } });
    const r = await w.verify({ ...NO_CLAUDE, query: true, waitMs: 3000 });
    const rb = byId(r, 'readback.logs');
    expect(rb.status).toBe('warn');
    expect(rb.value).toMatch(/does not prove the probe/);
    expect(rb.fix).toContain(`cc_otel.probe_id = ${r.probeId}`);
    expect(r.exitCode).toBe(0);
    expect((await w.verify({ ...NO_CLAUDE, query: true, waitMs: 3000, strict: true })).exitCode).toBe(1);
  });

  it('missing read credentials: a config error (exit 2) that shows what to add', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'signoz-cloud', region: 'eu', endpoint: rx.url, key: ['env:TEST_KEY'] });
    const r = await w.verify({ ...NO_CLAUDE, query: true });
    expect(byId(r, 'readback.metrics')).toMatchObject({ status: 'fail', code: 'CONFIG_INVALID', fix: expect.stringContaining('"verify": {"signoz"') });
    // The config came from the project file: that is the file named.
    expect(byId(r, 'readback.metrics').fix).toMatch(new RegExp(`^add to ${join(w.proj, '.cc-otel.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(r.exitCode).toBe(2);
  });

  it("missing read credentials, the config in the user's file: the fix names that file, not .cc-otel.json", async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const config = { backend: 'signoz-cloud', region: 'eu', endpoint: rx.url, key: ['env:TEST_KEY'] };
    const w = makeWorld(null, { 'home/.config/cc-otel/config.json': JSON.stringify(config) });
    const r = await w.verify({ ...NO_CLAUDE, query: true });
    const rb = byId(r, 'readback.metrics');
    expect(rb).toMatchObject({ status: 'fail', code: 'CONFIG_INVALID' });
    expect(rb.fix).toBe(`add to ${join(w.home, '.config', 'cc-otel', 'config.json')}: "verify": {"signoz": {"url": "https://<tenant>.signoz.cloud", "apiKey": "env:SIGNOZ_API_KEY"}} — see docs/verify.md`);
    expect(rb.fix).not.toContain('.cc-otel.json');

    // Only CC_OTEL_BACKEND (no file at all): the user's config file is where it would go.
    const e = makeWorld(null, {}, { CC_OTEL_BACKEND: 'signoz-cloud', CC_OTEL_REGION: 'eu', CC_OTEL_ENDPOINT: rx.url, CC_OTEL_KEY: 'env:TEST_KEY' });
    const r2 = await e.verify({ ...NO_CLAUDE, query: true });
    expect(byId(r2, 'readback.metrics').fix).toMatch(new RegExp(`^add to ${join(e.home, '.config', 'cc-otel', 'config.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('New Relic with a non-numeric account ID: a config error (exit 2) before any query', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    let fetched = 0;
    const w = makeWorld({ backend: 'newrelic', endpoint: rx.url, key: ['env:TEST_KEY'], verify: { newrelic: { apiKey: 'env:TEST_KEY', accountId: 'acme-prod' } } });
    const r = await w.verify({ ...NO_CLAUDE, query: true }, { fetch: (async () => (fetched++, new Response('{}'))) as typeof fetch });
    expect(byId(r, 'readback.logs')).toMatchObject({ status: 'fail', code: 'CONFIG_INVALID', value: '"verify.newrelic.accountId" must be the numeric New Relic account ID, not "acme-prod"' });
    expect(byId(r, 'readback.logs').fix).toContain('"accountId": "1234567"');
    expect(fetched).toBe(0);
    expect(r.exitCode).toBe(2);
  });

  it('a read key that cannot be resolved names its reference', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'signoz-cloud', region: 'eu', endpoint: rx.url, key: ['env:TEST_KEY'], verify: { signoz: { url: 'https://acme.signoz.cloud', apiKey: ['env:NO_SUCH_READ_KEY'] } } });
    const r = await w.verify({ ...NO_CLAUDE, query: true });
    expect(byId(r, 'readback.logs')).toMatchObject({ status: 'fail', code: 'KEY_NOT_FOUND' });
    expect(byId(r, 'readback.logs').value).toMatch(/^SigNoz read key \(verify\.signoz\.apiKey\): no key found/);
    expect(r.exitCode).toBe(1);
  });

  it('a backend without a read API module says so (warn), never a silent pass; --strict fails on it', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'otlp', endpoint: rx.url });
    const r = await w.verify({ ...NO_CLAUDE, query: true });
    expect(byId(r, 'readback.logs')).toMatchObject({ status: 'warn', value: expect.stringContaining('reading the probe back from otlp is not implemented') });
    expect(byId(r, 'readback.logs').fix).toContain(r.probeId);
    expect(r.exitCode).toBe(0);
    expect((await w.verify({ ...NO_CLAUDE, query: true, strict: true })).exitCode).toBe(1);
  });

  it('--timeout bounds the read-back wait too', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'local', endpoint: rx.url, signals: ['logs'] }, { 'home/.config/cc-otel/config.json': JSON.stringify({ verify: { local: { dataDir: '/nowhere' } } }) });
    const t0 = Date.now();
    const r = await w.verify({ ...NO_CLAUDE, query: true, waitMs: 60_000, timeoutMs: 3000 }, { pollIntervalMs: 200, findProbe: async () => [] });
    expect(Date.now() - t0).toBeLessThan(4500);
    expect(byId(r, 'readback.logs').status).toBe('fail');
    expect(r.exitCode).toBe(1);
  });
});

async function jsonServer(answer: (req: IncomingMessage, body: string) => unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(req, body)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('6. read-back, local: a data dir that is not there', () => {
  it('fails at once (no waiting) and says which directory', async () => {
    const rx = await startHttpReceiver();
    closers.push(() => rx.close());
    const w = makeWorld({ backend: 'local', endpoint: rx.url, signals: ['logs'] }, {}, { CC_OTEL_DATA_DIR: '/nonexistent/cc-otel-data' });
    const t0 = Date.now();
    const r = await w.verify({ ...NO_CLAUDE, query: true, waitMs: 30_000 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(byId(r, 'readback.logs')).toMatchObject({ status: 'fail', value: expect.stringContaining('/nonexistent/cc-otel-data does not exist') });
  });
});
