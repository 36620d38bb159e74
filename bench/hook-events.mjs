#!/usr/bin/env node
// Hook events (issue 5): wall time of `cc-otel hook pre-tool-use` against `node -e 0`, with the
// backend unreachable and with it reachable. Target per scenario: median ≤ 1.3× the baseline.
//
//   node bench/hook-events.mjs        (after `npm run build`; BENCH_ROUNDS, default 30)
//
// Prints JSON, one entry per scenario:
//   [{ name, medianMs, baselineMs, ratio, target: { ratio }, ok }, …]
// and exits 1 when a scenario misses its target. `npm run bench` (bench/run.mjs) only spawns this
// script like every other bench/*.mjs and copies its JSON into its own output; it does not run
// the scenarios itself. `scenarios()` is exported for callers that want to interleave them.
//
// "Reachable" is a tiny OTLP/HTTP sink in a child process — the benchmark blocks in spawnSync, so
// an in-process server could not answer. Hooks start background shippers as they would in a
// session; those run concurrently with the measurements, as they would with Claude Code.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SINK = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }); res.end(); }); });
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); // the benchmark went away
`;

async function startSink() {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['pipe', 'pipe', 'ignore'] });
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  });
  child.unref();
  child.stdout.unref?.();
  child.stdin.unref?.();
  return { url: `http://127.0.0.1:${port}`, close: () => child.kill() };
}

const INPUT = JSON.stringify({
  session_id: 'bench-session',
  transcript_path: '/dev/null',
  cwd: '/tmp',
  hook_event_name: 'PreToolUse',
  prompt_id: 'bench-prompt',
  permission_mode: 'default',
  tool_name: 'Bash',
  tool_input: { command: 'ls -la' },
  tool_use_id: 'toolu_bench',
});

/** Scenarios for bench/run.mjs: `{ cli, tmp, baseEnv }` from the runner. */
export async function scenarios({ cli, tmp, baseEnv }) {
  const sink = await startSink();
  const make = (name, endpoint) => {
    const root = join(tmp, `events-${name}`);
    const home = join(root, 'home');
    const proj = join(root, 'proj');
    mkdirSync(home, { recursive: true });
    mkdirSync(proj, { recursive: true });
    writeFileSync(join(proj, '.cc-otel.json'), JSON.stringify({ backend: 'local', endpoint, team: 'bench', org: 'bench' }));
    // Trusted, as a user's own project is (issue #11); untrusted, this file would leave cc-otel inert.
    const t = spawnSync(process.execPath, [cli, 'trust', proj], { env: { ...baseEnv, HOME: home }, encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`cc-otel trust ${proj} failed: ${t.stderr}`);
    return {
      name: `hook pre-tool-use (backend ${name})`,
      args: [cli, 'hook', 'pre-tool-use'],
      env: { ...baseEnv, HOME: home, CLAUDE_PROJECT_DIR: proj },
      cwd: proj,
      input: INPUT,
      target: { ratio: 1.3, rssMb: 80 },
    };
  };
  return [
    make('unreachable', 'http://127.0.0.1:9'), // the discard port: connection refused
    make('reachable', sink.url),
    // Not measured: stops the sink when the runner collects reports.
    { name: 'hook-events sink', custom: true, args: ['-e', '0'], env: baseEnv, report: async () => (sink.close(), []) },
  ];
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const cli = join(root, 'bin', 'cc-otel.js');
  const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
  const warmup = Number(process.env.BENCH_WARMUP ?? 3);
  const tmp = mkdtempSync(join(tmpdir(), 'cc-otel-bench-events-'));
  const baseEnv = { PATH: process.env.PATH, HOME: join(tmp, 'home'), USER: 'bench' };
  const got = await scenarios({ cli, tmp, baseEnv });
  const list = got.filter((s) => !s.custom);
  const all = [{ name: 'node -e 0', args: ['-e', '0'], env: baseEnv, cwd: tmp, input: '' }, ...list];
  const times = new Map(all.map((s) => [s.name, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    for (const s of [...all].sort(() => Math.random() - 0.5)) {
      const t0 = process.hrtime.bigint();
      const res = spawnSync(process.execPath, s.args, { env: s.env, cwd: s.cwd, input: s.input ?? '', encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 0 || res.stdout !== '') throw new Error(`${s.name}: exit ${res.status}, stdout ${JSON.stringify(res.stdout)}: ${res.stderr}`);
      if (r >= warmup) times.get(s.name).push(ms);
    }
  }
  const baselineMs = median(times.get('node -e 0'));
  const out = list.map((s) => {
    const medianMs = median(times.get(s.name));
    const ratio = medianMs / baselineMs;
    // Wall time only here (no RSS measurement): the ratio is the target this script checks.
    const target = { ratio: s.target.ratio };
    return { name: s.name, medianMs: +medianMs.toFixed(1), baselineMs: +baselineMs.toFixed(1), ratio: +ratio.toFixed(2), target, ok: ratio <= target.ratio };
  });
  for (const s of got) await s.report?.();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  // Background shippers may still be finishing in tmp; they tolerate it disappearing.
  rmSync(tmp, { recursive: true, force: true });
  process.exit(out.every((r) => r.ok) ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
