/**
 * OTLP/JSON → the object form protobufjs' `fromObject` understands.
 *
 * OTLP/JSON is proto3 JSON with exceptions (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 *  - trace/span ids are hex strings, not base64;
 *  - enums are integers (names are tolerated here too);
 *  - 64-bit integers may be strings or numbers;
 *  - field names are lowerCamelCase; receivers should also accept the original snake_case names.
 * protobufjs would read hex ids as base64 and silently turn a non-numeric string into 0, so both are
 * handled here, and anything malformed throws `OtlpJsonError` (→ 400).
 */

export class OtlpJsonError extends Error {
  override readonly name = 'OtlpJsonError';
}

/** Byte fields that OTLP/JSON writes as hex, with their required length in bytes (0 = empty allowed). */
const HEX_ID_FIELDS: Readonly<Record<string, number>> = { traceId: 16, spanId: 8, parentSpanId: 8 };

/** 64-bit integer fields (fixed64/sfixed64/int64/uint64) in the OTLP messages. */
const INT64_FIELDS = new Set([
  'timeUnixNano',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'observedTimeUnixNano',
  'intValue',
  'asInt',
  'count',
  'zeroCount',
  'bucketCounts',
]);

const INT_STRING = /^-?\d+$/;
const HEX = /^[0-9a-fA-F]*$/;

function camel(key: string): string {
  return key.includes('_') ? key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : key;
}

function checkInt64(path: string, v: unknown): void {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new OtlpJsonError(`${path}: integer expected, got ${v}`);
  } else if (typeof v === 'string') {
    if (!INT_STRING.test(v)) throw new OtlpJsonError(`${path}: integer string expected, got ${JSON.stringify(v.slice(0, 40))}`);
  } else if (v !== null) throw new OtlpJsonError(`${path}: integer expected`);
}

function hexToBytes(path: string, v: unknown, size: number): Buffer {
  if (typeof v !== 'string') throw new OtlpJsonError(`${path}: hex string expected`);
  if (v === '') return Buffer.alloc(0);
  if (!HEX.test(v) || v.length !== size * 2) throw new OtlpJsonError(`${path}: ${size * 2} hex digits expected, got ${JSON.stringify(v.slice(0, 40))}`);
  return Buffer.from(v, 'hex');
}

function normalize(value: unknown, path: string, depth: number): unknown {
  if (depth > 64) throw new OtlpJsonError(`${path}: nested too deeply`);
  if (Array.isArray(value)) return value.map((v, i) => normalize(v, `${path}[${i}]`, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(value as Record<string, unknown>)) {
    const key = camel(rawKey);
    const p = `${path}.${key}`;
    const idSize = HEX_ID_FIELDS[key];
    if (idSize !== undefined) {
      out[key] = hexToBytes(p, v, idSize);
    } else if (INT64_FIELDS.has(key)) {
      if (Array.isArray(v)) v.forEach((x, i) => checkInt64(`${p}[${i}]`, x));
      else checkInt64(p, v);
      out[key] = v;
    } else {
      out[key] = normalize(v, p, depth + 1);
    }
  }
  return out;
}

/** Parse an OTLP/JSON body into a `fromObject`-ready object. Throws OtlpJsonError (or what `check` throws). */
export function parseOtlpJson(text: string, check?: (parsed: object) => void): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new OtlpJsonError(`invalid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OtlpJsonError('the body must be a JSON object');
  check?.(parsed); // the decode caps (limits.ts), before normalize copies the tree
  return normalize(parsed, '$', 0) as Record<string, unknown>;
}
