// Preset fields from the secret store (issue #17), through the real paths: the config loader, the
// key chain's sources — the real @google-cloud/secret-manager client against a local grpc-js Secret
// Manager (test/helpers/fake-secret-manager.ts), the real `op` spawn against a fake `op` — the
// on-disk cache, and the pure plan builder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeContext, type Env } from '../../../src/context.js';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import { validateConfig } from '../../../src/config/schema.js';
import { buildTelemetry } from '../../../src/otel/build-env.js';
import { endpointScheme, resolveFieldRefs } from '../../../src/field-refs/resolve.js';
import { pickJson } from '../../../src/field-refs/json-pick.js';
import { resolveTelemetry } from '../../../src/resolve-telemetry.js';
import { readCache, DEFAULT_POLICY } from '../../../src/secrets/cache.js';
import { startFakeSecretManager, type FakeSecretManager } from '../../helpers/fake-secret-manager.js';
import { installFakeOp, type FakeOp } from '../../helpers/fake-op/index.js';
import { makeTempDir, writeTree, type TempDir } from '../../helpers/tmp.js';

const SECRET = 'gcp-sm://projects/my-proj/secrets/monitoring-signoz-otlp-endpoint';
const SEED_JSON = JSON.stringify({ grpc: '10.128.0.7:4317', http: 'http://10.128.0.7:4318' });

let sm: FakeSecretManager;
let op: FakeOp;
const temps: TempDir[] = [];
beforeAll(async () => {
  sm = await startFakeSecretManager();
  op = installFakeOp();
});
afterAll(async () => {
  await sm.close();
  op.cleanup();
  for (const t of temps) t.cleanup();
});

/** A world: its own HOME with `config` as the user config, the fake Secret Manager as the endpoint. */
function world(config: unknown, env: Env = {}) {
  const t = makeTempDir('cc-otel-field-refs');
  temps.push(t);
  writeTree(t.path, { 'home/.config/cc-otel/config.json': JSON.stringify(config), 'work/.keep': '' });
  const home = join(t.path, 'home');
  const fullEnv: Env = { HOME: home, PATH: '/usr/bin:/bin', CC_OTEL_GCP_SM_ENDPOINT: sm.endpoint, ...env };
  const ctx = makeContext({ env: fullEnv, homeDir: home, cwd: join(t.path, 'work'), platform: 'linux' });
  const loaded = loadConfig(ctx);
  const cacheDir = join(home, '.cache', 'cc-otel');
  const chain = (deadlineMs = 5000) => ({ deadlineMs, projectDir: loaded.projectDir, userConfigDir: loaded.userConfigDir, cache: { dir: cacheDir, enabled: true } });
  return { ctx, loaded, cacheDir, chain, configPath: join(home, '.config/cc-otel/config.json') };
}

const callsFor = (name: string) => sm.calls.filter((c) => c.name.includes(name)).length;

