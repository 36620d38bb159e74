// configs/: one example per backend preset. Each is loaded through the real config loader (as
// CC_OTEL_CONFIG would point at it) and its telemetry plan built, so the examples cannot rot.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from '../../src/backends/index.js';
import { loadConfig } from '../../src/config/load.js';
import { buildTelemetry } from '../../src/otel/build-env.js';
import { makeContext } from '../../src/context.js';
import { refFieldPaths } from '../../src/field-refs/shape.js';
import { resolveFieldRefs } from '../../src/field-refs/resolve.js';
import { startFakeSecretManager, type FakeSecretManager } from '../helpers/fake-secret-manager.js';
import { afterAll, beforeAll } from 'vitest';

const DIR = fileURLToPath(new URL('../../configs/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** Examples beyond one per preset: file → its preset. */
const VARIANTS: Record<string, string> = { 'signoz-self-hosted.json': 'signoz' };

// The self-hosted SigNoz example reads its endpoint from Secret Manager (issue #17): here the real
// client against the local fake, holding what the seed's secret holds.
let sm: FakeSecretManager;
beforeAll(async () => {
  sm = await startFakeSecretManager();
  sm.reply(() => ({ value: JSON.stringify({ grpc: '10.128.0.7:4317', http: 'http://10.128.0.7:4318' }) }));
});
afterAll(() => sm.close());

describe('configs/', () => {
  it('holds one example per preset, the variants, and nothing else', () => {
    expect(files).toEqual([...[...PRESET_NAMES].map((p) => `${p}.json`), ...Object.keys(VARIANTS)].sort());
  });

  it.each(files)('%s loads and builds (key resolved or not)', async (file) => {
    const ctx = makeContext({ env: { CC_OTEL_CONFIG: join(DIR, file), CC_OTEL_GCP_SM_ENDPOINT: sm.endpoint, PATH: '/nonexistent' }, cwd: DIR, homeDir: '/nonexistent-home', platform: 'linux' });
    const raw = loadConfig(ctx);
    expect(raw.configured).toBe(true);
    expect(raw.config.backend).toBe(VARIANTS[file] ?? file.replace(/\.json$/, ''));
    const refs = await resolveFieldRefs(ctx, raw, { deadlineMs: 5000, projectDir: raw.projectDir, userConfigDir: raw.userConfigDir, cache: { dir: '/nonexistent-cache', enabled: false } });
    expect(refs.error).toBeUndefined();
    const loaded = refs.loaded;
    if (file === 'signoz-self-hosted.json') {
      expect(refFieldPaths(raw.config as Record<string, unknown>)).toEqual(['endpoint']);
      expect(sm.calls.map((c) => c.name)).toContain('projects/my-project/secrets/monitoring-signoz-otlp-endpoint-secret-dev/versions/latest');
      expect(buildTelemetry(loaded, { env: {} }).base).toBe('http://10.128.0.7:4317');
    }
    const plan = buildTelemetry(loaded, { env: {}, key: { value: 'example-key', detail: 'test' } });
    expect(plan.signals.length).toBeGreaterThan(0);
    expect(() => buildTelemetry(loaded, { env: {} })).not.toThrow();
    if (plan.keyNeeded !== 'none') {
      // The documented chain: env → 1Password → Secret Manager.
      expect(loaded.config.key?.map((r) => r.split(':')[0])).toEqual(['env', 'op', 'gcp-sm']);
      expect(Object.keys(plan.authHeaders ?? {}).length).toBeGreaterThan(0);
    }
  });
});
