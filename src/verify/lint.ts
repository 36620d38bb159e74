/**
 * Pure rules over telemetry variables, used on what cc-otel builds (the `env.*` checks) and on what
 * Claude Code will actually get from its settings (the `claude.telemetry` check). Each returns
 * findings; the checks decide how to present them. Spec sources: claude-code-facts.md §6–§7,
 * backends.md §8.
 */
import type { Temporality } from '../backends/index.js';
import { describeHeaderEnvProblem, isValidHeaderName, isValidHeaderValue, headerEnvProblems } from '../otel/headers.js';
import { PROTOCOLS, signalUrl, type Protocol, type Signal } from '../otel/endpoint.js';
import { isGrafanaHost } from '../backends/grafana-cloud.js';
import { isDynatraceHost } from '../backends/dynatrace.js';

export interface Finding {
  level: 'warn' | 'fail';
  message: string;
  fix: string;
}

/** Backends that reject the other temporality outright (backends.md; anthropics/claude-code#3353). */
export const REQUIRED_TEMPORALITY: Readonly<Record<string, Temporality>> = {
  'grafana-cloud': 'cumulative',
  datadog: 'delta',
  dynatrace: 'delta',
};

/** Claude Code's default when OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE is unset (facts §6). */
export const CLAUDE_DEFAULT_TEMPORALITY: Temporality = 'delta';

export function isProtocol(p: string | undefined): p is Protocol {
  return p !== undefined && (PROTOCOLS as readonly string[]).includes(p);
}

