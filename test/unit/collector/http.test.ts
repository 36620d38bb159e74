// OTLP/HTTP response semantics (../shared/docs/backends.md §5.5): 200 with an empty
// Export*ServiceResponse, 400 + google.rpc.Status for bad payloads (nothing stored), 413 over the
// limit (declared, streamed, or once decompressed), 415, 404, 405; gRPC INVALID_ARGUMENT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { readRequests } from '../../../src/collector/requests.js';
import { decodeStatus, SIGNAL_PROTO } from '../../../src/collector/otlp-proto.js';

let tmp: TempDir;
let c: RunningCollector;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  tmp = makeTempDir('cc-otel-http');
  c = await startCollector({ dataDir: tmp.path, httpPort: 0, grpcPort: 0, maxBodyBytes: LIMIT });
});
afterAll(async () => {
  await c?.close();
  tmp?.cleanup();
});

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; chunks?: Buffer[] } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(`${c.httpUrl}${path}`, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (opts.chunks) {
      for (const ch of opts.chunks) req.write(ch);
      req.end();
    } else req.end(opts.body);
  });
}

const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

const traceJson = (name: string, extra: Record<string, unknown> = {}) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'http-test' } }] },
      scopeSpans: [
        {
          scope: { name: 's' },
          spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name, kind: 2, startTimeUnixNano: '1544712660000000000', endTimeUnixNano: 1544712661000000000, ...extra }],
        },
      ],
    },
  ],
});

