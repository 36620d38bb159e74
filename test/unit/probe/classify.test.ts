// Pure classification rules: table tests, no network.
import { describe, expect, it } from 'vitest';
import {
  classifyGrpcError,
  classifyHttpResponse,
  classifyNetworkError,
  decodeRpcStatus,
  extractErrorMessage,
  notFoundHint,
  parseRetryAfter,
  readPartialSuccess,
} from '../../../src/probe/classify.js';
import type { ClassifyContext } from '../../../src/probe/classify.js';
import { partialSuccessBody, rpcStatusBody } from '../../helpers/probe-receiver.js';

const ctx = (over: Partial<ClassifyContext> = {}): ClassifyContext => ({
  signal: 'traces',
  protocol: 'http/protobuf',
  endpoint: 'https://collector.example/v1/traces',
  headerNames: ['authorization'],
  ...over,
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:05 GMT', 5000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
    [['3', '9'], 3000],
  ] as const)('%j → %j', (v, ms) => {
    expect(parseRetryAfter(v as string | string[] | undefined, now)).toBe(ms);
  });
});

describe('google.rpc.Status and error bodies', () => {
  it('decodes a Status (code + message)', () => {
    expect(decodeRpcStatus(rpcStatusBody(3, 'invalid temporality'))).toEqual({ code: 3, message: 'invalid temporality' });
  });
  it('rejects non-Status bytes', () => {
    expect(decodeRpcStatus(Buffer.from('not a status'))).toBeUndefined();
    expect(decodeRpcStatus(Buffer.from([0x08]))).toBeUndefined();
  });
  it.each([
    [rpcStatusBody(16, 'bad key'), 'application/x-protobuf', 'bad key'],
    [rpcStatusBody(16, 'bad key'), undefined, 'bad key'],
    [Buffer.from('{"code":3,"message":"bad payload"}'), 'application/json', 'bad payload'],
    [Buffer.from('{"errors":["Forbidden"]}'), 'application/json', 'Forbidden'],
    [Buffer.from('{"error":"unknown API key"}'), 'application/json; charset=utf-8', 'unknown API key'],
    [Buffer.from('  too many\nrequests  '), 'text/plain', 'too many requests'],
    [Buffer.from('<html><head><title>404 Not Found</title></head></html>'), 'text/html', 'HTML page "404 Not Found"'],
    [Buffer.alloc(0), 'text/plain', undefined],
  ] as const)('%#: extracts the server message', (body, ct, expected) => {
    expect(extractErrorMessage(body, ct)).toBe(expected);
  });
  it('truncates long messages to one line', () => {
    const m = extractErrorMessage(Buffer.from('x'.repeat(1000)), 'text/plain')!;
    expect(m.length).toBeLessThanOrEqual(301);
    expect(m.endsWith('…')).toBe(true);
  });
});

describe('readPartialSuccess', () => {
  it.each([
    ['traces', {}, undefined],
    ['traces', { partialSuccess: {} }, undefined],
    ['traces', { partialSuccess: { rejectedSpans: 0, errorMessage: '' } }, undefined],
    ['traces', { partialSuccess: { rejectedSpans: 2, errorMessage: 'x' } }, { rejected: 2, errorMessage: 'x' }],
    ['metrics', { partial_success: { rejected_data_points: '7' } }, { rejected: 7, errorMessage: '' }],
    ['logs', { partialSuccess: { rejectedLogRecords: { toNumber: () => 4 } } }, { rejected: 4, errorMessage: '' }],
    ['logs', { partialSuccess: { errorMessage: 'warning only' } }, { rejected: 0, errorMessage: 'warning only' }],
    // the wrong signal's counter is not read
    ['logs', { partialSuccess: { rejectedSpans: 3 } }, undefined],
  ] as const)('%s %j', (signal, resp, expected) => {
    expect(readPartialSuccess(signal, resp)).toEqual(expected);
  });
});

describe('classifyHttpResponse', () => {
  const decode = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString()) as unknown;
  it('200 with a protobuf partial_success decoded by the official deserializer', async () => {
    const { ProtobufLogsSerializer } = await import('@opentelemetry/otlp-transformer');
    const v = classifyHttpResponse(
      { status: 200, headers: {}, body: partialSuccessBody('logs', 5, 'too old', 'protobuf') },
      ctx({ signal: 'logs' }),
      (b) => ProtobufLogsSerializer.deserializeResponse(b),
      0,
    );
    expect(v).toMatchObject({ status: 'partial', rejected: 5, retryable: false });
  });
  it('200 with a body that is not an Export response is still accepted', () => {
    const v = classifyHttpResponse({ status: 200, headers: {}, body: Buffer.from('ok!') }, ctx(), decode, 0);
    expect(v.status).toBe('accepted');
    expect(v.message).toContain('not an Export response');
  });
  it('429 carries retryAfterMs and is retryable', () => {
    const v = classifyHttpResponse({ status: 429, headers: { 'retry-after': '7' }, body: Buffer.alloc(0) }, ctx(), decode, 0);
    expect(v).toMatchObject({ status: 'transient', retryable: true, retryAfterMs: 7000 });
  });
  it('temporality hint flips with the temporality sent', () => {
    const body = rpcStatusBody(3, 'invalid temporality and type combination');
    const h = { 'content-type': 'application/x-protobuf' };
    const delta = classifyHttpResponse({ status: 400, headers: h, body }, ctx({ signal: 'metrics', temporality: 'delta' }), decode, 0);
    const cum = classifyHttpResponse({ status: 400, headers: h, body }, ctx({ signal: 'metrics', temporality: 'cumulative' }), decode, 0);
    expect(delta.hint).toContain('PREFERENCE=cumulative');
    expect(cum.hint).toContain('PREFERENCE=delta');
  });
});

