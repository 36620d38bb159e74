/**
 * 4. Claude Code wiring, from the settings scopes merged in Claude Code's precedence (managed >
 * --settings > local > project > user > the environment it starts with):
 *
 *  - claude.telemetry   telemetry on for Claude Code's OWN process, going where cc-otel's config
 *                       (and the probe) say. An env that only a SessionStart hook writes to
 *                       $CLAUDE_ENV_FILE does not count: it reaches Bash tools alone (facts §1).
 *  - claude.helper      otelHeadersHelper (or static headers) present when the backend needs a key;
 *                       with grpc Claude Code ignores the helper.
 *  - claude.helper-run  the helper run exactly as Claude Code runs it, timed: > 1 s loses short
 *                       sessions (facts §2); stdout must be a JSON object of strings.
 *  - claude.hook        cc-otel's SessionStart hook present and runnable.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { EffectiveEnvEntry, EnvSource, LoadedScopes, SettingsLayer, SettingsStatus, SettingsWarning } from '../../claude/effective-settings.js';
import { IMPLICIT_ENGINEER } from '../../claude/install-plan.js';
import { commandWords } from '../../claude/hook-entries.js';
import { redact, secretsOf } from '../../probe/redact.js';
import { describeCommand, parseHelperOutput, runHelperCommand } from '../helper-run.js';
import { CONTENT_SWITCHES, isProtocol, staticHeadersAsSent, lintSignalEndpoint, lintTemporality, sameUrl, signalExport, type Finding } from '../lint.js';
import { truthy } from '../../claude/effective-settings.js';
import { attributeDiff, parseWithSdk } from '../sdk-attributes.js';
import type { Check, CheckOutcome, VerifyContext } from '../types.js';
import { fromFindings } from './env.js';
import { ensureSettings, insideClaude, needPlan, projectDirOf, varOf, whereOf } from './state.js';

export const DEFAULT_SLOW_HELPER_MS = 1000;
export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;

const INSTALL_FIX = 'run `cc-otel install` (writes the env block and otelHeadersHelper into Claude Code settings), or start claude with `cc-otel exec -- claude`';

export const ENV_FILE_EXPLANATION =
  '$CLAUDE_ENV_FILE is sourced before each Bash tool command only: Claude Code starts its own exporter before SessionStart hooks run, ' +
  'so OTEL_* written there reach tools run from Bash, never Claude Code itself (see docs/verify.md)';

// ------------------------------------------------------------------------------------------------
// SessionStart hooks that write $CLAUDE_ENV_FILE

export interface HookRef {
  source: string;
  path: string;
  command: string;
  matcher: string | null;
}

export function sessionStartHooks(scopes: LoadedScopes): HookRef[] {
  const out: HookRef[] = [];
  for (const layer of scopes.layers) {
    const groups = (layer.settings?.hooks as Record<string, unknown> | undefined)?.SessionStart;
    if (!Array.isArray(groups)) continue;
    for (const g of groups as unknown[]) {
      if (typeof g !== 'object' || g === null) continue;
      const { matcher, hooks } = g as { matcher?: unknown; hooks?: unknown };
      if (!Array.isArray(hooks)) continue;
      for (const h of hooks as unknown[]) {
        const command = (h as { command?: unknown } | null)?.command;
        if (typeof command === 'string') out.push({ source: layer.source, path: layer.path, command, matcher: typeof matcher === 'string' ? matcher : null });
      }
    }
  }
  return out;
}

function expandPath(word: string, v: VerifyContext): string {
  const w = word.replace(/^\$\{?CLAUDE_PROJECT_DIR\}?/, projectDirOf(v)).replace(/^~(?=\/|$)/, v.ctx.homeDir);
  return isAbsolute(w) ? w : join(projectDirOf(v), w);
}

/** Does this hook write the telemetry env to $CLAUDE_ENV_FILE? cc-otel's own does; others are read. */
function writesEnvFile(hook: HookRef, v: VerifyContext, ccOtelCommands: ReadonlySet<string>): boolean {
  if (ccOtelCommands.has(hook.command)) return true;
  const mentions = (t: string) => t.includes('CLAUDE_ENV_FILE') && /OTEL_|CLAUDE_CODE_ENABLE_TELEMETRY|cc-otel/.test(t);
  if (mentions(hook.command)) return true;
  for (const word of commandWords(hook.command).slice(0, 3)) {
    if (!/[/\\]|\.sh$|\.py$|\.js$/.test(word)) continue;
    const p = expandPath(word, v);
    try {
      if (statSync(p).size < 256 * 1024 && mentions(readFileSync(p, 'utf8'))) return true;
    } catch {
      /* not a readable file */
    }
  }
  return false;
}

