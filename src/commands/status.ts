/**
 * `cc-otel status` — what is installed in which scope, the telemetry settings Claude Code will
 * really run with (scopes merged in its order: managed > --settings > local > project > user >
 * the environment), what is shadowed, where the key comes from (the key chain's attempts; the key
 * itself is never printed), and the last failures from the hook's error log.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { EffectiveEnvEntry, SettingsLayer, SettingsWarning } from '../claude/effective-settings.js';
import { addConfigFlags, envWithConfigFlag, flagsToConfig, type ConfigFlagValues } from './config-flags.js';

interface StatusOptions extends ConfigFlagValues {
  json?: boolean;
  projectDir?: string;
  managedDir?: string;
  settings?: string;
  errors: string;
}

/** The variables status shows: Claude Code's telemetry switches, OTEL_*, and cc-otel's own. */
const TELEMETRY_VAR = /^(?:OTEL_|CLAUDE_CODE_ENABLE_TELEMETRY$|CLAUDE_CODE_ENHANCED_TELEMETRY_BETA$|CLAUDE_CODE_OTEL_|CC_OTEL_)/;

export function define(program: Command, getCtx: () => Context): void {
  addConfigFlags(
    program
      .command('status')
      .description('what cc-otel installed where, the telemetry settings Claude Code will really use, the key chain, recent hook errors')
      .option('--json', 'the same as JSON')
      .option('--project-dir <dir>', 'project root for the project and local scopes (default: the current directory)')
      .option('--managed-dir <dir>', "directory of managed-settings.json (default: the platform's)")
      .option('--settings <file-or-json>', 'include what `claude --settings` would get')
      .option('--errors <n>', 'how many recent error-log lines to show', '5'),
  ).action(async (o: StatusOptions) => {
    const base = getCtx();
    const ctx = { ...base, env: envWithConfigFlag(base.env, o) };
    const { loadScopes, buildSettingsStatus } = await import('../claude/effective-settings.js');
    const { commandWords } = await import('../claude/hook-entries.js');
    const { isSensitiveKey } = await import('../claude/sensitive-keys.js');
    const { readErrorLog, errorLogPath } = await import('../log/error-log.js');
    const { resolveTelemetry } = await import('../resolve-telemetry.js');
    const { formatSource, keyRefs } = await import('../otel/build-env.js');
    const { isCcOtelError } = await import('../errors.js');

    const scopeOpts = {
      ...(o.projectDir !== undefined ? { projectDir: o.projectDir } : {}),
      ...(o.managedDir !== undefined ? { managedDir: o.managedDir } : {}),
      ...(o.settings !== undefined ? { settingsFile: o.settings } : {}),
    };
    const scopes = loadScopes(ctx, scopeOpts);
    const processEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined && TELEMETRY_VAR.test(k)) processEnv[k] = v;
    const st = buildSettingsStatus(scopes, { processEnv });
    const shown = (key: string, value: string) => (isSensitiveKey(key) ? '<redacted>' : value);

    // cc-otel's commands that can no longer run (node upgraded, cc-otel moved).
    const broken: Array<{ scope: string; path: string; command: string; missing: string }> = [];
    for (const i of st.installs) {
      const cmds = [...(i.helper ? [i.helper] : []), ...i.hooks.map((h) => h.command)];
      for (const cmd of new Set(cmds)) {
        const missing = commandWords(cmd).slice(0, 2).find((w) => (w.startsWith('/') || /^[A-Za-z]:\\/.test(w)) && !existsSync(w));
        if (missing) broken.push({ scope: i.source, path: i.path, command: cmd, missing });
      }
    }

    // The configuration and the key chain, as the helper would resolve them from here.
    const { flags, flagNames } = flagsToConfig(o);
    let config: Record<string, unknown>;
    let keyChain: Record<string, unknown> | null = null;
    const { projectNotice } = await import('../trust/notice.js');
    const { printable } = await import('../trust/printable.js');
    let project: ReturnType<typeof projectStatus> | null = null;
    let drift: import('../field-refs/install-drift.js').RefDrift[] = [];
    try {
      const r = await resolveTelemetry(ctx, { flags, flagNames, key: 'if-needed' });
      project = projectStatus(r.loaded, projectNotice(r.loaded));
      if (r.inert) config = { configured: false, files: r.loaded.files };
      else {
        const { plan, chain } = r;
        config = {
          configured: true,
          backend: plan.backend,
          protocol: plan.protocol,
          signals: plan.signals,
          files: r.loaded.files,
          helperUsable: plan.helperUsable,
          authHeaders: plan.authHeaderNames,
          warnings: plan.warnings,
          ...(r.fields.length ? { fromSecretStore: Object.fromEntries(r.fields.map((f) => [f.field, formatSource(r.loaded.sources[f.field], '')])) } : {}),
        };
        // Values install wrote from a reference that now resolves to something else (issue #17).
        const { refDrift } = await import('../field-refs/install-drift.js');
        drift = refDrift(plan, r.loaded, r.fields, { env: st.env, installs: st.installs }, shown);
        const attempts = chain?.attempts ?? [];
        const used = attempts.find((a) => a.result === 'found' || a.result === 'cached' || a.result === 'stale');
        keyChain = {
          needed: plan.keyNeeded,
          refs: keyRefs(r.loaded),
          attempts,
          resolvedBy: chain?.key ? (used?.ref ?? null) : null,
          error: chain?.error ? { code: chain.error.code, message: chain.error.message, hint: chain.error.hint ?? null } : null,
        };
      }
    } catch (e) {
      config = { configured: true, error: isCcOtelError(e) ? { code: e.code, message: e.message, hint: e.hint ?? null } : { code: 'UNEXPECTED', message: String(e), hint: null } };
    }

    const { userDirs } = await import('../config/dirs.js');
    const stateDir = userDirs(ctx).state;
    const n = Math.max(0, Number.parseInt(o.errors, 10) || 0);
    const recent = n ? readErrorLog(stateDir, n) : [];

    const envOut: Record<string, { value: string; source: string; path: string | null; shadowed: Array<{ value: string; source: string; path: string | null }> }> = {};
    for (const [k, e] of Object.entries(st.env) as Array<[string, EffectiveEnvEntry]>) {
      if (!TELEMETRY_VAR.test(k)) continue;
      envOut[k] = { value: shown(k, e.value), source: e.source, path: e.path, shadowed: e.shadowed.map((s) => ({ value: shown(k, s.value), source: s.source, path: s.path })) };
    }
    const helper = st.helper ? { value: st.helper.value, source: st.helper.source, path: st.helper.path, isCcOtel: st.helper.isCcOtel } : null;
    const layerOut = scopes.layers.map((l: SettingsLayer) => {
      const inst = st.installs.find((i) => i.path === l.path && i.source === l.source);
      return {
        scope: l.source,
        path: l.path,
        status: l.status,
        installed: inst !== undefined,
        helper: inst?.helper ?? null,
        hooks: inst?.hooks ?? [],
        envKeys: inst?.envKeys ?? [],
        hasRecord: inst?.hasRecord ?? false,
        problem: l.problem?.message ?? null,
      };
    });

    const { bridgeServiceStatus, describeServiceState } = await import('./bridge.js');
    const bridge = await bridgeServiceStatus(ctx);

    if (o.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            scopes: layerOut,
            effective: { env: envOut, otelHeadersHelper: helper },
            warnings: st.warnings,
            refDrift: drift,
            brokenCommands: broken,
            config,
            project,
            keyChain,
            errors: { log: errorLogPath(stateDir), recent },
            bridge,
          },
          null,
          2,
        )}\n`,
      );
      return;
    }

    let out = 'Settings scopes (highest precedence first)\n';
    const w0 = Math.max(...layerOut.map((l) => l.scope.length), 7);
    for (const l of layerOut) {
      const what = l.installed
        ? `cc-otel: ${[l.envKeys.length ? `env (${l.envKeys.length})` : '', l.helper ? 'otelHeadersHelper' : '', l.hooks.length ? `hooks ${[...new Set(l.hooks.map((h) => h.event))].join(', ')}` : ''].filter(Boolean).join(', ')}`
        : l.status === 'ok'
          ? 'no cc-otel entries'
          : l.status === 'missing'
            ? '(no file)'
            : `${l.status}: ${l.problem}`;
      out += `  ${l.scope.padEnd(w0)}  ${l.path}\n  ${' '.repeat(w0)}  ${what}\n`;
    }

    out += '\nEffective telemetry settings (managed > --settings > local > project > user > environment)\n';
    const keys = Object.keys(envOut);
    if (!keys.length) out += '  none: Claude Code exports no telemetry\n';
    const k0 = Math.max(...keys.map((k) => k.length), 8);
    for (const k of keys) {
      const e = envOut[k] as (typeof envOut)[string];
      out += `  ${k.padEnd(k0)}  ${e.value}   [${e.source === 'process' ? 'environment' : e.source}]\n`;
      for (const s of e.shadowed) out += `  ${' '.repeat(k0)}    shadows ${s.source === 'process' ? 'environment' : s.source}: ${s.value}\n`;
    }
    out += `  ${'otelHeadersHelper'.padEnd(k0)}  ${helper ? `${String(helper.value)}   [${helper.source}${helper.isCcOtel ? ', cc-otel' : ''}]` : '(none)'}\n`;

    const problems = [...st.warnings.map((w: SettingsWarning) => `${w.message} [${w.code}]`), ...broken.map((b) => `${b.scope} (${b.path}): ${b.missing} does not exist — "${b.command}" cannot run; run cc-otel install again`), ...drift.map((d) => `${d.message}: ${d.fix}`)];
    out += `\nWarnings\n${problems.length ? problems.map((p) => `  ! ${p}\n`).join('') : '  none\n'}`;

    out += '\nConfiguration\n';
    const c = config as { configured: boolean; backend?: string; protocol?: string; files?: Array<{ kind: string; path: string }>; error?: { message: string; hint: string | null }; warnings?: string[] };
    if (c.error) out += `  invalid: ${c.error.message}${c.error.hint ? `\n  hint: ${c.error.hint}` : ''}\n`;
    else if (!c.configured) out += '  not configured: cc-otel is inert (no .cc-otel.json, ~/.config/cc-otel/config.json or CC_OTEL_BACKEND)\n';
    else {
      out += `  backend ${c.backend}, protocol ${c.protocol} — ${c.files?.length ? c.files.map((f) => `${f.kind} ${f.path}`).join(', ') : 'CC_OTEL_* variables / flags only'}\n`;
      for (const w of c.warnings ?? []) out += `  ! ${w}\n`;
      for (const [field, from] of Object.entries((config as { fromSecretStore?: Record<string, string> }).fromSecretStore ?? {})) out += `  ${field} from the secret store: ${from}\n`;
    }
    if (project) {
      if (project.policy === 'ignore') out += `  project files: ignored (CC_OTEL_PROJECT_CONFIG=${ctx.env.CC_OTEL_PROJECT_CONFIG ?? ''})\n`;
      if (project.policyProblem) out += `  ! ${project.policyProblem}\n`;
      if (project.file) out += `  project file ${printable(project.file.path)}: ${project.file.trust}${project.file.ignored.length ? `, ignored: ${printable(project.file.ignored.join(', '))}` : ''}\n`;
      if (project.notice) out += `  ! ${project.notice.message}\n`;
      for (const sk of project.skipped) out += `  ! skipped ${printable(sk.path)}: ${printable(sk.reason)}\n`;
    }
    if (keyChain) {
      const kc = keyChain as { needed: string; refs: string[]; attempts: Array<{ ref: string; result: string; detail: string; ms: number }>; resolvedBy: string | null; error: { code: string; message: string; hint: string | null } | null };
      if (kc.needed === 'none') out += '  key: not needed by this backend\n';
      else {
        out += `  key chain (${kc.needed}; the first reference that yields a key wins; the key is not shown):\n`;
        const r0 = Math.max(...kc.refs.map((r) => r.length), 10);
        for (const ref of kc.refs) {
          const a = kc.attempts.find((x) => x.ref === ref);
          out += `    ${ref.padEnd(r0)}  ${a ? `${a.result.padEnd(7)} ${a.detail} (${a.ms} ms)${kc.resolvedBy === ref ? '   ← used' : ''}` : 'not tried'}\n`;
        }
        if (!kc.resolvedBy) out += `    no key: ${kc.error && kc.error.code !== 'KEY_NOT_FOUND' ? kc.error.message.split('\n')[0] : 'no reference yielded one'}\n`;
        if (kc.error?.hint) out += `    hint: ${kc.error.hint}\n`;
      }
    }

    out += `\nSession bridge (docs/sessions.md)\n  ${'error' in bridge ? `unknown: ${bridge.error}` : describeServiceState(bridge).replace(/^bridge service: /, '')}\n`;

    out += `\nRecent errors (${errorLogPath(stateDir)})\n`;
    if (!recent.length) out += '  none\n';
    for (const e of recent) out += `  ${e.time}  ${e.command}  ${e.code ? `${e.code}: ` : ''}${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}\n`;
    process.stdout.write(out);
  });
}

/** What status says of project files: the policy, the file found (trust, keys ignored, the command that trusts it), the files skipped and why. */
function projectStatus(
  loaded: import('../config/load.js').LoadedConfig,
  notice: import('../trust/notice.js').ProjectNotice | undefined,
): {
  policy: string;
  policyProblem: string | null;
  file: { path: string; realPath: string; trust: string; ignored: string[]; invalid: string | null } | null;
  notice: { message: string; fix: string } | null;
  skipped: Array<{ path: string; reason: string }>;
} {
  const p = loaded.project;
  return {
    policy: loaded.projectPolicy ?? 'trusted',
    policyProblem: loaded.policyProblem ?? null,
    file: p ? { path: p.path, realPath: p.realPath, trust: p.trust, ignored: p.ignored, invalid: p.invalid ?? null } : null,
    notice: notice ? { message: notice.message, fix: notice.fix } : null,
    skipped: loaded.skipped ?? [],
  };
}
