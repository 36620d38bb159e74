/**
 * What Claude Code will actually use, for `cc-otel status` / `verify`: every settings scope read
 * (a broken one is reported, never thrown), then `env` merged per variable in Claude Code's order,
 * keeping where each value came from and what it shadowed (style.md habit 3).
 *
 * Precedence, highest first (claude-code-facts §1):
 *   1. managed — drop-ins `managed-settings.d/*.json` (Z→A: later names win) over managed-settings.json
 *   2. command line (`--settings <file|json>`)
 *   3. local    `<project>/.claude/settings.local.json`
 *   4. project  `<project>/.claude/settings.json`
 *   5. user     `$CLAUDE_CONFIG_DIR/settings.json` or `~/.claude/settings.json`
 *   6. the environment Claude Code was started with (a settings value overwrites it)
 *
 * `env` merges per variable, not per value: a higher scope's OTEL_RESOURCE_ATTRIBUTES replaces
 * cc-otel's whole list. Scalar keys (otelHeadersHelper) take the highest scope's value. Hooks from
 * every scope run (identical commands once).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../context.js';
import { isCcOtelHeadersCommand, isCcOtelHookCommand } from './hook-entries.js';
import { parseRecord } from './install-record.js';
import { shownValue } from './sensitive-keys.js';
import type { InstallRecord } from './install-record.js';
import { parseSettingsText, readSettingsFile, readText } from './settings-file.js';
import type { SettingsProblem } from './settings-file.js';
import { nodeValue } from './settings-json.js';
import { installRecordDir, installRecordPath, stateRecordPath, localSettingsPath, managedDropInDir, managedSettingsPath, projectSettingsPath, userSettingsPath } from './settings-paths.js';
import type { PathContext } from './settings-paths.js';

export type SettingsSource = 'managed' | 'cli' | 'local' | 'project' | 'user';
export type EnvSource = SettingsSource | 'process';

export interface SettingsLayer {
  source: SettingsSource;
  /** the file, or '--settings' for inline JSON given on the command line */
  path: string;
  status: 'ok' | 'missing' | 'invalid' | 'unreadable';
  /** the parsed settings when status is 'ok' */
  settings: Record<string, unknown> | null;
  problem: SettingsProblem | null;
  /** cc-otel's install record for the file (state dir, or an old one beside it), if any */
  record: InstallRecord | null;
}

export interface LoadedScopes {
  /** highest precedence first; missing files are listed too (status 'missing') */
  layers: SettingsLayer[];
}

export interface LoadScopesOptions {
  /** project root for the project/local scopes (default ctx.cwd) */
  projectDir?: string;
  /** directory of managed-settings.json (tests: a temp dir) */
  managedDir?: string;
  /** what `claude --settings` gets: a file path, or a JSON object text */
  settingsFile?: string;
}

export function loadScopes(ctx: PathContext, opts: LoadScopesOptions = {}): LoadedScopes {
  const layers: SettingsLayer[] = [];
  const records = installRecordDir(ctx);
  const read = (source: SettingsSource, path: string) => readLayer(source, path, records);
  const dropIns = dropInFiles(managedDropInDir(ctx, opts));
  for (const f of [...dropIns].reverse()) layers.push(read('managed', f));
  layers.push(read('managed', managedSettingsPath(ctx, opts)));
  if (opts.settingsFile !== undefined) layers.push(opts.settingsFile.trimStart().startsWith('{') ? inlineLayer(opts.settingsFile) : read('cli', opts.settingsFile));
  layers.push(read('local', localSettingsPath(ctx, opts)));
  layers.push(read('project', projectSettingsPath(ctx, opts)));
  layers.push(read('user', userSettingsPath(ctx)));
  return { layers };
}

/** `*.json` in managed-settings.d, A→Z by code unit (dot-files and directories skipped). */
function dropInFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return true; // a dangling link: reported as missing/unreadable by readLayer
      }
    });
}

function readLayer(source: SettingsSource, path: string, recordDir: string): SettingsLayer {
  const r = readSettingsFile(path);
  const base = { source, path, record: null as InstallRecord | null };
  if (r.status === 'ok') {
    let record: InstallRecord | null = null;
    try {
      const text = readText(stateRecordPath(recordDir, r.target)) ?? readText(installRecordPath(r.target));
      record = text === null ? null : parseRecord(text);
    } catch {
      /* an unreadable record only costs us the ownership detail */
    }
    return { ...base, status: 'ok', settings: r.settings, problem: null, record };
  }
  if (r.status === 'missing') return { ...base, status: 'missing', settings: null, problem: null };
  return { ...base, status: r.status, settings: null, problem: r.error };
}