describe('the shape in a config file', () => {
  it('{ref, json}, a list, and bare references in a list become one chain; a literal stays a literal', () => {
    const { config, problems } = validateConfig({
      backend: 'signoz',
      endpoint: { ref: SECRET, json: 'grpc' },
      header: [{ ref: 'env:HDR' }, 'op://Eng/otel/header'],
      datasets: { traces: { ref: 'env:DS', json: 'a.b' }, logs: 'cc-logs' },
      region: 'eu',
    });
    expect(problems).toEqual([]);
    expect(config.endpoint).toEqual([{ ref: SECRET, json: 'grpc' }]);
    expect(config.header).toEqual([{ ref: 'env:HDR' }, { ref: 'op://Eng/otel/header' }]);
    expect(config.datasets).toEqual({ traces: [{ ref: 'env:DS', json: 'a.b' }], logs: 'cc-logs' });
    expect(config.region).toBe('eu');
  });

  it('bad references are refused at load time, naming the field — a pasted secret is never echoed', () => {
    const pasted = 'sk-live-0123456789abcdef0123';
    const { problems } = validateConfig({ endpoint: { ref: pasted }, instanceId: [pasted], publicKey: { ref: 'env:X', json: '../etc', extra: 1 }, team: { ref: 'env:T' } });
    const text = JSON.stringify(problems);
    expect(text).not.toContain(pasted);
    expect(problems.map((p) => p.key)).toEqual(expect.arrayContaining(['endpoint', 'instanceId', 'publicKey', 'team']));
    expect(problems.find((p) => p.key === 'endpoint')?.message).toMatch(/not a key reference/);
    expect(problems.filter((p) => p.key === 'publicKey').map((p) => p.message).join(' ')).toMatch(/unknown key "extra".*|"json" must be a dotted field name/);
    // team is no preset field: it is not refable
    expect(problems.find((p) => p.key === 'team')?.message).toMatch(/must be a string/);
  });

  it('"datasets" takes references per signal, not as a whole', () => {
    const { problems } = validateConfig({ backend: 'axiom', datasets: [{ ref: 'env:DS' }] });
    expect(problems).toEqual([{ key: 'datasets', message: expect.stringMatching(/^must be an object with string values for metrics, logs, traces/) }]);
  });

  it('a higher layer replaces a reference whole: --endpoint beats the file\'s {ref, json}', () => {
    const w = world({ backend: 'signoz', endpoint: { ref: SECRET, json: 'grpc' } });
    const loaded = loadConfig(w.ctx, { endpoint: 'http://flag.example:4318' }, { endpoint: '--endpoint' });
    expect(loaded.config.endpoint).toBe('http://flag.example:4318');
    expect(loaded.sources.endpoint).toEqual({ kind: 'flag', detail: '--endpoint' });
  });
});

describe('pickJson and the endpoint scheme', () => {
  it.each([
    ['{"grpc":"10.0.0.1:4317"}', 'grpc', { ok: true, value: '10.0.0.1:4317' }],
    ['{"otlp":{"http":"http://h:4318"}}', 'otlp.http', { ok: true, value: 'http://h:4318' }],
    ['{"id":1234567}', 'id', { ok: true, value: '1234567' }],
  ])('%s %s', (text, path, want) => {
    expect(pickJson(text, path)).toEqual(want);
  });

  it('says what is wrong without the value', () => {
    const r1 = pickJson('{"http":"secret-ish"}', 'grpc');
    expect(r1).toMatchObject({ ok: false, problem: 'the JSON has no field "grpc" (its fields: "http")' });
    const r2 = pickJson('10.0.0.1:4317', 'grpc');
    expect(r2.ok).toBe(false);
    expect(JSON.stringify(r2)).not.toContain('10.0.0.1');
    expect(pickJson('{"a":{"b":1}}', 'a')).toMatchObject({ ok: false, problem: 'field "a" is an object, not a string' });
    expect(pickJson('{"a":"x"}', 'a.b')).toMatchObject({ ok: false, problem: '"a" is string, not an object with a field "b"' });
  });

  it('a bare host:port gets http:// (https:// on 443), and says so', () => {
    expect(endpointScheme('10.0.0.1:4317', 'grpc')).toEqual({ value: 'http://10.0.0.1:4317', note: 'no scheme in the value: http:// added (protocol grpc)' });
    expect(endpointScheme('otel.example.com:443', 'http/protobuf').value).toBe('https://otel.example.com:443');
    expect(endpointScheme('https://x:4318', 'grpc')).toEqual({ value: 'https://x:4318' });
  });
});

