// The collect command end to end: --detach starts a background collector (a real process running
// the command's foreground action), `collect status` sees it, data sent to it is reported, and
// `collect stop` shuts it down cleanly (SIGTERM → drain → pid file removed).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { build } from 'esbuild';
import { NODE_ESM } from '../../../scripts/esbuild-options.mjs';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { makeContext } from '../../../src/context.js';
import { define as defineCollect } from '../../../src/commands/collect.js';
import { define as defineReport } from '../../../src/commands/report.js';
import { COLLECTOR_NODE_FLAGS, collectorNodeArgs, readCollectorStatus, spawnDetached, stopCollector } from '../../../src/collector/daemon.js';
import { logsRequest, metricsRequest, post } from '../report/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, '.tmp', `collect-cli-${process.pid}`);
let tmp: TempDir;

beforeAll(async () => {
  tmp = makeTempDir('cc-otel-collect-cmd');
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [join(import.meta.dirname, 'cli-entry.ts')],
    outfile: join(OUT, 'cli.mjs'),
    ...NODE_ESM,
  });
}, 30_000);

afterAll(async () => {
  await stopCollector(tmp.path).catch(() => undefined);
  rmSync(OUT, { recursive: true, force: true });
  tmp?.cleanup();
});

async function run(argv: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  const program = new Command('cc-otel').exitOverride();
  const ctx = makeContext({ env: { HOME: tmp.path }, now: () => Date.UTC(2025, 5, 11) });
  defineCollect(program, () => ctx);
  defineReport(program, () => ctx);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'cc-otel', ...argv]);
    return { out, exitCode: process.exitCode as number | undefined };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

