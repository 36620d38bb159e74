// `cc-otel verify` as a real process with a cleared environment: what only a process can show —
// that --timeout bounds the process itself, not just the table it prints.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { VerifyReport } from '../../src/verify/index.js';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startHttpReceiver } from '../helpers/probe-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A read API that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer(() => void hits++);
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

describe('cc-otel verify (real process)', () => {
  test('--query against a read API that never answers: the process ends within --timeout, the read-back fails', async () => {
    const rx = await startHttpReceiver();
    cleanups.push(() => rx.close());
    const api = await silentServer();
    const dir = makeTempDir('cc-otel-verify-cli');
    cleanups.push(() => dir.cleanup());
    writeTree(dir.path, {
      'home/.keep': '',
      'proj/.cc-otel.json': JSON.stringify({ backend: 'signoz', endpoint: rx.url, signals: ['logs'], verify: { signoz: { url: api.url, apiKey: 'env:SZ_READ' } } }),
    });
    // The user trusts the project's .cc-otel.json, with the real command.
    const trust = await runCcOtel(['trust', join(dir.path, 'proj')], { env: { HOME: join(dir.path, 'home') } });
    expect(trust.code, describeCcOtel(trust)).toBe(0);
    const timeoutMs = 4000;
    const run = await runCcOtel(['verify', '--json', '--query', '--skip', 'claude', '--timeout', String(timeoutMs), '--managed-dir', join(dir.path, 'managed')], {
      cwd: join(dir.path, 'proj'),
      env: { HOME: join(dir.path, 'home'), SZ_READ: 'sz-read-key' },
      timeoutMs: 30_000,
    });
    // A request left in flight (its own 10 s timeout) kept the process alive past --timeout.
    expect(run.durationMs, describeCcOtel(run)).toBeLessThan(timeoutMs + 2500);
    expect(run.code, describeCcOtel(run)).toBe(1);
    const report = JSON.parse(run.stdout) as VerifyReport;
    expect(report.checks.find((c) => c.id === 'probe.logs')?.status).toBe('pass');
    expect(report.checks.find((c) => c.id === 'readback.logs')).toMatchObject({ status: 'fail' });
    expect(api.hits()).toBeGreaterThan(0);
    expect(run.stdout + run.stderr).not.toContain('sz-read-key');
  });
});
