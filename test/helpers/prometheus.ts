// Real Prometheus peers for tests: Debian's `prometheus` and `promtool` (and `docker-compose`),
// installed by .ci/run. Under CI=true a missing tool fails the test; elsewhere the test skips and
// says what to install.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from './tmp.js';

const PATHS = ['/usr/bin', '/usr/local/bin', '/bin'];

/** The tool's path, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), ...PATHS]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * For `describe.skipIf(!tool(...).present)`: the tool's path when present; when missing, throws
 * under CI=true (a CI run must not silently skip a real-peer test) and logs the install command otherwise.
 */
export function tool(name: string, pkg: string): { present: boolean; path: string } {
  const path = findTool(name);
  if (path) return { present: true, path };
  const msg = `${name} is not installed: apt-get install -y ${pkg}`;
  if (process.env.CI === 'true') throw new Error(`${msg} (CI=true: real-peer tests must run)`);
  console.warn(`skipping: ${msg}`);
  return { present: false, path: name };
}

/** A free TCP port on 127.0.0.1 (bind 0, read it, close): for peers that cannot take port 0 themselves. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', env: opts.env ?? process.env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface RunningPrometheus {
  url: string;
  dir: TempDir;
  /** instant query; the vector (or scalar as one sample) */
  query(promql: string): Promise<Sample[]>;
  /** wait until every scrape target has been scraped successfully at least `n` times after now */
  scraped(times?: number): Promise<void>;
  log(): string;
  close(): Promise<void>;
}

/**
 * Start Prometheus with a config that scrapes `targets` (host:port) at `/metrics` every second.
 * `extra` is appended to the YAML (rule_files, …), with files written into its dir first.
 */
export async function startPrometheus(bin: string, targets: string[], opts: { files?: Record<string, string>; extra?: string } = {}): Promise<RunningPrometheus> {
  const dir = makeTempDir('cc-otel-prometheus');
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir.path, name), text);
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: cc-otel',
    '    static_configs:',
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    opts.extra ?? '',
  ].join('\n');
  writeFileSync(join(dir.path, 'prometheus.yml'), config);
  return startPrometheusWith(bin, join(dir.path, 'prometheus.yml'), dir);
}

/** Start Prometheus with this config file (its rule_files resolve next to it); its data in `dir` (default: a new temp dir). */
export async function startPrometheusWith(bin: string, configFile: string, dirIn?: TempDir): Promise<RunningPrometheus> {
  const dir = dirIn ?? makeTempDir('cc-otel-prometheus');
  let child: ChildProcess | undefined;
  let out = '';
  let port = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    child = spawn(bin, [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const ready = await waitReady(`http://127.0.0.1:${port}`, child);
    if (ready) break;
    child.kill('SIGKILL');
    child = undefined;
  }
  if (!child) {
    dir.cleanup();
    throw new Error(`prometheus did not start:\n${out}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const proc = child;
  const query = async (promql: string): Promise<Sample[]> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: Number((body.data.result as [number, string])[1]) }];
    return (body.data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  return {
    url,
    dir,
    query,
    log: () => out,
    async scraped(times = 1) {
      // a scrape that started after this call (so it saw what was stored before), `times` over
      const since = Date.now() + (times - 1) * 1000;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const res = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastScrape: string }> } };
        const ts = res.data.activeTargets;
        if (ts.length > 0 && ts.every((t) => t.health === 'up' && Date.parse(t.lastScrape) > since)) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`prometheus did not scrape its targets: ${JSON.stringify((await (await fetch(`${url}/api/v1/targets`)).json()))}\n${out}`);
    },
    async close() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      dir.cleanup();
    },
  };
}

async function waitReady(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${url}/-/ready`);
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
