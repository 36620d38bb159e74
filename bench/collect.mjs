#!/usr/bin/env node
// Benchmark of `cc-otel collect` + `cc-otel report` (issue 6). Prints one JSON object.
//
//   node bench/collect.mjs [--records 1000000] [--batch 512] [--concurrency 4] [--keep]
//
// 1. Bundles src/collector and src/report from the TypeScript sources with esbuild (the same
//    settings as scripts/build.mjs), so it needs no prior build.
// 2. Ingest: a collector runs in its own process (127.0.0.1, port 0, fsync on, the V8 flags of
//    `cc-otel collect --detach`); this process sends
//    Claude-Code-shaped metrics over OTLP/HTTP protobuf in batches of --batch data points, first
//    one request at a time, then --concurrency at a time, until --records data points are stored.
// 3. Report: a fresh process builds the report over everything stored (one million data points by
//    default) and reports its time and peak RSS; its totals are checked against what was sent.
// Targets (issue 6): ingest ≥ 50k records/s, report < 2 s, report RSS < 300 MB.
// The JSON starts with `machine` (node version, cores, CPU, memory): numbers are only comparable
// on the same machine.
import { build } from 'esbuild';
import { NODE_ESM } from '../scripts/esbuild-options.mjs';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, freemem, totalmem, tmpdir, release, arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import protoRoot from 'otlp-proto/build/src/generated/root.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '512' },
    concurrency: { type: 'string', default: '4' },
    sequential: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const SEQUENTIAL_REQUESTS = Number(args.sequential);

// ---- bundle the two child entry points from the TS sources ----
const OUT = join(ROOT, '.tmp', `bench-collect-${process.pid}`);
mkdirSync(OUT, { recursive: true });
// Peak RSS of this process. Not resourceUsage().maxRSS: on Linux that survives execve, so a child
// spawned by a big parent reports the parent's peak. VmHWM is per address space.
const PEAK_RSS = `
    const peakRssMB = () => {
      try {
        const m = /VmHWM:\\s+(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
        if (m) return Number(m[1]) / 1024;
      } catch {}
      return process.resourceUsage().maxRSS / 1024;
    };`;
const entries = {
  // the V8 flags `cc-otel collect --detach` gives its collector (src/collector/daemon.ts)
  flags: `export { COLLECTOR_NODE_FLAGS } from './src/collector/daemon.ts';`,
  collector: PEAK_RSS + `
    import { startCollector } from './src/collector/collector.ts';
    const c = await startCollector({ dataDir: process.argv[2], httpPort: 0, grpcPort: null });
    process.stdout.write(JSON.stringify({ port: c.httpPort }) + '\\n');
    process.once('SIGTERM', async () => {
      await c.close();
      process.stdout.write(JSON.stringify({ stats: c.stats(), maxRssMB: peakRssMB() }) + '\\n');
    });`,
  report: PEAK_RSS + `
    const t0 = performance.now();
    const { buildReport } = await import('./src/report/build.ts');
    const t1 = performance.now();
    const report = buildReport({ dataDir: process.argv[2], by: process.argv[3] ?? 'engineer' });
    const t2 = performance.now();
    process.stdout.write(JSON.stringify({ loadMs: t1 - t0, buildMs: t2 - t1, maxRssMB: peakRssMB(), rows: report.rows.length, totals: report.totals, meta: report.meta }) + '\\n');`,
};
for (const [name, contents] of Object.entries(entries)) {
  await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: `bench-${name}.ts`, loader: 'ts' },
    outfile: join(OUT, `${name}.mjs`),
    ...NODE_ESM,
    minify: true,
  });
}

// the OTLP/JSON decoder thread, where json-decoder.ts looks for it (beside the bundle)
await build({ entryPoints: [join(ROOT, 'src/collector/json-worker.ts')], outfile: join(OUT, 'json-worker.js'), ...NODE_ESM, minify: true });
const { COLLECTOR_NODE_FLAGS } = await import(join(OUT, 'flags.mjs'));

function runChild(name, argv, nodeFlags = []) {
  const child = spawn(process.execPath, [...nodeFlags, join(OUT, `${name}.mjs`), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const queue = [];
  const waiters = [];
  lines.on('line', (l) => (waiters.length ? waiters.shift()(l) : queue.push(l)));
  const exited = new Promise((r) => child.once('exit', r));
  return { child, exited, next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r))) };
}

