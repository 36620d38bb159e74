// Issue #17, end to end with the real Claude Code (2.1.197, offline): the OTLP endpoint lives in
// Secret Manager as JSON (the SigNoz seed's design), cc-otel's config says only
// {"ref": "gcp-sm://…", "json": "http"}. `cc-otel install` resolves it — the real
// @google-cloud/secret-manager client against the local grpc-js fake — and writes it into the
// settings `env` (Claude Code's exporter takes its endpoint from nowhere else: claude-code-facts §1);
// the headers helper gives the key at run time, answering from the cache. Telemetry arrives at the
// receiver the secret names, with the key — and the secret store was asked once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { describeRun, runClaude } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi } from '../helpers/mock-model-api.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startFakeSecretManager, type FakeSecretManager } from '../helpers/fake-secret-manager.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const KEY = 'sk-e2e-field-refs-91b2';
const SECRET = 'gcp-sm://projects/acme-obs/secrets/monitoring-otlp-endpoint';

describe('the endpoint from Secret Manager, with the real Claude Code', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;
  let rx: OtlpReceiver;
  let sm: FakeSecretManager;
  let root: string;

  beforeAll(async () => {
    const dir = makeTempDir('cc-otel-e2e-field-refs');
    cleanups.push(() => dir.cleanup());
    root = dir.path;
    api = await startMockModelApi({ bashCommand: 'echo field-refs-e2e' });
    rx = await startOtlpReceiver();
    sm = await startFakeSecretManager();
    cleanups.push(() => api.close(), () => rx.close(), () => sm.close());
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('install resolves {ref, json} into the settings env; Claude Code exports there with the helper\'s key; one read of the store', async () => {
    const port = new URL(rx.url).port;
    // what the platform team keeps in the secret: a bare host:port per protocol
    sm.reply((name) => (name.includes('monitoring-otlp-endpoint') ? { value: JSON.stringify({ grpc: `127.0.0.1:1`, http: `127.0.0.1:${port}` }) } : { code: 5, details: 'not here' }));
    const home = join(root, 'home');
    const proj = join(root, 'proj');
    writeTree(root, {
      'proj/.keep': '',
      'home/.config/cc-otel/config.json': JSON.stringify({
        backend: 'otlp',
        endpoint: { ref: SECRET, json: 'http' },
        header: 'authorization',
        headerValue: 'Bearer {key}',
        key: ['env:E2E_KEY'],
        team: 'platform',
        intervals: { metricsMs: 1000, logsMs: 1000, tracesMs: 1000 },
        events: { ship: false },
      }),
    });
    const env = { HOME: home, USER: 'ada', E2E_KEY: KEY, CC_OTEL_GCP_SM_ENDPOINT: sm.endpoint };
    const install = await runCcOtel(['install', '--scope', 'user'], { cwd: proj, env });
    expect(install.code, describeCcOtel(install)).toBe(0);
    const settingsText = readFileSync(join(home, '.claude', 'settings.json'), 'utf8');
    const settings = JSON.parse(settingsText) as { env: Record<string, string> };
    expect(settings.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBe(`http://127.0.0.1:${port}/v1/traces`);
    expect(settingsText).not.toContain(KEY);
    const reads = sm.calls.length;
    expect(reads).toBe(1);

    const run = await runClaude({ home, cwd: proj, prompt: 'run it', modelApiUrl: api.url, env: { USER: 'ada', E2E_KEY: KEY, CC_OTEL_GCP_SM_ENDPOINT: sm.endpoint } });
    expect(run.code, describeRun(run)).toBe(0);
    await rx.waitFor((r) => ['traces', 'metrics', 'logs'].every((s) => r.requests.some((q) => q.signal === s)), 20_000, 'traces, metrics and logs from Claude Code');
    const signals = new Set(rx.requests.map((q) => q.signal));
    expect([...signals].sort()).toEqual(expect.arrayContaining(['logs', 'metrics', 'traces']));
    // every export carried the key the helper resolved at run time
    for (const q of rx.requests) expect(q.headers.authorization, `${q.signal} ${q.path}`).toBe(`Bearer ${KEY}`);
    // the helper resolved the endpoint field from the cache the install filled: no second read
    expect(sm.calls.length).toBe(reads);
    const st = await runCcOtel(['status', '--json'], { cwd: proj, env });
    expect((JSON.parse(st.stdout) as { refDrift: unknown[] }).refDrift).toEqual([]);
  });
});
