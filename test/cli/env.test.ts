// `cc-otel env` as a real process of bin/cc-otel.js with a cleared environment: what a user evals,
// what `install` puts in a settings file, and where every value came from.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree, type TreeEntry } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';
import { adversarial, adversarialKey, pwnedFiles, shellView } from './shell-oracle.js';

const KEY = 'sk-env-test-1a2b3c4d5e';
const CONFIG = {
  backend: 'otlp',
  endpoint: 'http://127.0.0.1:4318',
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['env:TEST_KEY'],
  engineer: 'ada',
  team: 'platform',
  org: 'acme',
  attributes: { cost_center: 'cc-42' },
};
const ENDPOINTS = {
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4318/v1/metrics',
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:4318/v1/logs',
};

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

function world(config: Record<string, unknown> | string | null = CONFIG, files: Record<string, TreeEntry> = {}) {
  const dir = makeTempDir('cc-otel-env');
  dirs.push(dir);
  const root = dir.path;
  writeTree(root, {
    'home/.keep': '',
    'proj/README.md': 'a project\n',
    ...(config === null ? {} : { 'proj/.cc-otel.json': typeof config === 'string' ? config : JSON.stringify(config, null, 2) }),
    ...files,
  });
  const home = join(root, 'home');
  const proj = join(root, 'proj');
  if (config !== null) trustProject(proj, { HOME: home }); // the user trusts the project's files (the child's HOME)
  const env = (args: string[], extra: Record<string, string | undefined> = {}) => runCcOtel(['env', ...args], { cwd: proj, env: { HOME: home, TEST_KEY: KEY, ...extra } });
  /** Eval `text` in bash (as `eval "$(cc-otel env)"` does) and report what a program then sees. */
  const evalShell = (text: string) => {
    const file = join(root, `eval-${Math.random().toString(36).slice(2)}.sh`);
    writeFileSync(file, text);
    return shellView(file, root, 'eval');
  };
  return { root, home, proj, configPath: join(proj, '.cc-otel.json'), env, evalShell };
}

