/**
 * `cc-otel install` / `uninstall` as plans: from the telemetry plan (src/otel/build-env.ts) and a
 * scope to one settings edit (settings-edit.ts), plus what the other scopes will do to it. Reads
 * files, writes nothing; `applyInstall` / `applyUninstall` do the one write (style.md habit 6).
 *
 * What install puts in a settings file (docs/install.md):
 *  - `env`: the non-secret OTEL set (`settingsEnv`), plus the config flags given to install as
 *    CC_OTEL_* variables — the helper and the hooks read the configuration again at run time, and
 *    Claude Code passes the settings env to them, so they see what install saw;
 *  - `otelHeadersHelper`: `<node> <cc-otel> headers` when the backend takes a key (HTTP protocols);
 *  - hooks: SessionStart (`hook session-start`, the $CLAUDE_ENV_FILE channel) and any `--events`.
 * Commands use absolute paths (process.execPath, the cc-otel script), quoted where needed, so they
 * run whatever PATH Claude Code has (claude-code-facts §1, §4).
 *
 * A secret never goes into a settings file, with one exception asked for by name: grpc with an
 * auth header (Claude Code ignores otelHeadersHelper with grpc) and `--allow-secret-in-settings`.
 * Then the file and its install record are mode 0600 (user/local/--output), the project scope is
 * refused (the file is meant to be committed), and a managed drop-in keeps its mode (every user who
 * runs Claude Code must read it) with a loud warning.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve, win32 } from 'node:path';
import { CcOtelError } from '../errors.js';
import type { LoadedConfig, Source, SourceKind } from '../config/load.js';
import { CC_OTEL_INPUTS } from '../otel/vars.js';
import type { HookEventSpec } from '../events/hook-events.js';
import { HOOK_EVENTS } from '../events/hook-events.js';
import { headersEnvRefusal, settingsEnv } from '../otel/build-env.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import { renderResourceAttributes } from '../otel/resource-attributes.js';
import { buildSettingsStatus, loadScopes } from './effective-settings.js';
import type { CcOtelPresence, LoadScopesOptions, SettingsLayer, SettingsWarning } from './effective-settings.js';
import { eventHook, isCcOtelHeadersCommand, isCcOtelHookCommand, sessionStartHook } from './hook-entries.js';
import type { HookSpec } from './hook-entries.js';
import { applySettingsEdit, planSettingsEdit } from './settings-edit.js';
import { nodeValue, parseJson } from './settings-json.js';
import type { SettingsEditPlan } from './settings-edit.js';
import { fileMeta, readSettingsFile, readText } from './settings-file.js';
import { quoteArg } from './quote-arg.js';
import { backupPath, installRecordDir, installRecordPath, settingsFilePath } from './settings-paths.js';
import type { PathContext, ScopePathOptions, SettingsScope } from './settings-paths.js';

// ---------------------------------------------------------------------------------------------
// Command lines

export { quoteArg };

export interface Runner {
  /** the node binary (process.execPath) */
  execPath: string;
  /** the cc-otel script as it was run (process.argv[1]: often a bin link, `<prefix>/bin/cc-otel`) */
  script: string;
  platform: NodeJS.Platform;
  /** the real path of a file (default: fs.realpathSync.native; a path that does not resolve stays as it is) */
  realpath?: (path: string) => string;
}

const realpathOrSelf = (p: string): string => {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
};

/**
 * `<node> <cc-otel script>`, both absolute, the script by its real path: a bin link
 * (`/usr/bin/cc-otel`, `node_modules/.bin/cc-otel`) is followed to the `bin/cc-otel.js` it names, so
 * the entries say which package they run. Run as `node dist/cli.js` (a checkout), the entries still
 * point at the bin shim: it is what takes the fast path for `hook` and `headers`.
 *
 * Refused when that real path is in npx's cache (`…/_npx/<hash>/…`): npx removes and replaces those
 * directories whenever it likes, and every session start through it would pay npx's resolution too.
 */
export function ccOtelCommandPrefix(r: Runner): string {
  return `${quoteArg(r.execPath, r.platform)} ${quoteArg(ccOtelScriptPath(r), r.platform)}`;
}

