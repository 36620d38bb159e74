// The Secret Manager source through its real paths: the real @google-cloud/secret-manager client
// (gRPC) against a local grpc-js server speaking the official protos, and a fake `gcloud`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import {
  classifyGcloudError,
  classifyGcpError,
  findAdc,
  fromGcpSecretManager,
  parseEndpoint,
  principalOf,
  validateGcpSmRef,
} from '../../../src/secrets/sources/gcp-secret-manager.js';
import type { KeyRef, SourceResult } from '../../../src/secrets/types.js';
import { installFakeGcloud, startFakeSecretManager, type FakeGcloud, type FakeSecretManager } from '../../helpers/fake-secret-manager.js';
import { makeTempDir, writeTree, type TempDir } from '../../helpers/tmp.js';
import { guardNetwork, type NetGuard } from './net-guard.js';
import { sourceContext } from './source-context.js';

const posix = process.platform !== 'win32';
const gcpRef = (project: string, secret: string, version?: string): KeyRef => ({
  kind: 'gcp-sm',
  project,
  secret,
  version: version ?? 'latest',
  raw: `gcp-sm://projects/${project}/secrets/${secret}${version ? `/versions/${version}` : ''}`,
});

async function timed(p: Promise<SourceResult>): Promise<{ r: SourceResult; ms: number }> {
  const t0 = performance.now();
  const r = await p;
  return { r, ms: performance.now() - t0 };
}

/** A throwaway service-account key file (RSA key generated here; valid nowhere). */
function fakeServiceAccountJson(email = 'cc-otel-reader@my-proj.iam.gserviceaccount.com'): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    type: 'service_account',
    project_id: 'my-proj',
    private_key_id: '0123456789abcdef',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: '123456789',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
}

describe('reference and environment rules', () => {
  it.each([
    [{ project: 'my-proj', secret: 'cc-otel-key', version: 'latest' }, undefined],
    [{ project: '123456789012', secret: 'k', version: '7' }, undefined],
    [{ project: 'example.com:my-proj', secret: 'K_1', version: 'prod-alias' }, undefined],
    [{ project: 'my proj', secret: 'k', version: 'latest' }, /project/],
    [{ project: 'p1', secret: 'a;b', version: 'latest' }, /secret/],
    [{ project: 'p1', secret: 'k', version: '1 2' }, /version/],
  ])('validateGcpSmRef(%j)', (ref, want) => {
    const r = validateGcpSmRef(ref);
    if (want) expect(r).toMatch(want);
    else expect(r).toBeUndefined();
  });

  it.each([
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['[::1]:8085', { host: '::1', port: 8085 }],
    ['127.0.0.1', undefined],
    ['http://127.0.0.1:9090', undefined],
    ['h:70000', undefined],
  ])('parseEndpoint(%j)', (s, want) => {
    expect(parseEndpoint(s)).toEqual(want);
  });

  it('findAdc: GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_CONFIG, ~/.config/gcloud, %APPDATA%, GCE opt-in', () => {
    const t = makeTempDir('cc-otel-adc');
    try {
      const [sa, sdkCfg, home] = writeTree(t.path, {
        'sa.json': '{}',
        'sdkcfg/application_default_credentials.json': '{}',
        'home/.config/gcloud/application_default_credentials.json': '{}',
        'appdata/gcloud/application_default_credentials.json': '{}',
      });
      const base = { cwd: t.path, homeDir: join(t.path, 'home'), platform: 'linux' as const };
      expect(findAdc({ ...base, env: { GOOGLE_APPLICATION_CREDENTIALS: 'sa.json' } })).toEqual({ kind: 'file', path: sa, from: 'GOOGLE_APPLICATION_CREDENTIALS' });
      expect(findAdc({ ...base, env: { GOOGLE_APPLICATION_CREDENTIALS: '/nope.json' } })).toEqual({ kind: 'missing-file', path: '/nope.json' });
      expect(findAdc({ ...base, env: { CLOUDSDK_CONFIG: join(t.path, 'sdkcfg') } })).toEqual({ kind: 'file', path: sdkCfg, from: 'well-known' });
      expect(findAdc({ ...base, env: {} })).toEqual({ kind: 'file', path: home, from: 'well-known' });
      expect(findAdc({ ...base, platform: 'win32', env: { APPDATA: join(t.path, 'appdata') } })).toMatchObject({ kind: 'file', from: 'well-known' });
      expect(findAdc({ ...base, homeDir: '/nonexistent', env: {} })).toEqual({ kind: 'none' });
      expect(findAdc({ ...base, homeDir: '/nonexistent', env: { CC_OTEL_GCP_ON_GCE: '1' } })).toEqual({ kind: 'gce' });
    } finally {
      t.cleanup();
    }
  });
});