describe('cc-otel env (real process)', () => {
  describe('--format shell (the default)', () => {
    test('eval-safe with adversarial config values; secrets masked (key absent) unless --reveal', async () => {
      const v = { engineer: adversarial('engineer'), team: adversarial('team'), org: adversarial('org'), attr: adversarial('attr') };
      const w = world({ ...CONFIG, engineer: v.engineer, team: v.team, org: v.org, attributes: { [`a'$(touch pwned-k)`]: v.attr } });

      const masked = await w.env([]);
      expect(masked.code, describeCcOtel(masked)).toBe(0);
      expect(masked.stdout).not.toContain(KEY);
      expect(masked.stdout).not.toMatch(/^export OTEL_EXPORTER_OTLP_HEADERS=/m);
      expect(masked.stdout).toMatch(/^# authorization: .*--reveal/m);
      const view = w.evalShell(masked.stdout);
      expect(view.status, view.stderr).toBe(0);
      expect(pwnedFiles(w.root)).toEqual([]);
      expect(view.env).toMatchObject({ CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', ...ENDPOINTS });
      expect(view.env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
      expect(view.resource).toEqual({ engineer: v.engineer, team: v.team, org: v.org, [`a'$(touch pwned-k)`]: v.attr });

      const revealed = await w.env(['--format', 'shell', '--reveal']);
      expect(revealed.code, describeCcOtel(revealed)).toBe(0);
      const view2 = w.evalShell(revealed.stdout);
      expect(view2.status, view2.stderr).toBe(0);
      expect(view2.env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`authorization=Bearer ${KEY}`);
      expect(view2.resource.team).toBe(v.team);
      expect(pwnedFiles(w.root)).toEqual([]);
    });

    test('--reveal with an adversarial key: eval runs nothing and the header reads back exactly', async () => {
      const key = adversarialKey();
      const w = world();
      const r = await w.env(['--reveal'], { TEST_KEY: key });
      expect(r.code, describeCcOtel(r)).toBe(0);
      const view = w.evalShell(r.stdout);
      expect(view.status, view.stderr).toBe(0);
      expect(pwnedFiles(w.root)).toEqual([]);
      expect(view.env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`authorization=Bearer ${key}`);
      expect(view.env).toMatchObject(ENDPOINTS);
    });

    test('--reveal with the key missing: still exit 0 and eval-safe, a comment says the key was not resolved', async () => {
      const w = world();
      const r = await w.env(['--reveal'], { TEST_KEY: undefined });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toMatch(/^# .*key was not resolved/m);
      expect(w.evalShell(r.stdout).env).toMatchObject(ENDPOINTS);
    });
  });

  test('--format settings: valid JSON `{env}` of strings only, never the key (not even with --reveal)', async () => {
    const w = world();
    for (const args of [['--format', 'settings'], ['--format', 'settings', '--reveal']]) {
      const r = await w.env(args);
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).not.toContain(KEY);
      const parsed = JSON.parse(r.stdout) as { env: Record<string, unknown> };
      expect(Object.keys(parsed)).toEqual(['env']);
      for (const [k, val] of Object.entries(parsed.env)) expect(typeof val, k).toBe('string');
      expect(parsed.env).toMatchObject({ CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', ...ENDPOINTS });
      expect(parsed.env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
      expect(parsed.env.OTEL_RESOURCE_ATTRIBUTES).toBe('engineer=ada,team=platform,org=acme,cost_center=cc-42');
    }
  });

  test('--format json: an object of strings; the key only with --reveal', async () => {
    const w = world();
    const plain = await w.env(['--format', 'json']);
    expect(plain.code, describeCcOtel(plain)).toBe(0);
    expect(plain.stdout).not.toContain(KEY);
    const a = JSON.parse(plain.stdout) as Record<string, unknown>;
    for (const [k, val] of Object.entries(a)) expect(typeof val, k).toBe('string');
    expect(a).toMatchObject(ENDPOINTS);

    const revealed = await w.env(['--format', 'json', '--reveal']);
    expect(revealed.code, describeCcOtel(revealed)).toBe(0);
    expect(JSON.parse(revealed.stdout)).toMatchObject({ ...ENDPOINTS, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${KEY}` });
  });

  describe('--explain', () => {
    test('names the source of every value and the key chain attempts; the key stays redacted', async () => {
      const w = world();
      const r = await w.env(['--explain']);
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).not.toContain(KEY);
      expect(r.stdout).toContain(`project ${w.configPath}`);
      expect(r.stdout).toMatch(new RegExp(`team=platform +\\(project config ${w.configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
      expect(r.stdout).toMatch(/^OTEL_EXPORTER_OTLP_HEADERS +<redacted> +key from env TEST_KEY$/m);
      expect(r.stdout).toMatch(/^key chain:\n +env:TEST_KEY +found +env TEST_KEY/m);
    });

    test('team from `env CC_OTEL_TEAM` when set; a missing key shows each attempt', async () => {
      const w = world({ ...CONFIG, key: ['env:FIRST_KEY', 'dotenv:SECOND_KEY'] });
      const r = await w.env(['--explain'], { CC_OTEL_TEAM: 'from-env-team' });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toMatch(/team=from-env-team +\(env CC_OTEL_TEAM\)/);
      expect(r.stdout).toMatch(/^ +env:FIRST_KEY +skipped +FIRST_KEY is not set/m);
      expect(r.stdout).toMatch(/^ +dotenv:SECOND_KEY +skipped +no \.env in /m);
      expect(r.stdout).toMatch(/hint: /);
    });

    test('--format json: structured sources and attempts', async () => {
      const w = world();
      const r = await w.env(['--explain', '--format', 'json'], { CC_OTEL_ORG: 'env-org' });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).not.toContain(KEY);
      const x = JSON.parse(r.stdout) as {
        backend: string;
        files: Array<{ kind: string; path: string }>;
        attributes: Array<{ key: string; value: string; source: string }>;
        keyChain: Array<{ ref: string; result: string }>;
        keyError: unknown;
      };
      expect(x.backend).toBe('otlp');
      expect(x.files).toEqual([{ kind: 'project', path: w.configPath }]);
      expect(x.attributes).toEqual(
        expect.arrayContaining([
          { key: 'team', value: 'platform', source: `project config ${w.configPath}` },
          { key: 'org', value: 'env-org', source: 'env CC_OTEL_ORG' },
        ]),
      );
      expect(x.keyChain).toEqual([expect.objectContaining({ ref: 'env:TEST_KEY', result: 'found' })]);
      expect(x.keyError).toBeNull();
    });
  });

  test('unconfigured: exit 2 with a hint, nothing on stdout', async () => {
    const w = world(null);
    const r = await w.env([]);
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not configured/);
    expect(r.stderr).toMatch(/hint: .*\.cc-otel\.json/);
  });

  describe('invalid configuration: exit 2, stderr names the file and the key', () => {
    test.each([
      { name: 'wrong type', config: { ...CONFIG, team: 42 }, expected: [/team: must be a string, got 42/] },
      { name: 'unknown key', config: { ...CONFIG, backnd: 'otlp' }, expected: [/backnd: unknown key/] },
      { name: 'nested key', config: { ...CONFIG, privacy: { prompts: 'yes' } }, expected: [/privacy\.prompts: must be a boolean/] },
      { name: 'not JSON', config: '{"backend": "otlp",}', expected: [/is not valid JSON \(line 1, column \d+\)/] },
      { name: 'preset field missing', config: { backend: 'otlp' }, expected: [/"endpoint" is required/] },
    ])('$name', async ({ config, expected }) => {
      const w = world(config);
      const r = await w.env([]);
      expect(r.code, describeCcOtel(r)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(w.configPath);
      for (const re of expected) expect(r.stderr).toMatch(re);
    });

    test('an invalid CC_OTEL_* variable is named', async () => {
      const w = world();
      const r = await w.env([], { CC_OTEL_BACKEND: 'nope' });
      expect(r.code, describeCcOtel(r)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/CC_OTEL_BACKEND: must be one of .* got "nope"/);
    });
  });
});
