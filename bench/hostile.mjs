#!/usr/bin/env node
// Hostile-load benchmark of `cc-otel collect` (issue #12). Prints one JSON object.
//
//   node bench/hostile.mjs [--seconds 10] [--batch 512]
//
// A collector runs in its own process (127.0.0.1, port 0, fsync on, the V8 flags of `collect
// --detach`). A well-behaved client sends Claude-Code-shaped log batches (http/protobuf, --batch
// records, one request at a time, retrying 503 after Retry-After as OTLP exporters do):
//   1. alone, for --seconds;
//   2. the same, while hostile clients send, in waves: the decode blow-up (31.5 million empty log
//      records, 63 MiB, gzipped to ~60 KiB) and 32 concurrent decompression bombs (half 100 MiB of
//      zeros, half the blow-up).
// Reports the collector's peak RSS, the well-behaved client's worst and p99 latency and its ingest
// rate in both phases, and how the hostile requests were answered.
// Targets: peak RSS under the documented ceiling (docs/collect.md § Limits: 700 MB); the
// well-behaved client's records all acknowledged.
import { build } from 'esbuild';
import { NODE_ESM } from '../scripts/esbuild-options.mjs';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import protoRoot from 'otlp-proto/build/src/generated/root.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, batch: { type: 'string', default: '512' } } });
const SECONDS = Number(args.seconds);
const BATCH = Number(args.batch);
const RSS_CEILING_MB = 700;
const MiB = 1024 * 1024;

const OUT = join(ROOT, '.tmp', `bench-hostile-${process.pid}`);
mkdirSync(OUT, { recursive: true });
await build({
  stdin: { contents: `export { COLLECTOR_NODE_FLAGS } from './src/collector/daemon.ts';`, resolveDir: ROOT, sourcefile: 'flags.ts', loader: 'ts' },
  outfile: join(OUT, 'flags.mjs'),
  ...NODE_ESM,
});
await build({
  stdin: {
    contents: `
      import { startCollector } from './src/collector/collector.ts';
      import { monitorEventLoopDelay } from 'node:perf_hooks';
      const c = await startCollector({ dataDir: process.argv[2], httpPort: 0, grpcPort: null });
      // how long the event loop was held at once (what every other client waits behind), per phase
      let h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      const take = () => { const r = { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6 }; h.disable(); h = monitorEventLoopDelay({ resolution: 5 }); h.enable(); return r; };
      process.stdout.write(JSON.stringify({ port: c.httpPort }) + '\\n');
      process.on('SIGUSR2', () => process.stdout.write(JSON.stringify({ loop: take() }) + '\\n'));
      process.once('SIGTERM', async () => {
        const loop = take();
        await c.close();
        process.stdout.write(JSON.stringify({ stats: c.stats(), maxRssMB: process.resourceUsage().maxRSS / 1024, loop }) + '\\n');
      });`,
    resolveDir: ROOT,
    sourcefile: 'collector.ts',
    loader: 'ts',
  },
  outfile: join(OUT, 'collector.mjs'),
  ...NODE_ESM,
  minify: true,
});
// the OTLP/JSON decoder thread, where json-decoder.ts looks for it (beside the bundle)
await build({ entryPoints: [join(ROOT, 'src/collector/json-worker.ts')], outfile: join(OUT, 'json-worker.js'), ...NODE_ESM, minify: true });
const { COLLECTOR_NODE_FLAGS } = await import(join(OUT, 'flags.mjs'));

// ---- bodies ----
const { ExportLogsServiceRequest } = protoRoot.opentelemetry.proto.collector.logs.v1;
const kv = (o) => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: String(v) } }));
let seq = 0;
/** A Claude Code event batch: BATCH log records with its ~15 attributes. */
function goodBatch() {
  const t = Date.now() * 1e6;
  const logRecords = Array.from({ length: BATCH }, () => {
    const n = seq++;
    return {
      timeUnixNano: t + n,
      observedTimeUnixNano: t + n,
      body: { stringValue: 'claude_code.tool_result' },
      attributes: kv({
        'event.name': 'tool_result',
        'event.timestamp': new Date().toISOString(),
        'event.sequence': n,
        'session.id': '7c1e4f0a-9b1d-4c3d-8e2f-1a0b9c8d7e6f',
        'user.id': 'a'.repeat(64),
        'organization.id': '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
        'user.email': 'ada@example.com',
        'terminal.type': 'vscode',
        tool_name: 'Bash',
        success: 'true',
        duration_ms: 42,
        decision_type: 'accept',
        decision_source: 'config',
        tool_result_size_bytes: 1234,
        engineer: 'ada',
      }),
    };
  });
  const resource = { attributes: kv({ 'service.name': 'claude-code', 'service.version': '2.1.197', engineer: 'ada', team: 'core', org: 'acme' }) };
  return Buffer.from(ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject({ resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events', version: '2.1.197' }, logRecords }] }] })).finish());
}
function varint(n) {
  const out = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (tag, content) => Buffer.concat([Buffer.from([tag]), varint(content.length), content]);
const blowUp = gzipSync(field(0x0a, field(0x12, Buffer.alloc(2 * 31_500_000, Buffer.from([0x12, 0x00])))), { level: 9 });
const zeros = gzipSync(Buffer.alloc(100 * MiB), { level: 9 });
// valid, but heavy: 16 MiB of OTLP/JSON (128 records with a 128 KiB body each), stored when acknowledged
const BIG_JSON_RECORDS = 128;
const bigJson = Buffer.from(JSON.stringify({ resourceLogs: [{ resource: { attributes: kv({ 'service.name': 'hostile' }) }, scopeLogs: [{ logRecords: Array.from({ length: BIG_JSON_RECORDS }, (_, i) => ({ timeUnixNano: String(Date.now() * 1e6 + i), body: { stringValue: 'x'.repeat(128 * 1024) } })) }] }] }));

// ---- run ----
const dataDir = mkdtempSync(join(tmpdir(), 'cc-otel-bench-hostile-'));
const extraFlags = (process.env.HOSTILE_NODE_FLAGS ?? '').split(' ').filter(Boolean); // e.g. --trace-gc, for a look inside
const child = spawn(process.execPath, [...COLLECTOR_NODE_FLAGS, ...extraFlags, join(OUT, 'collector.mjs'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout });
const queue = [];
const waiters = [];
lines.on('line', (l) => {
  if (!l.startsWith('{')) return void process.stderr.write(`collector: ${l}\n`); // --trace-gc and the like
  if (waiters.length) waiters.shift()(l);
  else queue.push(l);
});
const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)));
const { port } = JSON.parse(await next());

const goodAgent = new Agent({ keepAlive: true, maxSockets: 1 });
const hostileAgent = new Agent({ keepAlive: false });
function post(body, headers, agent) {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/logs', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length, ...headers } }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode, retryAfter: r.headers['retry-after'], text: Buffer.concat(chunks).subarray(0, 200).toString('latin1') }));
    });
    req.on('error', rej);
    req.end(body);
  });
}

