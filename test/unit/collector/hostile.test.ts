// Hostile and oversized input (issue #12): bounded decode (a counting pre-pass answers 413 /
// RESOURCE_EXHAUSTED before protobufjs or the JSON conversion allocates), a bounded in-flight
// budget (503 + Retry-After / UNAVAILABLE), and what must keep holding: 400 for malformed and deeply
// nested input, 200 concurrent clients, the collector up and every acknowledged record readable.
// The blow-ups run against a collector in a child process, so its peak RSS (VmHWM) can be read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { build } from 'esbuild';
import { NODE_ESM } from '../../../scripts/esbuild-options.mjs';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { readRequests } from '../../../src/collector/requests.js';
import { decodeStatus, SIGNAL_PROTO } from '../../../src/collector/otlp-proto.js';
import { logsRequest } from '../report/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, '.tmp', `hostile-${process.pid}`);
const MiB = 1024 * 1024;
/** Peak RSS allowed for the child collector in these tests (documented ceiling: docs/collect.md § Limits). */
const RSS_CEILING_MB = 700;

// ---- wire-format bodies built cheaply, by repeating bytes ----

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), varint(content.length), content]);

/** ExportLogsServiceRequest { resource_logs { scope_logs { log_records × n (empty: 0x12 0x00) } } } */
function emptyLogRecords(n: number): Buffer {
  const records = Buffer.alloc(2 * n, Buffer.from([0x12, 0x00]));
  return field(0x0a, field(0x12, records));
}

/** One log record with `n` attributes (KeyValue { key: "k<i>" }). */
function logRecordWithAttributes(n: number): Buffer {
  const attrs = Buffer.concat(Array.from({ length: n }, (_, i) => field(0x32, field(0x0a, Buffer.from(`k${i}`)))));
  return field(0x0a, field(0x12, field(0x12, attrs)));
}

/** A log record whose body is an AnyValue nested `depth` arrays deep. */
function nestedLogRecord(depth: number): Buffer {
  let v = field(0x0a, Buffer.from('leaf')); // AnyValue { string_value }
  for (let i = 0; i < depth; i++) v = field(0x2a, field(0x0a, v)); // AnyValue { array_value { values: v } }
  return field(0x0a, field(0x12, field(0x12, field(0x2a, v))));
}

// ---- clients ----

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}
const agent = new Agent({ keepAlive: false });
function post(url: string, path: string, body: Buffer, headers: Record<string, string>): Promise<Res> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-length': String(body.length), ...headers }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - t }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const PB = { 'content-type': 'application/x-protobuf' };
const PB_GZ = { ...PB, 'content-encoding': 'gzip' };
const JSON_CT = { 'content-type': 'application/json' };
const okLogs = (tag: string, n = 2) =>
  Buffer.from(JSON.stringify(logsRequest({ engineer: 'ada' }, Array.from({ length: n }, (_, i) => ({ name: 'tool_result', time: Date.now(), attrs: { tag, seq: i } })))));

function grpcCall(port: number, path: string, payload: Buffer): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, payload, (err) => {
      client.close();
      resolve({ code: err?.code ?? 0, details: err?.details ?? '' });
    });
  });
}

const storedTags = (dir: string) =>
  readRequests(dir, 'logs').flatMap((r) =>
    (r.request.resourceLogs as any[]).flatMap((rl) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((lr: any) => lr.attributes?.find((a: any) => a.key === 'tag')?.value.stringValue))), // eslint-disable-line @typescript-eslint/no-explicit-any
  );

// ---- a child collector whose peak RSS we can read ----

