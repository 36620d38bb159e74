// `cc-otel env --reveal` / `--explain` against a hung key source must end soon after the chain's
// deadline, not when a leftover SDK request finally lets go of the event loop (the 1Password SDK's
// fetch holds it ~10 s). Real processes, the real SDK, a 1Password "server" on 127.0.0.1 that
// accepts connections and never answers.
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { fakeServiceAccountToken } from '../helpers/fake-op/index.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

const DEADLINE_MS = 1500;
const CONFIG = {
  backend: 'otlp',
  endpoint: 'http://127.0.0.1:9',
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['op://Engineering/otel-ingest/credential'],
  deadlineMs: DEADLINE_MS,
};

let blackhole: net.Server;
const held: net.Socket[] = [];
let addr = '';
const dirs: Array<{ cleanup(): void }> = [];

beforeAll(async () => {
  blackhole = net.createServer((s) => {
    held.push(s); // accepts, never answers: the TLS handshake hangs like a tarpitted network
  });
  await new Promise<void>((res) => blackhole.listen(0, '127.0.0.1', () => res()));
  addr = `127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((res) => blackhole.close(res));
  for (const d of dirs) d.cleanup();
});

describe('env ends at the deadline when a key source hangs (real process, 1Password SDK)', () => {
  test.each([[['--reveal']], [['--explain']], [['--explain', '--format', 'json']]])('env %j', async (args) => {
    const dir = makeTempDir('cc-otel-env-deadline');
    dirs.push(dir);
    writeTree(dir.path, { 'home/.keep': '', 'empty-bin/.keep': '', 'proj/.cc-otel.json': JSON.stringify(CONFIG) });
    trustProject(join(dir.path, 'proj'), { HOME: join(dir.path, 'home') }); // the user trusts the project's .cc-otel.json
    const r = await runCcOtel(['env', ...args], {
      cwd: join(dir.path, 'proj'),
      // No `op` on PATH: the SDK path (service-account token) is the one taken.
      env: { HOME: join(dir.path, 'home'), PATH: join(dir.path, 'empty-bin'), OP_SERVICE_ACCOUNT_TOKEN: fakeServiceAccountToken(addr) },
      timeoutMs: 20_000,
    });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout, describeCcOtel(r)).toMatch(/did not answer|not resolved/);
    // The chain gives up at 90 % of the deadline; the process must follow within a second or so.
    expect(r.durationMs, describeCcOtel(r)).toBeLessThan(DEADLINE_MS + 1500);
    if (args.includes('json')) expect(JSON.parse(r.stdout)).toMatchObject({ keyError: { code: 'KEY_TIMEOUT' } });
  });
});
