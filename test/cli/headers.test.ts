// `cc-otel headers` as Claude Code's otelHeadersHelper runs it: a real process of bin/cc-otel.js,
// cleared environment. Claude Code parses stdout as a JSON object of string headers, so stdout is
// that object and nothing else; the values are RAW (the helper's JSON is not the percent-encoded
// OTEL_EXPORTER_OTLP_HEADERS form — claude-code-facts §7). Speed is the benchmark's business.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree, type TreeEntry } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

const OTLP = {
  backend: 'otlp',
  endpoint: 'http://127.0.0.1:4318',
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['env:TEST_KEY'],
  team: 'platform',
};
const GRAFANA = {
  backend: 'grafana-cloud',
  endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp',
  instanceId: '1234567',
  key: ['env:GC_TOKEN'],
};

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

/** A temp HOME and project; `files` are written under the temp root (e.g. `proj/.env`). */
function world(config: Record<string, unknown> | null, files: Record<string, TreeEntry> = {}) {
  const dir = makeTempDir('cc-otel-headers');
  dirs.push(dir);
  const root = dir.path;
  writeTree(root, {
    'home/.keep': '',
    'proj/README.md': 'a project\n',
    ...(config ? { 'proj/.cc-otel.json': JSON.stringify(config) } : {}),
    ...files,
  });
  // The user trusts the project's .cc-otel.json and .env (`cc-otel trust`), under the child's HOME.
  if (config) trustProject(join(root, 'proj'), { HOME: join(root, 'home') });
  return { root, home: join(root, 'home'), proj: join(root, 'proj'), errorLog: join(root, 'home', '.local', 'state', 'cc-otel', 'errors.log') };
}

const headers = (cwd: string, env: Record<string, string | undefined>, input?: { keepOpen: true }) =>
  runCcOtel(['headers'], { cwd, env, ...(input ? { input } : {}) });

describe('cc-otel headers (real process)', () => {
  test('prints only a JSON object with the RAW header value (no percent-encoding), exit 0, silent stderr', async () => {
    const w = world(OTLP);
    const key = `abc def+/=%41:"q"'\\`;
    const r = await headers(w.proj, { HOME: w.home, TEST_KEY: key });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${JSON.stringify({ authorization: `Bearer ${key}` })}\n`);
    const parsed = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.values(parsed).every((v) => typeof v === 'string')).toBe(true);
    expect(existsSync(w.errorLog)).toBe(false);
  });

  test('no configuration: `{}` and exit 0 (inert)', async () => {
    const w = world(null);
    const r = await headers(w.proj, { HOME: w.home, TEST_KEY: 'unused' });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('{}\n');
    expect(r.stderr).toBe('');
  });

  test('otlp without an auth header configured: `{}` and exit 0', async () => {
    const w = world({ backend: 'otlp', endpoint: 'http://127.0.0.1:4318' });
    const r = await headers(w.proj, { HOME: w.home });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('{}\n');
  });

  test('key missing (a backend that requires one): exit 1, nothing on stdout, stderr names the reference, logged', async () => {
    const w = world(GRAFANA);
    const r = await headers(w.proj, { HOME: w.home });
    expect(r.code, describeCcOtel(r)).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('env:GC_TOKEN');
    expect(r.stderr).toMatch(/GC_TOKEN is not set/);
    expect(r.stderr).toMatch(/hint: /);
    const log = readFileSync(w.errorLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(log).toEqual([expect.objectContaining({ command: 'headers', code: 'KEY_NOT_FOUND' })]);
  });

  test('key missing while an auth header IS configured (otlp + header + key chain): exit 1, nothing on stdout', async () => {
    // The user asked for `authorization: Bearer {key}` and named where the key comes from; sending
    // no header at all would only show up as 401s on the backend, silently.
    const w = world(OTLP);
    const r = await headers(w.proj, { HOME: w.home });
    expect(r.code, describeCcOtel(r)).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('env:TEST_KEY');
  });

  test('grafana-cloud: Authorization is Basic base64(instanceId:key)', async () => {
    const w = world(GRAFANA);
    const token = 'glc_eyJvIjoiMTIzIiwibiI6InRlc3QifQ==';
    const r = await headers(w.proj, { HOME: w.home, GC_TOKEN: token });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const parsed = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual(['Authorization']);
    expect(parsed.Authorization).toBe(`Basic ${Buffer.from(`1234567:${token}`).toString('base64')}`);
    const [scheme, b64] = parsed.Authorization!.split(' ');
    expect(scheme).toBe('Basic');
    expect(Buffer.from(b64!, 'base64').toString('utf8')).toBe(`1234567:${token}`);
  });

  describe('dotenv keys', () => {
    const config = { ...OTLP, key: ['dotenv:CC_OTEL_TEST_KEY'] };

    test('from the project .env, also when run from a subdirectory of the project', async () => {
      const w = world(config, { 'proj/.env': '# comment\nOTHER=x\nCC_OTEL_TEST_KEY="from-project-dotenv"\n' });
      const sub = join(w.proj, 'packages', 'app');
      mkdirSync(sub, { recursive: true });
      for (const cwd of [w.proj, sub]) {
        const r = await headers(cwd, { HOME: w.home });
        expect(r.code, describeCcOtel(r)).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ authorization: 'Bearer from-project-dotenv' });
      }
    });

    test('the real environment beats .env', async () => {
      const w = world(config, { 'proj/.env': 'CC_OTEL_TEST_KEY=from-dotenv\n' });
      const r = await headers(w.proj, { HOME: w.home, CC_OTEL_TEST_KEY: 'from-env' });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ authorization: 'Bearer from-env' });
    });

    test('the user-level .env (~/.config/cc-otel/.env) when the project has none; a chain falls through skipped sources', async () => {
      const w = world({ ...OTLP, key: ['env:NOT_SET', 'dotenv:CC_OTEL_TEST_KEY'] }, { 'home/.config/cc-otel/.env': 'CC_OTEL_TEST_KEY=from-user-dotenv\n' });
      const r = await headers(w.proj, { HOME: w.home });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ authorization: 'Bearer from-user-dotenv' });
    });

    test('a .env without the name: exit 1, the message names the reference and the file looked at', async () => {
      const w = world({ ...GRAFANA, key: ['dotenv:CC_OTEL_TEST_KEY'] }, { 'proj/.env': 'SOMETHING_ELSE=1\n' });
      const r = await headers(w.proj, { HOME: w.home });
      expect(r.code, describeCcOtel(r)).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('dotenv:CC_OTEL_TEST_KEY');
      expect(r.stderr).toContain(join(w.proj, '.env'));
    });
  });

  test('a user-level config (~/.config/cc-otel/config.json) works from any cwd', async () => {
    const w = world(null, { 'home/.config/cc-otel/config.json': JSON.stringify(OTLP) });
    const r = await headers(w.root, { HOME: w.home, TEST_KEY: 'user-level' });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ authorization: 'Bearer user-level' });
  });

  test('an invalid config: exit 2, nothing on stdout, stderr names the file and the key', async () => {
    const w = world({ ...OTLP, team: 42 });
    const r = await headers(w.proj, { HOME: w.home, TEST_KEY: 'k' });
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(join(w.proj, '.cc-otel.json'));
    expect(r.stderr).toMatch(/team: must be a string/);
  });

  test('does not read stdin: a stdin nobody closes changes nothing', async () => {
    const w = world(OTLP);
    const r = await headers(w.proj, { HOME: w.home, TEST_KEY: 'k' }, { keepOpen: true });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ authorization: 'Bearer k' });
  });
});
