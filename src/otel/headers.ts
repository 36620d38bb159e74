/**
 * OTLP headers in their two shapes:
 *  - the otelHeadersHelper JSON: raw values (Claude Code sends them as they are).
 *  - OTEL_EXPORTER_OTLP_HEADERS: `k=v,k=v` with RAW values. The spec's W3C-baggage form implies
 *    percent-encoding and the OTel JS SDK decodeURIComponent()s values, but Claude Code's HTTP
 *    exporters send them verbatim [measured, 2.1.197: `authorization=Basic%20abc%3D%3D` arrived as
 *    `Basic%20abc%3D%3D`; its grpc exporter decodes]. A raw value with spaces, `=`, `+`, `/` is
 *    read identically by both kinds of parser, so raw is the only form right for all of them;
 *    only `,` (the separator), `%` (decoders choke or alter it) and `;` (the baggage parser
 *    drops everything after it as a property) cannot be carried — see headerEnvProblems().
 */
export type Headers = Readonly<Record<string, string>>;

export function renderHeadersEnv(headers: Headers): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Values that no OTEL_EXPORTER_OTLP_HEADERS form carries intact to every consumer. */
export function headerEnvProblems(headers: Headers): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (v.includes(',')) out.push(`header ${k}: its value contains ",", which OTEL_EXPORTER_OTLP_HEADERS cannot carry`);
    else if (v.includes('%')) out.push(`header ${k}: its value contains "%", which SDKs that percent-decode will alter or reject`);
    // W3C-baggage parsers (the JS SDK's parseKeyPairsIntoRecord) cut the value at ";" (property separator)
    else if (v.includes(';')) out.push(`header ${k}: its value contains ";", which SDKs that parse the baggage format cut off there`);
  }
  return out;
}

export function renderHeadersJson(headers: Headers): string {
  return JSON.stringify(headers);
}

/** RFC 7230 token: what a header name may be. */
export function isValidHeaderName(name: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
}

/** A header value must not carry CR/LF (request splitting) or other control characters. */
export function isValidHeaderValue(value: string): boolean {
  return !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value);
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