describe('cc-otel collect --detach / status / stop', () => {
  it('runs in the background, reports, and stops', async () => {
    const dataDir = join(tmp.path, 'data');
    const state = await spawnDetached({ dataDir, entry: [process.execPath, join(OUT, 'cli.mjs')], args: ['--port', '0', '--grpc-port', '0', '--data-dir', dataDir], env: { ...process.env } });
    expect(state.pid).toBeGreaterThan(0);
    expect(state.httpPort).toBeGreaterThan(0);
    expect(state.grpcPort).toBeGreaterThan(0);

    const status = await run(['collect', 'status', '--data-dir', dataDir]);
    expect(status.exitCode).toBe(0);
    expect(status.out).toContain(`running (pid ${state.pid})`);
    expect(status.out).toContain(`http 127.0.0.1:${state.httpPort}`);
    const json = JSON.parse((await run(['collect', 'status', '--data-dir', dataDir, '--json'])).out);
    expect(json).toMatchObject({ running: true, pid: state.pid });

    const T = Date.UTC(2025, 5, 10, 12);
    const body = metricsRequest({ engineer: 'ada', team: 'core' }, [
      { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs: { model: 'opus', 'session.id': 's1' }, start: T, time: T + 1000, value: 1.25 }] },
    ]);
    expect(await post(`http://127.0.0.1:${state.httpPort}`, 'metrics', body)).toBe(200);

    const report = JSON.parse((await run(['report', '--data-dir', dataDir, '--json', '--since', '7d'])).out);
    expect(report.rows).toEqual([expect.objectContaining({ key: 'ada', costUsd: 1.25, sessions: 1 })]);

    const again = await spawnDetached({ dataDir, entry: [process.execPath, join(OUT, 'cli.mjs')], args: ['--port', '0', '--data-dir', dataDir], env: { ...process.env } }).catch((e: unknown) => e);
    expect(String((again as Error).message)).toMatch(/already running/);

    const stop = await run(['collect', 'stop', '--data-dir', dataDir]);
    expect(stop.out).toBe(`stopped (pid ${state.pid})\n`);
    expect(existsSync(join(dataDir, 'collector.pid'))).toBe(false);
    expect(await readCollectorStatus(dataDir)).toMatchObject({ running: false, stale: false, segments: 1 });
    const after = await run(['collect', 'status', '--data-dir', dataDir]);
    expect(after.exitCode).toBe(1);
    expect(after.out).toMatch(/^not running\n/);
    expect((await run(['collect', 'stop', '--data-dir', dataDir])).out).toBe('not running\n');
  }, 30_000);

  it('`collect --detach` gives its collector the V8 flags the ingest benchmark measures', async () => {
    const dataDir = join(tmp.path, 'flags');
    // A real process: --detach starts node on the script it was started from (process.argv[1]).
    const r = spawnSync(process.execPath, [join(OUT, 'cli.mjs'), 'collect', '--detach', '--port', '0', '--no-grpc', '--data-dir', dataDir], { encoding: 'utf8', env: { ...process.env, HOME: tmp.path } });
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(/pid (\d+)/.exec(r.stdout)?.[1]);
    try {
      if (process.platform === 'linux') {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        for (const f of COLLECTOR_NODE_FLAGS) expect(argv).toContain(f);
      }
    } finally {
      expect((await run(['collect', 'stop', '--data-dir', dataDir])).out).toBe(`stopped (pid ${pid})\n`);
    }
  }, 30_000);

  it('--max-disk and --retain reach the background collector; a full data dir shows in status (text and --json) and the log; everything is 0600/0700', async () => {
    const dataDir = join(tmp.path, 'bounded');
    // A log left 0644 by an older version is tightened.
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'collector.log'), '');
    chmodSync(join(dataDir, 'collector.log'), 0o644);
    const r = spawnSync(process.execPath, [join(OUT, 'cli.mjs'), 'collect', '--detach', '--port', '0', '--no-grpc', '--data-dir', dataDir, '--max-disk', '40KB', '--retain', '30d'], { encoding: 'utf8', env: { ...process.env, HOME: tmp.path } });
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(/pid (\d+)/.exec(r.stdout)?.[1]);
    const port = Number(/http 127\.0\.0\.1:(\d+)/.exec(r.stdout)?.[1]);
    try {
      let status = 200;
      for (let i = 0; i < 500 && status === 200; i++) {
        const T = Date.now();
        status = await post(`http://127.0.0.1:${port}`, 'metrics', metricsRequest({ engineer: 'ada', pad: 'p'.repeat(1000) }, [
          { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs: { model: 'opus', 'session.id': `s${i}` }, start: T, time: T + 1, value: 1 }] },
        ]));
      }
      expect(status).toBe(503);
      await new Promise((res) => setTimeout(res, 1200)); // collector.json follows within a second
      const json = JSON.parse((await run(['collect', 'status', '--data-dir', dataDir, '--json'])).out);
      expect(json).toMatchObject({ running: true, maxDiskBytes: 40_000, retainMs: 30 * 86_400_000, full: { reason: 'cap' } });
      expect(json.bytesOnDisk).toBeLessThanOrEqual(40_000);
      const text = (await run(['collect', 'status', '--data-dir', dataDir])).out;
      expect(text).toMatch(/of 39\.1 KiB \(--max-disk\)/);
      expect(text).toContain('retention: 30d');
      expect(text).toMatch(/^FULL: refusing data since .* --max-disk cap/m);
      expect(readFileSync(join(dataDir, 'collector.log'), 'utf8')).toMatch(/refusing data \(503/);
      const bad: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          const st = statSync(p);
          if ((st.mode & 0o777) !== (st.isDirectory() ? 0o700 : 0o600)) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
          if (st.isDirectory()) walk(p);
        }
      };
      walk(dataDir);
      expect(bad).toEqual([]);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    } finally {
      expect((await run(['collect', 'stop', '--data-dir', dataDir])).out).toBe(`stopped (pid ${pid})\n`);
    }
  }, 30_000);

  it('refuses a --max-disk or --retain it cannot read, before starting anything', async () => {
    const dataDir = join(tmp.path, 'unread');
    await expect(run(['collect', '--max-disk', 'lots', '--data-dir', dataDir])).rejects.toThrow(/is not a size/);
    await expect(run(['collect', '--retain', '3 months', '--data-dir', dataDir])).rejects.toThrow(/is not a duration/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('`collect --detach` passes the limit flags on: --max-items-per-request 2 answers 3 records with 413', async () => {
    const dataDir = join(tmp.path, 'limits');
    const r = spawnSync(process.execPath, [join(OUT, 'cli.mjs'), 'collect', '--detach', '--port', '0', '--no-grpc', '--data-dir', dataDir, '--max-items-per-request', '2'], { encoding: 'utf8', env: { ...process.env, HOME: tmp.path } });
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(/pid (\d+)/.exec(r.stdout)?.[1]);
    const port = Number(/http [^:]+:(\d+)/.exec(r.stdout)?.[1]);
    try {
      const events = (n: number) => logsRequest({ engineer: 'ada' }, Array.from({ length: n }, (_, i) => ({ name: 'x', time: Date.now(), attrs: { i } })));
      expect(await post(`http://127.0.0.1:${port}`, 'logs', events(2))).toBe(200);
      expect(await post(`http://127.0.0.1:${port}`, 'logs', events(3))).toBe(413);
    } finally {
      expect((await run(['collect', 'stop', '--data-dir', dataDir])).out).toBe(`stopped (pid ${pid})\n`);
    }
    const bad = spawnSync(process.execPath, [join(OUT, 'cli.mjs'), 'collect', '--max-items-per-request', '0', '--data-dir', dataDir], { encoding: 'utf8', env: { ...process.env, HOME: tmp.path } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not a positive whole number/);
  }, 30_000);

  it('collectorNodeArgs keeps what node was given and adds only the flags it lacks', () => {
    expect(collectorNodeArgs([])).toEqual([...COLLECTOR_NODE_FLAGS]);
    expect(collectorNodeArgs(['--max-semi-space-size=8', '--inspect'])).toEqual(['--max-semi-space-size=8', '--inspect']);
    expect(collectorNodeArgs(['--max_semi_space_size=8'])).toEqual(['--max_semi_space_size=8']);
  });

  it('a failing background start reports the log tail', async () => {
    const dataDir = join(tmp.path, 'bad');
    const err = await spawnDetached({ dataDir, entry: [process.execPath, join(OUT, 'cli.mjs')], args: ['--listen', '0.0.0.0', '--port', 'x', '--data-dir', dataDir], env: { ...process.env } }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/exited/);
  }, 30_000);
});