/** The cc-otel script by its real path, as ccOtelCommandPrefix names it (also the bridge's user service). */
export function ccOtelScriptPath(r: Runner): string {
  const p = r.platform === 'win32' ? win32 : posix;
  let script = (r.realpath ?? realpathOrSelf)(p.resolve(r.script));
  if (basename(script) === 'cli.js' && basename(dirname(script)) === 'dist') {
    const bin = join(dirname(dirname(script)), 'bin', 'cc-otel.js');
    if (existsSync(bin)) script = bin;
  }
  if (isNpxCachePath(script))
    throw new CcOtelError('USAGE', `cc-otel runs from npx's cache (${script}): the settings entries would break when npx cleans or replaces it`, {
      hint: 'install cc-otel and run install with it: from a clone of cc-otel, `npm install -g .` (or `npm pack` and `npm install -g ./cc-otel-<version>.tgz`), then `cc-otel install`; or keep this run and name an installed cc-otel with `--command <absolute path to cc-otel>`',
    });
  return script;
}

/** Is `path` inside npx's cache (`~/.npm/_npx/<hash>/node_modules/…`)? */
export function isNpxCachePath(path: string): boolean {
  return /[/\\]_npx[/\\]/.test(path);
}

// ---------------------------------------------------------------------------------------------
// What goes into the file

/** Config flags given to install, persisted as CC_OTEL_* so the helper and hooks see them too. */
export interface InstallFlags {
  backend?: string;
  endpoint?: string;
  protocol?: string;
  region?: string;
  team?: string;
  org?: string;
  engineer?: string;
  key?: string[];
  /** --config, absolute */
  config?: string;
}

const FLAG_VARS: ReadonlyArray<[keyof InstallFlags, string]> = [
  ['config', 'CC_OTEL_CONFIG'],
  ['backend', 'CC_OTEL_BACKEND'],
  ['endpoint', 'CC_OTEL_ENDPOINT'],
  ['protocol', 'CC_OTEL_PROTOCOL'],
  ['region', 'CC_OTEL_REGION'],
  ['key', 'CC_OTEL_KEY'],
  ['engineer', 'CC_OTEL_ENGINEER'],
  ['team', 'CC_OTEL_TEAM'],
  ['org', 'CC_OTEL_ORG'],
];

export function flagsEnv(flags: InstallFlags): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, name] of FLAG_VARS) {
    const v = flags[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      const bad = v.find((ref) => ref.includes(','));
      if (bad) throw new CcOtelError('USAGE', `--key ${JSON.stringify(bad)} contains a comma, which CC_OTEL_KEY cannot carry`, { hint: 'put the key references in the config file ("key": [...]) instead' });
      env[name] = v.join(',');
    } else env[name] = v;
  }
  return env;
}

export interface InstallRequest {
  scope: SettingsScope;
  paths: ScopePathOptions;
  /**
   * The loaded config: for a shared file (project, managed, --output) the values that came from
   * this user's config file or shell are written as CC_OTEL_* (sharedConfigEnv). Omitted: nothing
   * but the flags is carried.
   */
  loaded?: LoadedConfig;
  /** `<node> <cc-otel>` (ccOtelCommandPrefix) or the user's --command */
  prefix: string;
  /** the prefix is the user's --command (not this machine's absolute paths) */
  customCommand?: boolean;
  /** hook events besides SessionStart (from --events) */
  events: readonly HookEventSpec[];
  flags: InstallFlags;
  force: boolean;
  allowSecretInSettings: boolean;
}

export interface InstallContent {
  env: Record<string, string>;
  otelHeadersHelper: string | undefined;
  hooks: HookSpec[];
  /** env keys that hold the key (only with --allow-secret-in-settings) */
  secretKeys: string[];
  /** values that must never be printed */
  secrets: string[];
  notes: string[];
}

/**
 * Where the engineer attribute came from when it names whoever ran install rather than a choice
 * made for the shared file: nobody set it ($USER, the OS user), or it is in that user's own config.
 */
export const IMPLICIT_ENGINEER = /^(?:env (?:USER|USERNAME|LOGNAME)|OS user|user config .*)$/;

/** Is the file written for more than the user who runs install? */
export function isSharedScope(scope: SettingsScope, paths: ScopePathOptions): boolean {
  return scope === 'project' || scope === 'managed' || paths.outputFile !== undefined;
}

