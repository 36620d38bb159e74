import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeTempDir } from '../../helpers/tmp.js';
import type { TempDir } from '../../helpers/tmp.js';
import { makeContext } from '../../../src/context.js';
import type { Context } from '../../../src/context.js';
import { buildSettingsStatus, effectiveEnv, loadScopes } from '../../../src/claude/effective-settings.js';
import type { LoadScopesOptions } from '../../../src/claude/effective-settings.js';
import { applySettingsEdit, planSettingsEdit } from '../../../src/claude/settings-edit.js';
import { settingsFilePath } from '../../../src/claude/settings-paths.js';
import { INSTALL } from './settings-fixtures.js';

let tmp: TempDir;
let root: string;
let ctx: Context;
let opts: LoadScopesOptions;
beforeEach(() => {
  tmp = makeTempDir('cc-otel-effective');
  root = realpathSync(tmp.path);
  ctx = makeContext({ env: {}, homeDir: join(root, 'home'), cwd: join(root, 'proj'), platform: 'linux' });
  opts = { managedDir: join(root, 'etc') };
});
afterEach(() => tmp.cleanup());

function put(rel: string, value: unknown): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  return p;
}

function installUser(): string {
  const path = settingsFilePath(ctx, 'user');
  applySettingsEdit(planSettingsEdit(path, INSTALL));
  return path;
}

describe('loadScopes', () => {
  test('every scope in precedence order; managed drop-ins Z→A above managed-settings.json', () => {
    put('etc/managed-settings.json', {});
    put('etc/managed-settings.d/10-base.json', {});
    put('etc/managed-settings.d/50-otel.json', {});
    put('etc/managed-settings.d/.hidden.json', {});
    put('etc/managed-settings.d/notes.txt', 'x');
    put('etc/managed-settings.d/50-otel.json.cc-otel.record', '{}');
    const cli = put('cli.json', {});
    const { layers } = loadScopes(ctx, { ...opts, settingsFile: cli });
    expect(layers.map((l) => [l.source, l.path.slice(root.length + 1), l.status])).toEqual([
      ['managed', 'etc/managed-settings.d/50-otel.json', 'ok'],
      ['managed', 'etc/managed-settings.d/10-base.json', 'ok'],
      ['managed', 'etc/managed-settings.json', 'ok'],
      ['cli', 'cli.json', 'ok'],
      ['local', 'proj/.claude/settings.local.json', 'missing'],
      ['project', 'proj/.claude/settings.json', 'missing'],
      ['user', 'home/.claude/settings.json', 'missing'],
    ]);
  });

  test('a broken file is reported with its place, not thrown', () => {
    put('proj/.claude/settings.json', '{\n  "env": {\n    "A": "1",\n  }\n}\n');
    const layer = loadScopes(ctx, opts).layers.find((l) => l.source === 'project');
    expect(layer).toMatchObject({ status: 'invalid', settings: null, problem: { line: 4, column: 3 } });
    const status = buildSettingsStatus(loadScopes(ctx, opts));
    expect(status.warnings).toContainEqual(expect.objectContaining({ code: 'INVALID_FILE', source: 'project', message: expect.stringContaining('trailing comma at line 4, column 3') }));
  });

  test('--settings may be inline JSON', () => {
    const { layers } = loadScopes(ctx, { ...opts, settingsFile: '{"env": {"A": "cli"}}' });
    expect(layers.find((l) => l.source === 'cli')).toMatchObject({ path: '--settings', status: 'ok', settings: { env: { A: 'cli' } } });
  });
});