function inlineLayer(json: string): SettingsLayer {
  const parsed = parseSettingsText(json);
  if ('error' in parsed) return { source: 'cli', path: '--settings', status: 'invalid', settings: null, problem: parsed.error, record: null };
  return { source: 'cli', path: '--settings', status: 'ok', settings: nodeValue(parsed.root) as Record<string, unknown>, problem: null, record: null };
}

// ---------------------------------------------------------------------------------------------
// env

export interface EnvValueFrom {
  value: string;
  source: EnvSource;
  /** null for the process environment */
  path: string | null;
}

export interface EffectiveEnvEntry extends EnvValueFrom {
  /** the values this one beat, highest first */
  shadowed: EnvValueFrom[];
}

export type EffectiveEnv = Record<string, EffectiveEnvEntry>;

function envOf(layer: SettingsLayer): Record<string, unknown> | null {
  const env = layer.settings?.env;
  return typeof env === 'object' && env !== null && !Array.isArray(env) ? (env as Record<string, unknown>) : null;
}

/**
 * Merge `env` per variable, lowest scope first, so each key ends with the winner and what it
 * shadowed. Non-string values are skipped (buildSettingsStatus warns about them).
 * `processEnv` (optional) is the environment Claude Code would start with: the lowest layer.
 */
export function effectiveEnv(scopes: LoadedScopes, opts: { processEnv?: Env } = {}): EffectiveEnv {
  const out: EffectiveEnv = {};
  const put = (key: string, from: EnvValueFrom) => {
    const prev = out[key];
    const entry: EffectiveEnvEntry = { ...from, shadowed: prev ? [{ value: prev.value, source: prev.source, path: prev.path }, ...prev.shadowed] : [] };
    Object.defineProperty(out, key, { value: entry, enumerable: true, writable: true, configurable: true });
  };
  if (opts.processEnv) for (const [k, v] of Object.entries(opts.processEnv)) if (typeof v === 'string') put(k, { value: v, source: 'process', path: null });
  for (const layer of [...scopes.layers].reverse()) {
    const env = envOf(layer);
    if (!env) continue;
    for (const [k, v] of Object.entries(env)) if (typeof v === 'string') put(k, { value: v, source: layer.source, path: layer.path });
  }
  return out;
}

/** A scalar setting (e.g. otelHeadersHelper): the highest scope that sets it. */
export function effectiveSetting(scopes: LoadedScopes, key: string): { value: unknown; source: SettingsSource; path: string } | null {
  for (const layer of scopes.layers) if (layer.settings && Object.hasOwn(layer.settings, key)) return { value: layer.settings[key], source: layer.source, path: layer.path };
  return null;
}

// ---------------------------------------------------------------------------------------------
// status

export interface CcOtelPresence {
  source: SettingsSource;
  path: string;
  /** cc-otel's otelHeadersHelper command in this file */
  helper: string | null;
  hooks: Array<{ event: string; matcher: string | null; command: string }>;
  /** env keys taken as cc-otel's here: the install record's, plus the telemetry variables */
  envKeys: string[];
  hasRecord: boolean;
}

export type SettingsWarningCode =
  | 'INVALID_FILE'
  | 'UNREADABLE_FILE'
  | 'ENDPOINT_SHADOWED'
  | 'ENV_SHADOWED'
  | 'RESOURCE_ATTRIBUTES_REPLACED'
  | 'TELEMETRY_DISABLED'
  | 'HELPER_SHADOWED'
  | 'HOOKS_DISABLED'
  | 'MANAGED_ENDPOINT'
  | 'NON_STRING_ENV'
  | 'DUPLICATE_HOOKS';

export interface SettingsWarning {
  code: SettingsWarningCode;
  message: string;
  source?: SettingsSource;
  path?: string;
  key?: string;
}

export interface SettingsStatus {
  env: EffectiveEnv;
  helper: { value: unknown; source: SettingsSource; path: string; isCcOtel: boolean } | null;
  /** the scopes where cc-otel's helper, hooks or record are, highest first */
  installs: CcOtelPresence[];
  warnings: SettingsWarning[];
}

const TELEMETRY_KEY = /^(?:OTEL_|CLAUDE_CODE_ENABLE_TELEMETRY$|CLAUDE_CODE_ENHANCED_TELEMETRY_BETA$|CLAUDE_CODE_OTEL_)/;
const CONNECTION_KEY = /^OTEL_EXPORTER_OTLP_(?:(?:TRACES|METRICS|LOGS)_)?(?:ENDPOINT|PROTOCOL|HEADERS)$/;
const SIGNALS = ['TRACES', 'METRICS', 'LOGS'] as const;

/** Claude Code's isEnvTruthy: 1, true, yes, on (any case); unset is false. */
export function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
}

function shown(key: string, value: string): string {
  return shownValue(key, JSON.stringify(value));
}

