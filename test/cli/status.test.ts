// `cc-otel status` as a real process with a cleared environment: installs per scope, the merged
// settings Claude Code will run with and what is shadowed, the key chain (never the key), and the
// hook's recent errors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const KEY = 'sk-status-test-9a8b7c6d';
const CONFIG = {
  backend: 'otlp',
  endpoint: 'http://127.0.0.1:4318',
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['env:MISSING_KEY', 'env:TEST_KEY'],
  team: 'platform',
  org: 'acme',
};

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

function world(config: Record<string, unknown> | null = CONFIG, files: Record<string, string> = {}) {
  const dir = makeTempDir('cc-otel-status');
  dirs.push(dir);
  const root = dir.path;
  writeTree(root, {
    'home/.keep': '',
    'proj/README.md': 'a project\n',
    ...(config ? { 'home/.config/cc-otel/config.json': JSON.stringify(config) } : {}),
    ...files,
  });
  const home = join(root, 'home');
  const proj = join(root, 'proj');
  const managed = join(root, 'managed');
  const env = { HOME: home, USER: 'ada', TEST_KEY: KEY };
  const run = (args: string[], extra: Record<string, string> = {}) => runCcOtel([...args, '--managed-dir', managed], { cwd: proj, env: { ...env, ...extra } });
  return { root, home, proj, managed, run, userSettings: join(home, '.claude', 'settings.json'), projectSettings: join(proj, '.claude', 'settings.json') };
}