function envFileHooks(v: VerifyContext, scopes: LoadedScopes, settings: SettingsStatus): HookRef[] {
  const ours = new Set(settings.installs.flatMap((i) => i.hooks.filter((h) => h.event === 'SessionStart').map((h) => h.command)));
  return sessionStartHooks(scopes).filter((h) => writesEnvFile(h, v, ours));
}

function warningFindings(warnings: readonly SettingsWarning[], codes: ReadonlySet<string>): Finding[] {
  return warnings
    .filter((w) => codes.has(w.code))
    .map((w) => ({ level: 'warn' as const, message: w.message, fix: w.path ? `edit ${w.path}` : 'edit the settings file named' }));
}

/** Settings files Claude Code reads but cannot use (not JSON, unreadable): it ignores each one whole. */
export function unusableLayers(scopes: LoadedScopes): SettingsLayer[] {
  return scopes.layers.filter((l) => l.status === 'invalid' || l.status === 'unreadable');
}

export function describeUnusable(l: SettingsLayer): string {
  return l.status === 'invalid'
    ? `${l.path} is not valid JSON (${l.problem?.message ?? 'a syntax error'}), so Claude Code ignores the whole file`
    : `cannot read ${l.path} (${l.problem?.message ?? 'unreadable'}), so neither can Claude Code`;
}

/** The fix when cc-otel's wiring is missing: a broken settings file first (install will not edit one), else install. */
export function wiringFix(scopes: LoadedScopes): string {
  const l = unusableLayers(scopes)[0];
  if (!l) return INSTALL_FIX;
  const at = l.problem?.line !== undefined ? ` at line ${l.problem.line}${l.problem.column !== undefined ? `, column ${l.problem.column}` : ''}` : '';
  return l.status === 'invalid'
    ? `fix the JSON syntax in ${l.path}${at} (or move the file away); \`cc-otel install\` refuses to edit a file that is not valid JSON — then \`cc-otel verify\` again`
    : `make ${l.path} readable (check its owner and mode), then \`cc-otel verify\` again`;
}

// ------------------------------------------------------------------------------------------------
// Resource attributes: what Claude Code's own exporter gets, against what cc-otel's config sets

/** The config key a resource attribute comes from (build-env.ts): engineer, team, org, attributes.<k>. */
function attributeConfigKey(key: string): string {
  return key === 'engineer' || key === 'team' || key === 'org' ? key : `attributes.${key}`;
}

/** The settings scopes an install writes for more than one project: a project's own values do not belong there. */
const EVERY_PROJECT_SCOPES: ReadonlySet<string> = new Set(['user', 'managed']);

/** The scopes an install writes for more than one person: install leaves the installer's implicit engineer out (install-plan.ts). */
const SHARED_SCOPES: ReadonlySet<string> = new Set(['project', 'managed']);

/** "re-run `cc-otel install --scope local`": the install that wrote this scope, run again. */
function reinstallFix(scope: EnvSource): string {
  if (scope === 'process') return 'start claude through `cc-otel exec -- claude` (it builds the variables from the config), or update them where they are exported';
  if (scope === 'cli') return 'regenerate the file given to `claude --settings`';
  return `re-run \`cc-otel install${scope === 'user' ? '' : ` --scope ${scope}`}\``;
}

/**
 * The fix for a variable Claude Code gets from `entry` that is not what cc-otel's config says: in a
 * file cc-otel installed into, re-run that install (that scope, not the default user one); in a
 * file of someone else's, the value is theirs to remove — a re-install elsewhere cannot beat it.
 */
function varFix(settings: SettingsStatus, key: string, entry: EffectiveEnvEntry | undefined): string {
  if (!entry) return INSTALL_FIX;
  if (entry.source === 'process') return reinstallFix('process');
  const ours = settings.installs.some((i) => i.path === entry.path && i.source === entry.source && i.envKeys.includes(key));
  return ours ? reinstallFix(entry.source) : `remove ${key} from ${whereOf(entry)} (cc-otel did not install there), or set it there to cc-otel's value (\`cc-otel env\`)`;
}

