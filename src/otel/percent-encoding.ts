/**
 * Percent-encoding for the OTel `key=value,key=value` environment formats
 * (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS).
 *
 * The spec requires `,` and `=` to be encoded and allows anything else to be; older JS SDKs
 * (the ones bundled in older Claude Code builds) additionally reject any value byte outside the
 * W3C baggage-octet range and throw the whole variable away. Encoding everything outside RFC 3986
 * "unreserved" satisfies every parser generation: new ones decodeURIComponent, old ones see only
 * baggage-octets. Spaces become %20 (never `+`, which some Python versions decoded as space).
 * https://opentelemetry.io/docs/specs/otel/resource/sdk/#specifying-resource-information-via-an-environment-variable
 */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type KeyValueList = ReadonlyArray<readonly [string, string]>;

export function renderKeyValueList(entries: KeyValueList): string {
  return entries.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join(',');
}
