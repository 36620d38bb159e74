// Issue #17 on the packed, installed cc-otel: preset fields read from the secret store, through the
// real processes Claude Code runs (`hook session-start`, `headers`), `env`, `install` and `status`.
// Secret Manager is the real @google-cloud/secret-manager client (installed with the artifact)
// against the local grpc-js fake; 1Password is the real `op` spawn against a fake `op`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startFakeSecretManager, type FakeSecretManager } from '../helpers/fake-secret-manager.js';
import { installFakeOp, type FakeOp } from '../helpers/fake-op/index.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';
import { cacheFile, writeCache } from '../../src/secrets/cache.js';

const SECRET = 'gcp-sm://projects/my-proj/secrets/monitoring-signoz-otlp-endpoint';
const KEY = 'sk-field-refs-5e6f7a';

let sm: FakeSecretManager;
let op: FakeOp;
const cleanups: Array<() => void> = [];
beforeAll(async () => {
  sm = await startFakeSecretManager();
  op = installFakeOp();
});
afterAll(async () => {
  await sm.close();
  op.cleanup();
  for (const c of cleanups) c();
});

/** Modules of the heavy SDKs a process loaded, written at its exit (a --require'd probe). */
const PROBE = `
const Module = require('node:module');
const HEAVY = /[\\\\/]node_modules[\\\\/]((?:@1password|@google-cloud|@grpc)[\\\\/][^\\\\/]+|google-gax|google-auth-library|protobufjs)[\\\\/]/;
process.on('exit', () => {
  const heavy = [...new Set(Object.keys(Module._cache).map((k) => HEAVY.exec(k)?.[1]).filter(Boolean))].sort();
  require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(heavy));
});
`;

function world(config: Record<string, unknown>, files: Record<string, string> = {}) {
  const dir = makeTempDir('cc-otel-field-refs-cli');
  cleanups.push(() => dir.cleanup());
  const root = dir.path;
  writeTree(root, {
    'home/.config/cc-otel/config.json': JSON.stringify(config),
    'proj/.git/HEAD': 'ref: refs/heads/main\n',
    'probe.cjs': PROBE,
    ...files,
  });
  const home = join(root, 'home');
  const proj = join(root, 'proj');
  const env: Record<string, string> = {
    HOME: home,
    USER: 'ada',
    K: KEY,
    CC_OTEL_GCP_SM_ENDPOINT: sm.endpoint,
    CLAUDE_PROJECT_DIR: proj,
    PATH: `${op.binDir}:/usr/bin:/bin`,
    FAKE_OP_LOG: op.logDir,
  };
  return { root, home, proj, env, errorLog: join(home, '.local', 'state', 'cc-otel', 'errors.log'), probe: join(root, 'probe.cjs'), probeOut: join(root, 'probe.json') };
}

const HTTP_CONFIG = {
  backend: 'otlp',
  endpoint: { ref: SECRET, json: 'http' },
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['env:K'],
  // no background shipper: it would resolve the endpoint too (a second cold fetch) and then try 10.128.0.7
  events: { ship: false },
};
const callsFor = (name: string) => sm.calls.filter((c) => c.name.includes(name)).length;

