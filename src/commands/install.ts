/**
 * `cc-otel install` — write what makes Claude Code's own exporter (and its Bash tools) get
 * telemetry into one settings file: the env block, otelHeadersHelper, the SessionStart hook (and
 * `--events` hooks). The plan is built by src/claude/install-plan.ts; this prints it and applies it.
 * docs/install.md has the scopes, what is written, and the ownership rule uninstall follows.
 */
import { resolve as pathResolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError, isCcOtelError } from '../errors.js';
import type { SettingsScope } from '../claude/settings-paths.js';
import type { SettingsWarning } from '../claude/effective-settings.js';
import type { HookEventSpec } from '../events/hook-events.js';
import type { InstallFlags } from '../claude/install-plan.js';
import { addConfigFlags, envWithConfigFlag, flagsToConfig, type ConfigFlagValues } from './config-flags.js';
import { NOT_CONFIGURED_HINT } from './env.js';

export interface ScopeFlagValues {
  /** undefined: not given (user, or managed with --output) */
  scope?: SettingsScope;
  projectDir?: string;
  managedDir?: string;
  dropIn?: string;
  output?: string;
}

/** --scope and the options that place each scope's file (shared by install, uninstall). */
export function addScopeFlags(cmd: Command): Command {
  return cmd
    .addOption(
      // No commander default: --output must be able to tell "--scope user" from no --scope at all.
      new Option('--scope <scope>', 'user: ~/.claude/settings.json ($CLAUDE_CONFIG_DIR); project: .claude/settings.json; local: .claude/settings.local.json; managed: a managed-settings.d drop-in (default: user; managed with --output)')
        .choices(['user', 'project', 'local', 'managed']),
    )
    .option('--project-dir <dir>', 'project root for --scope project|local (default: the current directory)')
    .option('--managed-dir <dir>', "directory of managed-settings.json, for the managed scope and the override check (default: the platform's, e.g. /etc/claude-code)")
    .option('--drop-in <name>', 'managed scope: the drop-in file name in managed-settings.d/ (default cc-otel → cc-otel.json)')
    .option('--output <file>', 'managed scope: write this file instead (an MDM package); no backup or install record beside it');
}

export function scopePaths(o: ScopeFlagValues): { projectDir?: string; managedDir?: string; dropInName?: string; outputFile?: string } {
  if (o.output !== undefined && o.scope !== undefined && o.scope !== 'managed')
    throw new CcOtelError('USAGE', `--output is for managed settings packages, not --scope ${o.scope}`, { hint: 'use --scope managed --output <file> (or just --output <file>)' });
  if (o.dropIn !== undefined && o.scope !== 'managed')
    throw new CcOtelError('USAGE', `--drop-in names the managed scope's file, not --scope ${o.scope ?? 'user'}'s`, { hint: 'add --scope managed' });
  return {
    ...(o.projectDir !== undefined ? { projectDir: o.projectDir } : {}),
    ...(o.managedDir !== undefined ? { managedDir: o.managedDir } : {}),
    ...(o.dropIn !== undefined ? { dropInName: o.dropIn } : {}),
    ...(o.output !== undefined ? { outputFile: o.output } : {}),
  };
}

/** --output implies the managed scope. */
export function effectiveScope(o: ScopeFlagValues): SettingsScope {
  return o.output !== undefined ? 'managed' : (o.scope ?? 'user');
}

interface InstallOptions extends ConfigFlagValues, ScopeFlagValues {
  events?: string | boolean;
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  allowSecretInSettings?: boolean;
  command?: string;
}