const stored = () => readRequests(tmp.path, 'traces').map((r) => ((r.request.resourceSpans as any[])[0].scopeSpans[0].spans[0].name as string)); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OTLP/HTTP', () => {
  it('200 with an empty ExportTraceServiceResponse for protobuf, in protobuf', async () => {
    const type = SIGNAL_PROTO.traces.request;
    const body = Buffer.from(type.encode(type.fromObject({ ...traceJson('x'), resourceSpans: [{ ...traceJson('pb-ok').resourceSpans[0], scopeSpans: [{ scope: { name: 's' }, spans: [{ name: 'pb-ok', traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2) }] }] }] })).finish());
    const r = await send('/v1/traces', { headers: PB, body });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-protobuf');
    expect(r.body.length).toBe(0);
    expect(SIGNAL_PROTO.traces.response.toObject(SIGNAL_PROTO.traces.response.decode(r.body))).toEqual({});
    expect(stored()).toContain('pb-ok');
  });

  it('200 with {} for JSON (charset parameter, snake_case names and enum names accepted; hex ids kept)', async () => {
    const body = JSON.stringify({
      resource_spans: [{ scope_spans: [{ spans: [{ trace_id: '0102030405060708090a0b0c0d0e0f10', span_id: '0102030405060708', name: 'json-ok', kind: 'SPAN_KIND_CLIENT' }] }] }],
    });
    const r = await send('/v1/traces', { headers: { 'content-type': 'application/json; charset=utf-8' }, body });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body.toString())).toEqual({});
    const span = readRequests(tmp.path, 'traces')
      .flatMap((x) => (x.request.resourceSpans as any[]).flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans))) // eslint-disable-line @typescript-eslint/no-explicit-any
      .find((s) => s.name === 'json-ok');
    expect(span).toMatchObject({ traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', kind: 'SPAN_KIND_CLIENT' });
  });

  it('an empty request succeeds and stores nothing', async () => {
    const before = readRequests(tmp.path).length;
    expect((await send('/v1/metrics', { headers: JSON_CT, body: '{}' })).status).toBe(200);
    expect((await send('/v1/logs', { headers: PB, body: Buffer.alloc(0) })).status).toBe(200);
    expect(readRequests(tmp.path).length).toBe(before);
  });

  it.each([
    ['truncated protobuf', PB, Buffer.from([0x0a, 0x10, 0x0a, 0x05])],
    ['protobuf with a bad wire type', PB, Buffer.from([0x0f, 0x01, 0x02])],
    ['JSON sent as protobuf', PB, Buffer.from(JSON.stringify(traceJson('bad-1')))],
    ['invalid JSON', JSON_CT, Buffer.from('{"resourceSpans": [')],
    ['a JSON array', JSON_CT, Buffer.from('[]')],
    ['a wrong JSON type', JSON_CT, Buffer.from('{"resourceSpans": 5}')],
    ['a trace id that is not hex', JSON_CT, Buffer.from(JSON.stringify(traceJson('bad-2', { traceId: 'zz8efff798038103d269b633813fc60c' })))],
    ['a trace id of the wrong length', JSON_CT, Buffer.from(JSON.stringify(traceJson('bad-3', { traceId: 'abcd' })))],
    ['a timestamp that is not an integer', JSON_CT, Buffer.from(JSON.stringify(traceJson('bad-4', { startTimeUnixNano: 'yesterday' })))],
  ])('400 + Status for %s, and nothing stored', async (_what, headers, body) => {
    const before = readRequests(tmp.path).length;
    const r = await send('/v1/traces', { headers, body });
    expect(r.status).toBe(400);
    const st = headers === JSON_CT ? (JSON.parse(r.body.toString()) as { code: number; message: string }) : decodeStatus(r.body);
    expect(st.code).toBe(3); // INVALID_ARGUMENT
    expect(st.message).toMatch(/invalid/i);
    expect(readRequests(tmp.path).length).toBe(before);
    expect(stored().filter((n) => n.startsWith('bad-'))).toEqual([]);
  });

  it('gzip bodies are accepted; a body that is not gzip is 400', async () => {
    const ok = await send('/v1/traces', { headers: { ...JSON_CT, 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(traceJson('gzip-ok'))) });
    expect(ok.status).toBe(200);
    expect(stored()).toContain('gzip-ok');
    const bad = await send('/v1/traces', { headers: { ...JSON_CT, 'content-encoding': 'gzip' }, body: JSON.stringify(traceJson('bad-gzip')) });
    expect(bad.status).toBe(400);
  });

  it('413 for a declared length, a streamed body, or a decompressed body over the limit', async () => {
    const big = Buffer.alloc(LIMIT + 1, 0x20);
    expect((await send('/v1/traces', { headers: PB, body: big })).status).toBe(413);
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 0x20)); // chunked, no content-length
    expect((await send('/v1/traces', { headers: { ...JSON_CT, 'transfer-encoding': 'chunked' }, chunks })).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(LIMIT * 4, 0x20)); // ~1 KB that inflates past the limit
    expect(bomb.length).toBeLessThan(LIMIT);
    const r = await send('/v1/traces', { headers: { ...JSON_CT, 'content-encoding': 'gzip' }, body: bomb });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body.toString()).message).toMatch(/over/);
  });

  it('415 for an unknown content type or encoding; 404 for an unknown path; 405 for GET', async () => {
    expect((await send('/v1/traces', { headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect((await send('/v1/traces', { body: 'x' })).status).toBe(415);
    expect((await send('/v1/traces', { headers: { ...PB, 'content-encoding': 'zstd' }, body: 'x' })).status).toBe(415);
    expect((await send('/v1/profiles', { headers: PB, body: '' })).status).toBe(404);
    expect((await send('/', { headers: PB, body: '' })).status).toBe(404);
    const get = await send('/v1/traces', { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('keeps serving on the same keep-alive connection after errors', async () => {
    for (let i = 0; i < 3; i++) expect((await send('/v1/traces', { headers: JSON_CT, body: '{' })).status).toBe(400);
    expect((await send('/v1/traces', { headers: JSON_CT, body: JSON.stringify(traceJson('after-errors')) })).status).toBe(200);
    expect(stored()).toContain('after-errors');
  });
});

describe('OTLP/gRPC', () => {
  function call(path: string, payload: Buffer): Promise<{ code: number; details: string }> {
    const client = new grpc.Client(`127.0.0.1:${c.grpcPort}`, grpc.credentials.createInsecure());
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        payload,
        (err) => {
          client.close();
          resolve({ code: err?.code ?? 0, details: err?.details ?? '' });
        },
      );
    });
  }

  it('INVALID_ARGUMENT for a malformed message, nothing stored', async () => {
    const before = readRequests(tmp.path).length;
    const r = await call(SIGNAL_PROTO.logs.grpcPath, Buffer.from([0x0a, 0x10, 0x0a]));
    expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.details).toMatch(/invalid protobuf/);
    expect(readRequests(tmp.path).length).toBe(before);
  });

  it('RESOURCE_EXHAUSTED over the size limit; UNIMPLEMENTED for an unknown method', async () => {
    expect((await call(SIGNAL_PROTO.logs.grpcPath, Buffer.alloc(LIMIT + 10))).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await call('/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', Buffer.alloc(0))).code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
