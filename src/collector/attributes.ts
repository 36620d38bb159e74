/**
 * OTLP attribute lists (repeated KeyValue of AnyValue) → plain JSON values, and a canonical key for
 * an attribute set (order-independent) used as series identity.
 */
import type { AnyValueMsg, KeyValueMsg, Long } from './otlp-proto.js';

export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue };
export type Attrs = Record<string, AttrValue>;

function isLong(v: unknown): v is Long {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v;
}

/** A 64-bit integer as a JS number when exact, else as a decimal string. */
export function int64Value(v: Long | number): number | string {
  if (typeof v === 'number') return v;
  const n = v.toNumber();
  return Number.isSafeInteger(n) ? n : v.toString();
}

/** Nanoseconds since the epoch as fractional milliseconds (exact to ~0.2 µs, plenty for reporting). */
export function nanosToMs(v: Long | number | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v / 1e6;
  return ((v.high >>> 0) * 4294967296 + (v.low >>> 0)) / 1e6;
}

export function anyValue(v: AnyValueMsg | null | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return isLong(v.intValue) ? int64Value(v.intValue) : v.intValue;
  if (v.doubleValue != null) return v.doubleValue;
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue != null) return attributes(v.kvlistValue.values);
  if (v.bytesValue != null) return Buffer.from(v.bytesValue).toString('base64');
  return null;
}

export function attributes(list: KeyValueMsg[] | null | undefined): Attrs {
  const out: Attrs = {};
  if (!list) return out;
  for (const kv of list) {
    if (kv.key == null) continue;
    out[kv.key] = anyValue(kv.value);
  }
  return out;
}

/** Does `s` hold one of the identity separators? (indexOf, not a regex: this runs per attribute per point.) */
const hasSep = (s: string): boolean => s.indexOf('\u0001') >= 0 || s.indexOf('\u0002') >= 0;

/** One `key value` entry of an identity string; see listKey for the scheme. */
function entryKey(k: string, v: AttrValue | undefined): string {
  const safeKey = hasSep(k) ? '\u0002' + JSON.stringify(k) : k;
  if (typeof v === 'string') return safeKey + (hasSep(v) ? '\u0001q' + JSON.stringify(v) : '\u0001s' + v) + '\u0002';
  return safeKey + '\u0001j' + JSON.stringify(v ?? null) + '\u0002';
}

/** Order-independent identity of an attribute set. */
export function attrsKey(attrs: Attrs): string {
  const keys = Object.keys(attrs);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      sorted = false;
      break;
    }
  }
  if (!sorted) keys.sort();
  let out = '';
  for (const k of keys) out += entryKey(k, attrs[k]);
  return out;
}

/** Does an attribute list carry `key` = `value` (string compare)? */
export function hasAttr(list: KeyValueMsg[] | null | undefined, key: string): string | undefined {
  if (!list) return undefined;
  for (const kv of list) {
    if (kv.key === key) {
      const v = anyValue(kv.value);
      return v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  return undefined;
}

const byKey = (a: KeyValueMsg, b: KeyValueMsg) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0);

/**
 * Order-independent identity of an attribute list, straight from the decoded KeyValues (the hot
 * path of ingest: no intermediate object); equal to `attrsKey(attributes(list))`.
 */
export function listKey(list: KeyValueMsg[] | null | undefined): string {
  if (!list || list.length === 0) return '';
  let sorted = true;
  for (let i = 1; i < list.length; i++) {
    if ((list[i - 1]!.key ?? '') > (list[i]!.key ?? '')) {
      sorted = false;
      break;
    }
  }
  const l = sorted ? list : [...list].sort(byKey);
  // key \u0001 type value \u0002 …; a key or string holding a separator is JSON-quoted (a quoted
  // key after a \u0002 mark, a quoted value under its own type letter), so distinct attribute
  // sets never give the same identity. Same scheme as attrsKey, so the two agree.
  let out = '';
  for (const kv of l) {
    const v = kv.value;
    out += entryKey(kv.key ?? '', v?.stringValue != null ? v.stringValue : anyValue(v));
  }
  return out;
}