describe('the hot path with the endpoint in Secret Manager', () => {
  test('cold: the hook fetches it once and writes the env file; warm: hook and headers answer from the cache — no request, no SDK loaded', async () => {
    sm.reply((name) => (name.includes('monitoring-signoz-otlp-endpoint') ? { value: JSON.stringify({ grpc: '10.128.0.7:4317', http: '10.128.0.7:4318' }) } : { code: 5, details: 'no' }));
    const w = world(HTTP_CONFIG);
    const envFile = join(w.root, 'session-env.sh');
    const input = JSON.stringify({ session_id: 's-1', cwd: w.proj, hook_event_name: 'SessionStart', source: 'startup' });
    const before = callsFor('monitoring-signoz-otlp-endpoint');
    const probeEnv = { ...w.env, NODE_OPTIONS: `--require ${w.probe}`, PROBE_OUT: w.probeOut };
    const cold = await runCcOtel(['hook', 'session-start'], { cwd: w.proj, env: { ...probeEnv, CLAUDE_ENV_FILE: envFile }, input });
    expect(cold.code, describeCcOtel(cold)).toBe(0);
    // the positive control: a cold read does load the SDK, and the probe sees it
    expect(JSON.parse(readFileSync(w.probeOut, 'utf8'))).toContain('@google-cloud/secret-manager');
    expect(cold.stdout).toBe('');
    expect(callsFor('monitoring-signoz-otlp-endpoint')).toBe(before + 1);
    const written = readFileSync(envFile, 'utf8');
    // the bare host:port got http:// (the value carried no scheme)
    expect(written).toContain("export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='http://10.128.0.7:4318/v1/traces'");
    expect(written).not.toContain(KEY);

    // Warm: the store now hangs — anything that asked it would wait for the deadline.
    sm.reply(() => 'hang');
    const h = await runCcOtel(['headers'], { cwd: w.proj, env: probeEnv });
    expect(h.code, describeCcOtel(h)).toBe(0);
    expect(JSON.parse(h.stdout)).toEqual({ authorization: `Bearer ${KEY}` });
    expect(JSON.parse(readFileSync(w.probeOut, 'utf8'))).toEqual([]);
    const envFile2 = join(w.root, 'session-env-2.sh');
    const hook = await runCcOtel(['hook', 'session-start'], { cwd: w.proj, env: { ...probeEnv, CLAUDE_ENV_FILE: envFile2 }, input });
    expect(hook.code, describeCcOtel(hook)).toBe(0);
    expect(readFileSync(envFile2, 'utf8')).toContain("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT='http://10.128.0.7:4318/v1/logs'");
    expect(JSON.parse(readFileSync(w.probeOut, 'utf8'))).toEqual([]);
    expect(callsFor('monitoring-signoz-otlp-endpoint')).toBe(before + 1);
    // both answered well inside the 5 s deadline a hung request would have cost
    expect(h.durationMs).toBeLessThan(2500);
    expect(hook.durationMs).toBeLessThan(2500);
  });

  test('a hung store on a cold cache: headers fails at the configured deadline naming the field; the hook exits 0, says nothing on stdout, logs it', async () => {
    sm.reply(() => 'hang');
    const w = world({ ...HTTP_CONFIG, endpoint: { ref: 'gcp-sm://projects/my-proj/secrets/hung-endpoint', json: 'http' }, deadlineMs: 1000 });
    const h = await runCcOtel(['headers'], { cwd: w.proj, env: w.env });
    expect(h.code).not.toBe(0);
    expect(h.stdout).toBe('');
    expect(h.stderr).toMatch(/"endpoint": source gcp-sm:\/\/projects\/my-proj\/secrets\/hung-endpoint json "http" failed/);
    expect(h.durationMs).toBeLessThan(1000 + 1500);
    const envFile = join(w.root, 'session-env.sh');
    const hook = await runCcOtel(['hook', 'session-start'], { cwd: w.proj, env: { ...w.env, CLAUDE_ENV_FILE: envFile }, input: JSON.stringify({ session_id: 's-2', hook_event_name: 'SessionStart' }) });
    expect(hook.code, describeCcOtel(hook)).toBe(0);
    expect(hook.stdout).toBe('');
    expect(hook.durationMs).toBeLessThan(1000 + 1500);
    expect(readFileSync(w.errorLog, 'utf8')).toMatch(/"endpoint": source gcp-sm:\/\/projects\/my-proj\/secrets\/hung-endpoint json \\"http\\" failed|endpoint/);
  });
});

