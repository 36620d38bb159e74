// The OTLP/JSON decoder thread (json-decoder.ts, json-worker.ts): large bodies are converted off the
// event loop into the same protobuf bytes the in-place conversion makes, errors come back as the
// receivers know them (400 / 413), a thread that dies fails its requests and the next request
// starts a new one, and without its file the conversion runs in place and the log says so once.
// The worker file is bundled here with esbuild, as scripts/build.mjs bundles it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { NODE_ESM } from '../../../scripts/esbuild-options.mjs';
import { JsonDecoder, OFF_THREAD_BYTES } from '../../../src/collector/json-decoder.js';
import { BadPayload, decodeRequest } from '../../../src/collector/ingest.js';
import { DEFAULT_LIMITS, OverLimit } from '../../../src/collector/limits.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, '.tmp', `json-decoder-${process.pid}`);
const WORKER = join(OUT, 'json-worker.js');

const attrs = (n: number, v: string) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { stringValue: v } }));
const logsJson = (records: number, value = 'v') =>
  Buffer.from(JSON.stringify({ resourceLogs: [{ resource: { attributes: attrs(3, 'r') }, scopeLogs: [{ scope: { name: 's' }, logRecords: Array.from({ length: records }, (_, i) => ({ timeUnixNano: String(1e18 + i), traceId: '0123456789abcdef0123456789abcdef', body: { stringValue: `b${i}` }, attributes: attrs(4, value) })) }] }] }));

const decoders: JsonDecoder[] = [];
const make = (...args: ConstructorParameters<typeof JsonDecoder>) => {
  const d = new JsonDecoder(...args);
  decoders.push(d);
  return d;
};

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  await build({ entryPoints: [join(ROOT, 'src/collector/json-worker.ts')], outfile: WORKER, ...NODE_ESM });
}, 30_000);
afterAll(async () => {
  await Promise.all(decoders.map((d) => d.close()));
  rmSync(OUT, { recursive: true, force: true });
});

describe('JsonDecoder', () => {
  it('a large body is converted on the thread, to the bytes the in-place conversion makes; a small one in place', async () => {
    const d = make(() => {}, WORKER);
    const big = logsJson(2000, 'x'.repeat(40));
    expect(big.length).toBeGreaterThan(OFF_THREAD_BYTES);
    const expected = decodeRequest('logs', big, 'json');
    const r = await d.encode('logs', Buffer.from(big), DEFAULT_LIMITS, true);
    expect(d.offThread).toBe(1);
    expect(Buffer.from(r.bytes).equals(Buffer.from(expected.bytes))).toBe(true);
    expect(r.counts.items).toBe(2000);
    const small = await d.encode('logs', logsJson(3), DEFAULT_LIMITS);
    expect(d.offThread).toBe(1);
    expect(Buffer.from(small.bytes).equals(Buffer.from(decodeRequest('logs', logsJson(3), 'json').bytes))).toBe(true);
  });

  it('errors cross the thread as BadPayload (400) and OverLimit naming the flag (413); the thread keeps serving', async () => {
    const d = make(() => {}, WORKER);
    const broken = Buffer.concat([logsJson(2000), Buffer.from('}')]);
    await expect(d.encode('logs', broken, DEFAULT_LIMITS)).rejects.toBeInstanceOf(BadPayload);
    await expect(d.encode('logs', broken, DEFAULT_LIMITS)).rejects.toThrow(/invalid OTLP\/JSON logs request: invalid JSON/);
    const over = logsJson(DEFAULT_LIMITS.maxItemsPerRequest + 1);
    const e = await d.encode('logs', over, DEFAULT_LIMITS).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OverLimit);
    expect((e as OverLimit).cap).toBe('maxItemsPerRequest');
    expect((e as Error).message).toMatch(/more than 8192 log records.*--max-items-per-request/);
    expect((await d.encode('logs', logsJson(2000), DEFAULT_LIMITS)).counts.items).toBe(2000);
    expect(d.offThread).toBe(4);
  });

  it('a thread that dies fails its requests (retryable) and logs it; the next request gets a new thread', async () => {
    const logs: string[] = [];
    const d = make((l) => logs.push(l), WORKER);
    expect((await d.encode('logs', logsJson(2000), DEFAULT_LIMITS)).counts.items).toBe(2000);
    const w = (d as unknown as { worker: import('node:worker_threads').Worker }).worker;
    const inFlight = d.encode('logs', logsJson(2000), DEFAULT_LIMITS);
    await w.terminate();
    await expect(inFlight).rejects.toThrow(/exited/);
    expect(logs).toEqual([expect.stringMatching(/decoder thread failed.*starts a new one/)]);
    expect((await d.encode('logs', logsJson(2000), DEFAULT_LIMITS)).counts.items).toBe(2000);
    expect(d.offThread).toBe(2);
  });

  it('without its file: converted in place, and the log says so once', async () => {
    const logs: string[] = [];
    const d = make((l) => logs.push(l), undefined);
    for (let i = 0; i < 2; i++) expect((await d.encode('logs', logsJson(2000), DEFAULT_LIMITS)).counts.items).toBe(2000);
    expect(d.offThread).toBe(0);
    expect(logs).toEqual([expect.stringMatching(/decoder thread not found.*decoded on the event loop/)]);
  });
});
