/**
 * Pure classification of one probe attempt into a {@link ProbeStatus} plus an actionable hint.
 * Rules follow the OTLP spec (opentelemetry-proto docs/specification.md, backends.md §5.5/5.6)
 * and the vendor behaviour collected in backends.md §8:
 *
 *   2xx, no partial_success           → accepted (202 too: Datadog traces)
 *   2xx, partial_success rejected>0
 *        or non-empty error_message   → partial        (MUST NOT retry)
 *   2xx text/html                     → not_found      (a web UI answered, not an OTLP intake)
 *   400 / INVALID_ARGUMENT            → bad_request    (Status.message, e.g. Mimir temporality)
 *   401 403 / UNAUTHENTICATED PERMISSION_DENIED → auth
 *   404 3xx / UNIMPLEMENTED NOT_FOUND → not_found
 *   405 411 415                       → protocol
 *   413 / RESOURCE_EXHAUSTED(size)    → too_large
 *   429 502 503 504 / UNAVAILABLE …   → transient      (retried, Retry-After honoured)
 *   RESOURCE_EXHAUSTED + RetryInfo    → transient      (retried after retry_delay; without it: not retried)
 *   DEADLINE_EXCEEDED from the server → transient      (retried)
 *   ENOTFOUND EAI_AGAIN               → dns
 *   certificate errors                → tls
 *   ECONNREFUSED                      → refused
 *   ECONNRESET EPIPE                  → retried; `error` if the last attempt was reset too
 *   overall deadline                  → timeout
 */
import type { ProbeProtocol, ProbeStatus, Signal, Temporality } from './types.js';

export interface ClassifyContext {
  signal: Signal;
  protocol: ProbeProtocol;
  endpoint: string;
  temporality?: Temporality;
  /** lower-cased names of the headers sent */
  headerNames: readonly string[];
}

/** The verdict on one attempt; the retry loop in send-probe.ts decides what to do with it. */
export interface AttemptVerdict {
  status: ProbeStatus;
  message: string;
  hint: string;
  retryable: boolean;
  httpStatus?: number;
  grpcCode?: number;
  grpcStatusName?: string;
  retryAfterMs?: number;
  rejected?: number;
}

// ---------------------------------------------------------------------------------------------
// Small parsers

/**
 * Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns ms to wait (≥ 0), or
 * undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function readVarint(buf: Uint8Array, pos: number): [number, number] | undefined {
  let result = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i] as number;
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, i + 1];
  }
  return undefined;
}

/**
 * Decode a protobuf `google.rpc.Status` { int32 code = 1; string message = 2; repeated Any details = 3 }.
 * Returns undefined when the bytes are not a well-formed Status with a message.
 */
export function decodeRpcStatus(buf: Uint8Array): { code?: number; message: string } | undefined {
  let pos = 0;
  let code: number | undefined;
  let message: string | undefined;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    if (!tag) return undefined;
    pos = tag[1];
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] & 7;
    if (wire === 0) {
      const v = readVarint(buf, pos);
      if (!v) return undefined;
      pos = v[1];
      if (field === 1) code = v[0];
    } else if (wire === 2) {
      const len = readVarint(buf, pos);
      if (!len) return undefined;
      pos = len[1];
      const end = pos + len[0];
      if (end > buf.length) return undefined;
      if (field === 2) message = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(pos, end));
      pos = end;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 1) {
      pos += 8;
    } else {
      return undefined;
    }
  }
  if (pos !== buf.length || message === undefined) return undefined;
  return code === undefined ? { message } : { code, message };
}

const MAX_MESSAGE = 300;

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > MAX_MESSAGE ? `${t.slice(0, MAX_MESSAGE)}…` : t;
}

/**
 * The server's own words from an error body: protobuf google.rpc.Status, JSON
 * (`message` / `error` / `errors`), or plain text. HTML pages are summarised, never dumped.
 */
