/**
 * Endpoint rules (OTel spec, protocol/exporter.md):
 *  - OTLP/HTTP generic OTEL_EXPORTER_OTLP_ENDPOINT is a BASE: the SDK appends v1/<signal>.
 *  - per-signal OTLP/HTTP endpoints are used AS-IS, so cc-otel always writes full URLs ending in
 *    /v1/<signal> (Claude Code's own docs show a per-signal URL without it, which 404s).
 *  - gRPC appends nothing.
 */
export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['metrics', 'logs', 'traces'];

export type Protocol = 'grpc' | 'http/protobuf' | 'http/json';
export const PROTOCOLS: readonly Protocol[] = ['http/protobuf', 'http/json', 'grpc'];

export function isHttp(p: Protocol): boolean {
  return p !== 'grpc';
}

/** base + v1/<signal>, with exactly one slash between them. */
export function signalUrl(base: string, signal: Signal): string {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/${signal}`;
  return stripDefaultDecorations(u);
}

/** Remove a trailing slash from a base URL for display/config (keeps the path otherwise). */
export function normalizeBase(base: string): string {
  const u = new URL(base);
  if (u.pathname !== '/' && u.pathname.endsWith('/')) u.pathname = u.pathname.replace(/\/+$/, '');
  return stripDefaultDecorations(u);
}

function stripDefaultDecorations(u: URL): string {
  const s = u.toString();
  // URL.toString() renders an empty path as "/": "https://h" → "https://h/". Keep the user's form.
  return u.pathname === '/' && !u.search && !u.hash ? s.replace(/\/$/, '') : s;
}

export interface EndpointProblem {
  problem: string;
  hint: string;
}

/** Lint a base URL (what a preset or the user configured). */
export function lintBaseUrl(base: string): EndpointProblem[] {
  const out: EndpointProblem[] = [];
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    return [{ problem: `"${base}" is not a URL`, hint: 'write it with a scheme, e.g. https://otlp.example.com:4318' }];
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    out.push({ problem: `scheme ${u.protocol} is not http or https`, hint: 'OTLP endpoints are http:// or https:// URLs' });
  if (/\/v1\/(traces|metrics|logs)\/?$/.test(u.pathname))
    out.push({
      problem: `base URL already ends in ${u.pathname}`,
      hint: 'give the base URL without /v1/<signal>: cc-otel adds the signal path itself (a doubled /v1/... 404s)',
    });
  if (u.search || u.hash) out.push({ problem: 'URL has a query or fragment', hint: 'remove ?… and #… from the endpoint' });
  if (u.username || u.password)
    out.push({ problem: 'URL carries credentials', hint: 'put credentials in the key chain, not in the endpoint URL' });
  return out;
}