async function attributeFindings(v: VerifyContext, settings: SettingsStatus, tele: EffectiveEnvEntry, details: Record<string, unknown>): Promise<Finding[]> {
  const { plan, loaded } = needPlan(v);
  const env = settings.env;
  const findings: Finding[] = [];
  const ra = env.OTEL_RESOURCE_ATTRIBUTES;
  // Where Claude Code gets its attributes from: the scope with OTEL_RESOURCE_ATTRIBUTES, or (none set) the one that turned telemetry on.
  const carrier = ra ?? tele;
  let configured = Object.keys(plan.resourceAttributes).filter((k) => {
    const src = plan.attributeSources[k] ?? '';
    return !src.startsWith('detected') && !src.startsWith('SessionStart') && !src.startsWith('env OTEL_RESOURCE_ATTRIBUTES');
  });
  let got: Record<string, string> = {};
  if (ra) {
    const parsed = await parseWithSdk(ra.value);
    details.resourceAttributes = parsed.attributes;
    if (parsed.discarded) {
      findings.push({ level: 'fail', message: `OTEL_RESOURCE_ATTRIBUTES from ${whereOf(ra)} is discarded whole by the OpenTelemetry SDK: ${parsed.reason ?? 'parse error'}`, fix: `${varFix(settings, 'OTEL_RESOURCE_ATTRIBUTES', ra)} (cc-otel percent-encodes every value)` });
      return findings;
    }
    got = parsed.attributes;
  }
  // A project or managed install leaves the installer's own name out on purpose (a shared file would
  // name them for everyone; Claude Code's user.* attributes identify each person): not a difference.
  const engSource = plan.attributeSources.engineer ?? '';
  if (SHARED_SCOPES.has(carrier.source) && configured.includes('engineer') && got.engineer === undefined && IMPLICIT_ENGINEER.test(engSource)) {
    configured = configured.filter((k) => k !== 'engineer');
    details.leftOutOnPurpose = { engineer: `from ${engSource}: a ${carrier.source} settings file is shared, so install leaves it out` };
  }
  const differs = configured.filter((k) => got[k] !== plan.resourceAttributes[k]);
  if (!differs.length) return findings;
  const fromProject = (k: string) => loaded.sources[attributeConfigKey(k)]?.kind === 'project';
  // Under a user (or managed) install, a project .cc-otel.json's team or attributes reach Claude
  // Code's own exporter through no channel: its settings env is the install's, the same in every
  // project, and the SessionStart hook's $CLAUDE_ENV_FILE reaches Bash tools only (facts §1).
  // Re-running that install would re-tag every project; an install in this project's scope is the fix.
  const projectOnly = EVERY_PROJECT_SCOPES.has(carrier.source) ? differs.filter(fromProject) : [];
  const rest = differs.filter((k) => !projectOnly.includes(k));
  const shownAs = (k: string, vals: Readonly<Record<string, string>>) => (vals[k] === undefined ? `no ${k}` : `${k}=${vals[k]}`);
  if (projectOnly.length) {
    const file = loaded.sources[attributeConfigKey(projectOnly[0] as string)]?.detail ?? 'the project .cc-otel.json';
    findings.push({
      level: 'warn',
      message:
        `${projectOnly.map((k) => shownAs(k, plan.resourceAttributes)).join(', ')} from the project file ${file} ${projectOnly.length === 1 ? 'does' : 'do'} not reach Claude Code's own telemetry: ` +
        `it sends ${projectOnly.map((k) => shownAs(k, got)).join(', ')} (${ra ? `OTEL_RESOURCE_ATTRIBUTES from ${whereOf(ra)}` : `no OTEL_RESOURCE_ATTRIBUTES in ${whereOf(tele)}`}, a ${carrier.source}-scope install, the same in every project); ` +
        "the SessionStart hook hands the project's values to tools run from Bash only ($CLAUDE_ENV_FILE)",
      fix:
        `to tag this project's Claude Code telemetry with ${projectOnly.length === 1 ? 'it' : 'them'}, run \`cc-otel install --scope local\` in ${projectDirOf(v)} (or --scope project, committed for everyone); ` +
        `re-running the ${carrier.source}-scope install would re-tag every project`,
    });
  }
  if (rest.length) {
    const wants = rest.map((k) => `${shownAs(k, plan.resourceAttributes)} (${plan.attributeSources[k] ?? 'config'})`).join(', ');
    findings.push(
      ra
        ? { level: 'warn', message: `resource attributes ${rest.join(', ')} differ from cc-otel's config: Claude Code sends ${rest.map((k) => shownAs(k, got)).join(', ')} (OTEL_RESOURCE_ATTRIBUTES from ${whereOf(ra)}), the config says ${wants}`, fix: varFix(settings, 'OTEL_RESOURCE_ATTRIBUTES', ra) }
        : { level: 'warn', message: `no OTEL_RESOURCE_ATTRIBUTES: ${rest.join(', ')} ${rest.length === 1 ? 'is' : 'are'} not sent (the config says ${wants})`, fix: reinstallFix(tele.source) },
    );
  }
  return findings;
}

// ------------------------------------------------------------------------------------------------