export function extractErrorMessage(body: Uint8Array, contentType: string | undefined): string | undefined {
  if (body.length === 0) return undefined;
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('protobuf') || ct.includes('grpc')) {
    const st = decodeRpcStatus(body);
    if (st) return oneLine(st.message) || undefined;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const st = decodeRpcStatus(body);
    return st ? oneLine(st.message) || undefined : undefined;
  }
  if (ct.includes('html') || /^\s*<(!doctype|html)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
    return title ? `HTML page "${oneLine(title)}"` : 'an HTML page';
  }
  if (ct.includes('json') || /^\s*[{[]/.test(text)) {
    try {
      const j: unknown = JSON.parse(text);
      const m = messageFromJson(j);
      if (m) return oneLine(m);
    } catch {
      /* fall through to text */
    }
  }
  // A Status sent without a protobuf content type still decodes; text that isn't printable doesn't help.
  if (!/^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/.test(text)) {
    const st = decodeRpcStatus(body);
    return st ? oneLine(st.message) || undefined : undefined;
  }
  return oneLine(text) || undefined;
}

function messageFromJson(j: unknown): string | undefined {
  if (typeof j === 'string') return j;
  if (Array.isArray(j)) return j.map((x) => messageFromJson(x)).filter(Boolean).join('; ') || undefined;
  if (j && typeof j === 'object') {
    const o = j as Record<string, unknown>;
    for (const k of ['message', 'error', 'errors', 'error_message', 'errorMessage', 'detail']) {
      const m = messageFromJson(o[k]);
      if (m) return m;
    }
  }
  return undefined;
}

function toCount(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (v && typeof v === 'object' && 'toNumber' in v && typeof (v as { toNumber: unknown }).toNumber === 'function') {
    return Number((v as { toNumber: () => number }).toNumber());
  }
  return 0;
}

const REJECTED_KEYS: Record<Signal, readonly string[]> = {
  traces: ['rejectedSpans', 'rejected_spans'],
  metrics: ['rejectedDataPoints', 'rejected_data_points'],
  logs: ['rejectedLogRecords', 'rejected_log_records'],
};

/**
 * partial_success of a decoded Export<Signal>ServiceResponse (protobuf decoder output, or OTLP/JSON
 * in lowerCamelCase or snake_case, int64 as number or string). undefined when unset/empty.
 */
export function readPartialSuccess(
  signal: Signal,
  response: unknown,
): { rejected: number; errorMessage: string } | undefined {
  if (!response || typeof response !== 'object') return undefined;
  const r = response as Record<string, unknown>;
  const ps = r.partialSuccess ?? r.partial_success;
  if (!ps || typeof ps !== 'object') return undefined;
  const p = ps as Record<string, unknown>;
  let rejected = 0;
  for (const k of REJECTED_KEYS[signal]) rejected = Math.max(rejected, toCount(p[k]));
  const em = p.errorMessage ?? p.error_message;
  const errorMessage = typeof em === 'string' ? em : '';
  if (rejected === 0 && errorMessage === '') return undefined;
  return { rejected, errorMessage };
}

// ---------------------------------------------------------------------------------------------
// Hints

const SIGNAL_UNIT: Record<Signal, string> = { traces: 'span(s)', metrics: 'data point(s)', logs: 'log record(s)' };

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}

function mentionsTemporality(s: string): boolean {
  return /temporality|cumulative|delta|monotonic/i.test(s);
}

export function temporalityHint(ctx: ClassifyContext): string {
  const t = ctx.temporality ?? 'delta';
  const other = t === 'cumulative' ? 'delta' : 'cumulative';
  return (
    `the backend rejects ${t} monotonic sums: set OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=${other} ` +
    `(Grafana Cloud / Mimir / Prometheus need cumulative; Datadog / Dynatrace need delta).`
  );
}

function authHint(ctx: ClassifyContext): string {
  const sent = ctx.headerNames.length ? `headers sent: ${ctx.headerNames.join(', ')}` : 'no headers were sent';
  return (
    `the backend rejected the credentials (${sent}). Check the key itself (copied whole, no trailing ` +
    `newline/space, not expired or revoked), its scope (e.g. Grafana token needs ${ctx.signal}:write, ` +
    `Dynatrace token needs the ingest scope, New Relic needs a License/ingest key), and the region/site ` +
    `(a key from one region — US/EU, Datadog site — is rejected by another); also the header name ` +
    `(signoz-ingestion-key, x-honeycomb-team, dd-api-key, api-key, Authorization=Basic …).`
  );
}

