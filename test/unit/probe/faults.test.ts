// Fault injection: every outcome class of sendProbe(), produced by real servers on 127.0.0.1 (or a
// closed port, or a `.invalid` name that never resolves) — no traffic leaves the machine.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendProbe } from '../../../src/probe/send-probe.js';
import type { ProbeOptions, ProbeOutcome, Signal } from '../../../src/probe/types.js';
import {
  hasOpenssl,
  makeSelfSignedCert,
  partialSuccessBody,
  retryInfoStatusBin,
  rpcStatusBody,
  startGrpcReceiver,
  startHttpReceiver,
} from '../../helpers/probe-receiver.js';
import type { GrpcReceiver, GrpcReply, HttpReceiver, HttpReceiverOptions, HttpReply, ReceivedHttpRequest } from '../../helpers/probe-receiver.js';
import { makeTempDir } from '../../helpers/tmp.js';

const open: Array<HttpReceiver | GrpcReceiver> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

const FAST = { backoff: { initialMs: 20, maxMs: 50 } } as const;
const SECRET = 'sk-very-secret-123';

async function viaHttp(
  reply: (req: ReceivedHttpRequest) => HttpReply | undefined,
  probe: Partial<ProbeOptions> & { path?: string } = {},
  rxOpts: Omit<HttpReceiverOptions, 'reply'> = {},
): Promise<{ outcome: ProbeOutcome; rx: HttpReceiver }> {
  const rx = await startHttpReceiver({ ...rxOpts, reply });
  open.push(rx);
  const signal: Signal = probe.signal ?? 'traces';
  const { path, ...rest } = probe;
  const outcome = await sendProbe({
    signal,
    protocol: 'http/protobuf',
    endpoint: `${rx.url}${path ?? `/v1/${signal}`}`,
    headers: { authorization: `Bearer ${SECRET}` },
    timeoutMs: 5000,
    ...FAST,
    ...rest,
  });
  return { outcome, rx };
}

async function viaGrpc(
  reply: (n: number) => GrpcReply | undefined,
  probe: Partial<ProbeOptions> = {},
  signals?: Signal[],
): Promise<{ outcome: ProbeOutcome; rx: GrpcReceiver }> {
  const rx = await startGrpcReceiver({ reply: (c) => reply(c.index), ...(signals ? { signals } : {}) });
  open.push(rx);
  const outcome = await sendProbe({
    signal: 'traces',
    protocol: 'grpc',
    endpoint: rx.url,
    headers: { authorization: `Bearer ${SECRET}` },
    timeoutMs: 5000,
    ...FAST,
    ...probe,
  });
  return { outcome, rx };
}