// ---- Claude-Code-shaped data: engineers × sessions × 15 series, delta (and 1 in 5 cumulative) ----
const { ExportMetricsServiceRequest } = protoRoot.opentelemetry.proto.collector.metrics.v1;
const ENGINEERS = 50;
const TEAMS = 5;
const SERIES = [
  ['claude_code.token.usage', 'tokens', { type: 'input' }, 1200],
  ['claude_code.token.usage', 'tokens', { type: 'output' }, 300],
  ['claude_code.token.usage', 'tokens', { type: 'cacheRead' }, 9000],
  ['claude_code.token.usage', 'tokens', { type: 'cacheCreation' }, 800],
  ['claude_code.cost.usage', 'USD', {}, 0.0125],
  ['claude_code.active_time.total', 's', { type: 'user' }, 4],
  ['claude_code.active_time.total', 's', { type: 'cli' }, 11],
  ['claude_code.lines_of_code.count', 'count', { type: 'added' }, 12],
  ['claude_code.lines_of_code.count', 'count', { type: 'removed' }, 3],
  ['claude_code.commit.count', 'count', {}, 1],
  ['claude_code.pull_request.count', 'count', {}, 1],
  ['claude_code.session.count', 'count', {}, 1],
  ['claude_code.code_edit_tool.decision', 'count', { decision: 'accept', tool_name: 'Edit', language: 'TypeScript' }, 2],
  ['claude_code.code_edit_tool.decision', 'count', { decision: 'reject', tool_name: 'Edit', language: 'TypeScript' }, 1],
  ['claude_code.token.usage', 'tokens', { type: 'input', query_source: 'subagent' }, 400],
];
const kv = (o) => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: String(v) } }));
const hex = (n, len) => n.toString(16).padStart(len, '0');
const T0 = Date.UTC(2025, 5, 1) * 1e6; // ns, as a number (float precision is fine for generating)

const expected = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, cost: 0, points: 0 };
let sessionSeq = 0;
/** Live sessions: each export tick of a session emits one point per series. */
function newSession() {
  const n = sessionSeq++;
  const e = n % ENGINEERS;
  const resource = {
    'service.name': 'claude-code',
    'service.version': '2.1.197',
    'os.type': 'linux',
    'host.arch': 'x64',
    engineer: `engineer-${e}`,
    team: `team-${e % TEAMS}`,
    org: 'acme',
  };
  const dpAttrs = {
    engineer: resource.engineer,
    team: resource.team,
    org: resource.org,
    'user.id': hex(e * 7919, 64),
    'session.id': `${hex(n, 8)}-7c1e-4f0a-9b1d-${hex(n * 31, 12)}`,
    'organization.id': '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
    'user.email': `engineer-${e}@example.com`,
    'terminal.type': 'vscode',
    model: n % 3 === 0 ? 'claude-opus-4' : 'claude-sonnet-4',
  };
  return { resource, dpAttrs, cumulative: n % 5 === 0, start: T0 + n * 60e9, tick: 0, totals: SERIES.map(() => 0) };
}

// A fixed-seed generator, so every run sends the same data.
let seed = 42;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

/** One request: BATCH data points from ~BATCH/15 sessions at their next export tick. */
const live = [];
function nextRequest() {
  const resourceMetrics = [];
  let points = 0;
  while (points < BATCH) {
    if (live.length < 256) live.push(newSession());
    const idx = Math.floor(random() * live.length);
    const s = live[idx];
    s.tick++;
    const time = s.start + s.tick * 60e9;
    const metrics = new Map();
    SERIES.forEach(([name, unit, attrs, base], i) => {
      if (points >= BATCH) return;
      const inc = name === 'claude_code.session.count' ? (s.tick === 1 ? 1 : 0) : base * (1 + ((s.tick * 7 + i) % 5));
      if (inc === 0) return;
      s.totals[i] += inc;
      const key = name === 'claude_code.token.usage' ? (attrs.type === 'input' ? 'input' : attrs.type) : name === 'claude_code.cost.usage' ? 'cost' : undefined;
      if (key) expected[key] += inc;
      const value = s.cumulative ? s.totals[i] : inc;
      const dp = {
        attributes: kv({ ...s.dpAttrs, ...attrs }),
        startTimeUnixNano: s.cumulative ? s.start : time - 60e9,
        timeUnixNano: time,
        ...(unit === 'USD' || unit === 's' ? { asDouble: value } : { asInt: value }),
      };
      const m = metrics.get(name) ?? { name, unit, sum: { aggregationTemporality: s.cumulative ? 2 : 1, isMonotonic: true, dataPoints: [] } };
      metrics.set(name, m);
      m.sum.dataPoints.push(dp);
      points++;
    });
    resourceMetrics.push({ resource: { attributes: kv(s.resource) }, scopeMetrics: [{ scope: { name: 'com.anthropic.claude_code', version: '2.1.197' }, metrics: [...metrics.values()] }] });
    if (s.tick >= 40) live.splice(idx, 1); // the session ends
  }
  expected.points += points;
  return Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject({ resourceMetrics })).finish());
}

