/**
 * Where Claude Code's settings files are, per scope (claude-code-facts §1). Pure: every path comes
 * from the Context (env, homeDir, platform, cwd), so a test can point each scope at a temp dir.
 *
 * Precedence, highest first: managed > command line (--settings) > local > project > user.
 */
import { createHash } from 'node:crypto';
import { join, posix, win32 } from 'node:path';
import { userDirs } from '../config/dirs.js';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';

/** The scopes `cc-otel install --scope` can write. */
export type SettingsScope = 'user' | 'project' | 'local' | 'managed';
export const SETTINGS_SCOPES: readonly SettingsScope[] = ['user', 'project', 'local', 'managed'];

export type PathContext = Pick<Context, 'env' | 'homeDir' | 'platform' | 'cwd'>;

export interface ScopePathOptions {
  /** project root for the project/local scopes (default: ctx.cwd) */
  projectDir?: string;
  /** the directory holding managed-settings.json (default: the platform's; tests pass a temp dir) */
  managedDir?: string;
  /** managed scope: name of cc-otel's drop-in in managed-settings.d/ (default 'cc-otel' → cc-otel.json) */
  dropInName?: string;
  /** managed scope: write this file instead (building an MDM package) */
  outputFile?: string;
}

export const DEFAULT_DROP_IN_NAME = 'cc-otel';

function pathApi(ctx: Pick<Context, 'platform'>) {
  return ctx.platform === 'win32' ? win32 : posix;
}

/** `CLAUDE_CONFIG_DIR` (relative to cwd, `~/` expanded) or `~/.claude`. */
export function claudeConfigDir(ctx: PathContext): string {
  const p = pathApi(ctx);
  const v = ctx.env.CLAUDE_CONFIG_DIR;
  if (!v) return p.join(ctx.homeDir, '.claude');
  if (v === '~' || v.startsWith('~/') || v.startsWith('~\\')) return p.join(ctx.homeDir, v.slice(1));
  return p.resolve(ctx.cwd, v);
}

/** The directory of the platform's managed-settings.json. */
export function managedSettingsDir(ctx: PathContext, opts: Pick<ScopePathOptions, 'managedDir'> = {}): string {
  if (opts.managedDir) return pathApi(ctx).resolve(ctx.cwd, opts.managedDir);
  switch (ctx.platform) {
    case 'darwin':
      return '/Library/Application Support/ClaudeCode';
    case 'win32':
      return 'C:\\Program Files\\ClaudeCode';
    default:
      return '/etc/claude-code';
  }
}

export function managedSettingsPath(ctx: PathContext, opts: Pick<ScopePathOptions, 'managedDir'> = {}): string {
  return pathApi(ctx).join(managedSettingsDir(ctx, opts), 'managed-settings.json');
}

/** `managed-settings.d/` beside managed-settings.json: every `*.json` in it is merged on top, A→Z. */
export function managedDropInDir(ctx: PathContext, opts: Pick<ScopePathOptions, 'managedDir'> = {}): string {
  return pathApi(ctx).join(managedSettingsDir(ctx, opts), 'managed-settings.d');
}

function projectDir(ctx: PathContext, opts: ScopePathOptions): string {
  return pathApi(ctx).resolve(ctx.cwd, opts.projectDir ?? ctx.cwd);
}

export function userSettingsPath(ctx: PathContext): string {
  return pathApi(ctx).join(claudeConfigDir(ctx), 'settings.json');
}

export function projectSettingsPath(ctx: PathContext, opts: ScopePathOptions = {}): string {
  return pathApi(ctx).join(projectDir(ctx, opts), '.claude', 'settings.json');
}

export function localSettingsPath(ctx: PathContext, opts: ScopePathOptions = {}): string {
  return pathApi(ctx).join(projectDir(ctx, opts), '.claude', 'settings.local.json');
}

/**
 * The file `cc-otel install --scope <scope>` edits. For `managed` that is cc-otel's own drop-in, never
 * managed-settings.json itself (an admin's file we would otherwise share), or `outputFile`.
 */
export function settingsFilePath(ctx: PathContext, scope: SettingsScope, opts: ScopePathOptions = {}): string {
  const p = pathApi(ctx);
  switch (scope) {
    case 'user':
      return userSettingsPath(ctx);
    case 'project':
      return projectSettingsPath(ctx, opts);
    case 'local':
      return localSettingsPath(ctx, opts);
    case 'managed': {
      if (opts.outputFile) return p.resolve(ctx.cwd, opts.outputFile);
      const name = opts.dropInName ?? DEFAULT_DROP_IN_NAME;
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
        throw new CcOtelError('USAGE', `invalid managed drop-in name ${JSON.stringify(name)}`, { hint: 'use letters, digits, ".", "_" or "-", e.g. "cc-otel"' });
      return p.join(managedDropInDir(ctx, opts), name.endsWith('.json') ? name : `${name}.json`);
    }
  }
}

/**
 * Sidecars live beside the real file (after following symlinks). Neither name ends in `.json`: in
 * managed-settings.d/ Claude Code would load a `*.json` sidecar as one more drop-in.
 */
export function backupPath(target: string): string {
  return `${target}.cc-otel.bak`;
}

/**
 * Where cc-otel 0.1 kept the install record: beside the file. Still read (and migrated away) so an
 * uninstall finds what an older install recorded; never written any more when a record dir is known.
 */
export function installRecordPath(target: string): string {
  return `${target}.cc-otel.record`;
}

/**
 * The install records' directory: cc-otel's own user state dir, never beside the settings file — a
 * record holds a copy of the file (a secret with --allow-secret-in-settings) and machine paths, and
 * beside .claude/settings.json or settings.local.json it would be committed.
 */
export function installRecordDir(ctx: Pick<Context, 'env' | 'homeDir' | 'platform'>): string {
  return pathApi(ctx).join(userDirs(ctx).state, 'install-records');
}

/** The record of `target` (a real path, symlinks followed) in `dir`: keyed by a hash of the path. */
export function stateRecordPath(dir: string, target: string): string {
  const name = target.split(/[/\\]/).pop() || 'settings';
  return join(dir, `${createHash('sha256').update(target).digest('hex').slice(0, 16)}-${name}.record`);
}