export interface SharedConfig {
  /** CC_OTEL_* for the config values other users of the file would not have */
  env: Record<string, string>;
  /** the config keys carried, with where they came from */
  carried: Array<{ key: string; from: string }>;
  /** config keys no CC_OTEL_* variable can carry, which the helper and the hooks need */
  missing: Array<{ key: string; from: string }>;
  /** config keys no CC_OTEL_* variable can carry, already in the env block as OTEL_* for Claude Code */
  baked: Array<{ key: string; from: string }>;
}

function sourceText(s: Source): string {
  return s.kind === 'env' ? `env ${s.detail}` : s.kind === 'user' || s.kind === 'project' || s.kind === 'file' ? s.detail : s.kind;
}

/**
 * What a shared settings file must carry so that the helper and the hooks, run by someone else,
 * resolve the same configuration: every value that came from somewhere only the installer has —
 * the user config file, CC_OTEL_* in the shell, CC_OTEL_CONFIG set in the shell, and (for managed,
 * which applies in every project) the project .cc-otel.json. A project file's values are not
 * carried into the project scope: the .cc-otel.json is committed with it. Flags are flagsEnv's.
 * Key *references* are carried (CC_OTEL_KEY); a key never is: the config holds none.
 */
export function sharedConfigEnv(loaded: LoadedConfig, req: Pick<InstallRequest, 'scope' | 'paths' | 'flags'>, presetFields: readonly string[]): SharedConfig {
  const out: SharedConfig = { env: {}, carried: [], missing: [], baked: [] };
  if (!isSharedScope(req.scope, req.paths)) return out;
  const kinds = new Set<SourceKind>(['user', 'env']);
  if (req.flags.config === undefined) kinds.add('file'); // --config: CC_OTEL_CONFIG names the file, read at run time
  if (req.scope === 'managed' || req.paths.outputFile !== undefined) kinds.add('project');
  const config = loaded.config as Record<string, unknown>;
  const seen = new Set<string>();
  for (const [path, src] of Object.entries(loaded.sources)) {
    if (!kinds.has(src.kind)) continue;
    const top = path.split('.')[0] as string;
    if (seen.has(top)) continue;
    seen.add(top);
    const from = sourceText(src);
    if (top === 'engineer' && src.kind === 'user') continue; // the installer's own name (buildInstallContent says so)
    if (top === 'verify') continue; // read-back credentials for `cc-otel verify`: nothing at run time
    // A preset field read from the secret store (issue #17): no CC_OTEL_* variable carries a
    // reference, and its resolved value (an instance ID, a header template) is not for a shared file.
    if (src.ref) {
      out.missing.push({ key: top, from: `${from}, read from the secret store` });
      continue;
    }
    const input = CC_OTEL_INPUTS.find((i) => i.configKey === top);
    const value = config[top];
    const rendered = Array.isArray(value) ? (value.some((v) => String(v).includes(',')) ? undefined : value.join(',')) : typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    if (input && rendered !== undefined) {
      out.env[input.name] = rendered;
      out.carried.push({ key: top, from });
    } else if (presetFields.includes(top) || top === 'key') out.missing.push({ key: top, from });
    else out.baked.push({ key: top, from });
  }
  return out;
}

export function sharedConfigError(missing: SharedConfig['missing'], req: Pick<InstallRequest, 'scope' | 'paths'>, path: string): CcOtelError {
  const what = req.paths.outputFile ? 'a managed package' : `a ${req.scope} settings file`;
  const list = missing.map((m) => `"${m.key}" (from ${m.from})`).join(', ');
  return new CcOtelError(
    'CONFIG_INVALID',
    `${what} is used by people who do not have your configuration, and ${list} cannot be carried in its env block (no CC_OTEL_* variable holds ${missing.length > 1 ? 'them' : 'it'}): ` +
      `the otelHeadersHelper and the hooks in ${path} would run unconfigured for everyone else`,
    {
      hint:
        req.scope === 'project' && !req.paths.outputFile
          ? 'commit a project .cc-otel.json with the backend settings (no key: only key references such as "env:NAME" or "op://…") beside .claude/, then run install again'
          : 'put the configuration in a file at the same path on every machine (e.g. /etc/cc-otel/config.json, shipped with the package) and install with --config <that path>: it is written as CC_OTEL_CONFIG',
    },
  );
}