const bodies = Array.from({ length: 64 }, goodBatch);
const reasons = {};
async function wellBehaved(seconds) {
  const lat = [];
  let records = 0;
  let retries = 0;
  let i = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const body = bodies[i++ % bodies.length];
    const t = performance.now();
    for (;;) {
      const r = await post(body, {}, goodAgent);
      if (r.status === 200) break;
      if (r.status !== 503) throw new Error(`well-behaved client: HTTP ${r.status}`);
      retries++;
      reasons[r.text.replace(/[^ -~]/g, '').replace(/\d+/g, 'N')] = (reasons[r.text.replace(/[^ -~]/g, '').replace(/\d+/g, 'N')] ?? 0) + 1;
      await new Promise((res) => setTimeout(res, Number(r.retryAfter ?? 1) * 1000));
    }
    lat.push(performance.now() - t);
    records += BATCH;
  }
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    requests: lat.length,
    records,
    recordsPerSec: Math.round(records / s),
    p50Ms: +lat[Math.floor(lat.length / 2)].toFixed(1),
    p99Ms: +lat[Math.floor(lat.length * 0.99)].toFixed(1),
    worstMs: +lat[lat.length - 1].toFixed(1),
    retries,
  };
}

const alone = await wellBehaved(SECONDS);
child.kill('SIGUSR2');
alone.collectorLoopMs = JSON.parse(await next()).loop;
const answers = {};
let bigJsonAcked = 0;
let stop = false;
const hostile = (async () => {
  let waves = 0;
  while (!stop) {
    waves++;
    const wave = [
      post(blowUp, { 'content-encoding': 'gzip' }, hostileAgent),
      ...Array.from({ length: 32 }, (_, k) => post(k % 2 ? zeros : blowUp, { 'content-encoding': 'gzip' }, hostileAgent)),
      post(bigJson, { 'content-type': 'application/json' }, hostileAgent).then((r) => ((r.json = true), r)),
    ];
    for (const r of await Promise.all(wave.map((p) => p.catch((e) => ({ status: `error ${e.code ?? e.message}` }))))) {
      answers[r.status] = (answers[r.status] ?? 0) + 1;
      if (r.json && r.status === 200) bigJsonAcked += BIG_JSON_RECORDS;
    }
  }
  return waves;
})();
const underAttack = await wellBehaved(SECONDS);
stop = true;
const waves = await hostile;
child.kill('SIGTERM');
const end = JSON.parse(await next());
underAttack.collectorLoopMs = end.loop;
await new Promise((r) => child.once('exit', r));
goodAgent.destroy();
rmSync(OUT, { recursive: true, force: true });
rmSync(dataDir, { recursive: true, force: true });

const acknowledged = alone.records + underAttack.records + bigJsonAcked;
const result = {
  machine: { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model?.trim() },
  batch: BATCH,
  seconds: SECONDS,
  wellBehaved: { alone, underAttack, retryReasons: reasons },
  hostile: { waves, requests: waves * 34, answers, bigJsonOffThread: end.stats.jsonOffThread },
  collector: { peakRssMB: Math.round(end.maxRssMB), storedRecords: end.stats.records, acknowledgedRecords: acknowledged },
  // ~200 ms: the budget for how long one request may hold every other client
  targets: { peakRssMB: RSS_CEILING_MB, collectorLoopMaxMs: 200 },
};
result.withinLoopTarget = Math.max(alone.collectorLoopMs.maxMs, underAttack.collectorLoopMs.maxMs) <= 200; // reported, not failed on: a shared machine's noise
result.pass = end.maxRssMB < RSS_CEILING_MB && end.stats.records === acknowledged;
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (!result.pass) process.exitCode = 1;
