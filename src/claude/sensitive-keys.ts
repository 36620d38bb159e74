/**
 * Values that must not appear in messages. Settings `env` written by cc-otel is non-secret, but other
 * tools and users put anything there (a static OTEL_EXPORTER_OTLP_HEADERS with a token, an API key),
 * and warnings, conflicts and the diffs of install/uninstall quote the values they found.
 */
import { SECRET_OUTPUTS } from '../otel/vars.js';
import { redact } from '../secrets/redact.js';
import { isCcOtelHeadersCommand } from './hook-entries.js';

/**
 * *_API_KEY / x-api-key, *TOKEN*, *SECRET*, *PASSWORD*, credentials, OTEL_EXPORTER_OTLP_*HEADERS and
 * any header map, Authorization / *AUTH*, and a name ending in KEY.
 */
const SENSITIVE_NAME = /HEADERS|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API[_-]?KEY|AUTH|[_-]KEY$|^KEY$/i;

/** Names that match SENSITIVE_NAME but hold no secret: CC_OTEL_KEY holds key *references* (env:NAME, op://…). */
const NOT_SENSITIVE: ReadonlySet<string> = new Set(['CC_OTEL_KEY']);

export function isSensitiveKey(key: string): boolean {
  return SECRET_OUTPUTS.has(key) || (SENSITIVE_NAME.test(key) && !NOT_SENSITIVE.has(key));
}

/** `value` as JSON text, or "(redacted)" for a sensitive key. */
export function shownValue(key: string, jsonText: string): string {
  return isSensitiveKey(key) ? '(redacted)' : jsonText;
}

/**
 * A value under a sensitive name that is safe and useful to show: cc-otel's own helper command
 * (`otelHeadersHelper` matches HEADERS, but `<node> <cc-otel> headers` is what install is about).
 */
function shownAnyway(key: string, value: string): boolean {
  return key === 'otelHeadersHelper' && isCcOtelHeadersCommand(value);
}

/** Shorter values are not redacted by value (they would blank out every "true" or "1" in a diff). */
const MIN_SECRET_BY_VALUE = 8;

/**
 * Every string at or under a sensitive key of a parsed settings value (`headers` of an MCP server,
 * env.ANTHROPIC_API_KEY, …), for redacting text by value where the key is not on the same line.
 */
export function sensitiveValues(v: unknown, under = false, out: string[] = []): string[] {
  if (typeof v === 'string') {
    if (under && v.length >= MIN_SECRET_BY_VALUE) out.push(v);
  } else if (Array.isArray(v)) for (const x of v) sensitiveValues(x, under, out);
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' && shownAnyway(k, x)) continue;
      sensitiveValues(x, under || isSensitiveKey(k), out);
    }
  return out;
}

export { redact };

const MEMBER = /("((?:[^"\\]|\\.)*)"\s*:\s*)"((?:[^"\\]|\\.)*)"/g;

/**
 * Settings JSON text (or a diff of it) with the string value of every sensitive key replaced by
 * "<redacted>" — the key's name decides, whatever the value is — and then every value in `secrets`.
 */
export function redactSettingsText(text: string, secrets: readonly string[] = []): string {
  const byName = text.replace(MEMBER, (whole, head: string, rawKey: string, rawValue: string) => {
    let key: string;
    let value: string;
    try {
      key = JSON.parse(`"${rawKey}"`) as string;
      value = JSON.parse(`"${rawValue}"`) as string;
    } catch {
      return whole;
    }
    return isSensitiveKey(key) && !shownAnyway(key, value) ? `${head}"<redacted>"` : whole;
  });
  return redact(byName, secrets.filter((s) => s.length >= 4));
}

/** An env block for printing: sensitive keys' values replaced. */
export function redactEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = isSensitiveKey(k) ? '<redacted>' : v;
  return out;
}