describe('effectiveEnv', () => {
  test('managed > cli > local > project > user > process, per key, with what each value shadowed', () => {
    put('home/.claude/settings.json', { env: { A: 'user', B: 'user', C: 'user', D: 'user', E: 'user', F: 'user' } });
    put('proj/.claude/settings.json', { env: { B: 'project', C: 'project', D: 'project', E: 'project' } });
    put('proj/.claude/settings.local.json', { env: { C: 'local', D: 'local', E: 'local' } });
    const cli = put('cli.json', { env: { D: 'cli', E: 'cli' } });
    put('etc/managed-settings.json', { env: { E: 'managed-base', G: 'managed-base' } });
    put('etc/managed-settings.d/10-a.json', { env: { E: 'drop-in a', G: 'drop-in a' } });
    put('etc/managed-settings.d/20-b.json', { env: { G: 'drop-in b' } });
    const env = effectiveEnv(loadScopes(ctx, { ...opts, settingsFile: cli }), { processEnv: { A: 'shell', Z: 'shell' } });
    const win = Object.fromEntries(Object.entries(env).map(([k, e]) => [k, `${e.value} (${e.source})`]));
    expect(win).toEqual({
      A: 'user (user)',
      B: 'project (project)',
      C: 'local (local)',
      D: 'cli (cli)',
      E: 'drop-in a (managed)',
      F: 'user (user)',
      G: 'drop-in b (managed)',
      Z: 'shell (process)',
    });
    expect(env.E?.shadowed.map((s) => s.value)).toEqual(['managed-base', 'cli', 'local', 'project', 'user']);
    expect(env.A?.shadowed).toEqual([{ value: 'shell', source: 'process', path: null }]);
    expect(env.G?.path).toBe(join(root, 'etc/managed-settings.d/20-b.json'));
  });
});

