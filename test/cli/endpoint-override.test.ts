// Every preset accepts an `endpoint` override "e.g. to point any preset at a local test receiver"
// (issue 2) — including grafana-cloud and dynatrace, whose path rules (/otlp, /api/v2/otlp) are
// hard errors only on the vendors' own hosts. Real processes against a receiver on port 0.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

let rx: OtlpReceiver;
const dirs: Array<{ cleanup(): void }> = [];
beforeAll(async () => {
  rx = await startOtlpReceiver();
});
afterAll(async () => {
  await rx.close();
  for (const d of dirs) d.cleanup();
});

function world(config: Record<string, unknown>) {
  const dir = makeTempDir('cc-otel-endpoint');
  dirs.push(dir);
  writeTree(dir.path, { 'home/.keep': '', 'proj/.cc-otel.json': JSON.stringify(config) });
  trustProject(join(dir.path, 'proj'), { HOME: join(dir.path, 'home') }); // the user trusts the project's .cc-otel.json
  return { proj: join(dir.path, 'proj'), env: { HOME: join(dir.path, 'home'), TEST_KEY: 'glc_test-token' } };
}

describe('vendor presets pointed at a local receiver (real process)', () => {
  test('grafana-cloud at http://127.0.0.1:PORT: Basic base64(instanceId:key), cumulative, /v1/<signal> on that base', async () => {
    const w = world({ backend: 'grafana-cloud', endpoint: rx.url, instanceId: '1234567', key: ['env:TEST_KEY'] });
    const h = await runCcOtel(['headers'], { cwd: w.proj, env: w.env });
    expect(h.code, describeCcOtel(h)).toBe(0);
    expect(JSON.parse(h.stdout)).toEqual({ Authorization: `Basic ${Buffer.from('1234567:glc_test-token').toString('base64')}` });
    const e = await runCcOtel(['env', '--format', 'json'], { cwd: w.proj, env: w.env });
    expect(e.code, describeCcOtel(e)).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${rx.url}/v1/metrics`,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${rx.url}/v1/logs`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.url}/v1/traces`,
    });
  });

  test('dynatrace at http://127.0.0.1:PORT: Api-Token, delta', async () => {
    const w = world({ backend: 'dynatrace', endpoint: rx.url, key: ['env:TEST_KEY'] });
    const h = await runCcOtel(['headers'], { cwd: w.proj, env: w.env });
    expect(h.code, describeCcOtel(h)).toBe(0);
    expect(JSON.parse(h.stdout)).toEqual({ Authorization: 'Api-Token glc_test-token' });
  });

  test('on grafana.net the /otlp rule still holds (exit 2)', async () => {
    const w = world({ backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net', instanceId: '1', key: ['env:TEST_KEY'] });
    const h = await runCcOtel(['headers'], { cwd: w.proj, env: w.env });
    expect(h.code, describeCcOtel(h)).toBe(2);
    expect(h.stderr).toMatch(/ending in \/otlp/);
  });
});