function where(x: { source: EnvSource; path: string | null }): string {
  return x.path === null ? 'the environment' : `${x.source} (${x.path})`;
}

function ccOtelPresence(layer: SettingsLayer): CcOtelPresence | null {
  const s = layer.settings;
  if (!s) return null;
  const helper = typeof s.otelHeadersHelper === 'string' && (isCcOtelHeadersCommand(s.otelHeadersHelper) || layer.record?.otelHeadersHelper?.value === s.otelHeadersHelper) ? s.otelHeadersHelper : null;
  const hooks: CcOtelPresence['hooks'] = [];
  const hs = s.hooks;
  if (typeof hs === 'object' && hs !== null && !Array.isArray(hs))
    for (const [event, groups] of Object.entries(hs)) {
      if (!Array.isArray(groups)) continue;
      for (const g of groups as unknown[]) {
        if (typeof g !== 'object' || g === null) continue;
        const { matcher, hooks: list } = g as { matcher?: unknown; hooks?: unknown };
        if (!Array.isArray(list)) continue;
        for (const h of list as unknown[]) {
          const command = (h as { command?: unknown } | null)?.command;
          if (typeof command === 'string' && isCcOtelHookCommand(command)) hooks.push({ event, matcher: typeof matcher === 'string' ? matcher : null, command });
        }
      }
    }
  if (!helper && hooks.length === 0 && !layer.record) return null;
  const env = envOf(layer) ?? {};
  const envKeys = Object.keys(env).filter((k) => typeof env[k] === 'string' && (TELEMETRY_KEY.test(k) || (layer.record !== null && Object.hasOwn(layer.record.env, k))));
  return { source: layer.source, path: layer.path, helper, hooks, envKeys, hasRecord: layer.record !== null };
}

/**
 * The effective env plus what `status` should say about cc-otel's installs: where its helper and
 * hooks are, and every way another scope undoes what it wrote.
 */