describe('error classification', () => {
  const ref = { project: 'my-proj', secret: 'cc-otel-key', version: 'latest' };
  const sa = principalOf({ type: 'service_account', client_email: 'r@my-proj.iam.gserviceaccount.com' }, { kind: 'none' });

  it.each([
    [{ code: 5, details: 'Secret [x] not found or has no versions.' }, /not found in project my-proj/, /gcloud secrets versions list cc-otel-key --project=my-proj/],
    [{ code: 7, details: "Permission 'secretmanager.versions.access' denied" }, /permission denied on projects\/my-proj\/secrets\/cc-otel-key/, /roles\/secretmanager\.secretAccessor on secret cc-otel-key to serviceAccount:r@my-proj\.iam\.gserviceaccount\.com/],
    [{ code: 7, details: 'Secret Manager API has not been used in project 123 before or it is disabled.' }, /API is not enabled/, /gcloud services enable secretmanager\.googleapis\.com --project=my-proj/],
    [{ code: 16, details: 'Request had invalid authentication credentials.' }, /rejected the credentials/, /gcloud auth application-default login/],
    [{ code: 9, details: 'Secret Version [projects/1/secrets/cc-otel-key/versions/3] is in DESTROYED state.' }, /disabled or destroyed/, /enable a version/],
    [{ code: 14, details: 'Name resolution failed for target dns:secretmanager.googleapis.com:443' }, /unreachable/, /network\/proxy/],
    [new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started'), /no Google credentials found/, /gcloud auth application-default login/],
    [Object.assign(new Error('invalid_grant: reauth related error (invalid_rapt)'), {}), /could not be refreshed/, /application-default login/],
    [Object.assign(new Error('request to https://x failed, reason: getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' }), /cannot reach Google \(EAI_AGAIN/, /network/],
  ])('%j', (err, reason, hint) => {
    const f = classifyGcpError(err, ref, sa, 3000);
    expect(f.reason).toMatch(reason);
    expect(f.hint).toMatch(hint);
  });

  it('DEADLINE_EXCEEDED is a timeout', () => {
    expect(classifyGcpError({ code: 4, details: 'Deadline exceeded after 0.8s' }, ref, sa, 800)).toMatchObject({ timedOut: true, reason: 'Secret Manager did not answer within 800 ms' });
  });

  it.each([
    ['ERROR: (gcloud.secrets.versions.access) NOT_FOUND: Secret [projects/1/secrets/k] not found or has no versions.', /not found/, /versions list/],
    ["ERROR: (gcloud.secrets.versions.access) PERMISSION_DENIED: Permission 'secretmanager.versions.access' denied", /permission denied/, /secretAccessor/],
    ['ERROR: (gcloud.secrets.versions.access) You do not currently have an active account selected.\nPlease run:\n\n  $ gcloud auth login\n', /gcloud/, /gcloud auth login/],
    ['ERROR: (gcloud.secrets.versions.access) FAILED_PRECONDITION: Secret Version [x] is in DISABLED state.', /disabled or destroyed/, /enable a version/],
  ])('gcloud: %s', (stderr, reason, hint) => {
    const f = classifyGcloudError(stderr, ref);
    expect(f.reason).toMatch(reason);
    expect(f.hint).toMatch(hint);
  });
});

describe('fromGcpSecretManager via the SDK against a local gRPC Secret Manager (CC_OTEL_GCP_SM_ENDPOINT)', () => {
  let sm: FakeSecretManager;
  let guard: NetGuard;
  let home: TempDir;
  let emptyPath: TempDir;
  const env = () => ({ PATH: emptyPath.path, CC_OTEL_GCP_SM_ENDPOINT: sm.endpoint });

  beforeAll(async () => {
    // Pay the SDK import (~200 ms) once, so the timings below measure the call.
    await import('@google-cloud/secret-manager');
    sm = await startFakeSecretManager();
    home = makeTempDir('cc-otel-gcp-home');
    emptyPath = makeTempDir('cc-otel-empty-path');
    guard = guardNetwork();
  });
  afterAll(async () => {
    guard.stop();
    await sm.close();
    home.cleanup();
    emptyPath.cleanup();
    // Every connection went to the local server: no oauth2.googleapis.com, no metadata server
    // (169.254.169.254 / metadata.google.internal), no secretmanager.googleapis.com.
    expect(guard.nonLoopback()).toEqual([]);
    expect(guard.events.length).toBeGreaterThan(0);
  });

  it('is a cacheable gcp-secret-manager source for gcp-sm refs', () => {
    expect(fromGcpSecretManager).toMatchObject({ name: 'gcp-secret-manager', cacheable: true });
    expect(fromGcpSecretManager.handles(gcpRef('p1', 's'))).toBe(true);
    expect(fromGcpSecretManager.handles({ kind: 'op', ref: 'op://a/b/c', raw: 'op://a/b/c' })).toBe(false);
  });

  it('success: returns the payload bytes (trimmed) for exactly the requested resource name', async () => {
    sm.reply(() => ({ value: 'sk-gsm-secret\n', servedVersion: '3' }));
    const before = sm.calls.length;
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), sourceContext({ env: env() }));
    expect(r).toEqual({
      status: 'found',
      value: 'sk-gsm-secret',
      detail: `projects/my-proj/secrets/cc-otel-key/versions/latest (versions 3) via Secret Manager API at ${sm.endpoint}`,
    });
    const call = sm.calls[before]!;
    expect(call.name).toBe('projects/my-proj/secrets/cc-otel-key/versions/latest');
    expect(call.authorization).toEqual([]); // plaintext emulator mode sends no credentials
    expect(call.requestParams.join()).toContain('name=projects%2Fmy-proj%2Fsecrets%2Fcc-otel-key%2Fversions%2Flatest');
  });

  it('an explicit version is requested as written', async () => {
    sm.reply(() => ({ value: 'v7' }));
    const before = sm.calls.length;
    const r = await fromGcpSecretManager.resolve(gcpRef('123456789012', 'k_1', '7'), sourceContext({ env: env() }));
    expect(r).toMatchObject({ status: 'found', value: 'v7' });
    expect(sm.calls[before]!.name).toBe('projects/123456789012/secrets/k_1/versions/7');
  });

  it('NOT_FOUND → failed with a versions-list hint', async () => {
    sm.reply(() => ({ code: status.NOT_FOUND, details: 'Secret [projects/123/secrets/nope] not found or has no versions.' }));
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'nope'), sourceContext({ env: env() }));
    expect(r).toEqual({
      status: 'failed',
      reason: 'secret nope (version latest) not found in project my-proj (Secret [projects/123/secrets/nope] not found or has no versions.)',
      hint: 'check the reference with `gcloud secrets versions list nope --project=my-proj`',
    });
  });

  it('PERMISSION_DENIED → failed with the IAM grant hint', async () => {
    sm.reply(() => ({ code: status.PERMISSION_DENIED, details: "Permission 'secretmanager.versions.access' denied for resource" }));
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), sourceContext({ env: env() }));
    expect(r).toMatchObject({
      status: 'failed',
      reason: 'permission denied on projects/my-proj/secrets/cc-otel-key for the calling principal',
      hint: expect.stringMatching(/^grant roles\/secretmanager\.secretAccessor on secret cc-otel-key to /),
    });
  });

  it('FAILED_PRECONDITION (destroyed version) → failed', async () => {
    sm.reply(() => ({ code: status.FAILED_PRECONDITION, details: 'Secret Version [x] is in DESTROYED state.' }));
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), sourceContext({ env: env() }));
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('disabled or destroyed') });
  });

  it('an empty payload is a failure, not an empty key', async () => {
    sm.reply(() => ({ value: '' }));
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), sourceContext({ env: env() }));
    expect(r).toMatchObject({ status: 'failed', reason: 'projects/my-proj/secrets/cc-otel-key/versions/latest is empty' });
  });

  it('a server that never answers → failed timedOut at the timeout (800 ms → < 2 s)', async () => {
    sm.reply(() => 'hang');
    const { r, ms } = await timed(fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), sourceContext({ env: env(), timeoutMs: 800 })));
    expect(r).toMatchObject({ status: 'failed', timedOut: true, reason: 'Secret Manager did not answer within 800 ms' });
    expect(ms).toBeGreaterThanOrEqual(750);
    expect(ms).toBeLessThan(2000);
  });

  it('a service-account ADC file in the well-known place changes nothing in endpoint mode: no token is fetched', async () => {
    writeTree(home.path, { '.config/gcloud/application_default_credentials.json': fakeServiceAccountJson() });
    sm.reply(() => ({ value: 'k' }));
    const before = sm.calls.length;
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), sourceContext({ env: env(), homeDir: home.path }));
    expect(r).toMatchObject({ status: 'found', value: 'k' });
    expect(sm.calls[before]!.authorization).toEqual([]);
  });

  it('a malformed endpoint fails with an example', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'k'), sourceContext({ env: { CC_OTEL_GCP_SM_ENDPOINT: 'http://x' } }));
    expect(r).toMatchObject({ status: 'failed', hint: expect.stringContaining('127.0.0.1:9090') });
  });
});