describe('cc-otel status (real process)', () => {
  test('a project-scope value that shadows the user install: reported as shadowed, with where each value comes from', async () => {
    const w = world();
    expect((await w.run(['install'])).code).toBe(0);
    writeTree(w.proj, {
      '.claude/settings.json': JSON.stringify({ env: { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://team-collector:4318/v1/metrics', OTEL_RESOURCE_ATTRIBUTES: 'team=web' } }, null, 2),
    });

    const r = await w.run(['status', '--json']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual(['scopes', 'effective', 'warnings', 'refDrift', 'brokenCommands', 'config', 'project', 'keyChain', 'errors', 'bridge']);
    expect(s.scopes.map((l: { scope: string; installed: boolean; status: string }) => [l.scope, l.status, l.installed])).toEqual([
      ['managed', 'missing', false],
      ['local', 'missing', false],
      ['project', 'ok', false],
      ['user', 'ok', true],
    ]);
    const user = s.scopes[3];
    expect(user.path).toBe(w.userSettings);
    expect(user.hasRecord).toBe(true);
    expect(user.helper).toMatch(/ headers$/);
    expect(user.hooks).toEqual([expect.objectContaining({ event: 'SessionStart', matcher: 'startup|resume|clear|compact' })]);

    expect(s.effective.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT).toEqual({
      value: 'http://team-collector:4318/v1/metrics',
      source: 'project',
      path: w.projectSettings,
      shadowed: [{ value: 'http://127.0.0.1:4318/v1/metrics', source: 'user', path: w.userSettings }],
    });
    expect(s.effective.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT).toMatchObject({ value: 'http://127.0.0.1:4318/v1/logs', source: 'user', shadowed: [] });
    expect(s.effective.env.OTEL_RESOURCE_ATTRIBUTES).toMatchObject({ value: 'team=web', source: 'project', shadowed: [{ value: 'engineer=ada,team=platform,org=acme', source: 'user' }] });
    expect(s.effective.otelHeadersHelper).toMatchObject({ source: 'user', isCcOtel: true });
    expect(s.warnings.map((x: { code: string }) => x.code).sort()).toEqual(['ENDPOINT_SHADOWED', 'RESOURCE_ATTRIBUTES_REPLACED']);
    expect(s.warnings.find((x: { code: string }) => x.code === 'ENDPOINT_SHADOWED')).toMatchObject({ source: 'project', path: w.projectSettings, key: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT' });

    const text = await w.run(['status']);
    expect(text.code, describeCcOtel(text)).toBe(0);
    expect(text.stdout).toContain('http://team-collector:4318/v1/metrics   [project]');
    expect(text.stdout).toContain('shadows user: http://127.0.0.1:4318/v1/metrics');
    expect(text.stdout).toContain('[ENDPOINT_SHADOWED]');
    expect(text.stdout).toContain('cc-otel: env (11), otelHeadersHelper, hooks SessionStart');
  });

  test('the key chain: every reference, which one resolves — never the key', async () => {
    const w = world();
    const r = await w.run(['status', '--json']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).not.toContain(KEY);
    const s = JSON.parse(r.stdout);
    expect(s.config).toMatchObject({ configured: true, backend: 'otlp', protocol: 'http/protobuf', helperUsable: true, authHeaders: ['authorization'] });
    expect(s.keyChain).toMatchObject({ needed: 'required', refs: ['env:MISSING_KEY', 'env:TEST_KEY'], resolvedBy: 'env:TEST_KEY', error: null });
    expect(s.keyChain.attempts.map((a: { ref: string; result: string }) => [a.ref, a.result])).toEqual([
      ['env:MISSING_KEY', 'skipped'],
      ['env:TEST_KEY', 'found'],
    ]);

    const text = await w.run(['status']);
    expect(text.stdout).not.toContain(KEY);
    expect(text.stdout).toMatch(/env:TEST_KEY\s+found .*← used/);

    const none = await w.run(['status'], { TEST_KEY: '' });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no key: no reference yielded one');
  });

  test('recent errors from the hook error log; CLAUDE_CODE_ENABLE_TELEMETRY=0 in a higher scope; a helper that can no longer run', async () => {
    const w = world();
    const stateDir = join(w.home, '.local', 'state', 'cc-otel');
    mkdirSync(stateDir, { recursive: true });
    const lines = [1, 2, 3, 4, 5, 6, 7].map((n) => JSON.stringify({ time: `2026-01-0${n}T00:00:00.000Z`, command: 'hook session-start', code: 'KEY_TIMEOUT', message: `failure ${n}`, hint: 'h' }));
    writeFileSync(join(stateDir, 'errors.log'), `${lines.join('\n')}\n`);
    writeTree(w.home, { '.claude/settings.json': JSON.stringify({ otelHeadersHelper: '/gone/node /gone/cc-otel/bin/cc-otel.js headers', env: { CLAUDE_CODE_ENABLE_TELEMETRY: '1' } }) });
    writeTree(w.proj, { '.claude/settings.local.json': JSON.stringify({ env: { CLAUDE_CODE_ENABLE_TELEMETRY: '0' } }) });

    const r = await w.run(['status', '--json', '--errors', '3']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.errors.log).toBe(join(stateDir, 'errors.log'));
    expect(s.errors.recent.map((e: { message: string }) => e.message)).toEqual(['failure 5', 'failure 6', 'failure 7']);
    expect(s.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'TELEMETRY_DISABLED', source: 'local' })]));
    expect(s.brokenCommands).toEqual([{ scope: 'user', path: w.userSettings, command: '/gone/node /gone/cc-otel/bin/cc-otel.js headers', missing: '/gone/node' }]);

    const text = await w.run(['status']);
    expect(text.stdout).toContain('KEY_TIMEOUT: failure 7 (hint: h)');
    expect(text.stdout).toContain('Claude Code exports no telemetry');
    expect(text.stdout).toContain('/gone/node does not exist');
  });

  test('not configured, nothing installed: still a report, exit 0', async () => {
    const w = world(null);
    const r = await w.run(['status', '--json']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.config).toEqual({ configured: false, files: [] });
    expect(s.keyChain).toBeNull();
    expect(s.effective).toEqual({ env: {}, otelHeadersHelper: null });
    const text = await w.run(['status']);
    expect(text.stdout).toContain('not configured: cc-otel is inert');
    expect(text.stdout).toContain('none: Claude Code exports no telemetry');
  });

  test('a broken config or settings file is reported, not fatal', async () => {
    const w = world(CONFIG, { 'proj/.claude/settings.json': '{ "env": ' });
    writeFileSync(join(w.home, '.config', 'cc-otel', 'config.json'), JSON.stringify({ backend: 'nope' }));
    const r = await w.run(['status', '--json']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.scopes.find((l: { scope: string }) => l.scope === 'project')).toMatchObject({ status: 'invalid' });
    expect(s.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'INVALID_FILE' })]));
    expect(s.config.error.code).toBe('CONFIG_INVALID');
  });
});