describe('the background refresh', () => {
  test('a stale cached endpoint is used at once and refreshed in the background, like a stale key', async () => {
    const ref = 'op://Engineering/otel/endpoints';
    const w = world({ ...HTTP_CONFIG, endpoint: { ref, json: 'http' } });
    const cacheDir = join(w.home, '.cache', 'cc-otel');
    // two hours old: past the 1 h TTL, inside the 24 h max age
    writeCache(cacheDir, { v: 1, source: '1password', ref, value: JSON.stringify({ http: 'http://127.0.0.1:14318' }), fetchedAt: Date.now() - 2 * 3600_000 });
    const env = { ...w.env, FAKE_OP_MODE: 'success', FAKE_OP_SECRET: JSON.stringify({ http: 'http://127.0.0.1:24318' }) };
    const envFile = join(w.root, 'session-env.sh');
    const hook = await runCcOtel(['hook', 'session-start'], { cwd: w.proj, env: { ...env, CLAUDE_ENV_FILE: envFile }, input: JSON.stringify({ session_id: 's-3', hook_event_name: 'SessionStart' }) });
    expect(hook.code, describeCcOtel(hook)).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toContain("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='http://127.0.0.1:14318/v1/traces'");
    const entry = cacheFile(cacheDir, '1password', ref);
    const until = Date.now() + 10_000;
    let cached = '';
    while (Date.now() < until) {
      try {
        cached = (JSON.parse(readFileSync(entry, 'utf8')) as { value: string }).value;
        if (cached.includes('24318') && !existsSync(`${entry}.lock`)) break;
      } catch {
        /* mid-rename */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(JSON.parse(cached)).toEqual({ http: 'http://127.0.0.1:24318' });
  });
});

describe('env --explain', () => {
  test('says where the endpoint came from and that a scheme was added; a failing field still shows every attempt', async () => {
    sm.reply(() => ({ value: JSON.stringify({ grpc: '10.128.0.7:4317' }) }));
    const w = world({ backend: 'signoz', protocol: 'grpc', endpoint: ['env:OTLP_ENDPOINT', { ref: SECRET, json: 'grpc' }], events: { ship: false } });
    const ok = await runCcOtel(['env', '--explain'], { cwd: w.proj, env: w.env });
    expect(ok.code, describeCcOtel(ok)).toBe(0);
    expect(ok.stdout).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT\s+http:\/\/10\.128\.0\.7:4317\s+user config .* → gcp-sm:\/\/projects\/my-proj\/secrets\/monitoring-signoz-otlp-endpoint json "grpc" \(gcp-secret-manager: .*\); no scheme in the value: http:\/\/ added \(protocol grpc\)/);
    expect(ok.stdout).toMatch(/preset fields from the secret store:\n  endpoint:\n    env:OTLP_ENDPOINT +skipped +OTLP_ENDPOINT is not set .*\n    gcp-sm:\/\/\S+ json "grpc" +found /);

    sm.reply(() => ({ value: JSON.stringify({ http: 'http://10.128.0.7:4318' }) }));
    const w2 = world({ backend: 'signoz', protocol: 'grpc', endpoint: { ref: 'gcp-sm://projects/my-proj/secrets/only-http', json: 'grpc' } });
    const bad = await runCcOtel(['env', '--explain'], { cwd: w2.proj, env: w2.env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/endpoint:\n    gcp-sm:\/\/projects\/my-proj\/secrets\/only-http json "grpc" +failed +the JSON has no field "grpc" \(its fields: "http"\)/);
    expect(bad.stderr).toMatch(/"endpoint" from gcp-sm:\/\/projects\/my-proj\/secrets\/only-http json "grpc" \(gcp-secret-manager\): the JSON has no field "grpc" .*\(set in user config .*config\.json\)\n  hint: fix "json": "grpc"/);
    expect(`${bad.stdout}${bad.stderr}`).not.toContain('10.128.0.7');
  });
});

describe('trust', () => {
  test('an untrusted project file cannot use references: ignored as whole keys, never resolved; once trusted, they are', async () => {
    const w = world(
      { backend: 'otlp', endpoint: 'http://127.0.0.1:9', header: 'authorization', headerValue: 'Bearer {key}', key: ['env:K'] },
      {
        'proj/.cc-otel.json': JSON.stringify({
          backend: 'otlp',
          endpoint: { ref: 'op://Repo/exfil/endpoint', json: 'http' },
          headerValue: { ref: 'env:REPO_TEMPLATE' },
          team: 'web',
        }),
      },
    );
    const env = { ...w.env, REPO_TEMPLATE: 'Token {key}', FAKE_OP_MODE: 'success', FAKE_OP_SECRET: JSON.stringify({ http: '127.0.0.1:6666' }) };
    const r = await runCcOtel(['env', '--explain', '--format', 'json', '--reveal'], { cwd: w.proj, env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const out = JSON.parse(r.stdout) as { project: { trust: string; ignored: string[] }; vars: Array<{ name: string; value: string }>; fieldRefs: unknown[] };
    expect(out.project.trust).toBe('untrusted');
    expect(out.project.ignored).toEqual(expect.arrayContaining(['endpoint', 'headerValue', 'backend']));
    expect(out.fieldRefs).toEqual([]);
    expect(out.vars.find((v) => v.name === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')?.value).toBe('http://127.0.0.1:9/v1/traces');
    expect(out.vars.find((v) => v.name === 'OTEL_EXPORTER_OTLP_HEADERS')?.value).toBe(`authorization=Bearer ${KEY}`);
    expect(existsSync(join(op.logDir, 'argv')) && readFileSync(join(op.logDir, 'argv'), 'utf8').includes('op://Repo/exfil/endpoint')).toBe(false);

    // The user trusts the file: now it is theirs, references included.
    trustProject(w.proj, { HOME: w.home });
    const t = await runCcOtel(['env', '--explain', '--format', 'json'], { cwd: w.proj, env });
    expect(t.code, describeCcOtel(t)).toBe(0);
    const tj = JSON.parse(t.stdout) as { vars: Array<{ name: string; value: string; source: string }>; fieldRefs: Array<{ field: string }> };
    expect(tj.vars.find((v) => v.name === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')).toMatchObject({ value: 'http://127.0.0.1:6666/v1/traces' });
    expect(tj.fieldRefs.map((f) => f.field).sort()).toEqual(['endpoint', 'headerValue']);
    const hj = await runCcOtel(['headers'], { cwd: w.proj, env });
    expect(JSON.parse(hj.stdout)).toEqual({ authorization: `Token ${KEY}` });
    expect(op.argv()).toEqual(expect.arrayContaining(['op://Repo/exfil/endpoint']));
  });
});

describe('install and status', () => {
  test('install writes the endpoint as resolved now, no secret; status says "re-run install" once the reference resolves differently', async () => {
    const w = world({ backend: 'otlp', endpoint: { ref: 'op://Engineering/otel/endpoints', json: 'http' }, header: 'authorization', headerValue: 'Bearer {key}', key: ['env:K'] });
    const env = { ...w.env, FAKE_OP_MODE: 'success', FAKE_OP_SECRET: JSON.stringify({ http: 'http://127.0.0.1:14318' }) };
    const inst = await runCcOtel(['install'], { cwd: w.proj, env });
    expect(inst.code, describeCcOtel(inst)).toBe(0);
    const settingsPath = join(w.home, '.claude', 'settings.json');
    const settings = JSON.parse(readFileSync(settingsPath, 'utf8')) as { env: Record<string, string>; otelHeadersHelper: string };
    expect(settings.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBe('http://127.0.0.1:14318/v1/traces');
    expect(readFileSync(settingsPath, 'utf8')).not.toContain(KEY);
    expect(settings.otelHeadersHelper).toMatch(/headers$/);

    const same = await runCcOtel(['status', '--json'], { cwd: w.proj, env });
    expect(same.code, describeCcOtel(same)).toBe(0);
    expect((JSON.parse(same.stdout) as { refDrift: unknown[] }).refDrift).toEqual([]);

    // The platform team moves the collector; the cached value goes (a TTL passing does the same).
    const moved = { ...env, FAKE_OP_SECRET: JSON.stringify({ http: 'http://127.0.0.1:24318' }) };
    const clear = await runCcOtel(['cache', 'clear'], { cwd: w.proj, env: moved });
    expect(clear.code, describeCcOtel(clear)).toBe(0);
    const st = await runCcOtel(['status', '--json'], { cwd: w.proj, env: moved });
    expect(st.code, describeCcOtel(st)).toBe(0);
    const drift = (JSON.parse(st.stdout) as { refDrift: Array<{ variable: string; installed: string; now: string; fix: string; message: string }> }).refDrift;
    expect(drift.map((d) => d.variable).sort()).toEqual(['OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
    const traces = drift.find((d) => d.variable === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    expect(traces).toMatchObject({ installed: 'http://127.0.0.1:14318/v1/traces', now: 'http://127.0.0.1:24318/v1/traces', fix: 're-run `cc-otel install`' });
    expect(traces?.message).toContain('op://Engineering/otel/endpoints json "http"');
    const text = await runCcOtel(['status'], { cwd: w.proj, env: moved });
    expect(text.stdout).toMatch(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT in user settings .* is http:\/\/127\.0\.0\.1:14318\/v1\/traces, written at install time; the config now gives http:\/\/127\.0\.0\.1:24318\/v1\/traces .*: re-run `cc-otel install`/);
    expect(text.stdout).toMatch(/endpoint from the secret store: user config .* → op:\/\/Engineering\/otel\/endpoints json "http" \(1password/);
  });

  test('a shared file cannot carry a field the installer reads from the secret store: install --scope project refuses, saying what to commit', async () => {
    const w = world({ backend: 'otlp', endpoint: { ref: 'op://Engineering/otel/endpoints', json: 'http' }, header: 'authorization', headerValue: 'Bearer {key}', key: ['env:K'] });
    const env = { ...w.env, FAKE_OP_MODE: 'success', FAKE_OP_SECRET: JSON.stringify({ http: 'http://127.0.0.1:14318' }) };
    const r = await runCcOtel(['install', '--scope', 'project'], { cwd: w.proj, env });
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stderr).toMatch(/"endpoint" \(from \/\S+\/config\.json, read from the secret store\) cannot be carried/);
    expect(r.stderr).toMatch(/commit a project \.cc-otel\.json/);
    expect(existsSync(join(w.proj, '.claude', 'settings.json'))).toBe(false);
  });
});
