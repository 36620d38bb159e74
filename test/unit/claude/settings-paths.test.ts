import { describe, expect, test } from 'vitest';
import { makeContext } from '../../../src/context.js';
import { isCcOtelError } from '../../../src/errors.js';
import { backupPath, claudeConfigDir, installRecordPath, managedDropInDir, managedSettingsPath, settingsFilePath } from '../../../src/claude/settings-paths.js';

const linux = (env: Record<string, string> = {}) => makeContext({ env, homeDir: '/home/dev', cwd: '/work/proj', platform: 'linux' });

describe('settingsFilePath', () => {
  test.each([
    ['user', {}, '/home/dev/.claude/settings.json'],
    ['project', {}, '/work/proj/.claude/settings.json'],
    ['local', {}, '/work/proj/.claude/settings.local.json'],
    ['project', { projectDir: '/elsewhere/app' }, '/elsewhere/app/.claude/settings.json'],
    ['local', { projectDir: 'sub' }, '/work/proj/sub/.claude/settings.local.json'],
    ['managed', {}, '/etc/claude-code/managed-settings.d/cc-otel.json'],
    ['managed', { dropInName: '50-otel' }, '/etc/claude-code/managed-settings.d/50-otel.json'],
    ['managed', { managedDir: '/tmp/m' }, '/tmp/m/managed-settings.d/cc-otel.json'],
    ['managed', { outputFile: 'pkg/cc-otel.json' }, '/work/proj/pkg/cc-otel.json'],
  ] as const)('%s %j', (scope, opts, want) => {
    expect(settingsFilePath(linux(), scope, opts)).toBe(want);
  });

  test('CLAUDE_CONFIG_DIR moves the user scope (absolute, relative, ~)', () => {
    expect(settingsFilePath(linux({ CLAUDE_CONFIG_DIR: '/cfg/claude' }), 'user')).toBe('/cfg/claude/settings.json');
    expect(settingsFilePath(linux({ CLAUDE_CONFIG_DIR: 'rel' }), 'user')).toBe('/work/proj/rel/settings.json');
    expect(claudeConfigDir(linux({ CLAUDE_CONFIG_DIR: '~/.claude-work' }))).toBe('/home/dev/.claude-work');
    expect(claudeConfigDir(linux({ CLAUDE_CONFIG_DIR: '' }))).toBe('/home/dev/.claude');
  });

  test('a drop-in name that is a path is a usage error', () => {
    let err: unknown;
    try {
      settingsFilePath(linux(), 'managed', { dropInName: '../evil' });
    } catch (e) {
      err = e;
    }
    expect(isCcOtelError(err) && err.code).toBe('USAGE');
  });
});

describe('managed settings per platform', () => {
  test.each([
    ['linux', '/etc/claude-code/managed-settings.json', '/etc/claude-code/managed-settings.d'],
    ['darwin', '/Library/Application Support/ClaudeCode/managed-settings.json', '/Library/Application Support/ClaudeCode/managed-settings.d'],
    ['win32', 'C:\\Program Files\\ClaudeCode\\managed-settings.json', 'C:\\Program Files\\ClaudeCode\\managed-settings.d'],
  ] as const)('%s', (platform, file, dir) => {
    const ctx = makeContext({ env: {}, homeDir: '/h', cwd: '/c', platform });
    expect(managedSettingsPath(ctx)).toBe(file);
    expect(managedDropInDir(ctx)).toBe(dir);
  });

  test('Windows user and project paths use backslashes', () => {
    const ctx = makeContext({ env: {}, homeDir: 'C:\\Users\\dev', cwd: 'C:\\src\\app', platform: 'win32' });
    expect(settingsFilePath(ctx, 'user')).toBe('C:\\Users\\dev\\.claude\\settings.json');
    expect(settingsFilePath(ctx, 'local')).toBe('C:\\src\\app\\.claude\\settings.local.json');
  });
});

test('sidecar names never end in .json (a managed drop-in dir loads every *.json)', () => {
  const t = '/etc/claude-code/managed-settings.d/cc-otel.json';
  expect(backupPath(t)).toBe(`${t}.cc-otel.bak`);
  expect(installRecordPath(t)).toBe(`${t}.cc-otel.record`);
  expect(backupPath(t).endsWith('.json')).toBe(false);
  expect(installRecordPath(t).endsWith('.json')).toBe(false);
});