describe('fromGcpSecretManager without an endpoint override', () => {
  let emptyPath: TempDir;
  beforeAll(() => {
    emptyPath = makeTempDir('cc-otel-empty-path');
  });
  afterAll(() => emptyPath.cleanup());

  it('no ADC and no gcloud → skipped', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'k'), sourceContext({ env: { PATH: emptyPath.path }, homeDir: '/nonexistent' }));
    expect(r).toMatchObject({ status: 'skipped', reason: expect.stringContaining('no gcloud CLI on PATH') });
  });

  it('GOOGLE_APPLICATION_CREDENTIALS pointing at a missing file → failed, before any import or network', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'k'), sourceContext({ env: { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/sa.json' } }));
    expect(r).toMatchObject({ status: 'failed', reason: 'GOOGLE_APPLICATION_CREDENTIALS points at /nonexistent/sa.json, which does not exist' });
  });

  it('an unreadable ADC file → failed with the login hint, before any network', async () => {
    const t = makeTempDir('cc-otel-bad-adc');
    try {
      writeTree(t.path, { '.config/gcloud/application_default_credentials.json': 'not json' });
      const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'k'), sourceContext({ env: {}, homeDir: t.path }));
      expect(r).toMatchObject({ status: 'failed', hint: 'run `gcloud auth application-default login`' });
    } finally {
      t.cleanup();
    }
  });

  it('an invalid reference fails before anything else', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my proj', 'k'), sourceContext({ env: {} }));
    expect(r).toMatchObject({ status: 'failed', hint: 'use gcp-sm://projects/<project>/secrets/<secret>[/versions/<version>]' });
  });
});

