/**
 * The pure core: configuration (+ the key, when the caller has resolved it) → a telemetry plan.
 * No I/O. Every built value carries where it came from, so `env --explain` and `verify` can say.
 *
 * Delivery channels (../shared/docs/claude-code-facts.md §1, §3):
 *  - settings `env` + otelHeadersHelper → Claude Code's own exporter (no secret in the file)
 *  - $CLAUDE_ENV_FILE → tools run from Bash (Claude Code strips OTEL_* from its children)
 *  - process environment (`cc-otel exec`, `env --format shell`) → everything, secrets included
 */
import type { Env } from '../context.js';
import { CcOtelError } from '../errors.js';
import type { LoadedConfig, Source } from '../config/load.js';
import { getPreset, PRESET_NAMES, type Preset, type PresetConfig, type Temporality } from '../backends/index.js';
import { isHttp, lintBaseUrl, signalUrl, SIGNALS, type Protocol, type Signal } from './endpoint.js';
import { describeHeaderEnvProblem, renderHeadersEnv, headerEnvProblems, isValidHeaderValue, type HeaderEnvProblem } from './headers.js';
import { attributeProblems, parseResourceAttributes, renderResourceAttributes } from './resource-attributes.js';
import { detectAttributes } from './detectors.js';
import { OTEL_OUTPUTS, SECRET_OUTPUTS } from './vars.js';
import { refFieldPaths } from '../field-refs/shape.js';

export interface BuiltVar {
  name: string;
  value: string;
  source: string;
  secret: boolean;
}

export interface ResolvedKey {
  value: string;
  /** e.g. "env:SIGNOZ_KEY", "op://Eng/SigNoz/key (cached 12 min ago)" */
  detail: string;
}

export interface TelemetryPlan {
  backend: string;
  preset: Preset;
  protocol: Protocol;
  signals: Signal[];
  temporality: Temporality;
  /** per signal: the full URL (HTTP) or the base (gRPC) */
  endpoints: Partial<Record<Signal, string>>;
  base: string;
  /** secret auth headers; undefined when the key was not resolved for this plan */
  authHeaders: Record<string, string> | undefined;
  authHeaderNames: string[];
  /** non-secret headers for every signal */
  commonHeaders: Record<string, string>;
  signalHeaders: Partial<Record<Signal, Record<string, string>>>;
  resourceAttributes: Record<string, string>;
  attributeSources: Record<string, string>;
  /** false when the key must reach Claude Code but the protocol is grpc (helper unsupported) */
  helperUsable: boolean;
  keyNeeded: 'required' | 'optional' | 'none';
  vars: BuiltVar[];
  warnings: string[];
  /**
   * What OTEL_EXPORTER_OTLP_HEADERS (in `vars`) cannot carry: a header value with "," (split in two
   * by the SDK), a name with "=" (issue #12). Every channel that would write that variable refuses it
   * (headersEnvRefusal); the headers helper still serves the headers intact.
   */
  headersEnvRefused: HeaderEnvProblem[];
}

/** Where OTEL_EXPORTER_OTLP_HEADERS would go, for headersEnvRefusal's message. */
export type HeadersEnvChannel = 'exec' | 'env' | 'env-file' | 'settings';

const CHANNEL_TEXT: Record<HeadersEnvChannel, string> = {
  exec: '`cc-otel exec` (the process environment)',
  env: "`cc-otel env`'s output",
  'env-file': '$CLAUDE_ENV_FILE',
  settings: "the settings file's env",
};
/** Why the auth-carrying OTEL_EXPORTER_OTLP_HEADERS is in that channel at all (per-signal headers are not secret: always there). */
const CHANNEL_SWITCH: Partial<Record<HeadersEnvChannel, string>> = { 'env-file': ' (sessionEnv.includeSecrets)', settings: ' (--allow-secret-in-settings)' };

/** The variables `headersEnvRefusal` would refuse (the channel leaves them out, or refuses to write at all). */
export function refusedHeaderVariables(plan: Pick<TelemetryPlan, 'headersEnvRefused'>): string[] {
  return [...new Set(plan.headersEnvRefused.map((p) => p.variable))];
}

/**
 * The error for writing `written` (the variables a channel writes; default: all) into `channel`
 * when a headers variable among them cannot carry its headers, or undefined when they can (or no
 * such variable is written). It names the variable and header, says why, and which channel carries
 * it instead: the headers helper, with HTTP protocols — never for a per-signal header, which the
 * helper would send with every signal.
 */