const telemetryCheck: Check = {
  id: 'claude.telemetry',
  title: "Claude Code's own telemetry",
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    const { scopes, settings } = ensureSettings(v);
    const env = settings.env;
    const flat: Record<string, string> = {};
    for (const [k, e] of Object.entries(env)) flat[k] = e.value;
    const files = scopes.layers.filter((l) => l.status !== 'missing').map((l) => ({ source: l.source, path: l.path, status: l.status }));
    const details: Record<string, unknown> = { settingsFiles: files, insideClaudeCode: insideClaude(v) };
    const envFile = envFileHooks(v, scopes, settings);
    if (envFile.length) details.envFileHooks = envFile.map((h) => ({ source: h.source, path: h.path, command: describeCommand(h.command) }));
    const envFileNote = envFile.length
      ? `the SessionStart hook in ${envFile.map((h) => `${h.source} settings ${h.path}`).join(', ')} writes the OTel variables to $CLAUDE_ENV_FILE — ${ENV_FILE_EXPLANATION}`
      : undefined;
    const insideNote = insideClaude(v) ? ' (running inside Claude Code: its environment and $CLAUDE_ENV_FILE were not counted)' : '';

    const tele = env.CLAUDE_CODE_ENABLE_TELEMETRY;
    if (!tele || !truthy(tele.value)) {
      // A settings file Claude Code cannot parse is ignored whole: say so first (an install in it is gone too).
      const broken = unusableLayers(scopes);
      const out: CheckOutcome = {
        status: 'fail',
        value: tele
          ? `CLAUDE_CODE_ENABLE_TELEMETRY=${JSON.stringify(tele.value)} in ${whereOf(tele)}: Claude Code exports nothing`
          : broken.length
            ? `telemetry is not enabled for Claude Code's own process: ${describeUnusable(broken[0] as SettingsLayer)}${insideNote}`
            : `telemetry is not enabled for Claude Code's own process${insideNote}`,
        source: tele ? whereOf(tele) : broken.length ? `${(broken[0] as SettingsLayer).source} settings ${(broken[0] as SettingsLayer).path}` : files.length ? `read: ${files.map((f) => `${f.source} ${f.path}`).join('; ')}` : 'no Claude Code settings file found',
        fix: tele ? `set it to 1 in ${whereOf(tele)} (or remove it there), or ${INSTALL_FIX}` : wiringFix(scopes),
        details,
      };
      const problems = [...broken.slice(1).map((l) => `FAIL: ${describeUnusable(l)}`), ...(envFileNote ? [`FAIL: ${envFileNote}`] : [])];
      if (problems.length) out.problems = problems;
      return out;
    }

    const findings: Finding[] = [];
    // An endpoint from the secret store (issue #17) is written into settings as it resolved at install time.
    const endpointRef = needPlan(v).loaded.sources.endpoint?.ref;
    const perSignal: Record<string, unknown> = {};
    const exported: string[] = [];
    for (const s of plan.signals) {
      const se = signalExport(flat, s);
      perSignal[s] = { exporter: se.exporter ?? null, protocol: se.protocol ?? null, endpoint: se.endpoint ?? null, from: se.endpointVar ? whereOf(env[se.endpointVar]) : null };
      if (!se.exporterOn) {
        findings.push({ level: 'fail', message: `${s}: OTEL_${s.toUpperCase()}_EXPORTER is ${se.exporter === undefined ? 'unset' : JSON.stringify(se.exporter)}, so Claude Code does not export ${s}`, fix: INSTALL_FIX });
        continue;
      }
      if (s === 'traces' && !truthy(flat.CLAUDE_CODE_ENHANCED_TELEMETRY_BETA))
        findings.push({ level: 'fail', message: 'traces: CLAUDE_CODE_ENHANCED_TELEMETRY_BETA is not 1, so Claude Code emits no spans', fix: INSTALL_FIX });
      if (!se.protocol) {
        findings.push({ level: 'fail', message: `${s}: no OTLP protocol set — Claude Code has no default and exports nothing`, fix: INSTALL_FIX });
        continue;
      }
      if (!isProtocol(se.protocol)) {
        findings.push({ level: 'fail', message: `${s}: protocol ${JSON.stringify(se.protocol)} (${whereOf(env[se.protocolVar ?? ''])}) is not grpc, http/protobuf or http/json`, fix: INSTALL_FIX });
        continue;
      }
      if (se.protocol !== plan.protocol)
        findings.push({
          level: 'fail',
          message: `${s}: Claude Code uses ${se.protocol} (${se.protocolVar} from ${whereOf(env[se.protocolVar ?? ''])}), cc-otel's config says ${plan.protocol} — the probe tested ${plan.protocol}`,
          fix: varFix(settings, se.protocolVar ?? '', env[se.protocolVar ?? '']),
        });
      if (!se.endpoint) {
        findings.push({ level: 'fail', message: `${s}: no endpoint set — Claude Code would export to localhost`, fix: INSTALL_FIX });
        continue;
      }
      const from = whereOf(env[se.endpointVar ?? '']);
      const before = findings.length;
      findings.push(...lintSignalEndpoint(s, se.protocol, se.endpoint, { backend: plan.backend }).map((f) => ({ ...f, message: `${f.message} (${se.endpointVar} from ${from})` })));
      if (!sameUrl(se.endpoint, plan.endpoints[s]))
        findings.push({
          level: 'fail',
          message: `${s}: Claude Code exports to ${se.endpoint} (${se.endpointVar} from ${from}), but cc-otel's config — and this probe — use ${plan.endpoints[s] ?? 'nothing'}${endpointRef ? ` (the endpoint is read from the secret store, ${endpointRef}: it now resolves differently from what install wrote)` : ''}`,
          fix: varFix(settings, se.endpointVar ?? '', env[se.endpointVar ?? '']),
        });
      if (!findings.slice(before).some((f) => f.level === 'fail') && se.protocol === plan.protocol) exported.push(s);
    }
    // The env-file note explains; it adds no fix of its own to the failure it sits beside.
    const firstFailFix = findings.find((f) => f.level === 'fail')?.fix;
    if (envFileNote && firstFailFix) findings.push({ level: 'fail', message: envFileNote, fix: firstFailFix });

    if (exported.includes('metrics')) {
      const tv = flat.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
      const lint = lintTemporality(plan.backend, tv, plan.preset.temporality);
      const from = tv === undefined ? "Claude Code's default" : whereOf(env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE);
      findings.push(...lint.map((f) => ({ ...f, message: `${f.message} (${from})` })));
      const eff = tv ?? 'delta';
      if (!lint.length && eff !== plan.temporality)
        findings.push({
          level: 'warn',
          message: `Claude Code sends ${eff} metrics (${from}), the probe sent ${plan.temporality}`,
          fix: tv === undefined ? reinstallFix(tele.source) : varFix(settings, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE),
        });
    }

    // Resource attributes as Claude Code's SDK will read them; compare what the config sets (not detected values).
    findings.push(...(await attributeFindings(v, settings, tele, details)));

    // Content switched on in settings while cc-otel's config has it off: exported content the user may not expect.
    const contentOn: string[] = [];
    for (const c of CONTENT_SWITCHES) {
      const e = env[c.name];
      if (!e || !truthy(e.value)) continue;
      contentOn.push(c.name);
      if (!truthy(varOf(plan, c.name)?.value))
        findings.push({ level: 'warn', message: `${c.name}=${e.value} from ${whereOf(e)}: ${c.label} is exported, though cc-otel's config has ${c.configKey} off`, fix: `remove it from ${whereOf(e)} or set "${c.configKey}": true to make it deliberate` });
    }
    details.contentExported = contentOn;
    details.signals = perSignal;
    findings.push(...warningFindings(settings.warnings, new Set(['INVALID_FILE', 'UNREADABLE_FILE', 'NON_STRING_ENV', 'ENV_SHADOWED', 'RESOURCE_ATTRIBUTES_REPLACED', 'MANAGED_ENDPOINT'])));

    const noneExported = exported.length === 0;
    const teleWhere = whereOf(tele);
    const firstEndpointVar = plan.signals.map((s) => signalExport(flat, s).endpointVar).find(Boolean);
    const endpointWhere = firstEndpointVar ? whereOf(env[firstEndpointVar]) : undefined;
    const processOnly = tele.source === 'process';
    const out = fromFindings(findings, {
      value: noneExported
        ? 'enabled, but no signal is exported where cc-otel sends it'
        : `on for ${exported.join(', ')} via ${plan.protocol}${processOnly ? ' — from the process environment only: claude started elsewhere (an IDE, another shell) will not have it' : ''}`,
      source: endpointWhere && endpointWhere !== teleWhere ? `${teleWhere}; endpoint: ${endpointWhere}` : teleWhere,
      details,
    });
    // A failure leads with what is wrong, not with what works.
    const firstFail = findings.find((f) => f.level === 'fail');
    if (out.status === 'fail' && firstFail) out.value = `${firstFail.message}${findings.length > 1 ? ` (+${findings.length - 1} more below)` : ''}`;
    if (out.status === 'fail' && firstFail && out.problems) out.problems = out.problems.filter((p) => p !== `FAIL: ${firstFail.message}`);
    if (out.problems && !out.problems.length) delete out.problems;
    return out;
  },
};