export function buildSettingsStatus(scopes: LoadedScopes, opts: { processEnv?: Env } = {}): SettingsStatus {
  const env = effectiveEnv(scopes, opts);
  const warnings: SettingsWarning[] = [];
  const installs = scopes.layers.map(ccOtelPresence).filter((p): p is CcOtelPresence => p !== null);

  for (const layer of scopes.layers) {
    if (layer.status === 'invalid')
      warnings.push({ code: 'INVALID_FILE', source: layer.source, path: layer.path, message: `${layer.path} is not valid JSON (${layer.problem?.message}): Claude Code will not use it` });
    if (layer.status === 'unreadable') warnings.push({ code: 'UNREADABLE_FILE', source: layer.source, path: layer.path, message: `cannot read ${layer.path}: ${layer.problem?.message}` });
    const e = envOf(layer);
    if (e)
      for (const [k, v] of Object.entries(e))
        if (typeof v !== 'string') warnings.push({ code: 'NON_STRING_ENV', source: layer.source, path: layer.path, key: k, message: `env.${k} in ${layer.path} is not a string; Claude Code expects strings` });
  }

  // What cc-otel wrote, undone by a scope above it.
  for (const inst of installs) {
    const layerEnv = envOf(scopes.layers.find((l) => l.path === inst.path && l.source === inst.source) as SettingsLayer) ?? {};
    for (const key of inst.envKeys) {
      const mine = layerEnv[key] as string;
      const eff = env[key];
      if (!eff || (eff.path === inst.path && eff.source === inst.source) || eff.value === mine) continue;
      if (eff.source === 'process') continue; // settings beat the environment: cannot happen, kept for clarity
      // cc-otel's own install in a higher scope (say --scope local for one project over the user's): meant to win.
      if (installs.some((o) => o !== inst && o.path === eff.path && o.source === eff.source && o.envKeys.includes(key))) continue;
      const code: SettingsWarningCode = key === 'OTEL_RESOURCE_ATTRIBUTES' ? 'RESOURCE_ATTRIBUTES_REPLACED' : CONNECTION_KEY.test(key) ? 'ENDPOINT_SHADOWED' : 'ENV_SHADOWED';
      const tail =
        code === 'RESOURCE_ATTRIBUTES_REPLACED'
          ? ' — env merges per variable, not per attribute, so none of the attributes cc-otel set are sent'
          : code === 'ENDPOINT_SHADOWED'
            ? ' — telemetry does not go where cc-otel set it up to'
            : '';
      warnings.push({
        code,
        key,
        source: eff.source as SettingsSource,
        path: eff.path ?? undefined,
        message: `${key}=${shown(key, eff.value)} from ${where(eff)} overrides the value cc-otel wrote in ${inst.source} (${inst.path})${tail}`,
      });
    }
    // A per-signal endpoint from elsewhere beats cc-otel's generic one for that signal.
    if (inst.envKeys.includes('OTEL_EXPORTER_OTLP_ENDPOINT'))
      for (const sig of SIGNALS) {
        const key = `OTEL_EXPORTER_OTLP_${sig}_ENDPOINT`;
        const eff = env[key];
        if (!eff || (eff.path === inst.path && eff.source === inst.source)) continue;
        warnings.push({
          code: 'ENDPOINT_SHADOWED',
          key,
          source: eff.source === 'process' ? undefined : eff.source,
          path: eff.path ?? undefined,
          message: `${key}=${shown(key, eff.value)} from ${where(eff)} sends ${sig.toLowerCase()} elsewhere than cc-otel's OTEL_EXPORTER_OTLP_ENDPOINT (${inst.source})`,
        });
      }
  }

  // Telemetry switched off anywhere.
  const tele = env.CLAUDE_CODE_ENABLE_TELEMETRY;
  if (tele)
    for (const v of [tele as EnvValueFrom, ...tele.shadowed]) {
      if (truthy(v.value)) continue;
      const wins = v === tele;
      warnings.push({
        code: 'TELEMETRY_DISABLED',
        key: 'CLAUDE_CODE_ENABLE_TELEMETRY',
        source: v.source === 'process' ? undefined : v.source,
        path: v.path ?? undefined,
        message: wins
          ? `CLAUDE_CODE_ENABLE_TELEMETRY=${JSON.stringify(v.value)} from ${where(v)}: Claude Code exports no telemetry`
          : `CLAUDE_CODE_ENABLE_TELEMETRY=${JSON.stringify(v.value)} in ${where(v)} (overridden by ${where(tele)}; telemetry stays on)`,
      });
    }

  // The helper Claude Code runs is the highest scope's.
  const h = effectiveSetting(scopes, 'otelHeadersHelper');
  const helperIsOurs = h !== null && typeof h.value === 'string' && installs.some((i) => i.helper === h.value);
  const helper = h ? { ...h, isCcOtel: helperIsOurs } : null;
  if (h && !helperIsOurs)
    for (const i of installs)
      if (i.helper)
        warnings.push({ code: 'HELPER_SHADOWED', source: h.source, path: h.path, key: 'otelHeadersHelper', message: `otelHeadersHelper from ${h.source} (${h.path}) replaces cc-otel's helper in ${i.source} (${i.path}): cc-otel's auth headers are not sent` });

  // Hooks that will not run.
  const disableAll = effectiveSetting(scopes, 'disableAllHooks');
  const hooked = installs.filter((i) => i.hooks.length > 0);
  if (disableAll?.value === true && hooked.length)
    warnings.push({ code: 'HOOKS_DISABLED', source: disableAll.source, path: disableAll.path, message: `disableAllHooks is true in ${disableAll.source} (${disableAll.path}): cc-otel's hooks do not run` });
  const managedOnly = scopes.layers.some((l) => l.source === 'managed' && l.settings?.allowManagedHooksOnly === true);
  if (managedOnly)
    for (const i of hooked)
      if (i.source !== 'managed')
        warnings.push({ code: 'HOOKS_DISABLED', source: i.source, path: i.path, message: `managed settings allow only managed hooks: cc-otel's hooks in ${i.source} (${i.path}) do not run` });
  const byEvent = new Map<string, Set<string>>();
  for (const i of installs) for (const hk of i.hooks) byEvent.set(hk.event, (byEvent.get(hk.event) ?? new Set()).add(hk.command));
  for (const [event, cmds] of byEvent)
    if (cmds.size > 1) warnings.push({ code: 'DUPLICATE_HOOKS', message: `${event} has ${cmds.size} different cc-otel hook commands across scopes; each one runs: ${[...cmds].join(' | ')}` });

  // Claude Code ≥ 2.1.217: a managed endpoint or headers strips developer-set endpoint/header variables.
  const managedConn = scopes.layers.filter((l) => l.source === 'managed').flatMap((l) => Object.keys(envOf(l) ?? {}).filter((k) => /ENDPOINT$|HEADERS$/.test(k) && CONNECTION_KEY.test(k)));
  if (managedConn.length)
    for (const i of installs)
      if (i.source !== 'managed' && i.envKeys.some((k) => /ENDPOINT$|HEADERS$/.test(k)))
        warnings.push({
          code: 'MANAGED_ENDPOINT',
          source: i.source,
          path: i.path,
          message: `managed settings set ${[...new Set(managedConn)].join(', ')}: Claude Code 2.1.217+ ignores the endpoint/header variables cc-otel wrote in ${i.source} (${i.path})`,
        });

  return { env, helper, installs, warnings };
}