export function headersEnvRefusal(
  plan: Pick<TelemetryPlan, 'headersEnvRefused' | 'protocol' | 'preset' | 'backend'>,
  channel: HeadersEnvChannel,
  written?: readonly string[],
): CcOtelError | undefined {
  const problems = plan.headersEnvRefused.filter((p) => !written || written.includes(p.variable));
  if (!problems.length) return undefined;
  const names = [...new Set(problems.map((p) => p.header))].join(', ');
  const variables = [...new Set(problems.map((p) => p.variable))].join(', ');
  const helperCan = problems.every((p) => p.helperCarries);
  const httpOk = plan.preset.protocols.some((p) => isHttp(p));
  const perSignal = problems.some((p) => p.variable !== 'OTEL_EXPORTER_OTLP_HEADERS');
  const instead = !helperCan
    ? perSignal
      ? 'no channel carries it (the headers helper would send it with every signal): change the config value it is built from'
      : 'no channel carries it: change the header (or the key it is built from)'
    : isHttp(plan.protocol)
      ? 'the headers helper carries any value (otelHeadersHelper: its JSON, HTTP protocols only): `cc-otel install` sets it up in the settings file and Claude Code asks it for the headers — run Claude Code through that instead of ' +
        (channel === 'exec' ? '`cc-otel exec`' : channel === 'env' ? 'exported variables' : channel === 'env-file' ? 'the env file (leave sessionEnv.includeSecrets off)' : 'a static OTEL_EXPORTER_OTLP_HEADERS in the settings file')
      : httpOk
        ? `protocol ${plan.protocol}: Claude Code ignores the headers helper, the only channel that carries it; use http/protobuf (${plan.backend} accepts it: "protocol": "http/protobuf", or --protocol) and \`cc-otel install\` (otelHeadersHelper)`
        : `${plan.backend} takes ${plan.preset.protocols.join(', ')} only, where Claude Code ignores the headers helper: no channel carries it — use a key without ","`;
  return new CcOtelError('CONFIG_INVALID', `${variables} cannot carry ${problems.map(describeHeaderEnvProblem).join('; ')} — refused for ${CHANNEL_TEXT[channel]}${perSignal ? '' : (CHANNEL_SWITCH[channel] ?? '')}`, {
    hint: `${instead} (header${problems.length === 1 ? '' : 's'} ${names})`,
  });
}

export const DEFAULT_KEY_REFS: readonly string[] = ['env:CC_OTEL_API_KEY', 'dotenv:CC_OTEL_API_KEY'];

export function keyRefs(loaded: LoadedConfig): string[] {
  return loaded.config.key?.length ? [...loaded.config.key] : [...DEFAULT_KEY_REFS];
}

export function formatSource(s: Source | undefined, fallback: string): string {
  if (!s) return fallback;
  if (s.ref) return `${formatSource({ kind: s.kind, detail: s.detail }, fallback)} → ${s.ref}`;
  switch (s.kind) {
    case 'flag':
      return `flag ${s.detail}`;
    case 'env':
      return `env ${s.detail}`;
    case 'default':
      return 'default';
    default:
      return `${s.kind} config ${s.detail}`;
  }
}

export function requirePreset(loaded: LoadedConfig): Preset {
  const name = loaded.config.backend;
  if (!name) {
    throw new CcOtelError('CONFIG_INVALID', 'no backend configured', {
      hint: `set "backend" in .cc-otel.json or ~/.config/cc-otel/config.json (one of ${PRESET_NAMES.join(', ')}), or CC_OTEL_BACKEND`,
    });
  }
  const preset = getPreset(name);
  if (!preset) throw new CcOtelError('CONFIG_INVALID', `unknown backend "${name}"`, { hint: `use one of ${PRESET_NAMES.join(', ')}` });
  return preset;
}

/** Where a config key (or, for an object such as "datasets", any of its leaves) was set. */
function sourceOfKey(sources: Record<string, Source>, key: string): Source | undefined {
  return sources[key] ?? Object.entries(sources).find(([k]) => k.startsWith(`${key}.`))?.[1];
}

/** The config key a preset's free-text problem is about: its first word, when that is a set key. */
function keyNamedBy(text: string, config: object): string | undefined {
  const m = /^"?([A-Za-z]+)"?[ :]/.exec(text);
  return m?.[1] && Object.hasOwn(config, m[1]) ? m[1] : undefined;
}