export function define(program: Command, getCtx: () => Context): void {
  addConfigFlags(
    addScopeFlags(
      program
        .command('install')
        .description("write cc-otel's telemetry settings into a Claude Code settings file: env block, otelHeadersHelper, SessionStart hook")
        .option('--events [events]', 'also record hook events: the default set, "all", or a comma-separated list (pre-tool-use,stop,…)')
        .option('--no-events', 'remove the event hooks a previous install --events added (the SessionStart hook stays)')
        .option('--dry-run', 'show the diff and what would be written; write nothing')
        .option('--json', 'print the plan (and what was written) as JSON')
        .option('--force', 'overwrite values cc-otel did not write (they are kept, and uninstall puts them back)')
        .option('--allow-secret-in-settings', 'grpc only: write the key into the file as a static OTEL_EXPORTER_OTLP_HEADERS (user/local/--output files become mode 0600)')
        .option('--command <cmd>', 'how the entries run cc-otel (default: absolute node + this cc-otel, e.g. "/usr/bin/node /opt/cc-otel/bin/cc-otel.js"); for project, managed and --output files: how the other machines run it'),
    ).addHelpText(
      'after',
      '\nExamples:\n  cc-otel install --dry-run                 # the diff, nothing written\n  cc-otel install --scope project --events  # .claude/settings.json, with hook events\n  cc-otel install --scope managed --output cc-otel.json   # a drop-in for an MDM package\n\nConfig flags given to install (--backend, --team, --config, …) are written into the env block as\nCC_OTEL_* variables, so the helper and the hooks see them at run time too.\nUndo with `cc-otel uninstall` (same --scope): it removes exactly what install added. See docs/install.md.',
    ),
  ).action((o: InstallOptions) => withJsonErrors(o.json, (printed) => runInstall(o, getCtx, printed)));
}

/**
 * With --json a failure is also a JSON document on stdout, {"error": {code, message, hint}} —
 * unless the plan itself was already printed (a refused conflict) — then rethrown, so the exit
 * code and the stderr line are the same as without --json.
 */
