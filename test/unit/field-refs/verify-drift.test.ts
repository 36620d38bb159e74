// `cc-otel verify` (Claude Code wiring) when the endpoint comes from the secret store (issue #17):
// install wrote it as it resolved then; once the reference resolves to something else, the check
// of Claude Code's own telemetry fails, says why, and the fix is to re-run install.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTelemetry } from '../../../src/resolve-telemetry.js';
import { settingsEnv } from '../../../src/otel/build-env.js';
import { byId, cleanupWorlds, makeWorld, textOf } from '../verify/world.js';

afterAll(cleanupWorlds);

const FAKE_CC_OTEL = { content: '#!/bin/sh\n[ "$1" = headers ] && printf \'{"x-honeycomb-team":"%s"}\\n\' "$TEST_KEY"\n', mode: 0o755 };
const CONFIG = { backend: 'honeycomb', endpoint: { ref: 'env:HC_ENDPOINTS', json: 'http' }, key: ['env:TEST_KEY'] };
const AT_INSTALL = JSON.stringify({ http: 'https://collector-a.example.com' });
const NOW = JSON.stringify({ http: 'https://collector-b.example.com' });

describe('an endpoint from the secret store that moved since install', () => {
  it('claude.telemetry fails naming the reference; the fix is re-running install', async () => {
    const w = makeWorld(CONFIG, { 'home/bin/cc-otel': FAKE_CC_OTEL }, { HC_ENDPOINTS: AT_INSTALL });
    const r0 = await resolveTelemetry(w.ctx(), { key: 'never' });
    if (r0.inert) throw new Error('inert');
    const cc = join(w.home, 'bin', 'cc-otel');
    w.write({ 'home/.claude/settings.json': JSON.stringify({ env: settingsEnv(r0.plan), otelHeadersHelper: `${cc} headers` }) });

    const same = await w.verify({ skip: ['probe', 'readback'] });
    expect(byId(same, 'claude.telemetry').status).toBe('pass');
    expect(byId(same, 'config').details?.fromSecretStore).toMatchObject({ endpoint: expect.stringContaining('env:HC_ENDPOINTS json "http"') });

    const moved = await w.verify({ skip: ['probe', 'readback'], env: { HC_ENDPOINTS: NOW } });
    const t = byId(moved, 'claude.telemetry');
    expect(t.status).toBe('fail');
    expect(textOf(t)).toContain(
      'traces: Claude Code exports to https://collector-a.example.com/v1/traces (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT from user settings',
    );
    expect(textOf(t)).toMatch(/use https:\/\/collector-b\.example\.com\/v1\/traces \(the endpoint is read from the secret store, .*env:HC_ENDPOINTS json "http".*: it now resolves differently from what install wrote\)/);
    expect(t.fix).toBe('re-run `cc-otel install`');
  });
});