// ---- run ----
const dataDir = mkdtempSync(join(tmpdir(), 'cc-otel-bench-'));
// The numbers mean little without the machine they were measured on.
const cpuList = cpus();
const machine = {
  node: process.version,
  platform: `${platform()} ${release()} ${arch()}`,
  cores: cpuList.length,
  cpu: cpuList[0]?.model?.trim() ?? 'unknown',
  memoryGB: +(totalmem() / 2 ** 30).toFixed(1),
  freeMemoryGB: +(freemem() / 2 ** 30).toFixed(1),
};
const result = { machine, node: process.version, records: RECORDS, batch: BATCH, dataDir: args.keep ? dataDir : undefined };
try {
  const nRequests = Math.ceil(RECORDS / BATCH);
  const tGen = performance.now();
  const bodies = Array.from({ length: nRequests }, nextRequest);
  const genSeconds = (performance.now() - tGen) / 1000;

  // Run as `cc-otel collect --detach` runs it: with the collector's V8 flags.
  const col = runChild('collector', [dataDir], COLLECTOR_NODE_FLAGS);
  const { port } = JSON.parse(await col.next());
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const postOne = (body) =>
    new Promise((res, rej) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/metrics', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (r) => {
        r.resume();
        r.on('end', () => (r.statusCode === 200 ? res() : rej(new Error(`HTTP ${r.statusCode}`))));
      });
      req.on('error', rej);
      req.end(body);
    });

  let next = 0;
  const runPhase = async (count, concurrency) => {
    const end = Math.min(next + count, bodies.length);
    const first = next;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < end) await postOne(bodies[next++]);
      }),
    );
    const seconds = (performance.now() - t) / 1000;
    const records = (end - first) * BATCH;
    return { concurrency, requests: end - first, records, seconds: +seconds.toFixed(3), recordsPerSec: Math.round(records / seconds) };
  };
  const sequential = await runPhase(SEQUENTIAL_REQUESTS, 1);
  const concurrent = await runPhase(bodies.length, CONCURRENCY);
  col.child.kill('SIGTERM');
  const colEnd = JSON.parse(await col.next());
  await col.exited;
  agent.destroy();
  bodies.length = 0;

  let raw = 0;
  let idx = 0;
  const segs = readdirSync(join(dataDir, 'segments'));
  for (const f of segs) {
    const size = statSync(join(dataDir, 'segments', f)).size;
    if (f.endsWith('.raw')) raw += size;
    else idx += size;
  }
  result.ingest = {
    protocol: 'http/protobuf',
    fsync: true,
    generateSeconds: +genSeconds.toFixed(2),
    sequential,
    concurrent,
    collectorMaxRssMB: Math.round(colEnd.maxRssMB),
    storedRecords: colEnd.stats.records,
  };
  result.store = { segments: segs.length / 2, rawMB: +(raw / 2 ** 20).toFixed(1), indexMB: +(idx / 2 ** 20).toFixed(1), bytesPerRecord: Math.round((raw + idx) / colEnd.stats.records) };

  const runReport = async (by) => {
    const t = performance.now();
    const rep = runChild('report', [dataDir, by]);
    const out = JSON.parse(await rep.next());
    await rep.exited;
    return { by, wallMs: Math.round(performance.now() - t), buildMs: Math.round(out.buildMs), loadMs: Math.round(out.loadMs), maxRssMB: Math.round(out.maxRssMB), rows: out.rows, totals: out.totals, meta: out.meta };
  };
  const byEngineer = await runReport('engineer');
  const byDay = await runReport('day');
  const t = byEngineer.totals;
  const correct =
    t.tokens.input === expected.input &&
    t.tokens.output === expected.output &&
    t.tokens.cacheRead === expected.cacheRead &&
    t.tokens.cacheCreation === expected.cacheCreation &&
    Math.abs(t.costUsd - expected.cost) < 1e-6 &&
    byEngineer.meta.dataPoints === expected.points &&
    byDay.totals.costUsd === t.costUsd;
  result.report = {
    dataPoints: byEngineer.meta.dataPoints,
    series: byEngineer.meta.series,
    byEngineer: { buildMs: byEngineer.buildMs, wallMs: byEngineer.wallMs, maxRssMB: byEngineer.maxRssMB, rows: byEngineer.rows },
    byDay: { buildMs: byDay.buildMs, wallMs: byDay.wallMs, maxRssMB: byDay.maxRssMB, rows: byDay.rows },
    correct,
    expected: { input: expected.input, output: expected.output, cacheRead: expected.cacheRead, cacheCreation: expected.cacheCreation, costUsd: +expected.cost.toFixed(6) },
    got: { ...t.tokens, costUsd: t.costUsd },
  };
  const reportMs = Math.max(byEngineer.wallMs, byDay.wallMs);
  const reportRss = Math.max(byEngineer.maxRssMB, byDay.maxRssMB);
  result.targets = { ingestRecordsPerSec: 50_000, reportMs: 2_000, reportRssMB: 300 };
  result.pass = concurrent.recordsPerSec >= 50_000 && reportMs < 2_000 && reportRss < 300 && correct;
} finally {
  rmSync(OUT, { recursive: true, force: true });
  if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (!result.pass) process.exitCode = 1;