describe('notFoundHint', () => {
  it.each([
    ['https://otlp-gateway-prod-eu-west-2.grafana.net/v1/metrics', 'metrics', '/otlp base path'],
    ['https://abc123.live.dynatrace.com/v1/traces', 'traces', '/api/v2/otlp'],
    ['https://cloud.langfuse.com/v1/traces', 'traces', '/api/public/otel'],
    ['https://ingest.us.signoz.cloud:443', 'logs', 'must end with /v1/logs'],
    ['https://ingest.us.signoz.cloud:443/v1/logs/', 'logs', 'trailing slash'],
    ['https://cloud.langfuse.com/api/public/otel/v1/metrics', 'metrics', 'OTEL_METRICS_EXPORTER=none'],
  ] as const)('%s (%s) → mentions %s', (endpoint, signal, text) => {
    expect(notFoundHint(ctx({ endpoint, signal }))).toContain(text);
  });
  it('gRPC: names ports and HTTP-only backends', () => {
    const h = notFoundHint(ctx({ protocol: 'grpc', endpoint: 'https://x:443' }));
    expect(h).toContain('4317');
    expect(h).toContain('http/protobuf');
  });
});

describe('classifyNetworkError', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  it.each([
    ['ENOTFOUND', 'dns', false],
    ['EAI_AGAIN', 'dns', false],
    ['ECONNREFUSED', 'refused', false],
    ['ECONNRESET', 'error', true],
    ['EPIPE', 'error', true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', false],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls', false],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', false],
    ['CERT_HAS_EXPIRED', 'tls', false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', false],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', false],
    ['HPE_INVALID_CONSTANT', 'protocol', false],
    ['ETIMEDOUT', 'timeout', false],
    ['ERR_INVALID_CHAR', 'error', false],
    ['EWHATEVER', 'error', false],
  ] as const)('%s → %s (retryable %s)', (code, status, retryable) => {
    const v = classifyNetworkError(err(code), ctx());
    expect(v.status).toBe(status);
    expect(v.retryable).toBe(retryable);
    expect(v.hint).not.toBe('');
  });
  it('socket hang up (no code) counts as a reset', () => {
    expect(classifyNetworkError(new Error('socket hang up'), ctx())).toMatchObject({ status: 'error', retryable: true });
  });
});

describe('classifyGrpcError', () => {
  it.each([
    [16, '', 'auth', false],
    [7, '', 'auth', false],
    [12, '', 'not_found', false],
    [5, '', 'not_found', false],
    [3, 'bad', 'bad_request', false],
    [14, 'overloaded', 'transient', true],
    [14, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:4317 (2026-01-01T00:00:00.000Z)', 'refused', false],
    [14, 'Name resolution failed for target dns:x.invalid:4317', 'dns', false],
    [14, 'No connection established. Last error: Error: self-signed certificate.', 'tls', false],
    [14, 'No connection established. Last error: Protocol error (2026-01-01T00:00:00.000Z). Resolution note: ', 'protocol', false],
    [8, 'Received message larger than max (5 vs. 4)', 'too_large', false],
    [8, 'quota exceeded', 'transient', false],
    [10, '', 'transient', true],
    [13, 'Received RST_STREAM with code 2', 'protocol', false],
    [2, '', 'error', false],
  ] as const)('code %i %j → %s', (code, details, status, retryable) => {
    const v = classifyGrpcError({ code, details }, ctx({ protocol: 'grpc' }));
    expect(v).toMatchObject({ status, retryable, grpcCode: code });
    expect(v.message).not.toMatch(/Resolution note|\(\d{4}-/);
  });
  it('UNAUTHENTICATED with an unexpected content-type says the endpoint is HTTP-only', () => {
    const v = classifyGrpcError({ code: 16, details: 'received the unexpected content-type "application/json"' }, ctx({ protocol: 'grpc' }));
    expect(v.hint).toContain('HTTP-only');
  });
});
