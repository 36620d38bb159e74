#!/usr/bin/env node
// The session bridge (issue 14): CPU of one tick over 200 manifests and the bridge's peak RSS.
// Targets: one tick < 20 ms CPU, RSS < 60 MB.
//
//   node bench/sessions.mjs        (after `npm run build`; BENCH_TICKS, default 30)
//
// A real `cc-otel bridge --interval 0.3s --json` process reads a HOME with 200 manifests — 150 live
// (all naming one real process with its real procStart, each with a 100 KB transcript whose model
// is read from its tail) and 50 crashed — and exports to an OTLP/HTTP sink in this process. Its CPU
// (utime + stime from /proc/<pid>/stat) is read at each tick's JSON line; the mean over the ticks
// after the first 5 (JIT, lazy imports) is the per-tick cost, the whole tick included: config and
// key chain, manifests, transcript tails, the SDK's collect and the OTLP export. Peak RSS is VmHWM.
// Prints JSON and exits 1 when a target is missed. Linux only (reads /proc).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'cc-otel.js');
const TICKS = Number(process.env.BENCH_TICKS ?? 30);
const WARM = 5;
const TARGET = { cpuMsPerTick: 20, rssMb: 60 };
const CLK_TCK = 100; // Linux USER_HZ

if (process.platform !== 'linux') {
  process.stdout.write(`${JSON.stringify({ skipped: 'reads /proc: Linux only' })}\n`);
  process.exit(0);
}

const statOf = (pid) => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
};
const cpuMs = (pid) => {
  const f = statOf(pid);
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // fields 14, 15
};

const tmp = mkdtempSync(join(tmpdir(), 'cc-otel-bench-sessions-'));
const home = join(tmp, 'home');
const sessions = join(home, '.claude', 'sessions');
mkdirSync(sessions, { recursive: true, mode: 0o700 });
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
const procStart = statOf(sleeper.pid)[19];
const filler = `${JSON.stringify({ type: 'user', message: { role: 'user', content: 'x'.repeat(900) } })}\n`.repeat(110);
for (let i = 0; i < 200; i++) {
  const live = i < 150;
  const cwd = `/work/project-${i % 12}`;
  const sessionId = `bench-${String(i).padStart(4, '0')}-0000-0000-0000-000000000000`;
  const pid = live ? sleeper.pid : 4_000_000 + i;
  writeFileSync(join(sessions, `${live ? `${sleeper.pid}-${i}` : pid}.json`), JSON.stringify({ pid, sessionId, cwd, startedAt: Date.now() - i * 60_000, procStart: live ? procStart : '1', version: `2.1.${190 + (i % 8)}`, peerProtocol: 1, kind: 'interactive', entrypoint: i % 3 ? 'cli' : 'sdk-cli', name: `p-${i}`, nameSource: 'derived' }));
  if (live) {
    const dir = join(home, '.claude', 'projects', cwd.replace(/\//g, '-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${sessionId}.jsonl`), filler + JSON.stringify({ type: 'assistant', message: { model: i % 2 ? 'claude-opus-4-8' : 'claude-sonnet-4-6', content: [] } }) + '\n');
  }
}

let requests = 0;
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${sink.address().port}`;
mkdirSync(join(home, '.config', 'cc-otel'), { recursive: true });
writeFileSync(join(home, '.config', 'cc-otel', 'config.json'), JSON.stringify({ backend: 'otlp', endpoint: url, header: 'authorization', headerValue: 'Bearer {key}', key: ['env:BENCH_KEY'], team: 'bench', org: 'bench' }));

// The user service's node flags, from the unit `cc-otel bridge install --print` writes (what runs).
const unit = spawnSync(process.execPath, [cli, 'bridge', 'install', '--print'], { env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8' }).stdout;
const serviceFlags = (/^ExecStart=\S+ (.*?) \S*cc-otel\.js/m.exec(unit)?.[1] ?? '').split(' ').filter((w) => w.startsWith('--'));
const extraArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof

async function measure(nodeArgs) {
  const child = spawn(process.execPath, [...nodeArgs, ...extraArgs, cli, 'bridge', '--interval', '0.3s', '--json'], { env: { PATH: process.env.PATH, HOME: home, USER: 'bench', BENCH_KEY: 'k' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const marks = [];
  let buf = '';
  let bad;
  await new Promise((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const t = JSON.parse(line);
        if (!t.export.ok || t.live !== 150 || t.stale !== 50) bad ??= line.slice(0, 300);
        marks.push(cpuMs(child.pid));
        if (marks.length >= WARM + TICKS + 1) resolve();
      }
    });
    child.once('exit', resolve);
  });
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  const n = marks.length - 1 - WARM;
  return {
    cpuMsPerTick: n > 0 ? (marks[marks.length - 1] - marks[WARM]) / n : NaN,
    ticks: n,
    peakRssMb: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024,
    rssMb: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024,
    bad: bad && `${bad} ${stderr.slice(-300)}`,
  };
}

const service = await measure(serviceFlags);
const bare = await measure([]);
sleeper.kill('SIGKILL');
sink.close();
rmSync(tmp, { recursive: true, force: true });

const cpuOk = !service.bad && service.cpuMsPerTick < TARGET.cpuMsPerTick;
const rssOk = service.peakRssMb < TARGET.rssMb;
const ok = cpuOk && rssOk;
const r1 = (x) => +x.toFixed(1);
const out = [
  { name: `bridge tick over 200 manifests, CPU (as the service runs it: node ${serviceFlags.join(' ')})`, value: +service.cpuMsPerTick.toFixed(2), unit: 'ms', ticks: service.ticks, target: { text: `< ${TARGET.cpuMsPerTick} ms` }, ok: cpuOk },
  { name: 'bridge peak RSS (as the service runs it)', value: r1(service.peakRssMb), unit: 'MB', rssAfterLastTickMb: r1(service.rssMb), target: { text: `< ${TARGET.rssMb} MB` }, ok: rssOk },
  { name: 'bare `cc-otel bridge` (no node flags): CPU per tick / peak RSS', value: `${service.cpuMsPerTick === bare.cpuMsPerTick ? '' : ''}${bare.cpuMsPerTick.toFixed(2)} ms / ${r1(bare.peakRssMb)} MB` },
  ...(service.bad || bare.bad ? [{ name: 'unexpected tick', value: service.bad ?? bare.bad, ok: false }] : []),
  { name: 'exports received', value: requests },
];
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exit(ok ? 0 : 1);