export async function withJsonErrors(json: boolean | undefined, run: (printed: () => void) => Promise<void>): Promise<void> {
  let done = false;
  try {
    await run(() => {
      done = true;
    });
  } catch (e) {
    if (json && !done && isCcOtelError(e)) process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint ?? null } }, null, 2)}\n`);
    throw e;
  }
}

async function runInstall(o: InstallOptions, getCtx: () => Context, printed: () => void): Promise<void> {
  const base = getCtx();
  const ctx = { ...base, env: envWithConfigFlag(base.env, o) };
  const { resolveTelemetry } = await import('../resolve-telemetry.js');
  const { selectHookEvents } = await import('../events/hook-events.js');
  const ip = await import('../claude/install-plan.js');
  // First: a cc-otel run from npx's cache is refused before anything else is looked at.
  const prefix = o.command ?? ip.ccOtelCommandPrefix({ execPath: process.execPath, script: process.argv[1] ?? '', platform: ctx.platform });
  if (o.command !== undefined && ip.isNpxCachePath(o.command))
    throw new CcOtelError('USAGE', `--command ${JSON.stringify(o.command)} points into npx's cache, which npx cleans and replaces`, { hint: 'install cc-otel (`npm install -g .` in its clone) and pass `--command cc-otel` or its absolute path' });

  const scope = effectiveScope(o);
  const paths = scopePaths(o);
  const { flags, flagNames } = flagsToConfig(o);
  // A project install is the installer saying "this project is mine": the .cc-otel.json it tells
  // them to commit is trusted for them (issue #11) — teammates trust it once with `cc-otel trust`.
  const { loadConfig } = await import('../config/load.js');
  const loaded = loadConfig(ctx, flags, flagNames, { trustProject: scope === 'project' });
  const toTrust = scope === 'project' && loaded.project && loadConfig(ctx, flags, flagNames).project?.trust !== 'trusted' ? loaded.project : undefined;
  let r = await resolveTelemetry(ctx, { flags, flagNames, key: 'never', loaded });
  if (r.inert) throw new CcOtelError('CONFIG_NOT_FOUND', 'cc-otel is not configured: nothing to install', { hint: NOT_CONFIGURED_HINT });
  if (!r.plan.helperUsable && o.allowSecretInSettings) {
    r = await resolveTelemetry(ctx, { flags, flagNames, key: 'if-needed', loaded });
    if (r.inert) throw new CcOtelError('CONFIG_NOT_FOUND', 'cc-otel is not configured: nothing to install', { hint: NOT_CONFIGURED_HINT });
    if (r.chain?.error) throw r.chain.error;
  }
  const plan = r.plan;

  const path = (await import('../claude/settings-paths.js')).settingsFilePath(ctx, scope, paths);
  let events: readonly HookEventSpec[];
  if (o.events === false) events = [];
  else if (o.events === undefined) events = ip.installedEvents(path);
  else {
    const sel = selectHookEvents(o.events === true ? undefined : o.events.split(','));
    if (sel.unknown.length) throw new CcOtelError('USAGE', `unknown hook event${sel.unknown.length > 1 ? 's' : ''}: ${sel.unknown.join(', ')}`, { hint: 'use event names (PreToolUse) or their kebab-case (pre-tool-use), or "all"; see docs/events.md' });
    events = sel.events;
  }

  const install = ip.planInstall(ctx, plan, {
    scope,
    paths,
    prefix,
    customCommand: o.command !== undefined,
    events,
    flags: installFlags(o, ctx.cwd),
    loaded: r.loaded,
    force: o.force === true,
    allowSecretInSettings: o.allowSecretInSettings === true,
  });
  const { edit } = install;
  // The diff is already redacted by key name (settings-edit.ts); this catches the values anywhere else.
  const secrets = [...install.content.secrets, ...edit.secrets];
  const red = (s: string) => ip.redact(s, secrets);
  const warnings = [...plan.warnings.filter((w) => !(install.content.secretKeys.length && w.startsWith('protocol grpc'))), ...edit.warnings, ...install.notes];
  // Install needs no key (the helper resolves it at every session), but a key that does not resolve
  // now makes the helper fail — and then Claude Code exports nothing at all: say so up front.
  if (plan.keyNeeded === 'required' && plan.authHeaderNames.length && !plan.authHeaders) {
    const k = await resolveTelemetry(ctx, { flags, flagNames, key: 'if-needed', loaded, noCache: o.dryRun === true }); // a dry run writes no key cache either
    const chain = k.inert ? undefined : k.chain;
    const err = chain?.error;
    if (chain && err)
      warnings.push(
        `the key does not resolve here now (${err.code === 'KEY_NOT_FOUND' ? `no key found: ${chain.attempts.map((a) => `${a.ref}: ${a.detail}`).join('; ')}` : err.message.split('\n')[0]}): ` +
          `until it does, the headers helper fails and Claude Code exports nothing at all (no metrics, logs or traces); fix: ${err.hint ?? '`cc-otel env --explain` shows the key chain'}; then \`cc-otel verify\``,
      );
  }
  const projectNote = scope === 'project' ? undefined : (await import('../trust/notice.js')).projectNotice(r.loaded);
  if (projectNote) warnings.push(projectNote.message);
  if (scope === 'user' && r.loaded.files.some((f) => f.kind === 'project' && !f.untrusted))
    warnings.push(
      `the env block was built with the project config ${r.loaded.files.find((f) => f.kind === 'project')?.path}, but user settings apply in every project; the helper and hooks read the config of wherever Claude Code runs`,
    );

  let applied: { wrote: string[]; removed: string[] } = { wrote: [], removed: [] };
  const refuse = edit.conflicts.length > 0;
  if (!o.dryRun && !refuse) applied = ip.applyInstall(install);
  if (toTrust && !refuse) {
    if (!o.dryRun) (await import('../trust/project.js')).trustFile(ctx, toTrust.path);
    install.notes.push(
      `${o.dryRun ? 'would trust' : 'trusted'} ${toTrust.path} for you (commit it with ${edit.path}); everyone else runs \`cc-otel trust\` in the project once after cloning, or its backend and key settings are ignored`,
    );
    warnings.push(install.notes[install.notes.length - 1]!);
  }

  if (o.json) {
    process.stdout.write(
      `${red(
        JSON.stringify(
          {
            ...editJson('install', scope, edit, install.output, o.dryRun === true, applied),
            env: ip.redactEnv(install.content.env),
            otelHeadersHelper: install.content.otelHeadersHelper ?? null,
            hooks: install.content.hooks.map((h) => ({ event: h.event, matcher: h.matcher ?? null, command: h.hook.command, timeout: h.hook.timeout ?? null })),
            secretInSettings: install.content.secretKeys,
            conflicts: edit.conflicts.map((c) => ({ key: c.key, message: c.message })),
            warnings,
            overrides: install.overrides,
            files: applied,
          },
          null,
          2,
        ),
      )}\n`,
    );
    printed();
  } else {
    let out = `cc-otel install → ${scope}${install.output ? ' package' : ''}: ${edit.path}${edit.target !== edit.path ? ` (→ ${edit.target})` : ''}\n`;
    if (edit.diff) out += `\n${red(edit.diff)}\n`;
    if (!edit.changed) out += `\nNothing to change: ${edit.path} already has cc-otel's settings.\n`;
    else if (refuse) out += `\n${o.dryRun ? 'Would refuse' : 'Refused'}: ${edit.conflicts.map((c) => c.message).join('; ')}.\n`;
    else if (o.dryRun) out += `\nDry run: nothing written. Run without --dry-run to apply.\n`;
    else out += `\nWrote ${applied.wrote.join(', ')}${applied.removed.length ? `; removed ${applied.removed.join(', ')}` : ''}.\nUndo with: cc-otel uninstall --scope ${scope}${undoFlags(o, (v) => ip.quoteArg(v, ctx.platform))}\n`;
    process.stdout.write(out);
    for (const w of warnings) ctx.log.warn(`warning: ${red(w)}`);
    for (const w of install.overrides) ctx.log.warn(`override: ${overrideLine(w)}`);
  }
  if (refuse)
    throw new CcOtelError('SETTINGS_WRITE', `${o.dryRun ? 'install would refuse' : 'refusing'} to overwrite what cc-otel did not write in ${edit.path}`, {
      hint: 'rerun with --force to overwrite; cc-otel keeps the old values and uninstall puts them back',
    });
}