describe('buildSettingsStatus', () => {
  test('a project endpoint that shadows the user install is reported', () => {
    const userPath = installUser();
    const projectPath = put('proj/.claude/settings.json', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' } });
    const status = buildSettingsStatus(loadScopes(ctx, opts));
    expect(status.installs).toEqual([
      expect.objectContaining({
        source: 'user',
        path: userPath,
        helper: '/usr/local/bin/cc-otel headers',
        hasRecord: true,
        hooks: [
          { event: 'SessionStart', matcher: 'startup|resume|clear|compact', command: '/usr/local/bin/cc-otel hook session-start' },
          { event: 'PostToolUse', matcher: '*', command: '/usr/local/bin/cc-otel hook post-tool-use' },
          { event: 'Stop', matcher: null, command: '/usr/local/bin/cc-otel hook stop' },
        ],
      }),
    ]);
    expect(status.env.OTEL_EXPORTER_OTLP_ENDPOINT).toMatchObject({ value: 'http://localhost:4318', source: 'project', shadowed: [{ value: 'https://otlp.example.com', source: 'user' }] });
    const w = status.warnings.filter((x) => x.code === 'ENDPOINT_SHADOWED');
    expect(w).toEqual([expect.objectContaining({ key: 'OTEL_EXPORTER_OTLP_ENDPOINT', source: 'project', path: projectPath })]);
    expect(w[0]?.message).toContain(`overrides the value cc-otel wrote in user (${userPath})`);
  });

  test('a per-signal endpoint elsewhere beats cc-otel\'s generic endpoint for that signal', () => {
    installUser();
    put('proj/.claude/settings.local.json', { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' } });
    const w = buildSettingsStatus(loadScopes(ctx, opts)).warnings;
    expect(w).toContainEqual(expect.objectContaining({ code: 'ENDPOINT_SHADOWED', key: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', source: 'local', message: expect.stringContaining('sends traces elsewhere') }));
  });

  test('a higher OTEL_RESOURCE_ATTRIBUTES replaces all of cc-otel\'s attributes', () => {
    installUser();
    put('proj/.claude/settings.json', { env: { OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=web' } });
    const w = buildSettingsStatus(loadScopes(ctx, opts)).warnings;
    expect(w).toContainEqual(expect.objectContaining({ code: 'RESOURCE_ATTRIBUTES_REPLACED', source: 'project', message: expect.stringContaining('not per attribute') }));
  });

  test('CLAUDE_CODE_ENABLE_TELEMETRY=0 anywhere is reported, saying whether it wins', () => {
    installUser();
    put('etc/managed-settings.json', { env: { CLAUDE_CODE_ENABLE_TELEMETRY: '0' } });
    const w = buildSettingsStatus(loadScopes(ctx, opts)).warnings.filter((x) => x.code === 'TELEMETRY_DISABLED');
    expect(w).toEqual([expect.objectContaining({ source: 'managed', message: expect.stringContaining('exports no telemetry') })]);

    put('etc/managed-settings.json', {});
    const shadowedOff = buildSettingsStatus(loadScopes(ctx, opts), { processEnv: { CLAUDE_CODE_ENABLE_TELEMETRY: 'false' } }).warnings.filter((x) => x.code === 'TELEMETRY_DISABLED');
    expect(shadowedOff).toEqual([expect.objectContaining({ message: expect.stringContaining('telemetry stays on') })]);
  });

  test('another helper in a higher scope replaces cc-otel\'s', () => {
    installUser();
    put('proj/.claude/settings.json', { otelHeadersHelper: '/opt/corp/headers.sh' });
    const s = buildSettingsStatus(loadScopes(ctx, opts));
    expect(s.helper).toMatchObject({ value: '/opt/corp/headers.sh', source: 'project', isCcOtel: false });
    expect(s.warnings).toContainEqual(expect.objectContaining({ code: 'HELPER_SHADOWED' }));
  });

  test('hooks switched off by disableAllHooks or allowManagedHooksOnly', () => {
    installUser();
    put('proj/.claude/settings.json', { disableAllHooks: true });
    put('etc/managed-settings.json', { allowManagedHooksOnly: true });
    const codes = buildSettingsStatus(loadScopes(ctx, opts)).warnings.filter((x) => x.code === 'HOOKS_DISABLED');
    expect(codes).toHaveLength(2);
  });

  test('a managed endpoint makes Claude Code ignore the one cc-otel wrote (2.1.217+)', () => {
    installUser();
    put('etc/managed-settings.d/corp.json', { env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=corp' } });
    const w = buildSettingsStatus(loadScopes(ctx, opts)).warnings;
    expect(w).toContainEqual(expect.objectContaining({ code: 'MANAGED_ENDPOINT', source: 'user' }));
  });

  test('header values are redacted in messages', () => {
    applySettingsEdit(planSettingsEdit(settingsFilePath(ctx, 'user'), { ...INSTALL, env: { ...INSTALL.env, OTEL_EXPORTER_OTLP_HEADERS: 'x-team=a' } }));
    put('proj/.claude/settings.json', { env: { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer s3cret' } });
    const msgs = buildSettingsStatus(loadScopes(ctx, opts)).warnings.map((x) => x.message).join('\n');
    expect(msgs).toContain('OTEL_EXPORTER_OTLP_HEADERS=(redacted)');
    expect(msgs).not.toContain('s3cret');
  });

  test('the same event hooked by cc-otel from two scopes with different commands runs twice', () => {
    installUser();
    applySettingsEdit(planSettingsEdit(settingsFilePath(ctx, 'project'), { action: 'install', env: {}, hooks: [{ ...INSTALL.hooks[0]!, hook: { type: 'command', command: 'npx cc-otel hook session-start', timeout: 10 } }] }));
    expect(buildSettingsStatus(loadScopes(ctx, opts)).warnings).toContainEqual(expect.objectContaining({ code: 'DUPLICATE_HOOKS' }));
  });

  test('non-string env values are reported', () => {
    put('home/.claude/settings.json', { env: { OTEL_METRIC_EXPORT_INTERVAL: 1000 } });
    expect(buildSettingsStatus(loadScopes(ctx, opts)).warnings).toContainEqual(expect.objectContaining({ code: 'NON_STRING_ENV', key: 'OTEL_METRIC_EXPORT_INTERVAL' }));
  });

  test('nothing installed, nothing to warn about', () => {
    put('home/.claude/settings.json', { model: 'opus' });
    expect(buildSettingsStatus(loadScopes(ctx, opts))).toMatchObject({ installs: [], warnings: [], helper: null });
  });
});
