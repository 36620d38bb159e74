#!/usr/bin/env node
// Benchmark of the dashboard's JSON API (issue 16). Prints one JSON object.
//
//   node bench/dashboard.mjs [--records 1000000] [--rounds 5]
//
// 1. Fills a data dir with --records Claude-Code-shaped data points: bench/collect.mjs --keep
//    (which also measures `cc-otel report`, a fresh process reading the whole store: `coldReport`).
// 2. Starts a collector (its own process, bundled from the sources) on that data dir and asks
//    GET /api/report the four queries the page makes on each refresh — the first time (the
//    collector reads the whole index once), then --rounds more times (it reads on from where it
//    was: an unchanged store costs only the aggregation), and once more after new data arrived.
// Target (issue 16): every warm answer ≤ 300 ms over 1M stored points. `ratio`: warm / cold report.
import { build } from 'esbuild';
import { NODE_ESM } from '../scripts/esbuild-options.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '5' } } });
const ROUNDS = Number(args.rounds);
const TARGET_MS = 300;

const fill = spawnSync(process.execPath, [join(ROOT, 'bench', 'collect.mjs'), '--keep', '--records', args.records], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
let filled;
try {
  filled = JSON.parse(fill.stdout);
} catch {
  process.stdout.write(`${JSON.stringify({ error: `bench/collect.mjs exited ${fill.status}`, stderr: fill.stderr.slice(-2000) })}\n`);
  process.exit(1);
}
const dataDir = filled.dataDir;

const OUT = join(ROOT, '.tmp', `bench-dashboard-${process.pid}`);
mkdirSync(OUT, { recursive: true });
const result = { machine: filled.machine, node: process.version, records: Number(args.records), dataPoints: filled.report?.dataPoints };
try {
  await build({
    stdin: {
      contents: `
        import { startCollector } from './src/collector/collector.ts';
        import { COLLECTOR_NODE_FLAGS } from './src/collector/daemon.ts';
        const c = await startCollector({ dataDir: process.argv[2], httpPort: 0, grpcPort: null, writeState: false });
        process.stdout.write(JSON.stringify({ port: c.httpPort }) + '\\n');
        process.once('SIGTERM', () => void c.close().then(() => process.exit(0)));`,
      resolveDir: ROOT,
      sourcefile: 'bench-dashboard-collector.ts',
      loader: 'ts',
    },
    outfile: join(OUT, 'collector.mjs'),
    ...NODE_ESM,
    minify: true,
  });
  await build({ entryPoints: [join(ROOT, 'src/collector/json-worker.ts')], outfile: join(OUT, 'json-worker.js'), ...NODE_ESM, minify: true });

  const child = spawn(process.execPath, [join(OUT, 'collector.mjs'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  const { port } = JSON.parse(await new Promise((r) => createInterface({ input: child.stdout }).once('line', r)));
  const get = (path) =>
    new Promise((resolve_, reject) => {
      const t = performance.now();
      request({ host: '127.0.0.1', port, path }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t;
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
          else resolve_({ ms, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        });
      })
        .on('error', reject)
        .end();
    });
  // the page's refresh (src/dashboard/page/main.ts), over everything stored
  const QUERIES = ['by=engineer&daily=1&recent=50&values=1', 'by=model&daily=1', 'by=team', 'by=session'].map((q) => `/api/report?since=all&${q}`);
  const cold = [];
  for (const q of QUERIES) cold.push(Math.round((await get(q)).ms));
  const warm = QUERIES.map(() => []);
  let totals;
  for (let r = 0; r < ROUNDS; r++)
    for (const [i, q] of QUERIES.entries()) {
      const { ms, body } = await get(q);
      warm[i].push(ms);
      if (i === 0) totals = body.totals;
    }
  // new data: one more request into the open segment, then the page's first query again
  const point = { attributes: [{ key: 'type', value: { stringValue: 'input' } }], startTimeUnixNano: '1', timeUnixNano: String(Date.now() * 1e6), asInt: '1' };
  const body = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'engineer', value: { stringValue: 'bench-late' } }] }, scopeMetrics: [{ metrics: [{ name: 'claude_code.token.usage', unit: 'tokens', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [point] } }] }] }] });
  await new Promise((resolve_, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/metrics', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', resolve_);
    });
    req.on('error', reject);
    req.end(body);
  });
  const after = await get(QUERIES[0]);
  child.kill('SIGTERM');
  await exited;

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const warmMedians = warm.map((xs) => Math.round(median(xs)));
  const warmMax = Math.round(Math.max(...warm.flat(), after.ms));
  const coldReportMs = filled.report?.byEngineer?.wallMs;
  result.coldReport = { wallMs: coldReportMs, buildMs: filled.report?.byEngineer?.buildMs, note: '`cc-otel report` as a fresh process: reads the whole store' };
  result.api = {
    queries: QUERIES,
    firstMs: cold,
    warmMedianMs: warmMedians,
    warmMaxMs: warmMax,
    afterNewDataMs: Math.round(after.ms),
    newDataCounted: after.body.totals.tokens.input === totals.tokens.input + 1,
  };
  result.ratio = coldReportMs ? +(Math.max(...warmMedians) / coldReportMs).toFixed(3) : null;
  result.correct = filled.report?.correct === true && totals.costUsd === filled.report?.got?.costUsd && result.api.newDataCounted;
  result.target = { warmMs: TARGET_MS };
  result.pass = warmMax <= TARGET_MS && result.correct;
} finally {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (!result.pass) process.exitCode = 1;