/** The error for grpc + a secret auth header, without --allow-secret-in-settings. */
export function grpcSecretError(plan: TelemetryPlan, scope: SettingsScope): CcOtelError {
  const http = plan.preset.protocols.includes('http/protobuf');
  return new CcOtelError(
    'PROTOCOL_UNSUPPORTED',
    `protocol grpc with a secret auth header (${plan.authHeaderNames.join(', ')}): Claude Code calls otelHeadersHelper only with http/protobuf and http/json, ` +
      'so with grpc the key could reach its exporter only as a static OTEL_EXPORTER_OTLP_HEADERS in the settings file — and cc-otel does not write keys into settings files',
    {
      hint:
        (http
          ? `use http/protobuf (${plan.backend} accepts it): \`cc-otel install --protocol http/protobuf\`, or "protocol": "http/protobuf" in the config. `
          : `${plan.backend} takes ${plan.preset.protocols.join(', ')} only. `) +
        'Or keep grpc for runs started through `cc-otel exec -- claude …` (the key stays in that process), ' +
        `or write the key into the file anyway with --allow-secret-in-settings${scope === 'project' ? ' (not for the project scope: use --scope local or user)' : ' (the file becomes mode 0600)'}`,
    },
  );
}

/**
 * The env block install writes for this plan and request — the non-secret OTEL values, the shared
 * config as CC_OTEL_*, the flags — with the notes about it, and what a shared file could not carry.
 * The refusals are buildInstallContent's (only a --key that CC_OTEL_KEY cannot carry throws here):
 * uninstall recomputes the same block to know cc-otel's keys in a file without an install record.
 */
/** What install writes into `env` (uninstall recomputes it to recognise cc-otel's keys). */
export type InstallEnvRequest = Pick<InstallRequest, 'scope' | 'paths' | 'flags' | 'loaded'>;

export function installEnv(plan: TelemetryPlan, req: InstallEnvRequest): { env: Record<string, string>; notes: string[]; sharedMissing: SharedConfig['missing'] } {
  const notes: string[] = [];
  const env: Record<string, string> = { ...settingsEnv(plan) };
  const shared = isSharedScope(req.scope, req.paths);

  // The engineer attribute of a shared file would name the installer for everyone who uses it.
  const engSource = plan.attributeSources.engineer;
  if (shared && plan.resourceAttributes.engineer !== undefined && engSource && IMPLICIT_ENGINEER.test(engSource)) {
    const attrs = { ...plan.resourceAttributes };
    delete attrs.engineer;
    const rendered = renderResourceAttributes(attrs);
    if (rendered) env.OTEL_RESOURCE_ATTRIBUTES = rendered;
    else delete env.OTEL_RESOURCE_ATTRIBUTES;
    notes.push(
      `left engineer=${plan.resourceAttributes.engineer} (from ${engSource}) out of OTEL_RESOURCE_ATTRIBUTES: a ${req.paths.outputFile ? 'managed package' : `${req.scope} settings file`} is shared, ` +
        "and Claude Code's own user.* attributes identify each person; set engineer explicitly (--engineer) if you mean it",
    );
  }

  let sharedMissing: SharedConfig['missing'] = [];
  if (req.loaded) {
    const shared = sharedConfigEnv(req.loaded, req, plan.preset.fields.map((f) => f.name));
    sharedMissing = shared.missing; // buildInstallContent refuses it, after the more specific secret checks
    for (const [k, v] of Object.entries(shared.env)) env[k] = v;
    const what = req.paths.outputFile ? 'the managed package' : `the ${req.scope} settings file`;
    if (shared.carried.length)
      notes.push(
        `wrote your configuration into ${what} as ${Object.keys(shared.env).join(', ')} (${[...new Set(shared.carried.map((c) => c.from))].join(', ')}): ` +
          "the helper and the hooks run for people who don't have it; key references only, never a key",
      );
    if (shared.baked.length)
      notes.push(
        `not carried: ${shared.baked.map((b) => b.key).join(', ')} (${[...new Set(shared.baked.map((b) => b.from))].join(', ')}) — no CC_OTEL_* variable holds them; where they shape the OTEL_* values, ${what} has them for Claude Code's exporter, ` +
          "but the hooks on other people's machines run without them: put them in a project .cc-otel.json or a config file every machine has (--config)",
      );
  }
  for (const [k, v] of Object.entries(flagsEnv(req.flags))) env[k] = v;
  return { env, notes, sharedMissing };
}

