/**
 * OTLP headers in their two shapes:
 *  - the otelHeadersHelper JSON: raw values (Claude Code sends them as they are).
 *  - OTEL_EXPORTER_OTLP_HEADERS: `k=v,k=v` with RAW values. The spec's W3C-baggage form implies
 *    percent-encoding and the OTel JS SDK decodeURIComponent()s values, but Claude Code's HTTP
 *    exporters send them verbatim [measured, 2.1.197: `authorization=Basic%20abc%3D%3D` arrived as
 *    `Basic%20abc%3D%3D`; its grpc exporter decodes]. A raw value with spaces, `=`, `+`, `/` is
 *    read identically by both kinds of parser, so raw is the only form right for all of them.
 *
 * What the `k=v,k=v` form cannot carry at all (issue #12) — headerEnvProblems(), `refused`:
 *  - `,` in a value: the separator; the SDK splits the value into two headers (the second one named
 *    after whatever follows the comma);
 *  - `=` or `,` in a name: the name ends at the first `=`, the rest goes into the value;
 *  - control characters (a newline, CR, NUL…): invalid in an HTTP header at all.
 * The headers helper's JSON carries a value with `,` intact (HTTP protocols only: Claude Code ignores
 * the helper with grpc); nothing carries a control character. What the form carries but some
 * consumers alter — `%` (decoders choke or alter it), `;` (the baggage parser drops everything
 * after it as a property) — is only warned about: Claude Code's HTTP exporters send both verbatim.
 */
export type Headers = Readonly<Record<string, string>>;

export function renderHeadersEnv(headers: Headers): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export interface HeaderEnvProblem {
  /** the variable that would carry it: OTEL_EXPORTER_OTLP_HEADERS or a per-signal OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS */
  variable: string;
  header: string;
  /** e.g. `its value contains ","`, and what that does to the variable */
  message: string;
  /** the variable cannot carry the header at all (a `,` or control character, a name with `=`): refused, not warned about */
  refused: boolean;
  /** the headers helper's JSON carries it intact (a value with `,`); a control character or a name that is no HTTP token no channel carries */
  helperCarries: boolean;
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * What `variable` (OTEL_EXPORTER_OTLP_HEADERS, or a per-signal one) cannot carry (refused) or carries
 * altered for some consumers (warned). `helperCan`: whether the headers helper is an alternative at
 * all — it is not for a per-signal header (Claude Code sends the helper's headers with every signal).
 */
export function headerEnvProblems(headers: Headers, variable = 'OTEL_EXPORTER_OTLP_HEADERS', helperCan = true): HeaderEnvProblem[] {
  const out: HeaderEnvProblem[] = [];
  const refuse = (header: string, message: string, helperCarries = false) => out.push({ variable, header, message, refused: true, helperCarries: helperCarries && helperCan });
  const warn = (header: string, message: string) => out.push({ variable, header, message, refused: false, helperCarries: helperCan });
  for (const [k, v] of Object.entries(headers)) {
    const nameChar = /[=,]/.exec(k)?.[0];
    if (nameChar) refuse(k, `its name contains "${nameChar}": in ${variable} (k=v,k=v) the name would end at the first "=" and the rest would become the value`);
    else if (CONTROL.test(k) || CONTROL.test(v)) refuse(k, `its ${CONTROL.test(k) ? 'name' : 'value'} contains a control character (a newline, CR or NUL), which no HTTP header may carry`);
    else if (v.includes(',')) refuse(k, `its value contains ",", the separator of ${variable} (k=v,k=v): the SDK would split it into two headers and send neither intact`, true);
    else if (v.includes('%')) warn(k, 'its value contains "%", which SDKs that percent-decode will alter or reject');
    // W3C-baggage parsers (the JS SDK's parseKeyPairsIntoRecord) cut the value at ";" (property separator)
    else if (v.includes(';')) warn(k, 'its value contains ";", which SDKs that parse the baggage format cut off there');
  }
  return out;
}

/** `header X: …` — one problem as a sentence. */
export const describeHeaderEnvProblem = (p: HeaderEnvProblem): string => `header ${p.header}: ${p.message}`;

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
