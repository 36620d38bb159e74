// `cc-otel verify` (Claude Code wiring) when the endpoint comes from the secret store (issue #17):
// install wrote it as it resolved then; once the reference resolves to something else, the check
// of Claude Code's own telemetry fails, says why, and the fix is to re-run install.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTelemetry } from '../../../src/resolve-telemetry.js';
import { settingsEnv } from '../../../src/otel/build-env.js';
import { byId, cleanupWorlds, makeWorld, textOf } from '../verify/world.js';
import { refDrift } from '../../../src/field-refs/install-drift.js';

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

describe('refDrift (what status reports)', () => {
  it('only the variables a field from the store shapes: a changed team is not blamed on the reference', async () => {
    const w = makeWorld({ ...CONFIG, team: 'platform' }, {}, { HC_ENDPOINTS: NOW });
    const r = await resolveTelemetry(w.ctx(), { key: 'never' });
    if (r.inert) throw new Error('inert');
    const now = settingsEnv(r.plan);
    const path = join(w.home, '.claude', 'settings.json');
    const installedWith = (env: Record<string, string>) => ({
      env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, { value: v, source: 'user', path }])),
      installs: [{ source: 'user', path, envKeys: Object.keys(env) }],
    });
    expect(refDrift(r.plan, r.loaded, r.fields, installedWith(now))).toEqual([]);
    const otherTeam = { ...now, OTEL_RESOURCE_ATTRIBUTES: 'engineer=ada,team=web' };
    expect(refDrift(r.plan, r.loaded, r.fields, installedWith(otherTeam))).toEqual([]);
    const moved = { ...now, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://collector-a.example.com/v1/logs' };
    const d = refDrift(r.plan, r.loaded, r.fields, installedWith(moved));
    expect(d.map((x) => [x.variable, x.installed, x.now, x.fix])).toEqual([['OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'https://collector-a.example.com/v1/logs', 'https://collector-b.example.com/v1/logs', 're-run `cc-otel install`']]);
    expect(d[0]?.fields).toEqual([expect.stringMatching(/^endpoint ← env:HC_ENDPOINTS json "http" \(env: /)]);
    // cc-otel did not install that value there: not its warning
    expect(refDrift(r.plan, r.loaded, r.fields, { ...installedWith(moved), installs: [] })).toEqual([]);
  });
});
