/** Reading what earlier checks left in the verify state, and loading Claude Code's settings once. */
import { CcOtelError } from '../../errors.js';
import type { LoadedConfig } from '../../config/load.js';
import type { BuiltVar, TelemetryPlan } from '../../otel/build-env.js';
import { buildSettingsStatus, loadScopes } from '../../claude/effective-settings.js';
import type { LoadedScopes, SettingsStatus } from '../../claude/effective-settings.js';
import type { VerifyContext } from '../types.js';

export function needPlan(v: VerifyContext): { loaded: LoadedConfig; plan: TelemetryPlan } {
  const { loaded, plan } = v.state;
  if (!loaded || !plan) throw new CcOtelError('CONFIG_INVALID', 'the configuration was not loaded (the config check did not run)');
  return { loaded, plan };
}

export function varOf(plan: TelemetryPlan, name: string): BuiltVar | undefined {
  return plan.vars.find((x) => x.name === name);
}

export function projectDirOf(v: VerifyContext): string {
  return v.options.projectDir ?? (v.ctx.env.CLAUDE_PROJECT_DIR || v.ctx.cwd);
}

/** Running inside Claude Code (a Bash tool): this environment is not the one Claude Code started with. */
export function insideClaude(v: VerifyContext): boolean {
  return v.ctx.env.CLAUDECODE === '1';
}

export function ensureSettings(v: VerifyContext): { scopes: LoadedScopes; settings: SettingsStatus; settingsEnv: Record<string, string> } {
  const s = v.state;
  if (s.scopes && s.settings && s.settingsEnv) return { scopes: s.scopes, settings: s.settings, settingsEnv: s.settingsEnv };
  const scopes = loadScopes(v.ctx, {
    projectDir: projectDirOf(v),
    ...(v.options.managedDir ? { managedDir: v.options.managedDir } : {}),
    ...(v.options.settingsFile ? { settingsFile: v.options.settingsFile } : {}),
  });
  const settings = buildSettingsStatus(scopes, insideClaude(v) ? {} : { processEnv: v.ctx.env });
  const settingsEnv: Record<string, string> = {};
  for (const [k, e] of Object.entries(settings.env)) if (e.source !== 'process') settingsEnv[k] = e.value;
  Object.assign(s, { scopes, settings, settingsEnv });
  return { scopes, settings, settingsEnv };
}

/** "user /home/ada/.claude/settings.json", or "the process environment". */
export function whereOf(e: { source: string; path: string | null } | undefined): string {
  if (!e) return 'nowhere';
  return e.path === null ? 'the process environment' : `${e.source} settings ${e.path}`;
}