export function notFoundHint(ctx: ClassifyContext): string {
  if (ctx.protocol === 'grpc') {
    return (
      `the server does not serve the OTLP ${ctx.signal} gRPC service: wrong port (OTLP gRPC is 4317, ` +
      `HTTP 4318; SigNoz/Honeycomb cloud use 443), an HTTP-only endpoint (Grafana Cloud, Datadog, ` +
      `Dynatrace, Axiom, Langfuse — use http/protobuf), or the backend doesn't accept ${ctx.signal}.`
    );
  }
  const parts: string[] = [];
  let path = '';
  let url: URL | undefined;
  try {
    url = new URL(ctx.endpoint);
    path = url.pathname;
  } catch {
    /* unparseable: generic hint */
  }
  const suffix = `/v1/${ctx.signal}`;
  if (path.endsWith('/') && path !== '/') parts.push(`remove the trailing slash (${path})`);
  else if (!path.endsWith(suffix)) {
    parts.push(
      `a per-signal endpoint is used as-is and must end with ${suffix} (this one's path is "${path || '/'}")`,
    );
  }
  const host = url?.hostname ?? '';
  if (/grafana\.net$/.test(host) && !path.includes('/otlp/')) parts.push('Grafana Cloud needs the /otlp base path (…/otlp/v1/…)');
  if (/dynatrace/.test(host) && !path.includes('/api/v2/otlp')) parts.push('Dynatrace needs /api/v2/otlp/v1/…');
  if (/langfuse/.test(host) && !path.includes('/api/public/otel')) parts.push('Langfuse needs /api/public/otel/v1/traces');
  if (parts.length === 0) {
    parts.push(
      'check the base path (/otlp for Grafana Cloud, /api/v2/otlp for Dynatrace, /api/public/otel for Langfuse)',
    );
  }
  if (ctx.signal !== 'traces') {
    parts.push(
      `or the backend doesn't accept ${ctx.signal} at all (Langfuse, Jaeger, Tempo are traces-only): ` +
        `set OTEL_${ctx.signal.toUpperCase()}_EXPORTER=none`,
    );
  }
  return `${parts.join('; ')}.`;
}

function protocolHint(ctx: ClassifyContext, httpStatus: number): string {
  if (httpStatus === 411) {
    return 'the endpoint requires Content-Length (chunked uploads rejected): use Claude Code ≥ 2.1.212 for HTTP exports.';
  }
  if (httpStatus === 405) {
    return (
      'the URL does not accept POST: it is probably a UI or query host rather than the OTLP intake, ' +
      `or the path is wrong (it must end with /v1/${ctx.signal}).`
    );
  }
  if (ctx.protocol === 'http/json') {
    return (
      'the endpoint does not accept http/json (application/json): Dynatrace, Datadog traces and Axiom ' +
      'metrics take binary protobuf only — set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf.'
    );
  }
  return (
    'the endpoint does not accept http/protobuf (application/x-protobuf) here: it is probably not an OTLP ' +
    `intake (check the path ends with /v1/${ctx.signal}), or it expects gRPC.`
  );
}

function tooLargeHint(): string {
  return (
    'the request body was refused as too large even though the probe holds a single record: a proxy in ' +
    'front of the backend has a tiny body limit, or the endpoint is not an OTLP intake. For real traffic, ' +
    'OTEL_EXPORTER_OTLP_COMPRESSION=gzip shrinks requests.'
  );
}

function transientHint(what: string): string {
  return (
    `${what}: the backend is throttling or temporarily unavailable. Retry later; check the backend's ` +
    `status page and ingestion limits (e.g. SigNoz per-signal daily limits, New Relic rate limits).`
  );
}