interface Child {
  proc: ChildProcess;
  url: string;
  grpcPort: number;
  dir: TempDir;
  peakRssMB(): number;
  alive(): boolean;
}
const children: Child[] = [];
async function startChild(extra: Record<string, unknown> = {}): Promise<Child> {
  const dir = makeTempDir('cc-otel-hostile');
  const proc = spawn(process.execPath, [join(OUT, 'child.mjs'), dir.path, JSON.stringify({ grpcPort: 0, ...extra })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((res) => createInterface({ input: proc.stdout! }).once('line', res));
  const { port, grpcPort } = JSON.parse(first) as { port: number; grpcPort: number };
  const status = `/proc/${proc.pid}/status`;
  const c: Child = {
    proc,
    dir,
    url: `http://127.0.0.1:${port}`,
    grpcPort,
    peakRssMB: () => (existsSync(status) ? Number(/VmHWM:\s+(\d+)/.exec(readFileSync(status, 'utf8'))?.[1] ?? 0) / 1024 : 0),
    alive: () => proc.exitCode === null && proc.signalCode === null,
  };
  children.push(c);
  return c;
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  await build({ entryPoints: [join(import.meta.dirname, 'child-collector.ts')], outfile: join(OUT, 'child.mjs'), ...NODE_ESM });
  // the OTLP/JSON decoder thread, beside the bundle as in dist/ (json-decoder.ts)
  await build({ entryPoints: [join(ROOT, 'src/collector/json-worker.ts')], outfile: join(OUT, 'json-worker.js'), ...NODE_ESM });
}, 30_000);
afterAll(() => {
  for (const c of children) {
    if (c.alive()) c.proc.kill('SIGKILL');
    c.dir.cleanup();
  }
  rmSync(OUT, { recursive: true, force: true });
});

describe('bounded decode', () => {
  it('the decode blow-up (31 million empty log records, 63 MiB, gzipped to ~60 KiB) is 413 fast; the collector stays up with RSS bounded', async () => {
    const c = await startChild();
    const bomb = gzipSync(emptyLogRecords(31_500_000), { level: 9 });
    expect(bomb.length).toBeLessThan(512 * 1024);
    for (const headers of [PB_GZ, PB]) {
      const body = headers === PB ? emptyLogRecords(31_500_000) : bomb;
      const r = await post(c.url, '/v1/logs', body, headers);
      expect(r.status).toBe(413);
      expect(decodeStatus(r.body).message).toMatch(/more than 8192 log records.*--max-items-per-request/);
      expect(r.ms).toBeLessThan(5_000);
    }
    expect(c.alive()).toBe(true);
    expect((await post(c.url, '/v1/logs', okLogs('after-bomb'), JSON_CT)).status).toBe(200);
    expect(storedTags(c.dir.path)).toContain('after-bomb');
    if (c.peakRssMB()) expect(c.peakRssMB()).toBeLessThan(RSS_CEILING_MB);
  }, 60_000);

  it('gRPC: the same blow-up is RESOURCE_EXHAUSTED naming the flag', async () => {
    const c = await startChild();
    const r = await grpcCall(c.grpcPort, SIGNAL_PROTO.logs.grpcPath, emptyLogRecords(1_000_000));
    expect(r.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(r.details).toMatch(/--max-items-per-request/);
    expect(c.alive()).toBe(true);
  }, 30_000);
});

describe('in-process collector', () => {
  let tmp: TempDir;
  let c: RunningCollector;
  beforeAll(async () => {
    tmp = makeTempDir('cc-otel-hostile-inproc');
    c = await startCollector({ dataDir: tmp.path, httpPort: 0, grpcPort: 0, durable: false, inflight: { maxInflightRequests: 1 } });
  });
  afterAll(async () => {
    await c?.close();
    tmp?.cleanup();
  });

  it('attributes per item: 128 is fine, 129 is 413 naming --max-attributes-per-item (HTTP and gRPC)', async () => {
    expect((await post(c.httpUrl, '/v1/logs', logRecordWithAttributes(128), PB)).status).toBe(200);
    const r = await post(c.httpUrl, '/v1/logs', logRecordWithAttributes(129), PB);
    expect(r.status).toBe(413);
    const st = decodeStatus(r.body);
    expect(st.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(st.message).toMatch(/more than 128 attributes on one LogRecord.*--max-attributes-per-item/);
    const g = await grpcCall(c.grpcPort!, SIGNAL_PROTO.logs.grpcPath, logRecordWithAttributes(129));
    expect(g.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(g.details).toMatch(/--max-attributes-per-item/);
  });

  it('OTLP/JSON: over the item cap, over the attribute cap, and a [{},{},…] blow-up are 413 before the conversion', async () => {
    const many = { resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 8193 }, () => ({})) }] }] };
    const r1 = await post(c.httpUrl, '/v1/logs', Buffer.from(JSON.stringify(many)), JSON_CT);
    expect(r1.status).toBe(413);
    expect((JSON.parse(r1.body.toString()) as { message: string }).message).toMatch(/8192 log records.*--max-items-per-request/);
    const attrs = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: Array.from({ length: 129 }, (_, i) => ({ key: `k${i}`, value: {} })) }] }] }] };
    const r2 = await post(c.httpUrl, '/v1/logs', Buffer.from(JSON.stringify(attrs)), JSON_CT);
    expect(r2.status).toBe(413);
    expect((JSON.parse(r2.body.toString()) as { message: string }).message).toMatch(/--max-attributes-per-item/);
    // 20 MiB of `{},` — 7 million objects for JSON.parse — gzipped
    const blow = Buffer.concat([Buffer.from('{"resourceLogs":['), Buffer.alloc(21 * MiB, '{},'), Buffer.from('{}]}')]);
    const r3 = await post(c.httpUrl, '/v1/logs', gzipSync(blow), { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(r3.status).toBe(413);
    expect((JSON.parse(r3.body.toString()) as { message: string }).message).toMatch(/--max-values-per-request/);
    expect((await post(c.httpUrl, '/v1/logs', okLogs('json-after'), JSON_CT)).status).toBe(200);
  });

  it('a bomb is refused from its first KiB: with its gzip trailer broken, still 413 naming the cap (never decompressed to the end)', async () => {
    const bomb = Buffer.from(gzipSync(emptyLogRecords(31_500_000), { level: 9 }));
    bomb.fill(0xee, bomb.length - 8); // CRC32 and ISIZE: a decompression to the end would fail its check (400)
    const r = await post(c.httpUrl, '/v1/logs', bomb, PB_GZ);
    expect(r.status).toBe(413);
    expect(decodeStatus(r.body).message).toMatch(/more than 8192 log records.*--max-items-per-request/);
    // 100 MiB of zeros, gzipped to ~100 KiB: field number 0 in the first KiB is 400, not 413 at 64 MiB
    const zeros = await post(c.httpUrl, '/v1/logs', gzipSync(Buffer.alloc(100 * MiB), { level: 9 }), PB_GZ);
    expect(zeros.status).toBe(400);
    expect(decodeStatus(zeros.body).message).toMatch(/field number 0/);
  });

  it('an uncompressed body over a cap leaves the budget at once, though its client has not sent it all; it is answered 413 when it has', async () => {
    const declared = 63 * MiB;
    const header = Buffer.concat([Buffer.from([0x0a]), varint(declared + 5), Buffer.from([0x12]), varint(declared)]);
    const sock = connect(c.httpPort, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const answered = new Promise<string>((res) => sock.once('data', (d) => res(d.toString())));
    sock.write(`POST /v1/logs HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ncontent-length: ${header.length + declared}\r\n\r\n`);
    sock.write(header);
    // 131,072 empty records of 31 million, then a pause: the collector has refused it by now
    await new Promise<void>((r) => sock.write(Buffer.alloc(256 * 1024, Buffer.from([0x12, 0x00])), () => r()));
    await new Promise((r) => setTimeout(r, 200));
    // this collector admits one request at a time (maxInflightRequests: 1): the half-sent one no longer counts
    expect((await post(c.httpUrl, '/v1/logs', okLogs('while-half-sent'), JSON_CT)).status).toBe(200);
    const rest = declared - 256 * 1024;
    for (let sent = 0; sent < rest; sent += MiB) sock.write(Buffer.alloc(Math.min(MiB, rest - sent)));
    expect(await answered).toMatch(/^HTTP\/1.1 413/);
    sock.destroy();
    expect(storedTags(tmp.path)).toContain('while-half-sent');
  }, 20_000);

  it('deeply nested protobuf is 400 and the collector keeps serving', async () => {
    expect((await post(c.httpUrl, '/v1/logs', nestedLogRecord(20), PB)).status).toBe(200);
    const r = await post(c.httpUrl, '/v1/logs', nestedLogRecord(5000), PB);
    expect(r.status).toBe(400);
    expect(decodeStatus(r.body).message).toMatch(/nested/);
    expect((await post(c.httpUrl, '/v1/logs', okLogs('nest-after'), JSON_CT)).status).toBe(200);
  });

  it('over the requests in flight: 503 + Retry-After over HTTP, UNAVAILABLE over gRPC; fine again once it is answered', async () => {
    // One request in flight (maxInflightRequests: 1): headers and half a body, held open.
    const sock = connect(c.httpPort, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const held = Buffer.from(JSON.stringify(logsRequest({ engineer: 'ada' }, [{ name: 'x', time: Date.now(), attrs: { tag: 'held' } }])));
    sock.write(`POST /v1/logs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${held.length}\r\n\r\n`);
    sock.write(held.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    const r = await post(c.httpUrl, '/v1/logs', okLogs('refused'), JSON_CT);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect((JSON.parse(r.body.toString()) as { code: number }).code).toBe(14); // UNAVAILABLE
    const g = await grpcCall(c.grpcPort!, SIGNAL_PROTO.logs.grpcPath, logRecordWithAttributes(1));
    expect(g.code).toBe(grpc.status.UNAVAILABLE);
    const answered = new Promise<string>((res) => sock.once('data', (d) => res(d.toString())));
    sock.write(held.subarray(10));
    expect(await answered).toMatch(/^HTTP\/1.1 200/);
    sock.destroy();
    expect((await post(c.httpUrl, '/v1/logs', okLogs('after-busy'), JSON_CT)).status).toBe(200);
    expect(storedTags(tmp.path)).toEqual(expect.arrayContaining(['held', 'after-busy']));
    expect(storedTags(tmp.path)).not.toContain('refused');
  });
});

describe('bounded memory across requests', () => {
  it('32 concurrent decompression bombs: 413 (records), 400 (zeros) or 503 + Retry-After, RSS bounded, and a well-behaved client gets every record stored', async () => {
    const c = await startChild();
    const zeros = gzipSync(Buffer.alloc(100 * MiB), { level: 9 }); // ~100 KiB → 100 MiB
    const records = gzipSync(emptyLogRecords(31_500_000), { level: 9 });
    const bombs = Array.from({ length: 32 }, (_, i) => post(c.url, '/v1/logs', i % 2 ? zeros : records, PB_GZ));
    // meanwhile a well-behaved client keeps sending, retrying 503s as an OTLP exporter does
    const acked: string[] = [];
    let worstMs = 0;
    const client = (async () => {
      for (let i = 0; i < 40; i++) {
        const tag = `good-${i}`;
        for (;;) {
          const r = await post(c.url, '/v1/logs', okLogs(tag, 20), JSON_CT);
          worstMs = Math.max(worstMs, r.ms);
          if (r.status === 200) break;
          expect(r.status).toBe(503);
          await new Promise((res) => setTimeout(res, 50));
        }
        acked.push(tag);
      }
    })();
    const answers = await Promise.all(bombs);
    await client;
    if (process.env.CC_OTEL_TEST_VERBOSE) console.log({ statuses: answers.map((a) => a.status).join(' '), peakRssMB: c.peakRssMB(), worstMs });
    answers.forEach((a, i) => {
      expect([i % 2 ? 400 : 413, 503]).toContain(a.status);
      if (a.status === 503) expect(a.headers['retry-after']).toBeDefined();
    });
    expect(c.alive()).toBe(true);
    if (c.peakRssMB()) expect(c.peakRssMB()).toBeLessThan(RSS_CEILING_MB);
    const stored = new Set(storedTags(c.dir.path));
    expect(acked.filter((t) => !stored.has(t))).toEqual([]);
    expect(acked.length).toBe(40);
  }, 120_000);

  it('a valid 63 MiB OTLP/JSON body (long strings, on the decoder thread) is stored whole, RSS under the ceiling', async () => {
    const c = await startChild();
    const n = 500;
    const big = Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: n }, (_, i) => ({ timeUnixNano: String(1e18 + i), body: { stringValue: 'x'.repeat(128 * 1024) }, attributes: [{ key: 'tag', value: { stringValue: `big-${i}` } }] })) }] }] }));
    expect(big.length).toBeGreaterThan(62 * MiB);
    const r = await post(c.url, '/v1/logs', big, JSON_CT);
    expect(r.status).toBe(200);
    const stored = storedTags(c.dir.path);
    expect(stored.length).toBe(n);
    expect(stored[n - 1]).toBe(`big-${n - 1}`);
    if (process.env.CC_OTEL_TEST_VERBOSE) console.log({ bigJsonPeakRssMB: c.peakRssMB() });
    expect(c.alive()).toBe(true);
    if (c.peakRssMB()) expect(c.peakRssMB()).toBeLessThan(RSS_CEILING_MB);
  }, 60_000);

  it('200 concurrent clients are all answered 200 and stored', async () => {
    const c = await startChild();
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => post(c.url, '/v1/logs', okLogs(`c-${i}`), JSON_CT)));
    expect(rs.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(new Set(storedTags(c.dir.path)).size).toBe(200);
  }, 60_000);
});