describe.skipIf(!posix)('fromGcpSecretManager via the gcloud CLI (no ADC)', () => {
  let gcloud: FakeGcloud;
  beforeAll(() => {
    gcloud = installFakeGcloud();
  });
  afterAll(() => gcloud.cleanup());
  const ctx = (mode: Parameters<FakeGcloud['env']>[0], timeoutMs?: number) =>
    sourceContext({ env: gcloud.env(mode), homeDir: '/nonexistent', ...(timeoutMs ? { timeoutMs } : {}) });

  it('success: `gcloud secrets versions access V --secret=S --project=P`, prompts disabled, value trimmed', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key', '5'), ctx('success'));
    expect(r).toEqual({ status: 'found', value: 'sk-fake-gcloud-secret', detail: 'projects/my-proj/secrets/cc-otel-key/versions/5 via gcloud CLI' });
    expect(gcloud.argv()).toEqual(['secrets', 'versions', 'access', '5', '--secret=cc-otel-key', '--project=my-proj', '--quiet']);
    expect(gcloud.envSeen()).toBe('CLOUDSDK_CORE_DISABLE_PROMPTS=1');
  });

  it('NOT_FOUND → failed', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), ctx('not-found'));
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('not found in project my-proj'), hint: expect.stringContaining('versions list') });
  });

  it('PERMISSION_DENIED → failed with the IAM hint', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), ctx('permission-denied'));
    expect(r).toMatchObject({ status: 'failed', hint: expect.stringContaining('roles/secretmanager.secretAccessor') });
  });

  it('no active account → failed with `gcloud auth login`', async () => {
    const r = await fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), ctx('no-account'));
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('You do not currently have an active account selected'), hint: 'run `gcloud auth login`' });
  });

  it('a hanging gcloud is cut at the timeout', async () => {
    const { r, ms } = await timed(fromGcpSecretManager.resolve(gcpRef('my-proj', 'cc-otel-key'), ctx('hang', 800)));
    expect(r).toMatchObject({ status: 'failed', timedOut: true });
    expect(ms).toBeLessThan(2000);
  });
});
