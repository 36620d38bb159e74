/**
 * The ingest memo in front of the canonical series identity (attributes.ts listKey): a data
 * point's attribute list, as it came, → its series id. Found by a 32-bit FNV-1a hash of the
 * values and confirmed by comparing keys and values one by one, so a collision costs a
 * comparison, never a wrong series. Building, flattening and hashing one joined string per data point was half of
 * ingest's indexing time (`npm run bench`); this reads every string once and allocates nothing on
 * a hit. Order-dependent on purpose: the same set in another order is a second entry for the same
 * id (listKey, on the miss, is what makes identity order-independent).
 */
import { anyValue } from './attributes.js';
import type { KeyValueMsg } from './otlp-proto.js';

interface Entry {
  /** key, value text, key, value text, … */
  parts: string[];
  /** per attribute: 's' string value, 'j' anything else (its JSON) */
  types: string;
  id: number;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

const valueText = (kv: KeyValueMsg): string => kv.value?.stringValue ?? JSON.stringify(anyValue(kv.value));
const isString = (kv: KeyValueMsg): boolean => kv.value?.stringValue != null;

/**
 * Values only: keys repeat from point to point (and are compared in `matches`), values are what
 * tells series apart — hashing a third fewer characters.
 */
function hashList(list: readonly KeyValueMsg[]): number {
  let h = Math.imul(FNV_OFFSET ^ list.length, FNV_PRIME);
  for (const kv of list) {
    const sv = kv.value?.stringValue;
    // The mark ends the value and says how it is written (a string, or JSON for anything else).
    if (sv != null) h = Math.imul(hashString(h, sv) ^ 1, FNV_PRIME);
    else h = Math.imul(hashString(h, JSON.stringify(anyValue(kv.value))) ^ 2, FNV_PRIME);
  }
  return h;
}

function matches(e: Entry, list: readonly KeyValueMsg[]): boolean {
  if (e.types.length !== list.length) return false;
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]!;
    if (e.parts[2 * i] !== (kv.key ?? '') || e.types[i] !== (isString(kv) ? 's' : 'j') || e.parts[2 * i + 1] !== valueText(kv)) return false;
  }
  return true;
}

export class SeriesMemo {
  private readonly byHash = new Map<number, Entry[]>();

  get(list: readonly KeyValueMsg[] | null | undefined): number | undefined {
    const l = list ?? [];
    const bucket = this.byHash.get(hashList(l));
    if (bucket) for (const e of bucket) if (matches(e, l)) return e.id;
    return undefined;
  }

  set(list: readonly KeyValueMsg[] | null | undefined, id: number): void {
    const l = list ?? [];
    const parts: string[] = [];
    let types = '';
    for (const kv of l) {
      parts.push(kv.key ?? '', valueText(kv));
      types += isString(kv) ? 's' : 'j';
    }
    const h = hashList(l);
    const bucket = this.byHash.get(h);
    if (bucket) bucket.push({ parts, types, id });
    else this.byHash.set(h, [{ parts, types, id }]);
  }
}