/** The part of install's and uninstall's --json that describes the settings-file edit. */
export function editJson(
  action: 'install' | 'uninstall',
  scope: string,
  edit: { path: string; target: string; changed: boolean; diff: string },
  output: unknown,
  dryRun: boolean,
  applied: { wrote: string[]; removed: string[] },
) {
  return { action, scope, path: edit.path, target: edit.target, output, dryRun, changed: edit.changed, applied: applied.wrote.length + applied.removed.length > 0, diff: edit.diff };
}

/** The config flags install persists (flagsEnv), --config made absolute. */
export function installFlags(o: ConfigFlagValues, cwd: string): InstallFlags {
  const out: InstallFlags = {};
  for (const k of ['backend', 'endpoint', 'protocol', 'region', 'team', 'org', 'engineer', 'key'] as const) if (o[k] !== undefined) (out as Record<string, unknown>)[k] = o[k];
  if (o.config !== undefined) out.config = pathResolve(cwd, o.config);
  return out;
}

/**
 * The flags that make `uninstall` find the same file — and, for an --output package (no install
 * record beside it), the config flags too: uninstall then recognises cc-otel's env keys by
 * recomputing exactly what install wrote.
 */
function undoFlags(o: ScopeFlagValues & ConfigFlagValues, q: (word: string) => string): string {
  const parts = [
    o.projectDir !== undefined ? ` --project-dir ${q(o.projectDir)}` : '',
    o.managedDir !== undefined ? ` --managed-dir ${q(o.managedDir)}` : '',
    o.dropIn !== undefined ? ` --drop-in ${q(o.dropIn)}` : '',
    o.output !== undefined ? ` --output ${q(o.output)}` : '',
  ];
  if (o.output !== undefined) {
    for (const k of ['backend', 'endpoint', 'protocol', 'region', 'team', 'org', 'engineer', 'config'] as const) if (o[k] !== undefined) parts.push(` --${k} ${q(o[k] as string)}`);
    if (o.key?.length) parts.push(` --key ${o.key.map(q).join(' ')}`);
  }
  return parts.join('');
}

export function overrideLine(w: SettingsWarning): string {
  return `${w.message} [${w.code}]`;
}