export function buildInstallContent(plan: TelemetryPlan, req: InstallRequest): InstallContent {
  const { env, notes, sharedMissing } = installEnv(plan, req);
  const sharedPath = req.paths.outputFile ?? `the ${req.scope} settings file`;

  const secrets: string[] = [];
  const secretKeys: string[] = [];
  const needsAuth = plan.authHeaderNames.length > 0;
  let helper: string | undefined;
  if (needsAuth && plan.helperUsable) helper = `${req.prefix} headers`;
  else if (needsAuth) {
    if (!req.allowSecretInSettings) throw grpcSecretError(plan, req.scope);
    if (req.scope === 'project')
      throw new CcOtelError('USAGE', '--allow-secret-in-settings is refused for --scope project: .claude/settings.json is meant to be committed', {
        hint: 'use --scope local (.claude/settings.local.json, not committed) or --scope user',
      });
    const headers = plan.vars.find((v) => v.name === 'OTEL_EXPORTER_OTLP_HEADERS');
    if (!plan.authHeaders || !headers) throw new CcOtelError('KEY_NOT_FOUND', 'the key is needed to write static headers, but the key chain gave none', { hint: '`cc-otel env --explain` shows the key chain' });
    env[headers.name] = headers.value;
    secretKeys.push(headers.name);
    secrets.push(headers.value, ...Object.values(plan.authHeaders));
  }

  // A header a headers variable cannot carry is refused, never written split (issue #12).
  const refusal = headersEnvRefusal(plan, 'settings', Object.keys(env));
  if (refusal) throw refusal;
  if (sharedMissing.length) throw sharedConfigError(sharedMissing, req, sharedPath);

  const hooks: HookSpec[] = [];
  const start = HOOK_EVENTS.find((e) => e.event === 'SessionStart');
  hooks.push(sessionStartHook(`${req.prefix} hook ${start?.arg ?? 'session-start'}`, start?.timeout));
  for (const e of req.events) {
    if (e.event === 'SessionStart') continue;
    hooks.push(eventHook(e.event, `${req.prefix} hook ${e.arg}`, { ...(e.matcher !== undefined ? { matcher: e.matcher } : {}), timeout: e.timeout }));
  }
  return { env, otelHeadersHelper: helper, hooks, secretKeys, secrets: secrets.filter((s) => s.length >= 4), notes };
}