// ------------------------------------------------------------------------------------------------

/** Does Claude Code get the auth headers: the helper (HTTP), or static OTEL_EXPORTER_OTLP_HEADERS? */
function authNeeded(v: VerifyContext): boolean {
  const { plan } = needPlan(v);
  if (!plan.authHeaderNames.length) return false;
  return !(plan.keyNeeded === 'optional' && !v.state.chain?.key);
}

function effectiveProtocol(v: VerifyContext, flat: Record<string, string>): string {
  const { plan } = needPlan(v);
  const s = plan.signals[0];
  return (s ? signalExport(flat, s).protocol : undefined) ?? flat.OTEL_EXPORTER_OTLP_PROTOCOL ?? plan.protocol;
}

const helperCheck: Check = {
  id: 'claude.helper',
  title: 'Headers helper',
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    const { settings } = ensureSettings(v);
    const flat: Record<string, string> = {};
    for (const [k, e] of Object.entries(settings.env)) flat[k] = e.value;
    const h = settings.helper;
    const names = plan.authHeaderNames;
    const staticEntry = settings.env.OTEL_EXPORTER_OTLP_HEADERS;
    const protocol = effectiveProtocol(v, flat);
    // What Claude Code actually sends (lint.ts staticHeadersAsSent: the SDK parser for grpc, verbatim for http/*).
    const sent = await staticHeadersAsSent(staticEntry?.value, protocol);
    const staticNames = Object.keys(sent.headers).map((n) => n.toLowerCase());
    const staticHasAuth = names.length > 0 && names.every((n) => staticNames.includes(n.toLowerCase()));
    const staticValue = (n: string) => Object.entries(sent.headers).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1];
    // Compared to the plan: a static header with another value sends another key than the probe tested.
    const staticDiffers = staticHasAuth ? names.filter((n) => plan.authHeaders?.[n] !== undefined && staticValue(n) !== plan.authHeaders[n]) : [];
    const details: Record<string, unknown> = { needed: names, protocol, staticHeaderNames: staticNames, ...(sent.undecodable.length ? { staticHeadersUndecodable: sent.undecodable } : {}) };
    if (sent.undecodable.length)
      return {
        status: 'fail',
        value: `OTEL_EXPORTER_OTLP_HEADERS has ${sent.undecodable.join(', ')} with a value that does not percent-decode (a stray "%"): the OpenTelemetry SDK parser drops it, and Claude Code exported nothing at all with such a value (measured, 2.1.197)`,
        source: whereOf(staticEntry),
        fix: `write "%" as %25 in OTEL_EXPORTER_OTLP_HEADERS in ${whereOf(staticEntry)}, or drop the static header and ${INSTALL_FIX}`,
        details,
      };
    const differsFinding = (): CheckOutcome => ({
      status: 'warn',
      value: `static OTEL_EXPORTER_OTLP_HEADERS carries ${staticDiffers.join(', ')} with another value than the key cc-otel resolved (${v.state.chain?.key?.detail ?? 'key chain'}): the probe tested cc-otel's key, not this one`,
      source: whereOf(staticEntry),
      fix: `re-run \`cc-otel install\`, or fix OTEL_EXPORTER_OTLP_HEADERS in ${whereOf(staticEntry)}`,
      details,
    });
    const shadowed = warningFindings(settings.warnings, new Set(['HELPER_SHADOWED']));

    if (h && typeof h.value !== 'string')
      return { status: 'fail', value: `otelHeadersHelper is ${typeof h.value}, not a command string`, source: `${h.source} settings ${h.path}`, fix: INSTALL_FIX, details };
    const helperDesc = h ? describeCommand(h.value as string) : undefined;
    const helperSrc = h ? `${h.source} settings ${h.path}` : undefined;

    if (!authNeeded(v)) {
      return {
        status: 'pass',
        value: h ? `${helperDesc} (not needed: ${plan.backend} takes no key here)` : `not needed (${plan.backend} takes no key here)`,
        ...(helperSrc ? { source: helperSrc } : {}),
        details,
      };
    }
    if (protocol === 'grpc') {
      if (staticHasAuth && staticDiffers.length) return differsFinding();
      if (staticHasAuth)
        return { status: 'pass', value: `static OTEL_EXPORTER_OTLP_HEADERS carries ${names.join(', ')} (grpc ignores the helper)`, source: whereOf(staticEntry), details };
      return {
        status: 'fail',
        value: `protocol grpc: Claude Code ignores otelHeadersHelper, so no ${names.join(', ')} header is sent and ${plan.backend} rejects the exports`,
        source: helperSrc ?? whereOf(settings.env.OTEL_EXPORTER_OTLP_PROTOCOL),
        fix: 'use "protocol": "http/protobuf" and re-run `cc-otel install` (or put the header in OTEL_EXPORTER_OTLP_HEADERS: install --allow-secret-in-settings)',
        details,
      };
    }
    if (h) {
      const out = fromFindings(shadowed, {
        value: `${helperDesc}${settings.helper?.isCcOtel ? '' : " (not cc-otel's)"}`,
        source: helperSrc ?? '',
        details: { ...details, isCcOtel: settings.helper?.isCcOtel ?? false },
      });
      return out;
    }
    if (staticHasAuth && staticDiffers.length) return differsFinding();
    if (staticHasAuth) {
      const inFile = staticEntry?.source !== 'process';
      return {
        status: inFile ? 'warn' : 'pass',
        value: `no helper; static OTEL_EXPORTER_OTLP_HEADERS carries ${names.join(', ')}`,
        source: whereOf(staticEntry),
        ...(inFile ? { fix: 'the key sits in a settings file: `cc-otel install` writes otelHeadersHelper instead, so the key stays out of files' } : {}),
        details,
      };
    }
    return {
      status: 'fail',
      value: `no otelHeadersHelper and no ${names.join(', ')} in OTEL_EXPORTER_OTLP_HEADERS: Claude Code sends no auth and ${plan.backend} rejects every export`,
      source: 'all settings scopes',
      fix: wiringFix(ensureSettings(v).scopes),
      details,
    };
  },
};