describe('the endpoint from Secret Manager (the real client against the local fake)', () => {
  it('json "grpc": the seed\'s <ip>:4317 becomes http://<ip>:4317 over grpc; cached, so the next run asks nothing', async () => {
    sm.reply((name) => (name.includes('monitoring-signoz-otlp-endpoint') ? { value: SEED_JSON } : { code: 5, details: 'no' }));
    const w = world({ backend: 'signoz', protocol: 'grpc', endpoint: { ref: SECRET, json: 'grpc' } });
    const before = callsFor('monitoring-signoz-otlp-endpoint');
    const r = await resolveTelemetry(w.ctx, { key: 'never', loaded: w.loaded });
    if (r.inert) throw new Error('inert');
    expect(callsFor('monitoring-signoz-otlp-endpoint')).toBe(before + 1);
    expect(r.plan.base).toBe('http://10.128.0.7:4317');
    const vars = Object.fromEntries(r.plan.vars.map((v) => [v.name, v]));
    expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT?.value).toBe('http://10.128.0.7:4317');
    expect(vars.OTEL_EXPORTER_OTLP_INSECURE?.value).toBe('true');
    // where it came from: the file, the reference, the source; and the scheme that was added
    expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT?.source).toContain(`user config ${w.configPath} → ${SECRET} json "grpc" (gcp-secret-manager:`);
    expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT?.source).toContain('http:// added (protocol grpc)');
    // the cache holds the secret as the source returned it (both fields of it share the entry)
    expect(readCache(w.cacheDir, 'gcp-secret-manager', `${SECRET}`, Date.now(), DEFAULT_POLICY)).toMatchObject({ state: 'fresh', entry: { value: SEED_JSON } });
    const again = await resolveTelemetry(w.ctx, { key: 'never', loaded: w.loaded });
    if (again.inert) throw new Error('inert');
    expect(callsFor('monitoring-signoz-otlp-endpoint')).toBe(before + 1);
    expect(again.fields[0]?.result.attempts[0]).toMatchObject({ result: 'cached', source: 'gcp-secret-manager' });
    expect(again.plan.base).toBe('http://10.128.0.7:4317');
  });

  it('json "http": the full URL as stored, per-signal /v1/<signal> endpoints', async () => {
    sm.reply(() => ({ value: `${SEED_JSON}\n` }));
    const w = world({ backend: 'signoz', endpoint: { ref: SECRET, json: 'http' } });
    const r = await resolveTelemetry(w.ctx, { key: 'never', loaded: w.loaded });
    if (r.inert) throw new Error('inert');
    expect(r.plan.protocol).toBe('http/protobuf');
    expect(r.plan.endpoints).toEqual({ metrics: 'http://10.128.0.7:4318/v1/metrics', logs: 'http://10.128.0.7:4318/v1/logs', traces: 'http://10.128.0.7:4318/v1/traces' });
    expect(r.fields[0]?.note).toBeUndefined();
  });

  it('three fields of one JSON secret: one fetch in the run (axiom datasets)', async () => {
    sm.reply(() => ({ value: JSON.stringify({ t: 'cc-traces', l: 'cc-logs', m: 'cc-metrics' }) }));
    const ref = 'gcp-sm://projects/my-proj/secrets/axiom-datasets';
    const w = world({ backend: 'axiom', datasets: { traces: { ref, json: 't' }, logs: { ref, json: 'l' }, metrics: { ref, json: 'm' } } });
    const before = callsFor('axiom-datasets');
    const r = await resolveFieldRefs(w.ctx, w.loaded, w.chain());
    expect(r.error).toBeUndefined();
    expect(callsFor('axiom-datasets')).toBe(before + 1);
    expect(r.loaded.config.datasets).toEqual({ traces: 'cc-traces', logs: 'cc-logs', metrics: 'cc-metrics' });
    const plan = buildTelemetry(r.loaded, { env: {}, key: { value: 'k', detail: 't' } });
    expect(plan.signalHeaders.metrics).toEqual({ 'X-Axiom-Metrics-Dataset': 'cc-metrics' });
  });

  it('a missing field: the error names the field, the reference, the source and the file — and the fields that are there', async () => {
    sm.reply(() => ({ value: JSON.stringify({ http: 'http://10.9.9.9:4318' }) }));
    const w = world({ backend: 'signoz', endpoint: { ref: SECRET, json: 'grpc' } });
    const r = await resolveFieldRefs(w.ctx, w.loaded, w.chain());
    expect(r.error?.code).toBe('KEY_SOURCE_FAILED');
    expect(r.error?.message).toBe(`"endpoint" from ${SECRET} json "grpc" (gcp-secret-manager): the JSON has no field "grpc" (its fields: "http") (set in user config ${w.configPath})`);
    expect(r.error?.message).not.toContain('10.9.9.9');
    expect(r.error?.hint).toMatch(/fix "json": "grpc"/);
  });

  it('a value that is not JSON: refused, without echoing it', async () => {
    sm.reply(() => ({ value: '10.7.7.7:4317' }));
    const w = world({ backend: 'signoz', endpoint: { ref: SECRET, json: 'grpc' } });
    const r = await resolveFieldRefs(w.ctx, w.loaded, w.chain());
    expect(r.error?.message).toMatch(/"endpoint" from .* \(gcp-secret-manager\): the value is not JSON \(13 chars\)/);
    expect(`${r.error?.message} ${r.error?.hint}`).not.toContain('10.7.7.7');
  });

  it('a hung Secret Manager: the deadline holds and the error names the field', async () => {
    sm.reply(() => 'hang');
    const w = world({ backend: 'signoz', endpoint: { ref: 'gcp-sm://projects/my-proj/secrets/hung-endpoint', json: 'grpc' } });
    const t0 = performance.now();
    const r = await resolveFieldRefs(w.ctx, w.loaded, w.chain(800));
    const ms = performance.now() - t0;
    expect(r.error?.code).toBe('KEY_TIMEOUT');
    expect(r.error?.message).toMatch(/^"endpoint": source gcp-sm:\/\/projects\/my-proj\/secrets\/hung-endpoint json "grpc" failed: .*800 ms/);
    expect(ms).toBeLessThan(800 + 1500);
  });

  it('a secret-like field read from the store is validated after resolution, never shown', async () => {
    const instance = 'not-numeric-and-private-4711';
    sm.reply(() => ({ value: JSON.stringify({ instance }) }));
    const w = world({ backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', instanceId: { ref: 'gcp-sm://projects/my-proj/secrets/grafana', json: 'instance' } });
    const err = await resolveTelemetry(w.ctx, { key: 'never', loaded: w.loaded }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/instanceId "<value from the secret store>" should be the numeric stack instance ID/);
    expect(err?.message).not.toContain(instance);
  });

  it('an endpoint from the store that is no URL after resolution: the rule of the field, naming field, reference and source', async () => {
    sm.reply(() => ({ value: JSON.stringify({ grpc: 'ftp://10.1.1.1:21' }) }));
    const w = world({ backend: 'signoz', endpoint: { ref: SECRET, json: 'grpc' } });
    const r = await resolveFieldRefs(w.ctx, w.loaded, w.chain());
    expect(r.error?.code).toBe('CONFIG_INVALID');
    expect(r.error?.message).toMatch(new RegExp(`^"endpoint" from ${SECRET.replace(/[/.]/g, '\\$&')} json "grpc" \\(gcp-secret-manager: .*\\) \\(set in user config .*\\): must be an http\\(s\\) URL, got scheme ftp:`));
  });
});

describe('the endpoint from 1Password (the real `op` spawn, a fake op)', () => {
  it('op:// with json, then the chain moves on from a skipped env: reference', async () => {
    const w = world(
      { backend: 'otlp', endpoint: ['env:OTLP_ENDPOINT_UNSET', { ref: 'op://Engineering/otel/endpoints', json: 'http' }] },
      op.env('success', { FAKE_OP_SECRET: JSON.stringify({ http: '127.0.0.1:14318' }) }),
    );
    const r = await resolveFieldRefs(w.ctx, w.loaded, w.chain());
    expect(r.error).toBeUndefined();
    expect(op.argv()).toEqual(expect.arrayContaining(['read', 'op://Engineering/otel/endpoints']));
    expect(r.fields[0]?.result.attempts.map((a) => `${a.ref} ${a.result}`)).toEqual(['env:OTLP_ENDPOINT_UNSET skipped', 'op://Engineering/otel/endpoints json "http" found']);
    expect(r.loaded.config.endpoint).toBe('http://127.0.0.1:14318');
  });
});
