// Checks 1–3 (config, key, environment lint) over real config files in temp dirs, one world each.
import { afterAll, describe, expect, it } from 'vitest';
import { installFakeOp } from '../../helpers/fake-op/index.js';
import { installFakeGcloud } from '../../helpers/fake-secret-manager.js';
import { KEY, byId, cleanupWorlds, makeWorld, statuses } from './world.js';

afterAll(cleanupWorlds);
const ONLY_1_TO_3 = { skip: ['claude', 'probe', 'readback'] };

describe('1. config', () => {
  it('not configured: a config error (exit 2) with the file to create; everything after is skipped', async () => {
    const r = await makeWorld(null).verify(ONLY_1_TO_3);
    expect(r.exitCode).toBe(2);
    expect(byId(r, 'config')).toMatchObject({ status: 'fail', code: 'CONFIG_NOT_FOUND', fix: expect.stringContaining('.cc-otel.json') });
    expect(byId(r, 'key')).toMatchObject({ status: 'skip', fix: 'needs "Config", which failed' });
    expect(r.backend).toBeNull();
  });

  it('a required preset field missing: exit 2, the field named', async () => {
    const r = await makeWorld({ backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', key: ['env:TEST_KEY'] }).verify(ONLY_1_TO_3);
    expect(r.exitCode).toBe(2);
    expect(byId(r, 'config')).toMatchObject({ status: 'fail', code: 'CONFIG_INVALID', value: expect.stringContaining('"instanceId" is required') });
  });

  it('invalid JSON and unknown keys are config errors too', async () => {
    const w = makeWorld({ backend: 'local', verify: { signoz: { url: 'not a url', nope: 1 } } });
    const r = await w.verify(ONLY_1_TO_3);
    expect(r.exitCode).toBe(2);
    const c = byId(r, 'config');
    expect(c.problems?.join('\n')).toMatch(/verify\.signoz\.url: must be an http\(s\) URL/);
    expect(c.problems?.join('\n')).toMatch(/verify\.signoz\.nope: unknown key/);
  });

  it('valid: the backend, protocol and signals, with the file they came from', async () => {
    const w = makeWorld({ backend: 'signoz-cloud', region: 'eu', key: ['env:TEST_KEY'] });
    const r = await w.verify(ONLY_1_TO_3);
    expect(byId(r, 'config')).toMatchObject({ status: 'pass', value: 'backend signoz-cloud (region eu), http/protobuf, signals metrics, logs, traces', source: `project ${w.proj}/.cc-otel.json` });
    expect(r.exitCode).toBe(0);
  });
});

describe('2. key', () => {
  it('resolved: says from which source, never prints the key', async () => {
    const r = await makeWorld({ backend: 'signoz-cloud', region: 'eu', key: ['env:MISSING_ONE', 'env:TEST_KEY'] }).verify(ONLY_1_TO_3);
    expect(byId(r, 'key')).toMatchObject({ status: 'pass', value: 'resolved (sent as signoz-ingestion-key)', source: 'env TEST_KEY' });
    expect(byId(r, 'key').details?.attempts).toEqual([
      expect.objectContaining({ ref: 'env:MISSING_ONE', result: 'skipped' }),
      expect.objectContaining({ ref: 'env:TEST_KEY', result: 'found' }),
    ]);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('not found: fails naming every source tried and the fix', async () => {
    const r = await makeWorld({ backend: 'honeycomb', key: ['env:HC_KEY', 'dotenv:HC_KEY'] }).verify(ONLY_1_TO_3);
    const k = byId(r, 'key');
    expect(k).toMatchObject({ status: 'fail', code: 'KEY_NOT_FOUND', value: 'no key found; tried:' });
    expect(k.problems).toEqual([expect.stringMatching(/^env:HC_KEY: skipped/), expect.stringMatching(/^dotenv:HC_KEY: skipped/)]);
    // Each reference's fix, in chain order: the first one leads.
    expect(k.fix).toMatch(/^set HC_KEY \(export it in the environment claude starts from\) \(env:HC_KEY, first in the chain\); or put HC_KEY=<key> in .*\.env.* \(dotenv:HC_KEY\); or configure "key" \(env:NAME, /);
    expect(r.exitCode).toBe(1);
  });

  it("the README's chain with gcloud installed but signed out: the fix leads with the first, simplest source, then the others", async () => {
    const gcloud = installFakeGcloud();
    try {
      const chain = ['env:SIGNOZ_KEY', 'op://Engineering/SigNoz/ingestion-key', 'gcp-sm://projects/acme-obs/secrets/signoz-key'];
      // No op on PATH; gcloud is, and answers "no active account".
      const w = makeWorld({ backend: 'signoz-cloud', region: 'eu', key: chain }, {}, gcloud.env('no-account'));
      const r = await w.verify(ONLY_1_TO_3);
      const k = byId(r, 'key');
      expect(k).toMatchObject({ status: 'fail', code: 'KEY_SOURCE_FAILED', source: chain[2] });
      expect(k.value).toMatch(/gcloud is not signed in/);
      expect(k.fix).toMatch(/^set SIGNOZ_KEY .*\(env:SIGNOZ_KEY, first in the chain\)/);
      const at = (s: string) => k.fix?.indexOf(s) ?? -1;
      expect(at('set SIGNOZ_KEY')).toBe(0);
      expect(at('install the 1Password CLI')).toBeGreaterThan(0);
      expect(at('run `gcloud auth login`')).toBeGreaterThan(at('install the 1Password CLI'));
      expect(k.problems).toEqual([expect.stringMatching(/^env:SIGNOZ_KEY: skipped/), expect.stringMatching(/^op:\/\/.*: skipped/), expect.stringMatching(/^gcp-sm:\/\/.*: failed — gcloud is not signed in/)]);
    } finally {
      gcloud.cleanup();
    }
  });

  it('a broken source stops the chain and is named as the source, with its fix', async () => {
    // the user's .env is a directory: configured, but unreadable
    const w = makeWorld({ backend: 'honeycomb', key: ['dotenv:HC_KEY', 'env:TEST_KEY'] }, { 'home/.config/cc-otel/.env/x': '' });
    const r = await w.verify(ONLY_1_TO_3);
    expect(byId(r, 'key')).toMatchObject({ status: 'fail', code: 'KEY_SOURCE_FAILED', source: 'dotenv:HC_KEY', fix: expect.stringContaining('permissions') });
    expect(byId(r, 'key').value).toMatch(/cannot read .*\.env: EISDIR/);
  });

  it('1Password signed out: the op:// reference is named, the fix is to sign in', async () => {
    const op = installFakeOp();
    try {
      const w = makeWorld({ backend: 'honeycomb', key: ['op://Eng/Honeycomb/key'] }, {}, op.env('signed-out'));
      const r = await w.verify(ONLY_1_TO_3);
      const k = byId(r, 'key');
      expect(k).toMatchObject({ status: 'fail', source: 'op://Eng/Honeycomb/key' });
      expect(`${k.value} ${k.fix}`).toMatch(/sign/i);
      expect(r.exitCode).toBe(1);
    } finally {
      op.cleanup();
    }
  });

  it('an optional key (self-hosted SigNoz) that is absent only warns', async () => {
    const r = await makeWorld({ backend: 'signoz', endpoint: 'http://signoz.internal:4318', key: ['env:NOPE'] }).verify(ONLY_1_TO_3);
    expect(byId(r, 'key')).toMatchObject({ status: 'warn', value: 'no key found: exports go without signoz-ingestion-key' });
    expect(r.exitCode).toBe(0);
  });

  it('a malformed key reference is a config error (exit 2)', async () => {
    const r = await makeWorld({ backend: 'honeycomb', key: ['vault:secret/x'] }).verify(ONLY_1_TO_3);
    // Caught when the config loads (the string may be a pasted key, so it is not echoed).
    expect(byId(r, 'config')).toMatchObject({ status: 'fail', code: 'CONFIG_INVALID', value: expect.stringContaining('invalid configuration in') });
    expect(JSON.stringify(r)).not.toContain('vault:secret/x');
    expect(r.exitCode).toBe(2);
  });

  it('no key needed (local)', async () => {
    const r = await makeWorld({ backend: 'local' }).verify(ONLY_1_TO_3);
    expect(byId(r, 'key')).toMatchObject({ status: 'pass', value: 'not needed' });
  });
});

describe('3. environment lint', () => {
  it('a clean plan passes every env check, each with a value and a source', async () => {
    const r = await makeWorld({ backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', instanceId: '123456', key: ['env:TEST_KEY'], team: 'platform', org: 'acme' }).verify(ONLY_1_TO_3);
    expect(statuses(r, 'env.')).toEqual({
      'env.protocol': 'pass',
      'env.endpoints': 'pass',
      'env.temporality': 'pass',
      'env.resource-attributes': 'pass',
      'env.headers': 'pass',
      'env.content': 'pass',
    });
    expect(byId(r, 'env.endpoints').value).toBe('https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/{metrics,logs,traces}');
    expect(byId(r, 'env.temporality')).toMatchObject({ value: 'cumulative', source: 'preset grafana-cloud' });
    expect(byId(r, 'env.resource-attributes')).toMatchObject({ value: '3 attributes: engineer=ada, team=platform, org=acme' });
    expect(byId(r, 'env.resource-attributes').details?.sdkParsed).toEqual({ engineer: 'ada', team: 'platform', org: 'acme' });
    expect(byId(r, 'env.headers').value).toBe('Authorization (secret)');
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('temporality that the backend rejects fails; one it merely does not prefer warns', async () => {
    const g = await makeWorld({ backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp', instanceId: '1', key: ['env:TEST_KEY'], temporality: 'delta' }).verify(ONLY_1_TO_3);
    expect(byId(g, 'env.temporality')).toMatchObject({ status: 'fail', value: 'delta', fix: expect.stringContaining('cumulative') });
    expect(byId(g, 'env.temporality').source).toContain('.cc-otel.json');
    expect(g.exitCode).toBe(1);
    const h = await makeWorld({ backend: 'honeycomb', key: ['env:TEST_KEY'], temporality: 'cumulative' }).verify(ONLY_1_TO_3);
    expect(byId(h, 'env.temporality').status).toBe('warn');
    expect(h.exitCode).toBe(0);
    const hs = await makeWorld({ backend: 'honeycomb', key: ['env:TEST_KEY'], temporality: 'cumulative' }).verify({ ...ONLY_1_TO_3, strict: true });
    expect(hs.exitCode).toBe(1);
  });

  it('a configured base URL ending in /v1 fails env.endpoints (the exporter would post to /v1/v1/<signal>)', async () => {
    const r = await makeWorld({ backend: 'otlp', endpoint: 'https://otlp.example.com/v1' }).verify(ONLY_1_TO_3);
    const e = byId(r, 'env.endpoints');
    expect(e.status).toBe('fail');
    expect(e.problems).toContain('FAIL: logs: doubled /v1/ in /v1/v1/logs');
    expect(e.fix).toMatch(/^the base URL ends in \/v1:/);
    expect(r.exitCode).toBe(1);
  });

  it('grpc with a key: the helper mismatch is reported on the headers check', async () => {
    const r = await makeWorld({ backend: 'honeycomb', protocol: 'grpc', key: ['env:TEST_KEY'] }).verify(ONLY_1_TO_3);
    expect(byId(r, 'env.headers')).toMatchObject({ status: 'warn', fix: expect.stringContaining('http/protobuf') });
    expect(byId(r, 'env.headers').problems?.[0]).toMatch(/ignores otelHeadersHelper with grpc/);
    expect(byId(r, 'env.endpoints').value).toBe('https://api.honeycomb.io:443');
  });

  it('a key that cannot go into OTEL_EXPORTER_OTLP_HEADERS warns (the helper still carries it) without showing it', async () => {
    const r = await makeWorld({ backend: 'honeycomb', key: ['env:ODD_KEY'] }, {}, { ODD_KEY: 'abc,def%ghi' }).verify(ONLY_1_TO_3);
    expect(byId(r, 'env.headers').status).toBe('warn');
    expect(JSON.stringify(r)).not.toContain('abc,def');
  });

  it('your own OTEL_RESOURCE_ATTRIBUTES: a malformed one is reported; content switches are reported', async () => {
    const r = await makeWorld({ backend: 'local', privacy: { prompts: true, toolDetails: true } }, {}, { OTEL_RESOURCE_ATTRIBUTES: 'a=b=c' }).verify(ONLY_1_TO_3);
    expect(byId(r, 'env.resource-attributes')).toMatchObject({ status: 'warn' });
    expect(byId(r, 'env.resource-attributes').problems?.[0]).toMatch(/ignored your OTEL_RESOURCE_ATTRIBUTES/);
    expect(byId(r, 'env.content')).toMatchObject({
      status: 'pass',
      value: 'exported: prompt text, tool parameters (OTEL_LOG_USER_PROMPTS=1, OTEL_LOG_TOOL_DETAILS=1)',
      required: false,
    });
  });
});