// ------------------------------------------------------------------------------------------------

const helperRunCheck: Check = {
  id: 'claude.helper-run',
  title: 'Helper run',
  required: true,
  needs: ['config'],
  async run(v) {
    const { plan } = needPlan(v);
    const { settings, settingsEnv } = ensureSettings(v);
    const h = settings.helper;
    if (!h || typeof h.value !== 'string') return { status: 'skip', fix: 'no otelHeadersHelper configured' };
    const flat: Record<string, string> = {};
    for (const [k, e] of Object.entries(settings.env)) flat[k] = e.value;
    if (effectiveProtocol(v, flat) === 'grpc') return { status: 'skip', fix: 'protocol grpc: Claude Code does not run the helper' };
    const command = h.value;
    const source = `${h.source} settings ${h.path}`;
    const slowMs = v.options.slowHelperMs ?? DEFAULT_SLOW_HELPER_MS;
    // Claude Code runs it with the settings env over the environment it started with (PATH, HOME…).
    const env = { ...v.ctx.env, ...settingsEnv };
    const once = (extra: Record<string, string> = {}) =>
      runHelperCommand(command, { env: { ...env, ...extra }, cwd: projectDirOf(v), timeoutMs: Math.min(v.options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS, Math.max(1, v.remainingMs() - 200)), signal: v.signal });
    const needed = authNeeded(v);
    const expectSecrets = secretsOf(plan.authHeaders);

    v.progress(`running the headers helper: ${describeCommand(command)}`);
    // The key check has just warmed cc-otel's key cache, so a plain first run would time the warm
    // path only. Time the cold one — what a session gets whenever the cache is empty or expired —
    // by running it with the cache bypassed (the variable means nothing to other helpers).
    let run = await once({ CC_OTEL_NO_CACHE: '1' });
    const runs = [run.ms];
    const cut = (t: string) => redact(t.trim().split('\n')[0] ?? '', expectSecrets).slice(0, 200);
    const failWith = (value: string, fix: string): CheckOutcome => ({
      status: needed ? 'fail' : 'warn',
      value,
      source: `${describeCommand(command)} (${source})`,
      fix,
      details: { runsMs: runs, exitCode: run.code, timedOut: run.timedOut },
    });
    const isOurs = settings.helper?.isCcOtel === true;
    const ourFix = isOurs ? '`cc-otel env --explain` shows the key chain and where it fails' : 'run the command by hand in the project directory';
    if (run.spawnError) return failWith(`could not start: ${run.spawnError}`, 'check the command and that a shell is available');
    if (run.timedOut) return failWith(`no answer within ${run.ms} ms: Claude Code exports nothing for that session`, `make the helper answer fast (cc-otel headers serves the key from its cache); ${ourFix}`);
    if (run.code !== 0)
      return failWith(
        `exited ${run.code}${run.stderr.trim() ? `: ${cut(run.stderr)}` : ''}`,
        run.code === 127 ? 'the program was not found: is cc-otel on the PATH Claude Code sees? use an absolute path' : ourFix,
      );
    let parsed = parseHelperOutput(run.stdout);
    if (!parsed.ok) return failWith(`its output is not usable: ${parsed.problem}`, 'the helper must print one JSON object of string headers, e.g. {"authorization":"Bearer …"}, and nothing else on stdout');

    // Slow: maybe a cold cache. Run once more — every later session sees the warm path.
    if (run.ms > slowMs) {
      v.progress(`the helper took ${run.ms} ms; running it again (warm cache)`);
      const again = await once();
      runs.push(again.ms);
      const p2 = again.code === 0 ? parseHelperOutput(again.stdout) : undefined;
      if (p2?.ok) {
        run = again;
        parsed = p2;
      }
    }
    const headers = parsed.headers;
    const got = Object.keys(headers);
    const lower = new Set(got.map((n) => n.toLowerCase()));
    const findings: Finding[] = [];
    if (needed) {
      const miss = plan.authHeaderNames.filter((n) => !lower.has(n.toLowerCase()));
      if (miss.length) findings.push({ level: 'fail', message: `it does not print ${miss.join(', ')}: ${plan.backend} will reject the exports`, fix: ourFix });
      const ours = plan.authHeaders ?? {};
      const differs = plan.authHeaderNames.filter((n) => {
        const mine = ours[n];
        const theirs = Object.entries(headers).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1];
        return mine !== undefined && theirs !== undefined && mine !== theirs;
      });
      if (differs.length)
        findings.push({
          level: 'warn',
          message: `its ${differs.join(', ')} differs from the key cc-otel resolved (${v.state.chain?.key?.detail ?? 'key chain'}): the probe tested cc-otel's key, not the helper's`,
          fix: isOurs ? 'the helper resolves the key in another environment: compare `cc-otel env --explain` with the settings env' : 'point otelHeadersHelper at `cc-otel headers`',
        });
    }
    const first = runs[0] ?? run.ms;
    if (run.ms > slowMs)
      findings.push({
        level: 'warn',
        message: `it took ${run.ms} ms${runs.length > 1 ? ` (and ${first} ms the first, cold time)` : ''}: above ${slowMs} ms a short session (claude -p) can end before it answers, and then nothing is exported for it`,
        fix: isOurs ? 'put a faster key source first, or keep the key cache on (cache.enabled); a cold 1Password/Secret Manager read is slow' : 'make the helper answer from a cache',
      });
    else if (first > slowMs)
      findings.push({
        level: 'warn',
        message: `cold (key cache bypassed) it took ${first} ms, ${run.ms} ms warm: above ${slowMs} ms a short session (claude -p) can end before it answers — the first session after each cache expiry, and every one where the cache is empty (CI)`,
        fix: isOurs
          ? 'warm the cache before claude in CI (`cc-otel headers > /dev/null`), keep cache.enabled on, or put a faster key source first'
          : 'make the helper answer fast on its first run too',
      });
    return fromFindings(findings, {
      value: `prints ${got.length ? got.join(', ') : 'no headers'} in ${run.ms} ms${runs.length > 1 ? ` (first, cold run ${first} ms)` : ''}`,
      source: `${describeCommand(command)} (${source})`,
      details: { runsMs: runs, headerNames: got, isCcOtel: isOurs },
    });
  },
};

