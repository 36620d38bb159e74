// "A 200 means the data is on disk": requests stream in from several clients, the collector is
// killed with SIGKILL right after one of its 200s, and every acknowledged request must be readable
// afterwards; the store then reopens (stale lock replaced) and keeps working.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { NODE_ESM } from '../../../scripts/esbuild-options.mjs';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { readRequests } from '../../../src/collector/requests.js';
import { startCollector } from '../../../src/collector/collector.js';
import { buildReport } from '../../../src/report/build.js';
import { logsRequest, post } from '../report/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');
// Under the repo (git-ignored .tmp/) so the bundle resolves node_modules like the CLI does.
const OUT = join(ROOT, '.tmp', `durability-${process.pid}`);
let tmp: TempDir;
let child: ChildProcess | undefined;

beforeAll(async () => {
  tmp = makeTempDir('cc-otel-durability');
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [join(import.meta.dirname, 'child-collector.ts')],
    outfile: join(OUT, 'child.mjs'),
    ...NODE_ESM,
  });
}, 30_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
  tmp?.cleanup();
});

it('nothing acknowledged is lost when the collector is killed with SIGKILL right after a 200', async () => {
  child = spawn(process.execPath, [join(OUT, 'child.mjs'), tmp.path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child!.once('exit', () => r()));
  const first = await new Promise<string>((res) => createInterface({ input: child!.stdout! }).once('line', res));
  const { port } = JSON.parse(first) as { port: number };
  const url = `http://127.0.0.1:${port}`;

  const acked: number[] = [];
  let killed = false;
  let seq = 0;
  const KILL_AFTER = 120;
  const worker = async () => {
    while (!killed) {
      const n = seq++;
      const body = logsRequest({ engineer: 'ada' }, [
        { name: 'api_error', time: Date.now(), attrs: { seq: n, 'session.id': 'crash', filler: 'x'.repeat(2000) } },
        { name: 'tool_decision', time: Date.now(), attrs: { seq: n, decision: 'accept', 'session.id': 'crash' } },
      ]);
      try {
        const status = await post(url, 'logs', body);
        if (status === 200 && !killed) {
          acked.push(n);
          if (acked.length === KILL_AFTER) {
            killed = true;
            child!.kill('SIGKILL'); // right after this 200, with other requests in flight
          }
        }
      } catch {
        // connection reset by the kill: not acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  await exited;
  expect(child.signalCode).toBe('SIGKILL');

  const storedSeqs = new Set(
    readRequests(tmp.path, 'logs').flatMap((r) =>
      (r.request.resourceLogs as any[]).flatMap((rl) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((lr: any) => Number(lr.attributes.find((a: any) => a.key === 'seq').value.intValue)))), // eslint-disable-line @typescript-eslint/no-explicit-any
    ),
  );
  expect(acked.length).toBe(KILL_AFTER);
  expect(acked.filter((n) => !storedSeqs.has(n))).toEqual([]);
  expect(buildReport({ dataDir: tmp.path }).totals.apiErrors).toBeGreaterThanOrEqual(KILL_AFTER);

  // The killed collector left its pid file behind; a new one takes over and appends a new segment.
  const again = await startCollector({ dataDir: tmp.path, httpPort: 0, grpcPort: null });
  try {
    expect(await post(again.httpUrl, 'logs', logsRequest({ engineer: 'bob' }, [{ name: 'api_error', time: Date.now(), attrs: { seq: -1 } }]))).toBe(200);
  } finally {
    await again.close();
  }
  const r = buildReport({ dataDir: tmp.path, by: 'engineer' });
  expect(r.rows.find((x) => x.key === 'bob')?.apiErrors).toBe(1);
}, 60_000);
