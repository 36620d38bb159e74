/**
 * OTEL_RESOURCE_ATTRIBUTES: render and parse.
 *
 * One malformed entry makes the SDK discard the WHOLE variable, silently (spec: "the entire
 * environment variable value SHOULD be discarded"), so rendering validates everything up front and
 * tests compare against the real @opentelemetry/resources EnvDetector.
 */
import { percentEncode, renderKeyValueList } from './percent-encoding.js';

/** EnvDetector._MAX_LENGTH; older parsers apply it to the encoded value, newer to the decoded. */
export const MAX_ATTRIBUTE_LENGTH = 255;

export interface AttributeProblem {
  key: string;
  problem: string;
}

/** Encoded length, or undefined when the string cannot be encoded (a lone UTF-16 surrogate: URIError). */
function encodedLength(s: string): number | undefined {
  try {
    return percentEncode(s).length;
  } catch {
    return undefined;
  }
}

export function attributeProblems(attrs: Readonly<Record<string, string>>): AttributeProblem[] {
  const out: AttributeProblem[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (k.trim() === '') out.push({ key: k, problem: 'empty attribute key' });
    else if (k !== k.trim()) out.push({ key: k, problem: 'attribute key has leading/trailing whitespace' });
    const kl = encodedLength(k);
    const vl = encodedLength(v);
    if (kl === undefined) out.push({ key: k, problem: 'key is not valid Unicode (a lone surrogate)' });
    else if (kl > MAX_ATTRIBUTE_LENGTH) out.push({ key: k, problem: `key longer than ${MAX_ATTRIBUTE_LENGTH} characters once encoded` });
    if (vl === undefined) out.push({ key: k, problem: 'value is not valid Unicode (a lone surrogate)' });
    else if (vl > MAX_ATTRIBUTE_LENGTH)
      out.push({ key: k, problem: `value longer than ${MAX_ATTRIBUTE_LENGTH} characters once percent-encoded (the SDK would drop every attribute)` });
  }
  return out;
}

/** Render a map; empty values are dropped (the OTel JS baggage parser drops them anyway). */
export function renderResourceAttributes(attrs: Readonly<Record<string, string>>): string {
  return renderKeyValueList(Object.entries(attrs).filter(([, v]) => v !== ''));
}

/**
 * Parse like the current EnvDetector does (split on `,` then `=`, trim, decodeURIComponent).
 * Throws on what the SDK would reject — used to merge a user's pre-existing variable and by
 * `verify`; the real SDK parser remains the test oracle.
 */
export function parseResourceAttributes(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of raw.split(',')) {
    if (entry.trim() === '') continue;
    const parts = entry.split('=');
    if (parts.length !== 2) throw new Error(`"${entry}" is not key=value (',' and '=' must be percent-encoded)`);
    const key = decodeURIComponent((parts[0] ?? '').trim());
    const value = decodeURIComponent((parts[1] ?? '').trim());
    if (key === '') throw new Error(`"${entry}" has an empty key`);
    // EnvDetector._MAX_LENGTH, applied to the decoded key and value like the current SDK does
    if (key.length > MAX_ATTRIBUTE_LENGTH || value.length > MAX_ATTRIBUTE_LENGTH)
      throw new Error(`"${key}": longer than ${MAX_ATTRIBUTE_LENGTH} characters`);
    out[key] = value;
  }
  return out;
}