// ------------------------------------------------------------------------------------------------

const hookCheck: Check = {
  id: 'claude.hook',
  title: 'SessionStart hook',
  required: true,
  needs: ['config'],
  async run(v) {
    const { settings } = ensureSettings(v);
    const hooks = settings.installs.flatMap((i) => i.hooks.filter((h) => h.event === 'SessionStart').map((h) => ({ ...h, source: i.source, path: i.path })));
    const findings = warningFindings(settings.warnings, new Set(['HOOKS_DISABLED', 'DUPLICATE_HOOKS']));
    if (!hooks.length)
      return {
        status: 'warn',
        value: "no cc-otel SessionStart hook: tools run from Bash get no OTel config ($CLAUDE_ENV_FILE); Claude Code's own export does not need it",
        fix: unusableLayers(ensureSettings(v).scopes).length ? wiringFix(ensureSettings(v).scopes) : '`cc-otel install` adds it',
        ...(findings.length ? { problems: findings.map((f) => `warn: ${f.message}`) } : {}),
      };
    for (const h of hooks) {
      if (h.matcher !== null && !h.matcher.split('|').includes('startup') && h.matcher !== '*')
        findings.push({ level: 'warn', message: `matcher "${h.matcher}" in ${h.path}: the hook does not run when a session starts`, fix: `${reinstallFix(h.source)} (matcher startup|resume|clear|compact)` });
      const words = commandWords(h.command);
      const at = words.indexOf('hook');
      for (const w of words.slice(0, at > 0 ? at : words.length)) {
        if (!isAbsolute(w) && !w.startsWith('~/')) continue;
        const p = expandPath(w, v);
        if (!existsSync(p))
          findings.push({ level: 'fail', message: `the hook in ${h.path} runs ${p}, which does not exist (cc-otel moved or was uninstalled?)`, fix: `${reinstallFix(h.source)} from the cc-otel you use now` });
      }
    }
    const first = hooks[0]!;
    return fromFindings(findings, {
      value: `${describeCommand(first.command)}${first.matcher ? ` (matcher ${first.matcher})` : ''}`,
      source: `${first.source} settings ${first.path}`,
      details: { hooks: hooks.map((h) => ({ source: h.source, path: h.path, matcher: h.matcher, command: describeCommand(h.command) })) },
    });
  },
};

export const claudeChecks: readonly Check[] = [telemetryCheck, helperCheck, helperRunCheck, hookCheck];