/** The events (besides SessionStart) whose cc-otel hooks are in `path` now: kept by a plain re-install. */
export function installedEvents(path: string): HookEventSpec[] {
  const r = readSettingsFile(path);
  if (r.status !== 'ok') return [];
  const hooks = r.settings.hooks;
  if (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)) return [];
  const out: HookEventSpec[] = [];
  for (const [event, groups] of Object.entries(hooks as Record<string, unknown>)) {
    if (event === 'SessionStart' || !Array.isArray(groups)) continue;
    const spec = HOOK_EVENTS.find((e) => e.event === event);
    if (!spec) continue;
    const ours = groups.some((g) => {
      const list = (g as { hooks?: unknown } | null)?.hooks;
      return Array.isArray(list) && list.some((h) => typeof (h as { command?: unknown } | null)?.command === 'string' && isCcOtelHookCommand((h as { command: string }).command));
    });
    if (ours) out.push(spec);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plans

export interface InstallPlan {
  action: 'install';
  scope: SettingsScope;
  /** an MDM package file (--output): no sidecars, not one of this machine's scopes */
  output: boolean;
  content: InstallContent;
  edit: SettingsEditPlan;
  /** what the other scopes do to what this install writes (empty for --output) */
  overrides: SettingsWarning[];
  /** things to tell the user (besides the edit's and the telemetry plan's warnings) */
  notes: string[];
}

export function planInstall(ctx: PathContext, telemetry: TelemetryPlan, req: InstallRequest): InstallPlan {
  if (!isCcOtelHeadersCommand(`${req.prefix} headers`))
    throw new CcOtelError('USAGE', `the command ${JSON.stringify(req.prefix)} does not run cc-otel`, { hint: 'the command must name the cc-otel program (e.g. /usr/local/bin/cc-otel, or node /opt/cc-otel/bin/cc-otel.js)' });
  const output = req.paths.outputFile !== undefined;
  const content = buildInstallContent(telemetry, req);
  const path = settingsFilePath(ctx, req.scope, req.paths);
  let edit = planSettingsEdit(path, {
    action: 'install',
    env: content.env,
    ...(content.otelHeadersHelper !== undefined ? { otelHeadersHelper: content.otelHeadersHelper } : {}),
    hooks: content.hooks,
    force: req.force,
    ...(output ? { sidecars: false } : {}),
  }, { recordDir: installRecordDir(ctx) });
  const notes = [...content.notes];

  if (content.secretKeys.length) {
    const restrict = req.scope !== 'managed' || output;
    edit = restrict ? restrictMode(edit) : edit;
    notes.push(
      restrict
        ? `SECRET IN SETTINGS FILE: ${content.secretKeys.join(', ')} in ${edit.path} holds the backend key in plain text (--allow-secret-in-settings); the file and its install record are mode 0600`
        : `SECRET IN SETTINGS FILE: ${content.secretKeys.join(', ')} in ${edit.path} holds the backend key in plain text (--allow-secret-in-settings), readable by every user of this machine (managed settings must be readable by whoever runs Claude Code)`,
    );
  }
  if (content.secretKeys.length) {
    const git = gitExposure(ctx, edit.target);
    if (git.state === 'committable')
      notes.push(
        `SECRET IN A FILE GIT WOULD COMMIT: ${edit.target} is in the git work tree ${git.root ?? ''} and not ignored — add it to .gitignore ` +
          `(e.g. echo '${git.relative ?? basename(edit.target)}' >> .gitignore) before anything commits it`,
      );
    else if (git.state === 'unknown' && req.scope === 'local')
      notes.push(`could not ask git whether ${edit.target} is ignored: make sure it is in .gitignore before anything commits the key it now holds`);
  }
  if (isSharedScope(req.scope, req.paths) && !req.customCommand)
    notes.push(
      output
        ? `the commands in the package ${edit.path} use paths on this machine (${req.prefix}); every machine it goes to needs node and cc-otel at exactly those paths — or install with --command naming how the fleet runs cc-otel (e.g. --command /usr/local/bin/cc-otel)`
        : req.scope === 'managed'
          ? `the commands in ${edit.path} use paths on this machine (${req.prefix}); every user of it must be able to run them (not under one user's home or nvm dir) — or install with --command naming a shared cc-otel (e.g. --command /usr/local/bin/cc-otel)`
          : `the commands in ${edit.path} use paths on this machine (${req.prefix}); teammates need cc-otel there too, or --command naming how they run it: a command on their PATH (--command cc-otel) or an absolute path that is the same on every machine`,
    );

  const overrides = output ? [] : simulateOverrides(ctx, req.paths, edit);
  return { action: 'install', scope: req.scope, output, content, edit, overrides, notes };
}

/**
 * Would `git commit -a` / `git add .` pick `path` up? Asks `git check-ignore` in the nearest existing
 * directory: exit 0 ignored, 1 not ignored (a tracked file counts as not ignored), 128 not in a work
 * tree. 'unknown': no git, or it failed or hung (bounded at 3 s).
 */
export function gitExposure(ctx: PathContext, path: string): { state: 'ignored' | 'committable' | 'outside' | 'unknown'; root?: string; relative?: string } {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const env = { ...ctx.env, GIT_OPTIONAL_LOCKS: '0' } as NodeJS.ProcessEnv;
  const run = (args: string[]) => spawnSync('git', args, { cwd: dir, env, encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
  const r = run(['check-ignore', '-q', path]);
  if (r.error || r.signal) return { state: 'unknown' };
  if (r.status === 0) return { state: 'ignored' };
  if (r.status !== 1) return { state: r.status === 128 ? 'outside' : 'unknown' };
  const top = run(['rev-parse', '--show-toplevel']);
  const root = top.status === 0 ? top.stdout.trim() : undefined;
  return { state: 'committable', ...(root ? { root, relative: relative(root, path) } : {}) };
}

/** The settings file and its install record (which holds the same values) at mode 0600. */
function restrictMode(edit: SettingsEditPlan): SettingsEditPlan {
  const record = installRecordPath(edit.target);
  const ops = edit.ops.map((o) => (o.op === 'write' && (o.path === edit.target || o.path === record) ? { ...o, mode: 0o600 } : o));
  const meta = fileMeta(edit.target);
  // Nothing else to write, but the file is readable by others: rewrite it as it is, at 0600.
  if (edit.after !== null && edit.after === edit.before && meta && (meta.mode & 0o077) !== 0 && !ops.some((o) => o.op === 'write' && o.path === edit.target))
    ops.push({ op: 'write', path: edit.target, content: edit.after, mode: 0o600, owner: { uid: meta.uid, gid: meta.gid } });
  return { ...edit, ops, changed: edit.changed || ops.length > 0 };
}

/** The scopes as they will be once `edit` is applied, and what buildSettingsStatus says of them. */
export function simulateOverrides(ctx: PathContext, paths: LoadScopesOptions, edit: SettingsEditPlan): SettingsWarning[] {
  const scopes = loadScopes(ctx, paths);
  let settings: Record<string, unknown> | null = null;
  try {
    settings = edit.after === null ? null : (nodeValue(parseJson(edit.after)) as Record<string, unknown>); // parseJson: a BOM is fine
  } catch {
    settings = null;
  }
  const at = scopes.layers.findIndex((l) => resolve(l.path) === resolve(edit.path));
  const layer: SettingsLayer = {
    source: at >= 0 ? (scopes.layers[at] as SettingsLayer).source : 'managed',
    path: edit.path,
    status: settings ? 'ok' : 'missing',
    settings,
    problem: null,
    record: null,
  };
  if (at >= 0) scopes.layers[at] = layer;
  else {
    // A new managed drop-in: drop-ins are listed Z→A (later names win), then managed-settings.json.
    const name = basename(edit.path);
    const i = scopes.layers.findIndex((l) => l.source !== 'managed' || basename(l.path) === 'managed-settings.json' || basename(l.path) < name);
    scopes.layers.splice(i < 0 ? scopes.layers.length : i, 0, layer);
  }
  return buildSettingsStatus(scopes).warnings;
}

export function applyInstall(plan: InstallPlan): { wrote: string[]; removed: string[] } {
  return applySettingsEdit(plan.edit);
}

export interface UninstallRequest {
  scope: SettingsScope;
  paths: ScopePathOptions;
  /** the env cc-otel would write now: removes matching keys from a file without an install record */
  expectedEnv?: Readonly<Record<string, string>>;
}

export interface UninstallPlan {
  action: 'uninstall';
  scope: SettingsScope;
  output: boolean;
  edit: SettingsEditPlan;
  /** cc-otel's entries in the other scopes (untouched by this uninstall) */
  elsewhere: CcOtelPresence[];
}

export function planUninstall(ctx: PathContext, req: UninstallRequest): UninstallPlan {
  const path = settingsFilePath(ctx, req.scope, req.paths);
  const edit = restoreMode(planSettingsEdit(path, { action: 'uninstall', ...(req.expectedEnv ? { expectedEnv: req.expectedEnv } : {}) }, { recordDir: installRecordDir(ctx) }));
  const output = req.paths.outputFile !== undefined;
  const elsewhere = buildSettingsStatus(loadScopes(ctx, req.paths)).installs.filter((i) => resolve(i.path) !== resolve(path));
  return { action: 'uninstall', scope: req.scope, output, edit, elsewhere };
}

/**
 * `install --allow-secret-in-settings` made the file 0600; when uninstall puts back exactly the
 * content of the backup (taken with the file's mode before cc-otel first changed it), it puts back
 * that mode too.
 */
function restoreMode(edit: SettingsEditPlan): SettingsEditPlan {
  const now = fileMeta(edit.target);
  const bak = fileMeta(backupPath(edit.target));
  if (!now || !bak || now.mode !== 0o600 || bak.mode === 0o600 || edit.after === null) return edit;
  let backup: string | null;
  try {
    backup = readText(backupPath(edit.target));
  } catch {
    return edit;
  }
  if (backup !== edit.after) return edit;
  return { ...edit, ops: edit.ops.map((o) => (o.op === 'write' && o.path === edit.target ? { ...o, mode: bak.mode } : o)) };
}

export function applyUninstall(plan: UninstallPlan): { wrote: string[]; removed: string[] } {
  return applySettingsEdit(plan.edit);
}

// ---------------------------------------------------------------------------------------------
// Output helpers

/** Replace every secret (and its JSON-escaped form) in `text` (sensitive-keys.ts). */
export { redact, redactEnv, redactSettingsText } from './sensitive-keys.js';