function noSecret(o: ProbeOutcome): void {
  expect(JSON.stringify(o)).not.toContain(SECRET);
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const protoStatus = (code: number, message: string): HttpReply => ({
  status: code,
  headers: { 'Content-Type': 'application/x-protobuf' },
  body: rpcStatusBody(code === 400 ? 3 : 16, message),
});

describe('OTLP/HTTP status codes', () => {
  it.each([
    [401, 'auth', /^the backend rejected the credentials \(headers sent: authorization\)/],
    [403, 'auth', /^the backend rejected the credentials \(headers sent: authorization\)/],
    [404, 'not_found', /^check the base path \(\/otlp for Grafana Cloud/],
    [405, 'protocol', /^the URL does not accept POST/],
    [411, 'protocol', /^the endpoint requires Content-Length .*Claude Code ≥ 2\.1\.212/],
    [415, 'protocol', /^the endpoint does not accept http\/protobuf \(application\/x-protobuf\)/],
    [413, 'too_large', /^the request body was refused as too large/],
    [400, 'bad_request', /^the backend rejected the data as malformed .*dataset \/ source headers/],
    [500, 'error', /^the backend failed internally \(not retryable per the OTLP spec\)/],
    [418, 'error', /^unexpected HTTP 418/],
  ] as const)('HTTP %i → %s, not retried, server message kept, key never echoed, its own hint', async (code, status, hint) => {
    const { outcome, rx } = await viaHttp(() => protoStatus(code, `server says ${code}`));
    expect(outcome).toMatchObject({ status, httpStatus: code, attempts: 1, ok: false });
    expect(rx.requests).toHaveLength(1);
    expect(outcome.message).toContain(`HTTP ${code}`);
    expect(outcome.message).toContain(`server says ${code}`);
    expect(outcome.hint).toMatch(hint);
    noSecret(outcome);
  });

  it('401 hint names the headers sent (not their values) and key/scope/region', async () => {
    const { outcome } = await viaHttp(() => ({ status: 401, headers: { 'Content-Type': 'application/json' }, body: '{"error":"unknown API key - check your credentials"}' }));
    expect(outcome.status).toBe('auth');
    expect(outcome.message).toContain('unknown API key - check your credentials');
    expect(outcome.hint).toContain('headers sent: authorization');
    expect(outcome.hint).toMatch(/scope/);
    expect(outcome.hint).toMatch(/region/);
    noSecret(outcome);
  });

  it('a server echoing the rejected key does not leak it into the outcome', async () => {
    const { outcome } = await viaHttp(() => ({ status: 401, body: `invalid credentials: Bearer ${SECRET}` }));
    expect(outcome.status).toBe('auth');
    expect(outcome.message).toContain('invalid credentials: ***');
    noSecret(outcome);
  });

  it('404 on a per-signal URL without /v1/<signal> says so', async () => {
    const { outcome } = await viaHttp(() => ({ status: 404 }), { signal: 'metrics', path: '/otlp' });
    expect(outcome.status).toBe('not_found');
    expect(outcome.hint).toContain('/v1/metrics');
    expect(outcome.hint).toContain('"/otlp"');
  });

  it('404 on a trailing slash says to remove it', async () => {
    const { outcome } = await viaHttp(() => ({ status: 404 }), { signal: 'logs', path: '/v1/logs/' });
    expect(outcome.hint).toContain('trailing slash');
  });

  it('415 on http/json suggests http/protobuf', async () => {
    const { outcome } = await viaHttp(() => ({ status: 415 }), { protocol: 'http/json' });
    expect(outcome.status).toBe('protocol');
    expect(outcome.hint).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf');
  });

  it("400 with Mimir's temporality message → bad_request with the Status message and a cumulative hint", async () => {
    const mimir = 'otlp parse error: invalid temporality and type combination for metric "cc_otel.probe"';
    const { outcome } = await viaHttp(() => protoStatus(400, mimir), { signal: 'metrics', temporality: 'delta' });
    expect(outcome).toMatchObject({ status: 'bad_request', httpStatus: 400, attempts: 1, temporality: 'delta' });
    expect(outcome.message).toBe(`HTTP 400 Bad Request: ${mimir}`);
    expect(outcome.hint).toContain('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=cumulative');
  });

  it('400 JSON Status body (http/json) → message extracted', async () => {
    const { outcome } = await viaHttp(
      () => ({ status: 400, headers: { 'Content-Type': 'application/json' }, body: '{"code":3,"message":"bad json payload"}' }),
      { protocol: 'http/json', signal: 'logs' },
    );
    expect(outcome.status).toBe('bad_request');
    expect(outcome.message).toContain('bad json payload');
  });

  it('202 Accepted with an empty body (Datadog traces) → accepted', async () => {
    const { outcome } = await viaHttp(() => ({ status: 202 }));
    expect(outcome).toMatchObject({ status: 'accepted', httpStatus: 202, ok: true });
  });

  it('200 with an HTML page (a UI, not an intake) → not_found', async () => {
    const { outcome } = await viaHttp(() => ({
      status: 200,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: '<!doctype html><html><head><title>SigNoz</title></head><body></body></html>',
    }));
    expect(outcome.status).toBe('not_found');
    expect(outcome.message).toContain('SigNoz');
  });

  it('301 redirect → not_found naming the Location', async () => {
    const { outcome } = await viaHttp(() => ({ status: 301, headers: { Location: 'https://example.test/v1/traces' } }));
    expect(outcome.status).toBe('not_found');
    expect(outcome.message).toContain('https://example.test/v1/traces');
    expect(outcome.hint).toContain('do not follow redirects');
  });
});

describe('partial success', () => {
  it('protobuf partial_success (rejected spans + message) → partial, not retried', async () => {
    const { outcome, rx } = await viaHttp(() => ({ body: partialSuccessBody('traces', 1, 'span dropped: attribute too long', 'protobuf') }));
    expect(outcome).toMatchObject({ status: 'partial', httpStatus: 200, rejected: 1, attempts: 1, ok: false });
    expect(outcome.message).toContain('1 span(s) rejected');
    expect(outcome.message).toContain('span dropped: attribute too long');
    expect(rx.requests).toHaveLength(1);
  });

  it('OTLP/JSON partial_success (int64 as string) → partial with count', async () => {
    const { outcome } = await viaHttp(
      () => ({ headers: { 'Content-Type': 'application/json' }, body: partialSuccessBody('logs', 3, 'bad logs', 'json') }),
      { protocol: 'http/json', signal: 'logs' },
    );
    expect(outcome).toMatchObject({ status: 'partial', rejected: 3 });
    expect(outcome.message).toContain('3 log record(s) rejected: bad logs');
  });

  it('snake_case JSON partial_success is read too', async () => {
    const { outcome } = await viaHttp(
      () => ({ body: '{"partial_success":{"rejected_data_points":2,"error_message":"cumulative sums are not supported"}}' }),
      { protocol: 'http/json', signal: 'metrics', temporality: 'cumulative' },
    );
    expect(outcome).toMatchObject({ status: 'partial', rejected: 2 });
    expect(outcome.hint).toContain('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta');
  });

  it('rejected 0 with a message is a partial (warning)', async () => {
    const { outcome } = await viaHttp(() => ({ body: partialSuccessBody('traces', 0, 'attribute truncated', 'protobuf') }));
    expect(outcome).toMatchObject({ status: 'partial', rejected: 0 });
    expect(outcome.hint).toContain('warning');
  });

  it('gRPC partial_success → partial', async () => {
    const { outcome } = await viaGrpc(() => ({ body: partialSuccessBody('metrics', 1, 'UNSUPPORTED_METRIC_TYPE_MONOTONIC_CUMULATIVE_SUM', 'protobuf') }), {
      signal: 'metrics',
      temporality: 'cumulative',
    });
    expect(outcome).toMatchObject({ status: 'partial', rejected: 1, grpcCode: 0 });
    expect(outcome.hint).toContain('=delta');
  });
});

describe('transient failures and retries', () => {
  it.each([429, 502, 503, 504])('HTTP %i then 200 → accepted after 2 attempts', async (code) => {
    const { outcome, rx } = await viaHttp((r) => (r.index === 0 ? { status: code } : undefined));
    expect(outcome).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(rx.requests).toHaveLength(2);
    // the same bytes are resent
    expect(rx.requests[1]!.rawBody.equals(rx.requests[0]!.rawBody)).toBe(true);
  });

  it('503 every time → transient after maxAttempts', async () => {
    const { outcome, rx } = await viaHttp(() => ({ status: 503 }), { maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'transient', httpStatus: 503, attempts: 3 });
    expect(outcome.message).toContain('gave up after 3 attempts');
    expect(outcome.hint).toMatch(/^HTTP 503.*: the backend is throttling or temporarily unavailable\. Retry later/);
    expect(rx.requests).toHaveLength(3);
  });

  it('Retry-After in seconds is honoured: the second attempt comes no sooner', async () => {
    const { outcome, rx } = await viaHttp((r) => (r.index === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : undefined));
    expect(outcome).toMatchObject({ status: 'accepted', attempts: 2, retryAfterMs: 1000 });
    const gap = rx.requests[1]!.receivedAt - rx.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(1000);
  });

  it('Retry-After as an HTTP-date is honoured', async () => {
    let retryAt = 0;
    const { outcome, rx } = await viaHttp((r) => {
      if (r.index > 0) return undefined;
      const date = new Date(Date.now() + 2000).toUTCString(); // 1-second resolution: 1–2 s away
      retryAt = Date.parse(date);
      return { status: 503, headers: { 'Retry-After': date } };
    });
    expect(outcome).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(rx.requests[1]!.receivedAt).toBeGreaterThanOrEqual(retryAt - 5);
    expect(rx.requests[1]!.receivedAt - rx.requests[0]!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('a Retry-After past the timeout is not waited for', async () => {
    const t0 = Date.now();
    const { outcome, rx } = await viaHttp(() => ({ status: 503, headers: { 'Retry-After': '30' } }), { timeoutMs: 1500 });
    expect(outcome).toMatchObject({ status: 'transient', attempts: 1, retryAfterMs: 30_000 });
    expect(outcome.message).toContain('retry after 30000 ms');
    expect(Date.now() - t0).toBeLessThan(1400);
    expect(rx.requests).toHaveLength(1);
  });

  it('gRPC UNAVAILABLE then OK → accepted after 2 attempts', async () => {
    const { outcome, rx } = await viaGrpc((n) => (n === 0 ? { code: 14, details: 'try later' } : undefined));
    expect(outcome).toMatchObject({ status: 'accepted', attempts: 2, grpcCode: 0 });
    expect(rx.calls).toHaveLength(2);
  });

  it('gRPC UNAVAILABLE every time → transient', async () => {
    const { outcome } = await viaGrpc(() => ({ code: 14, details: 'overloaded' }), { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'transient', grpcCode: 14, grpcStatusName: 'UNAVAILABLE', attempts: 2 });
    expect(outcome.message).toContain('overloaded');
    expect(outcome.hint).toMatch(/^gRPC UNAVAILABLE: the backend is throttling .*the endpoint may not speak gRPC/);
  });
});

describe('gRPC status codes', () => {
  it.each([
    [16, 'UNAUTHENTICATED', 'auth', /^the backend rejected the credentials \(headers sent: authorization\)/],
    [7, 'PERMISSION_DENIED', 'auth', /^the backend rejected the credentials \(headers sent: authorization\)/],
    [3, 'INVALID_ARGUMENT', 'bad_request', /^the backend rejected the data as malformed/],
    [5, 'NOT_FOUND', 'not_found', /^the server does not serve the OTLP traces gRPC service: wrong port/],
    [13, 'INTERNAL', 'error', /^the backend failed internally; try again later\.$/],
    [2, 'UNKNOWN', 'error', /^unexpected gRPC status; see the message\.$/],
  ] as const)('%i %s → %s, not retried, its own hint', async (code, name, status, hint) => {
    const { outcome, rx } = await viaGrpc(() => ({ code, details: `nope ${name}` }));
    expect(outcome).toMatchObject({ status, grpcCode: code, grpcStatusName: name, attempts: 1 });
    expect(outcome.hint).toMatch(hint);
    expect(outcome.message).toContain(`nope ${name}`);
    expect(rx.calls).toHaveLength(1);
    noSecret(outcome);
  });

  it('headers arrive as gRPC metadata', async () => {
    const { rx } = await viaGrpc(() => undefined, { headers: { 'X-Honeycomb-Team': 'abc', 'signoz-ingestion-key': 'k' } });
    expect(rx.calls[0]!.metadata).toMatchObject({ 'x-honeycomb-team': 'abc', 'signoz-ingestion-key': 'k' });
  });

  it('INVALID_ARGUMENT about temporality → cumulative hint', async () => {
    const { outcome } = await viaGrpc(() => ({ code: 3, details: 'invalid temporality and type combination' }), { signal: 'metrics' });
    expect(outcome.status).toBe('bad_request');
    expect(outcome.hint).toContain('=cumulative');
  });

  it('RESOURCE_EXHAUSTED with RetryInfo → retried after its retry_delay (backends.md §5.6)', async () => {
    const { outcome, rx } = await viaGrpc((n) => (n === 0 ? { code: 8, details: 'quota', trailers: { 'grpc-status-details-bin': retryInfoStatusBin(8, 'quota', 300) } } : undefined));
    expect(outcome).toMatchObject({ status: 'accepted', attempts: 2, retryAfterMs: 300 });
    expect(rx.calls).toHaveLength(2);
    expect(rx.calls[1]!.receivedAt - rx.calls[0]!.receivedAt).toBeGreaterThanOrEqual(290);
  });

  it('RESOURCE_EXHAUSTED without RetryInfo → transient, not retried', async () => {
    const { outcome, rx } = await viaGrpc(() => ({ code: 8, details: 'quota' }));
    expect(outcome).toMatchObject({ status: 'transient', grpcStatusName: 'RESOURCE_EXHAUSTED', attempts: 1 });
    expect(outcome.hint).toMatch(/no RetryInfo/);
    expect(rx.calls).toHaveLength(1);
  });

  it('DEADLINE_EXCEEDED from the server (not our deadline) → transient, retried', async () => {
    const { outcome, rx } = await viaGrpc((n) => (n === 0 ? { code: 4, details: 'backend slow' } : undefined));
    expect(outcome).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(rx.calls).toHaveLength(2);
    const always = await viaGrpc(() => ({ code: 4, details: 'backend slow' }), { maxAttempts: 2 });
    expect(always.outcome).toMatchObject({ status: 'transient', grpcStatusName: 'DEADLINE_EXCEEDED', attempts: 2 });
  });

  it('RESOURCE_EXHAUSTED about size → too_large', async () => {
    const { outcome } = await viaGrpc(() => ({ code: 8, details: 'Received message larger than max (5 vs. 4)' }));
    expect(outcome.status).toBe('too_large');
  });

  it('an unregistered service → UNIMPLEMENTED → not_found', async () => {
    const { outcome } = await viaGrpc(() => undefined, { signal: 'logs' }, ['traces']);
    expect(outcome).toMatchObject({ status: 'not_found', grpcStatusName: 'UNIMPLEMENTED' });
    expect(outcome.hint).toContain('http/protobuf');
  });

  it('gRPC to an OTLP/HTTP (HTTP/1.1) port → protocol, suggesting http/protobuf or 4317', async () => {
    const rx = await startHttpReceiver();
    open.push(rx);
    const outcome = await sendProbe({ signal: 'traces', protocol: 'grpc', endpoint: rx.url, timeoutMs: 3000, ...FAST });
    expect(outcome).toMatchObject({ status: 'protocol', attempts: 1, grpcStatusName: 'UNAVAILABLE' });
    expect(outcome.message).not.toMatch(/Resolution note|\d{4}-\d\d-\d\dT/);
    expect(outcome.hint).toContain('http/protobuf');
    expect(outcome.hint).toContain('4317');
  });

  it('http/protobuf to a gRPC (HTTP/2-only) port → protocol, suggesting grpc or 4318', async () => {
    const rx = await startGrpcReceiver();
    open.push(rx);
    const outcome = await sendProbe({ signal: 'traces', protocol: 'http/protobuf', endpoint: `${rx.url}/v1/traces`, timeoutMs: 3000, ...FAST });
    expect(outcome).toMatchObject({ status: 'protocol', attempts: 1 });
    expect(outcome.hint).toContain('4318');
    expect(rx.calls).toHaveLength(0);
  });
});

describe('timeouts, resets, refused, DNS', () => {
  it('slow HTTP server → timeout within the budget', async () => {
    const t0 = Date.now();
    const { outcome } = await viaHttp(() => ({ delayMs: 3000 }), { timeoutMs: 300 });
    expect(outcome).toMatchObject({ status: 'timeout', attempts: 1 });
    expect(outcome.message).toContain('300 ms');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a server that never answers → timeout', async () => {
    const { outcome } = await viaHttp(() => ({ action: 'hang' }), { timeoutMs: 300 });
    expect(outcome.status).toBe('timeout');
  });

  it('slow gRPC server → timeout (our deadline)', async () => {
    const t0 = Date.now();
    const { outcome } = await viaGrpc(() => ({ delayMs: 3000 }), { timeoutMs: 300 });
    expect(outcome).toMatchObject({ status: 'timeout', attempts: 1 });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('connection reset once, then 200 → accepted after 2 attempts', async () => {
    const { outcome, rx } = await viaHttp((r) => (r.index === 0 ? { action: 'destroy' } : undefined));
    expect(outcome).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(rx.requests).toHaveLength(2);
  });

  it('connection reset every time → error naming the reset, retried', async () => {
    const { outcome } = await viaHttp(() => ({ action: 'destroy' }), { maxAttempts: 3 });
    expect(outcome).toMatchObject({ status: 'error', attempts: 3 });
    expect(outcome.message).toMatch(/reset/);
    expect(outcome.hint).toMatch(/protocol mismatch/);
  });

  it('a closed port → refused (HTTP), not retried', async () => {
    const port = await closedPort();
    const o = await sendProbe({ signal: 'logs', protocol: 'http/protobuf', endpoint: `http://127.0.0.1:${port}/v1/logs`, ...FAST });
    expect(o).toMatchObject({ status: 'refused', attempts: 1 });
    expect(o.hint).toContain('4318');
  });

  it('a closed port → refused (gRPC)', async () => {
    const port = await closedPort();
    const o = await sendProbe({ signal: 'logs', protocol: 'grpc', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 3000, ...FAST });
    expect(o).toMatchObject({ status: 'refused', attempts: 1, grpcCode: 14 });
  });

  it('an unresolvable host (.invalid) → dns (HTTP)', async () => {
    const o = await sendProbe({ signal: 'traces', protocol: 'http/protobuf', endpoint: 'http://cc-otel-probe.invalid:4318/v1/traces', timeoutMs: 5000, ...FAST });
    expect(o).toMatchObject({ status: 'dns', attempts: 1 });
    expect(o.message).toContain('cc-otel-probe.invalid');
  });

  it('an unresolvable host (.invalid) → dns (gRPC)', async () => {
    const o = await sendProbe({ signal: 'traces', protocol: 'grpc', endpoint: 'http://cc-otel-probe.invalid:4317', timeoutMs: 5000, ...FAST });
    expect(o).toMatchObject({ status: 'dns', attempts: 1 });
  });

  it('an invalid header value (trailing newline from a key file) → error with a hint, nothing sent', async () => {
    const { outcome, rx } = await viaHttp(() => undefined, { headers: { 'x-api-key': 'abc\n' } });
    expect(outcome.status).toBe('error');
    expect(outcome.hint).toMatch(/newline/);
    expect(rx.requests).toHaveLength(0);
  });

  it('abortSignal cancels the probe', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const { outcome } = await viaHttp(() => ({ action: 'hang' }), { abortSignal: ac.signal });
    expect(outcome.status).toBe('timeout');
    expect(outcome.message).toContain('aborted');
    expect(outcome.durationMs).toBeLessThan(2000);
  });
});

describe.skipIf(!hasOpenssl())('TLS', () => {
  const dir = makeTempDir('cc-otel-probe-tls');
  let good: { key: Buffer; cert: Buffer };
  let wrongName: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    good = makeSelfSignedCert(dir.path);
    const other = makeTempDir('cc-otel-probe-tls2');
    wrongName = makeSelfSignedCert(other.path, 'DNS:other.example');
    other.cleanup();
  });
  afterAll(() => dir.cleanup());

  it('self-signed certificate → tls with NODE_EXTRA_CA_CERTS hint (HTTP)', async () => {
    const { outcome, rx } = await viaHttp(() => undefined, {}, { tls: good });
    expect(outcome).toMatchObject({ status: 'tls', attempts: 1 });
    expect(outcome.hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(rx.requests).toHaveLength(0);
  });

  it('the same server with its CA trusted → accepted (HTTPS works)', async () => {
    const { outcome, rx } = await viaHttp(() => undefined, { tls: { ca: good.cert } }, { tls: good });
    expect(outcome.status).toBe('accepted');
    expect(rx.requests).toHaveLength(1);
  });

  it('hostname mismatch (trusted CA, wrong SAN) → tls naming the host', async () => {
    const { outcome } = await viaHttp(() => undefined, { tls: { ca: wrongName.cert } }, { tls: wrongName });
    expect(outcome.status).toBe('tls');
    expect(outcome.hint).toContain('127.0.0.1');
    expect(outcome.hint).toMatch(/hostname/);
  });

  it('https:// to a plaintext port → tls saying the port does not speak TLS', async () => {
    const rx = await startHttpReceiver();
    open.push(rx);
    const o = await sendProbe({ signal: 'traces', protocol: 'http/protobuf', endpoint: `https://127.0.0.1:${rx.port}/v1/traces`, ...FAST });
    expect(o.status).toBe('tls');
    expect(o.hint).toContain('http://');
  });

  it('gRPC: self-signed → tls with OTEL_EXPORTER_OTLP_CERTIFICATE hint; trusted → accepted', async () => {
    const rx = await startGrpcReceiver({ tls: good });
    open.push(rx);
    const bad = await sendProbe({ signal: 'traces', protocol: 'grpc', endpoint: `https://localhost:${rx.port}`, timeoutMs: 3000, ...FAST });
    expect(bad.status).toBe('tls');
    expect(bad.hint).toContain('OTEL_EXPORTER_OTLP_CERTIFICATE');
    const ok = await sendProbe({ signal: 'traces', protocol: 'grpc', endpoint: `https://localhost:${rx.port}`, tls: { ca: good.cert }, timeoutMs: 3000, ...FAST });
    expect(ok.status).toBe('accepted');
  });
});
