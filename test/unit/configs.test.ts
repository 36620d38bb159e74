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

const DIR = fileURLToPath(new URL('../../configs/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('configs/', () => {
  it('holds one example per preset, and nothing else', () => {
    expect(files).toEqual([...PRESET_NAMES].map((p) => `${p}.json`).sort());
  });

  it.each(files)('%s loads and builds (key resolved or not)', (file) => {
    const ctx = makeContext({ env: { CC_OTEL_CONFIG: join(DIR, file) }, cwd: DIR, homeDir: '/nonexistent-home', platform: 'linux' });
    const loaded = loadConfig(ctx);
    expect(loaded.configured).toBe(true);
    expect(loaded.config.backend).toBe(file.replace(/\.json$/, ''));
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