function badRequestHint(ctx: ClassifyContext, serverMessage: string | undefined): string {
  if (ctx.signal === 'metrics' && serverMessage && mentionsTemporality(serverMessage)) return temporalityHint(ctx);
  if (ctx.protocol === 'http/json') {
    return 'the backend rejected the request as malformed; many backends only take http/protobuf — try OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf.';
  }
  if (ctx.signal === 'metrics') {
    return (
      'the backend rejected the data as malformed (see its message). If it is about the metric type, ' +
      temporalityHint(ctx)
    );
  }
  return 'the backend rejected the data as malformed (see its message); check required headers (e.g. dataset / source headers).';
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpResponseLike {
  status: number;
  statusText?: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

function header(h: HttpResponseLike['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

export function classifyHttpResponse(
  res: HttpResponseLike,
  ctx: ClassifyContext,
  decodeResponse: (data: Uint8Array) => unknown,
  nowMs: number,
): AttemptVerdict {
  const status = res.status;
  const ct = header(res.headers, 'content-type');
  const label = `HTTP ${status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const serverMessage = status >= 300 ? extractErrorMessage(res.body, ct) : undefined;
  const withServer = (m: string): string => (serverMessage ? `${m}: ${serverMessage}` : m);
  const base = { httpStatus: status };

  if (status >= 200 && status < 300) {
    if ((ct ?? '').toLowerCase().includes('text/html')) {
      const page = extractErrorMessage(res.body, ct) ?? 'an HTML page';
      return {
        ...base,
        status: 'not_found',
        retryable: false,
        message: `${label} but the body is ${page}, not an OTLP response`,
        hint: `this URL serves a web page (a UI or a catch-all route), not an OTLP intake — ${notFoundHint(ctx)}`,
      };
    }
    let decoded: unknown;
    let undecodable = false;
    if (res.body.length > 0) {
      try {
        decoded = decodeResponse(res.body);
      } catch {
        undecodable = true;
      }
    }
    const ps = readPartialSuccess(ctx.signal, decoded);
    if (ps) {
      const msg = ps.errorMessage ? `: ${oneLine(ps.errorMessage)}` : '';
      const hint =
        ps.rejected > 0
          ? ctx.signal === 'metrics' && mentionsTemporality(ps.errorMessage)
            ? temporalityHint(ctx)
            : `the backend accepted the request but dropped the record — fix what its message names (the spec forbids retrying a partial success).`
          : 'warning only: nothing was rejected, but read what the backend says.';
      return {
        ...base,
        status: 'partial',
        retryable: false,
        rejected: ps.rejected,
        message: `${label} with partial_success: ${ps.rejected} ${SIGNAL_UNIT[ctx.signal]} rejected${msg}`,
        hint,
      };
    }
    return {
      ...base,
      status: 'accepted',
      retryable: false,
      message: undecodable
        ? `${label}: accepted (the response body was not an Export response; ignored)`
        : `${label}: accepted`,
      hint: '',
    };
  }

  if (status >= 300 && status < 400) {
    const loc = header(res.headers, 'location');
    return {
      ...base,
      status: 'not_found',
      retryable: false,
      message: `${label} redirect${loc ? ` to ${loc}` : ''}`,
      hint: `OTLP exporters do not follow redirects: set the endpoint to ${loc ? `the target (${loc})` : 'the final URL'} (often http:// → https:// or a missing/extra trailing slash).`,
    };
  }

  if (status === 401 || status === 403) {
    return { ...base, status: 'auth', retryable: false, message: withServer(label), hint: authHint(ctx) };
  }
  if (status === 404) {
    return { ...base, status: 'not_found', retryable: false, message: withServer(label), hint: notFoundHint(ctx) };
  }
  if (status === 405 || status === 411 || status === 415) {
    return { ...base, status: 'protocol', retryable: false, message: withServer(label), hint: protocolHint(ctx, status) };
  }
  if (status === 413) {
    return { ...base, status: 'too_large', retryable: false, message: withServer(label), hint: tooLargeHint() };
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], nowMs);
    return {
      ...base,
      status: 'transient',
      retryable: true,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      message: withServer(label),
      hint: transientHint(label),
    };
  }
  if (status === 400) {
    return { ...base, status: 'bad_request', retryable: false, message: withServer(label), hint: badRequestHint(ctx, serverMessage) };
  }
  return {
    ...base,
    status: 'error',
    retryable: false,
    message: withServer(label),
    hint:
      status >= 500
        ? 'the backend failed internally (not retryable per the OTLP spec); try again later and check its status page.'
        : `unexpected ${label} — see the backend's message; check the endpoint and headers.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Network errors (HTTP transport and gRPC connection failures)

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TLS_UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

function errCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

function errMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.message;
  return String(e);
}

function tlsHint(kind: 'untrusted' | 'altname' | 'expired' | 'plaintext' | 'other', ctx: ClassifyContext): string {
  const trust =
    ctx.protocol === 'grpc'
      ? 'OTEL_EXPORTER_OTLP_CERTIFICATE=/path/ca.pem (gRPC)'
      : 'NODE_EXTRA_CA_CERTS=/path/ca.pem (http/*)';
  switch (kind) {
    case 'untrusted':
      return `the server's certificate is self-signed or signed by an unknown CA: trust that CA with ${trust}, or use the backend's public endpoint.`;
    case 'altname':
      return `the certificate is not valid for ${hostOf(ctx.endpoint)}: use the exact hostname the certificate was issued for (a CNAME/IP/region host won't match).`;
    case 'expired':
      return "the server's certificate is expired or not yet valid: renew it (or check this machine's clock).";
    case 'plaintext':
      return 'the endpoint does not speak TLS on this port: use http:// (plaintext) or the TLS port (443).';
    case 'other':
      return `the TLS handshake failed: check the scheme/port and the certificate chain; trust a private CA with ${trust}.`;
  }
}

/** Classify a transport error (no HTTP response). */
export function classifyNetworkError(e: unknown, ctx: ClassifyContext): AttemptVerdict {
  const code = errCode(e);
  const msg = errMessage(e);
  const host = hostOf(ctx.endpoint);
  if (code && DNS_CODES.has(code)) {
    return {
      status: 'dns',
      retryable: false,
      message: `cannot resolve ${host} (${code})`,
      hint: `the hostname does not resolve: check its spelling and region (e.g. ingest.us.signoz.cloud, otlp-gateway-<zone>.grafana.net), and this machine's DNS/VPN/proxy.`,
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      status: 'refused',
      retryable: false,
      message: `connection refused by ${host}`,
      hint: 'nothing is listening there: is the collector/agent running? Check the port (OTLP gRPC 4317, HTTP 4318; SigNoz/Honeycomb cloud use 443).',
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altname|does not match certificate/i.test(msg)) {
    return { status: 'tls', retryable: false, message: `TLS: ${msg}`, hint: tlsHint('altname', ctx) };
  }
  if ((code && TLS_UNTRUSTED.has(code)) || /self[- ]signed|unable to verify|unable to get (local )?issuer/i.test(msg)) {
    return { status: 'tls', retryable: false, message: `TLS: ${msg}`, hint: tlsHint('untrusted', ctx) };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return { status: 'tls', retryable: false, message: `TLS: ${msg}`, hint: tlsHint('expired', ctx) };
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(msg)) {
    return { status: 'tls', retryable: false, message: `TLS: ${msg}`, hint: tlsHint('plaintext', ctx) };
  }
  if ((code && code.startsWith('ERR_SSL')) || (code && code.startsWith('ERR_TLS')) || code === 'EPROTO') {
    return { status: 'tls', retryable: false, message: `TLS: ${msg}`, hint: tlsHint('other', ctx) };
  }
  if ((code && RESET_CODES.has(code)) || /socket hang up/i.test(msg)) {
    return {
      status: 'error',
      retryable: true,
      message: `connection to ${host} was reset before a response (${code ?? msg})`,
      hint:
        'the connection was cut on every attempt: usually a protocol mismatch (HTTP to a gRPC-only port 4317, ' +
        'plaintext to a TLS port) or a proxy/firewall closing it; check protocol, scheme and port.',
    };
  }
  if (code && code.startsWith('HPE_')) {
    return {
      status: 'protocol',
      retryable: false,
      message: `the server's answer is not HTTP/1.1 (${code}: ${msg})`,
      hint:
        ctx.protocol === 'grpc'
          ? 'the endpoint does not speak the expected protocol; check scheme and port.'
          : 'the endpoint is probably a gRPC port (4317, HTTP/2 only): set OTEL_EXPORTER_OTLP_PROTOCOL=grpc, or use the OTLP/HTTP port 4318.',
    };
  }
  if (code === 'ETIMEDOUT' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH') {
    return {
      status: code === 'ETIMEDOUT' ? 'timeout' : 'error',
      retryable: false,
      message: `cannot reach ${host} (${code})`,
      hint: 'the network path is blocked: firewall, VPN, or an HTTP proxy that this machine requires.',
    };
  }
  if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN' || /invalid character in header/i.test(msg)) {
    return {
      status: 'error',
      retryable: false,
      message: `a header could not be sent: ${msg}`,
      hint: 'a header name or value holds an invalid character — typically a trailing newline read from a key file; strip it.',
    };
  }
  if (code === 'ERR_INVALID_URL' || /Invalid URL/i.test(msg)) {
    return {
      status: 'error',
      retryable: false,
      message: `invalid endpoint URL ${JSON.stringify(ctx.endpoint)}`,
      hint: 'the endpoint must be an absolute http:// or https:// URL.',
    };
  }
  return {
    status: 'error',
    retryable: false,
    message: `request failed: ${code ? `${code} ` : ''}${msg}`,
    hint: 'unexpected transport error; check endpoint, scheme and port.',
  };
}

export function timeoutVerdict(ctx: ClassifyContext, timeoutMs: number, aborted: boolean): AttemptVerdict {
  if (aborted) {
    return { status: 'timeout', retryable: false, message: 'aborted before the backend answered', hint: '' };
  }
  return {
    status: 'timeout',
    retryable: false,
    message: `no response from ${hostOf(ctx.endpoint)} within ${timeoutMs} ms`,
    hint:
      'the backend did not answer in time: a firewall silently dropping packets, a wrong port, a required ' +
      'HTTP proxy, or a very slow backend; raise the timeout if the backend is just slow.',
  };
}

// ---------------------------------------------------------------------------------------------
// gRPC

export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const GRPC_TO_HTTP_HINT =
  'the server does not speak gRPC (HTTP/2) here: it is probably an OTLP/HTTP port (4318) or an HTTP-only ' +
  'gateway — set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, or use the gRPC port 4317.';

export interface GrpcErrorLike {
  code: number;
  details?: string;
  message?: string;
  /** the `grpc-status-details-bin` trailer: a serialized google.rpc.Status */
  statusDetails?: Uint8Array;
}

// Minimal protobuf reading for google.rpc.Status → details (Any) → google.rpc.RetryInfo, the one
// thing the OTLP spec asks a client to read from a gRPC status (backends.md §5.6).
function* protoFields(buf: Uint8Array): Generator<{ field: number; wire: number; value: bigint | Uint8Array }> {
  let i = 0;
  const varint = (): bigint => {
    let r = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('truncated field');
      yield { field, wire, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** RetryInfo.retry_delay from a serialized google.rpc.Status, in ms; undefined when it carries none. */
export function retryInfoDelayMs(status: Uint8Array | undefined): number | undefined {
  if (!status?.length) return undefined;
  try {
    for (const d of protoFields(status)) {
      if (d.field !== 3 || !(d.value instanceof Uint8Array)) continue; // Status.details: Any
      let typeUrl = '';
      let value: Uint8Array | undefined;
      for (const a of protoFields(d.value)) {
        if (a.field === 1 && a.value instanceof Uint8Array) typeUrl = Buffer.from(a.value).toString('utf8');
        if (a.field === 2 && a.value instanceof Uint8Array) value = a.value;
      }
      if (typeUrl !== RETRY_INFO_TYPE) continue;
      let seconds = 0n;
      let nanos = 0n;
      for (const r of protoFields(value ?? new Uint8Array())) {
        if (r.field !== 1 || !(r.value instanceof Uint8Array)) continue; // RetryInfo.retry_delay: Duration
        for (const f of protoFields(r.value)) {
          if (f.field === 1 && typeof f.value === 'bigint') seconds = f.value;
          if (f.field === 2 && typeof f.value === 'bigint') nanos = f.value;
        }
      }
      return Math.max(0, Number(seconds) * 1000 + Math.round(Number(nanos) / 1e6));
    }
  } catch {
    /* malformed details: no RetryInfo */
  }
  return undefined;
}

/** Connection-level causes grpc-js reports as UNAVAILABLE "No connection established. Last error: …". */
function grpcConnectionCause(details: string): string | undefined {
  const m = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(details);
  if (m) return m[1];
  if (/Name resolution failed|DNS resolution failed|getaddrinfo/i.test(details)) return 'ENOTFOUND';
  return undefined;
}

export function classifyGrpcError(err: GrpcErrorLike, ctx: ClassifyContext): AttemptVerdict {
  const code = err.code;
  const name = GRPC_STATUS_NAMES[code] ?? `CODE_${code}`;
  // grpc-js decorates connection errors with timestamps and resolver notes; keep the cause only.
  const details = (err.details ?? err.message ?? '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/g, '')
    .replace(/\.?\s*Resolution note:.*$/s, '')
    .trim();
  const label = `gRPC ${name}${details ? `: ${oneLine(details)}` : ''}`;
  const base = { grpcCode: code, grpcStatusName: name };

  if (code === 14 /* UNAVAILABLE */) {
    const cause = grpcConnectionCause(details);
    if (cause && cause !== 'ECONNRESET' && cause !== 'EPIPE') {
      const v = classifyNetworkError(Object.assign(new Error(details), { code: cause }), ctx);
      return { ...v, ...base, message: `${v.message} — ${label}` };
    }
    if (/Protocol error/i.test(details)) {
      return {
        ...base,
        status: 'protocol',
        retryable: false,
        message: label,
        hint: GRPC_TO_HTTP_HINT,
      };
    }
    if (/certificate|self[- ]signed|ssl|tls|handshake|altname|Hostname\/IP does not match/i.test(details)) {
      const kind = /altname|does not match/i.test(details)
        ? 'altname'
        : /self[- ]signed|unable to verify|issuer|certificate/i.test(details)
          ? 'untrusted'
          : /wrong version|packet length/i.test(details)
            ? 'plaintext'
            : 'other';
      return { ...base, status: 'tls', retryable: false, message: label, hint: tlsHint(kind, ctx) };
    }
    return { ...base, status: 'transient', retryable: true, message: label, hint: transientHint('gRPC UNAVAILABLE') + ' If it persists, the endpoint may not speak gRPC (use http/protobuf) or the scheme is wrong (http:// = plaintext, https:// = TLS).' };
  }
  switch (code) {
    case 16: // UNAUTHENTICATED
    case 7: {
      // PERMISSION_DENIED
      const ctHint = /content-type/i.test(details)
        ? 'The server answered with a non-gRPC content type: this endpoint is probably HTTP-only — use http/protobuf. '
        : '';
      return { ...base, status: 'auth', retryable: false, message: label, hint: ctHint + authHint(ctx) };
    }
    case 12: // UNIMPLEMENTED
    case 5: // NOT_FOUND
      return { ...base, status: 'not_found', retryable: false, message: label, hint: notFoundHint(ctx) };
    case 3: // INVALID_ARGUMENT
      return { ...base, status: 'bad_request', retryable: false, message: label, hint: badRequestHint(ctx, details) };
    case 8: // RESOURCE_EXHAUSTED
      if (/larger than|too large|max(imum)? .*size|message length/i.test(details)) {
        return { ...base, status: 'too_large', retryable: false, message: label, hint: tooLargeHint() };
      }
      {
        // Throttling: retryable only when the status carries RetryInfo, after its retry_delay (backends.md §5.6).
        const retryAfterMs = retryInfoDelayMs(err.statusDetails);
        if (retryAfterMs !== undefined)
          return { ...base, status: 'transient', retryable: true, retryAfterMs, message: label, hint: transientHint('gRPC RESOURCE_EXHAUSTED') };
        return { ...base, status: 'transient', retryable: false, message: label, hint: transientHint('gRPC RESOURCE_EXHAUSTED') + ' (no RetryInfo in the status, so not retried)' };
      }
    case 4: // DEADLINE_EXCEEDED from the server (our own deadline is the transport's 'timeout'): retryable, §5.6
      return { ...base, status: 'transient', retryable: true, message: label, hint: transientHint('gRPC DEADLINE_EXCEEDED') };
    case 1: // CANCELLED
    case 10: // ABORTED
    case 11: // OUT_OF_RANGE
    case 15: // DATA_LOSS
      return { ...base, status: 'transient', retryable: true, message: label, hint: transientHint(`gRPC ${name}`) };
    case 13: // INTERNAL
      if (/protocol error|RST_STREAM|unexpected content-type|HTTP status code|http2/i.test(details)) {
        return { ...base, status: 'protocol', retryable: false, message: label, hint: GRPC_TO_HTTP_HINT };
      }
      return { ...base, status: 'error', retryable: false, message: label, hint: 'the backend failed internally; try again later.' };
    default:
      return { ...base, status: 'error', retryable: false, message: label, hint: 'unexpected gRPC status; see the message.' };
  }
}