interface BuildOptions {
  env: Env;
  /** OS login name: the engineer fallback when no $USER-like variable is set */
  user?: string | undefined;
  key?: ResolvedKey | undefined;
  /** added as session.id (the SessionStart hook knows it) */
  sessionId?: string | undefined;
}

export function buildTelemetry(loaded: LoadedConfig, opts: BuildOptions): TelemetryPlan {
  const { config, sources } = loaded;
  const preset = requirePreset(loaded);
  const src = (key: string, fallback: string) => formatSource(sources[key], fallback);
  // Each problem remembers the config key it is about, so the error can name where that key was
  // set (a CC_OTEL_* variable, a flag, one file) instead of every file that was loaded.
  const problems: Array<{ text: string; key: string | undefined }> = [];
  const problem = (text: string, key?: string) => void problems.push({ text, key: key ?? keyNamedBy(text, config) });
  const warnings: string[] = [];
  // Fields read from the secret store are resolved before this pure step (src/field-refs/resolve.ts).
  const pending = refFieldPaths(config as Record<string, unknown>);
  if (pending.length)
    throw new CcOtelError('CONFIG_INVALID', `${pending.join(', ')} ${pending.length === 1 ? 'is a reference' : 'are references'} to the secret store that ${pending.length === 1 ? 'was' : 'were'} not resolved here`, {
      hint: 'run `cc-otel env --explain` or `cc-otel verify`, which resolve them (please report the command that showed this)',
    });
  const pcfg = config as PresetConfig;

  for (const f of preset.fields) {
    if (f.required && (pcfg[f.name] === undefined || pcfg[f.name] === '')) problem(`"${f.name}" is required for ${preset.name}: ${f.description}${f.choices ? ` (one of ${f.choices.join(', ')})` : ''}`, f.name);
    const val = pcfg[f.name];
    if (f.choices && typeof val === 'string' && !f.choices.includes(val)) problem(`"${f.name}" must be one of ${f.choices.join(', ')}, got "${val}"`, f.name);
  }

  const protocol: Protocol = config.protocol ?? preset.protocols[0] ?? 'http/protobuf';
  if (!preset.protocols.includes(protocol))
    problem(`${preset.name} does not accept protocol ${protocol}; use ${preset.protocols.join(' or ')}`, 'protocol');

  let base = '';
  if (!problems.length) {
    try {
      base = preset.baseUrl(pcfg, protocol, { localCollector: loaded.localCollector });
    } catch (e) {
      problem((e as Error).message);
    }
    for (const p of lintBaseUrl(base)) problem(`endpoint: ${p.problem} — ${p.hint}`, 'endpoint');
    if (!problems.length) for (const p of preset.validate?.(pcfg) ?? []) problem(p);
  }

  const accepted = preset.availableSignals?.(pcfg) ?? [...preset.signals];
  const wanted = config.signals ?? accepted;
  for (const s of wanted) if (!preset.signals.includes(s)) problem(`"signals": ${preset.name} does not accept ${s}; it takes ${preset.signals.join(', ')}`, 'signals');
  const signals = SIGNALS.filter((s) => wanted.includes(s) && accepted.includes(s));
  if (!signals.length && !problems.length) problem('no signal left to export: check "signals" (and "datasets" for axiom)', config.signals ? 'signals' : 'datasets');

  if (problems.length) {
    const lines = problems.map((p) => {
      const from = p.key ? sourceOfKey(sources, p.key) : undefined;
      return from ? `${p.text} (from ${formatSource(from, '')})` : p.text;
    });
    const named = [...new Set(problems.map((p) => (p.key ? sourceOfKey(sources, p.key) : undefined)).filter((x): x is Source => x !== undefined).map((x) => formatSource(x, '')))];
    // A key nobody set (a required field, a preset default) can go in any layer.
    const unset = problems.some((p) => !p.key || !sourceOfKey(sources, p.key));
    const anywhere = `${loaded.files.map((f) => f.path).join(', ') || '.cc-otel.json or ~/.config/cc-otel/config.json'}, or the CC_OTEL_* variable`;
    const where = [...named, ...(unset ? [anywhere] : [])].join('; ');
    throw new CcOtelError('CONFIG_INVALID', `backend ${preset.name}: ${lines.length === 1 ? lines[0] : `\n  ${lines.join('\n  ')}`}`, {
      hint: `fix ${where}; backend reference: ${preset.docs}`,
    });
  }

  const temporality: Temporality = config.temporality ?? preset.temporality;
  if (config.temporality && config.temporality !== preset.temporality)
    warnings.push(`temporality ${config.temporality} overrides ${preset.name}'s ${preset.temporality}: the backend may reject metrics`);

  const endpoints: Partial<Record<Signal, string>> = {};
  for (const s of signals) endpoints[s] = isHttp(protocol) ? signalUrl(base, s) : base;

  // Headers: secret auth (from the key) vs. non-secret common and per-signal headers.
  const authHeaderNames = preset.key === 'none' ? [] : Object.keys(preset.authHeaders(pcfg, 'x'));
  let authHeaders: Record<string, string> | undefined;
  if (opts.key) {
    authHeaders = preset.key === 'none' ? {} : preset.authHeaders(pcfg, opts.key.value);
    // No channel carries a control character — not OTEL_EXPORTER_OTLP_HEADERS, not the helper's JSON
    // (Node and Claude Code refuse such a header value): refused for every channel.
    for (const [h, v] of Object.entries(authHeaders))
      if (!isValidHeaderValue(v))
        throw new CcOtelError('KEY_SOURCE_FAILED', `the key from ${opts.key.detail} contains control characters (header ${h}): no HTTP header may carry a newline, CR or NUL — neither OTEL_EXPORTER_OTLP_HEADERS nor the headers helper`, {
          hint: 'store the key without newlines or control characters (a trailing newline from `echo` into a file is the usual cause)',
        });
  } else if (preset.key === 'none') authHeaders = {};
  const commonHeaders = preset.staticHeaders?.(pcfg) ?? {};
  const signalHeaders = preset.signalHeaders?.(pcfg) ?? {};
  for (const [h, v] of [...Object.entries(commonHeaders), ...Object.values(signalHeaders).flatMap((x) => Object.entries(x ?? {}))])
    if (!isValidHeaderValue(v)) throw new CcOtelError('CONFIG_INVALID', `backend ${preset.name}: header ${h} (from the config) contains control characters, which no HTTP header may carry`, { hint: 'remove the newline or control character from that config value' });
  // Generic otlp: no `header` → no auth at all; a configured auth header without its key only earns 401s.
  const keyNeeded = preset.name === 'otlp' ? (config.header ? 'required' : 'none') : preset.key;
  const authCount = keyNeeded === 'none' ? 0 : authHeaderNames.length;
  const helperUsable = isHttp(protocol) || authCount === 0;
  if (!helperUsable)
    warnings.push(
      'protocol grpc: Claude Code ignores otelHeadersHelper with grpc, so the key can reach its exporter only as a static OTEL_EXPORTER_OTLP_HEADERS ' +
        '(cc-otel exec, or install --allow-secret-in-settings). Use http/protobuf to keep the key out of files.',
    );

  // Resource attributes, lowest precedence first; the user's own OTEL_RESOURCE_ATTRIBUTES wins.
  const detected = detectAttributes(opts.env);
  const attrs: Record<string, string> = {};
  const attributeSources: Record<string, string> = {};
  const put = (k: string, v: string | undefined, s: string) => {
    if (v === undefined || v === '') return;
    attrs[k] = v;
    attributeSources[k] = s;
  };
  for (const [k, v] of Object.entries(detected.attributes)) {
    if (attributeProblems({ [k]: v }).length) continue; // e.g. a very long run URL: drop it, never the whole variable
    put(k, v, detected.sources[k] ?? 'detected');
  }
  const envUser = opts.env.USER ? 'USER' : opts.env.USERNAME ? 'USERNAME' : opts.env.LOGNAME ? 'LOGNAME' : undefined;
  const engineer = config.engineer ?? (envUser ? opts.env[envUser] : opts.user);
  put('engineer', engineer, config.engineer !== undefined ? src('engineer', 'config') : envUser ? `env ${envUser}` : 'OS user');
  put('team', config.team, src('team', 'config'));
  put('org', config.org, src('org', 'config'));
  for (const [k, v] of Object.entries(config.attributes ?? {})) put(k, v, src(`attributes.${k}`, 'config'));
  put('session.id', opts.sessionId, 'SessionStart hook input');
  const existing = opts.env.OTEL_RESOURCE_ATTRIBUTES;
  if (existing) {
    try {
      for (const [k, v] of Object.entries(parseResourceAttributes(existing))) {
        // An entry we could not re-render safely (e.g. too long once encoded) must not fail the whole build.
        const bad = attributeProblems({ [k]: v });
        if (bad.length) warnings.push(`ignored "${k}" from your OTEL_RESOURCE_ATTRIBUTES: ${bad.map((p) => p.problem).join('; ')}`);
        else put(k, v, 'env OTEL_RESOURCE_ATTRIBUTES (yours wins)');
      }
    } catch (e) {
      warnings.push(`ignored your OTEL_RESOURCE_ATTRIBUTES: ${(e as Error).message} (the OTel SDK would discard all of it)`);
    }
  }
  const attrProblems = attributeProblems(attrs);
  if (attrProblems.length)
    throw new CcOtelError('CONFIG_INVALID', `resource attributes: ${attrProblems.map((p) => `${p.key}: ${p.problem}`).join('; ')}`, {
      hint: 'shorten or remove the attribute: one invalid entry makes the OTel SDK drop every attribute',
    });

  // The variables, in the definitions table's order.
  const out = new Map<string, { value: string; source: string }>();
  const set = (name: string, value: string | undefined, source: string) => {
    if (value !== undefined) out.set(name, { value, source });
  };
  set('CLAUDE_CODE_ENABLE_TELEMETRY', '1', `backend ${preset.name}`);
  if (signals.includes('traces')) set('CLAUDE_CODE_ENHANCED_TELEMETRY_BETA', '1', 'traces enabled');
  const sigSrc = src('signals', `default (${preset.name} accepts ${accepted.join(', ')})`);
  set('OTEL_METRICS_EXPORTER', signals.includes('metrics') ? 'otlp' : 'none', sigSrc);
  set('OTEL_LOGS_EXPORTER', signals.includes('logs') ? 'otlp' : 'none', sigSrc);
  set('OTEL_TRACES_EXPORTER', signals.includes('traces') ? 'otlp' : 'none', sigSrc);
  set('OTEL_EXPORTER_OTLP_PROTOCOL', protocol, src('protocol', `default (${preset.name})`));
  const endpointSrc = sources.endpoint
    ? src('endpoint', '')
    : loaded.localCollector && base !== preset.baseUrl(pcfg, protocol)
      ? `preset ${preset.name}: the running collector (pid ${loaded.localCollector.pid}, ${loaded.localCollector.stateFile})`
      : `preset ${preset.name}${pcfg.region ? ` region ${pcfg.region}` : ''}${pcfg.site ? ` site ${pcfg.site}` : ''}`;
  if (isHttp(protocol)) {
    for (const s of signals) set(`OTEL_EXPORTER_OTLP_${s.toUpperCase()}_ENDPOINT`, endpoints[s], endpointSrc);
  } else {
    set('OTEL_EXPORTER_OTLP_ENDPOINT', base, endpointSrc);
    if (base.startsWith('http://')) set('OTEL_EXPORTER_OTLP_INSECURE', 'true', 'grpc over http://');
  }
  const generic = { ...commonHeaders, ...(authHeaders ?? {}) };
  const envProblems = [
    ...headerEnvProblems(generic),
    // per-signal headers (a dataset): the helper is no alternative, it sends its headers with every signal
    ...signals.flatMap((s) => headerEnvProblems(signalHeaders[s] ?? {}, `OTEL_EXPORTER_OTLP_${s.toUpperCase()}_HEADERS`, false)),
  ];
  // Carried, but altered by some consumers: a warning. Not carried at all: refused by every channel
  // that writes the variable (headersEnvRefusal), never written with a warning (issue #12).
  for (const p of envProblems) if (!p.refused) warnings.push(`${describeHeaderEnvProblem(p)}${p.helperCarries ? '; the headers helper (JSON) still carries it intact' : ''}`);
  const headersEnvRefused = envProblems.filter((p) => p.refused);
  if (Object.keys(generic).length) set('OTEL_EXPORTER_OTLP_HEADERS', renderHeadersEnv(generic), authHeaders && authCount ? `key from ${opts.key?.detail ?? 'key chain'}` : `preset ${preset.name}`);
  for (const s of signals) {
    const h = signalHeaders[s];
    if (h && Object.keys(h).length) set(`OTEL_EXPORTER_OTLP_${s.toUpperCase()}_HEADERS`, renderHeadersEnv(h), `preset ${preset.name}`);
  }
  if (signals.includes('metrics'))
    set('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', temporality, config.temporality ? src('temporality', '') : `preset ${preset.name}`);
  const iv = config.intervals ?? {};
  if (signals.includes('metrics')) set('OTEL_METRIC_EXPORT_INTERVAL', iv.metricsMs?.toString(), src('intervals.metricsMs', ''));
  if (signals.includes('logs')) set('OTEL_LOGS_EXPORT_INTERVAL', iv.logsMs?.toString(), src('intervals.logsMs', ''));
  if (signals.includes('traces')) set('OTEL_TRACES_EXPORT_INTERVAL', iv.tracesMs?.toString(), src('intervals.tracesMs', ''));
  const flag = (b: boolean | undefined, on = '1', off = '0') => (b === undefined ? undefined : b ? on : off);
  const pv = config.privacy ?? {};
  set('OTEL_LOG_USER_PROMPTS', flag(pv.prompts), src('privacy.prompts', ''));
  set('OTEL_LOG_ASSISTANT_RESPONSES', flag(pv.assistantResponses), src('privacy.assistantResponses', ''));
  set('OTEL_LOG_TOOL_DETAILS', flag(pv.toolDetails), src('privacy.toolDetails', ''));
  set('OTEL_LOG_TOOL_CONTENT', flag(pv.toolContent), src('privacy.toolContent', ''));
  set('OTEL_LOG_RAW_API_BODIES', flag(pv.rawApiBodies), src('privacy.rawApiBodies', ''));
  const cd = config.cardinality ?? {};
  set('OTEL_METRICS_INCLUDE_SESSION_ID', flag(cd.sessionId, 'true', 'false'), src('cardinality.sessionId', ''));
  set('OTEL_METRICS_INCLUDE_VERSION', flag(cd.version, 'true', 'false'), src('cardinality.version', ''));
  set('OTEL_METRICS_INCLUDE_ACCOUNT_UUID', flag(cd.accountUuid, 'true', 'false'), src('cardinality.accountUuid', ''));
  set('OTEL_METRICS_INCLUDE_ENTRYPOINT', flag(cd.entrypoint, 'true', 'false'), src('cardinality.entrypoint', ''));
  set('OTEL_METRICS_INCLUDE_RESOURCE_ATTRIBUTES', flag(cd.resourceAttributes, 'true', 'false'), src('cardinality.resourceAttributes', ''));
  const rendered = renderResourceAttributes(attrs);
  if (rendered) set('OTEL_RESOURCE_ATTRIBUTES', rendered, 'engineer/team/org, attributes, detectors');

  const vars: BuiltVar[] = [];
  for (const def of OTEL_OUTPUTS) {
    const got = out.get(def.name);
    if (got) vars.push({ name: def.name, value: got.value, source: got.source, secret: SECRET_OUTPUTS.has(def.name) && authCount > 0 });
  }
  return {
    backend: preset.name,
    preset,
    protocol,
    signals,
    temporality,
    endpoints,
    base,
    authHeaders: authCount ? authHeaders : {},
    authHeaderNames: authCount ? authHeaderNames : [],
    commonHeaders,
    signalHeaders,
    resourceAttributes: attrs,
    attributeSources,
    helperUsable,
    keyNeeded,
    vars,
    warnings,
    headersEnvRefused,
  };
}

/** Does building the full plan need the key? */
export function needsKey(plan: Pick<TelemetryPlan, 'keyNeeded'>): boolean {
  return plan.keyNeeded !== 'none';
}

/** The settings `env` block: strings only, nothing secret. */
export function settingsEnv(plan: TelemetryPlan): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of plan.vars) if (!v.secret && v.name !== 'OTEL_EXPORTER_OTLP_HEADERS') env[v.name] = v.value;
  // Non-secret common headers (no auth at all) may go into the file.
  const common = plan.vars.find((v) => v.name === 'OTEL_EXPORTER_OTLP_HEADERS');
  if (common && !common.secret && plan.authHeaderNames.length === 0) env[common.name] = common.value;
  return env;
}

/** What `cc-otel headers` prints: raw values, auth + common. */
export function helperHeaders(plan: TelemetryPlan): Record<string, string> {
  return { ...plan.commonHeaders, ...(plan.authHeaders ?? {}) };
}