function isLoopbackHost(h: string): boolean {
  const host = h.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * One signal's export URL as the exporter will use it: HTTP per-signal URLs must end in
 * /v1/<signal> (used as-is), exactly one /v1/ segment; Grafana Cloud's gateway base is …/otlp;
 * gRPC takes a bare host:port.
 */
export function lintSignalEndpoint(signal: Signal, protocol: Protocol, url: string, opts: { backend?: string; sendsAuth?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  let u: URL;
  try {
    // "host:4318" parses as scheme "host:": call it what it is.
    if (!url.includes('://')) throw new Error('no scheme');
    u = new URL(url);
  } catch {
    return [{ level: 'fail', message: `${signal}: "${url}" is not a URL`, fix: 'write the endpoint with a scheme, e.g. https://otlp.example.com' }];
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return [{ level: 'fail', message: `${signal}: scheme ${u.protocol} is not http or https`, fix: 'OTLP endpoints are http:// or https:// URLs' }];
  if (u.search || u.hash) out.push({ level: 'fail', message: `${signal}: the URL has a query or fragment`, fix: 'remove ?… and #… from the endpoint' });
  if (u.username || u.password) out.push({ level: 'fail', message: `${signal}: the URL carries credentials`, fix: 'put credentials in the key chain, not in the endpoint URL' });
  const path = u.pathname;
  if (protocol === 'grpc') {
    if (path !== '' && path !== '/')
      out.push({ level: 'warn', message: `${signal}: gRPC endpoint has a path (${path}), which gRPC exporters ignore`, fix: 'give host:port only for grpc, or use http/protobuf for a path-based gateway' });
  } else {
    // Path SEGMENTS named v1: a regex over "/v1/" misses "/v1/v1/logs" (the matches overlap).
    const v1 = path.split('/').filter((seg) => seg === 'v1').length;
    if (v1 > 1)
      out.push({
        level: 'fail',
        message: `${signal}: doubled /v1/ in ${path}`,
        fix: path.endsWith(`/v1/v1/${signal}`)
          ? 'the base URL ends in /v1: give the base without it (the exporter appends /v1/<signal>); a doubled path 404s'
          : 'the base URL already ended in /v1/<signal>: give cc-otel the base (without /v1/…); a doubled path 404s',
      });
    else if (path.endsWith('/') && path.replace(/\/+$/, '').endsWith(`/v1/${signal}`))
      // Used as-is: backends route the exact path, and /v1/logs/ 404s (backends.md §1a).
      out.push({
        level: 'fail',
        message: `${signal}: ${url} ends in "/"`,
        fix: `remove the trailing slash: per-signal OTLP/HTTP URLs are used as-is, and …/v1/${signal}/ 404s`,
      });
    else if (!path.endsWith(`/v1/${signal}`))
      out.push({
        level: 'fail',
        message: `${signal}: ${url} does not end in /v1/${signal}`,
        fix: `per-signal OTLP/HTTP URLs are used as-is and must end in /v1/${signal} (a URL without it 404s)`,
      });
    // On the vendor's own host the path is a rule (it 404s without it); elsewhere (a local receiver,
    // a collector or proxy in front of the vendor) it is the user's to shape, and worth a look.
    const vendorPath = (name: string, base: string, onVendorHost: boolean, example: string) => {
      if (new RegExp(`${base}/v1/`).test(path)) return;
      out.push(
        onVendorHost
          ? { level: 'fail', message: `${signal}: ${name} URL lacks the ${base} base (${path})`, fix: `use the base ending in ${base}, e.g. ${example}` }
          : { level: 'warn', message: `${signal}: ${name} preset, but ${u.hostname} is not ${name}'s host and the URL has no ${base} base (${path})`, fix: `fine for a local receiver or a collector that forwards; ${name} itself needs the base ending in ${base}, e.g. ${example}` },
      );
    };
    if (opts.backend === 'grafana-cloud') vendorPath('Grafana Cloud', '/otlp', isGrafanaHost(url), 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp');
    if (opts.backend === 'dynatrace') vendorPath('Dynatrace', '/api/v2/otlp', isDynatraceHost(url), 'https://{env-id}.live.dynatrace.com/api/v2/otlp');
  }
  if (u.protocol === 'http:' && opts.sendsAuth && !isLoopbackHost(u.hostname))
    out.push({ level: 'warn', message: `${signal}: plain http:// to ${u.hostname} sends the key unencrypted`, fix: 'use https://' });
  return out;
}

export function lintTemporality(backend: string, actual: Temporality | string | undefined, preferred: Temporality): Finding[] {
  const effective = actual ?? CLAUDE_DEFAULT_TEMPORALITY;
  if (effective !== 'delta' && effective !== 'cumulative' && effective !== 'lowmemory')
    return [{ level: 'fail', message: `metrics temporality "${effective}" is not delta, cumulative or lowmemory`, fix: `set OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=${preferred}` }];
  const norm = effective === 'lowmemory' ? 'delta' : effective;
  const required = REQUIRED_TEMPORALITY[backend];
  if (required && norm !== required)
    return [
      {
        level: 'fail',
        message: `metrics temporality ${effective}${actual === undefined ? " (Claude Code's default)" : ''}: ${backend} rejects it and needs ${required}`,
        fix: `remove the "temporality" override (cc-otel uses ${required} for ${backend}) and reinstall, so OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=${required}`,
      },
    ];
  if (norm !== preferred)
    return [{ level: 'warn', message: `metrics temporality ${effective}, ${backend} prefers ${preferred}`, fix: `set "temporality": "${preferred}" or drop the override` }];
  return [];
}

/** Header names and values: valid tokens, no control characters, and what the `k=v` env form cannot carry. */
export function lintHeaders(headers: Readonly<Record<string, string>>, opts: { envFormOnly: boolean }): Finding[] {
  const out: Finding[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (!isValidHeaderName(k)) out.push({ level: 'fail', message: `header name "${k}" is not a valid HTTP header name`, fix: 'use letters, digits and - in header names' });
    if (!isValidHeaderValue(v))
      out.push({ level: 'fail', message: `header ${k}: its value contains a newline or control character`, fix: 'store the key without trailing newline or control characters' });
  }
  for (const p of headerEnvProblems(headers)) {
    if (p.refused && !p.helperCarries) continue; // a control character, a name that is no token: failed above
    const what = describeHeaderEnvProblem(p);
    out.push(
      opts.envFormOnly
        ? { level: 'fail', message: `${what}, and with grpc that form is the only one Claude Code uses`, fix: 'use http/protobuf (the headers helper carries any value as JSON)' }
        : p.refused
          ? { level: 'warn', message: `${what}: \`cc-otel exec\`, \`cc-otel env\` and the env file refuse to write OTEL_EXPORTER_OTLP_HEADERS (the headers helper's JSON carries it intact)`, fix: 'use the headers helper (`cc-otel install`) for this backend' }
          : { level: 'warn', message: `${what} (the headers helper's JSON carries it intact; only \`cc-otel exec\`/env output is affected)`, fix: 'prefer the headers helper for this backend' },
    );
  }
  return out;
}

/**
 * `OTEL_EXPORTER_OTLP_HEADERS` as the OpenTelemetry JS SDK reads it: `parseKeyPairsIntoRecord`
 * from @opentelemetry/core (split on `,`, `;` properties dropped, split at the first `=`, key and
 * value percent-decoded, entries that fail to decode or have an empty value DROPPED — backends.md
 * §5.3). The real parser is the oracle (style.md habit 5): a hand split on `=` counts headers the
 * SDK silently discards. Values are for comparison only; never print them.
 */
export async function parseStaticHeaders(raw: string | undefined): Promise<Record<string, string>> {
  if (!raw) return {};
  const { parseKeyPairsIntoRecord } = await import('@opentelemetry/core');
  return parseKeyPairsIntoRecord(raw);
}

export interface StaticHeadersSent {
  /** name → the value Claude Code sends */
  headers: Record<string, string>;
  /** raw names of entries whose key or value does not percent-decode (the SDK parser drops them) */
  undecodable: string[];
}

function decodes(s: string): boolean {
  try {
    decodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * The static headers as Claude Code sends them [measured, 2.1.197, test receivers]: with grpc its
 * exporter reads the variable with the SDK parser (values decoded, `;…` cut); with http/* it sends
 * each value VERBATIM, only trimmed (`Basic%20abc` arrives as `Basic%20abc`, `v;p=1` as is). An
 * entry that does not percent-decode (a stray `%`) is dropped by the parser — and with it in the
 * variable Claude Code 2.1.197 exported nothing at all, on every protocol.
 */
export async function staticHeadersAsSent(raw: string | undefined, protocol: string): Promise<StaticHeadersSent> {
  if (!raw) return { headers: {}, undecodable: [] };
  const entries = raw
    .split(',')
    .map((e) => {
      const i = e.indexOf('=');
      return i <= 0 ? undefined : { key: e.slice(0, i).trim(), value: e.slice(i + 1).trim() };
    })
    .filter((e): e is { key: string; value: string } => e !== undefined && e.key !== '' && e.value !== '');
  const undecodable = entries.filter((e) => !decodes(e.key) || !decodes(e.value.split(';')[0] ?? '')).map((e) => e.key);
  if (protocol === 'grpc') return { headers: await parseStaticHeaders(raw), undecodable };
  const headers: Record<string, string> = {};
  for (const e of entries) headers[e.key] = e.value;
  return { headers, undecodable };
}

export interface SignalExport {
  signal: Signal;
  /** OTEL_<SIGNAL>_EXPORTER contains otlp */
  exporterOn: boolean;
  exporter: string | undefined;
  protocol: string | undefined;
  /** the URL the exporter will post to (HTTP: per-signal as-is, or base + /v1/<signal>; gRPC: the base) */
  endpoint: string | undefined;
  /** the variable the endpoint came from */
  endpointVar: string | undefined;
  protocolVar: string | undefined;
}

/** How Claude Code's exporter resolves one signal from its environment (OTel spec exporter.md). */
export function signalExport(env: Readonly<Record<string, string | undefined>>, signal: Signal): SignalExport {
  const S = signal.toUpperCase();
  const exporter = env[`OTEL_${S}_EXPORTER`];
  const exporterOn = (exporter ?? '').split(',').map((x) => x.trim()).includes('otlp');
  const protocolVar = env[`OTEL_EXPORTER_OTLP_${S}_PROTOCOL`] ? `OTEL_EXPORTER_OTLP_${S}_PROTOCOL` : env.OTEL_EXPORTER_OTLP_PROTOCOL ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : undefined;
  const protocol = protocolVar ? env[protocolVar] : undefined;
  const specific = env[`OTEL_EXPORTER_OTLP_${S}_ENDPOINT`];
  const generic = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  let endpoint: string | undefined;
  let endpointVar: string | undefined;
  if (specific) {
    endpoint = specific;
    endpointVar = `OTEL_EXPORTER_OTLP_${S}_ENDPOINT`;
  } else if (generic) {
    endpointVar = 'OTEL_EXPORTER_OTLP_ENDPOINT';
    if (protocol === 'grpc') endpoint = generic;
    else {
      try {
        endpoint = signalUrl(generic, signal);
      } catch {
        endpoint = generic;
      }
    }
  }
  return { signal, exporterOn, exporter, protocol, endpoint, endpointVar, protocolVar };
}

/**
 * Compare URLs as an exporter sees them: default port and case of scheme/host do not matter; the
 * path does, trailing slash included (per-signal URLs are used as-is, and /v1/logs/ 404s). Only an
 * empty path equals "/".
 */
export function sameUrl(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    const x = new URL(a);
    const y = new URL(b);
    const norm = (u: URL) => `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    return norm(x) === norm(y);
  } catch {
    return a === b;
  }
}


/** The content switches (privacy), all off by default (facts §6). */
export const CONTENT_SWITCHES: ReadonlyArray<{ name: string; label: string; configKey: string }> = [
  { name: 'OTEL_LOG_USER_PROMPTS', label: 'prompt text', configKey: 'privacy.prompts' },
  { name: 'OTEL_LOG_ASSISTANT_RESPONSES', label: 'assistant responses', configKey: 'privacy.assistantResponses' },
  { name: 'OTEL_LOG_TOOL_DETAILS', label: 'tool parameters', configKey: 'privacy.toolDetails' },
  { name: 'OTEL_LOG_TOOL_CONTENT', label: 'tool content', configKey: 'privacy.toolContent' },
  { name: 'OTEL_LOG_RAW_API_BODIES', label: 'raw API bodies', configKey: 'privacy.rawApiBodies' },
];
