/**
 * Bounded decode (issue #12): caps on what one request may make the decoder allocate, checked
 * BEFORE protobufjs (or the OTLP/JSON conversion) materialises anything, the way the OpenTelemetry
 * Collector bounds its receivers.
 *
 * A protobuf body is walked tag by tag (a counting pre-pass: nothing is decoded, strings and bytes
 * are skipped by length), following only the fields that hold messages or repeated numbers:
 *
 *   items       log records, data points, spans                       ≤ maxItemsPerRequest
 *   attributes  KeyValues directly on one resource, scope, item,
 *               span event or link, metric metadata, exemplar        ≤ maxAttributesPerItem
 *   values      every message the decode would create (resources, scopes, metrics, items, events,
 *               links, exemplars, KeyValues, AnyValues, array/kvlist entries) and every element of
 *               a repeated number field (histogram buckets and bounds)  ≤ maxValuesPerRequest
 *
 * 33 million empty LogRecords fit in 63 MiB (2 bytes each); without these caps protobufjs builds
 * them all (5.4 GB RSS, then a fatal heap error). The walk stops at the first count over a cap.
 */
import type { Signal } from '../otel/endpoint.js';

export interface DecodeLimits {
  maxItemsPerRequest: number;
  maxAttributesPerItem: number;
  maxValuesPerRequest: number;
}

/**
 * Defaults (docs/collect.md § Limits). Claude Code's OTel JS SDK exports at most 512 log records or
 * spans per request (maxExportBatchSize) with ~20 attributes each: ~21,000 values; the SDK caps
 * attributes at 128 (attributeCountLimit). Measured on the dev machine (2 cores, fsync off): a request
 * of 131,072 values (4096 records × 15 attributes, 2.2 MiB) holds the event loop 60–170 ms for its
 * decode and index, 250,000 values 300–600 ms; so the values cap sits at 6× Claude Code's largest
 * batch, where one request stays near the ~200 ms budget.
 */
export const DEFAULT_LIMITS: DecodeLimits = {
  maxItemsPerRequest: 8192,
  maxAttributesPerItem: 128,
  maxValuesPerRequest: 131_072,
};

export const LIMIT_FLAGS: Readonly<Record<keyof DecodeLimits, string>> = {
  maxItemsPerRequest: '--max-items-per-request',
  maxAttributesPerItem: '--max-attributes-per-item',
  maxValuesPerRequest: '--max-values-per-request',
};

/** The request is over a decode cap (→ HTTP 413 / gRPC RESOURCE_EXHAUSTED); not retryable as is. */
export class OverLimit extends Error {
  override readonly name = 'OverLimit';
  constructor(
    readonly cap: keyof DecodeLimits,
    what: string,
    limit: number,
  ) {
    super(`${what} (the limit is ${limit}; raise it with ${LIMIT_FLAGS[cap]})`);
  }

  /** The same error, rebuilt from its cap and message (it crossed a thread: json-job.ts). */
  static withMessage(cap: keyof DecodeLimits, message: string): OverLimit {
    const e = new OverLimit(cap, '', 0);
    e.message = message;
    return e;
  }
}

/** The wire format is broken in a way the walk noticed (→ 400, like protobufjs' own errors). */
export class WireError extends Error {
  override readonly name = 'WireError';
}

// ---- the schema the walk follows: field number → what it holds ----

/** `kind`: item (counts as an item), attr (a KeyValue counted against its parent's attribute cap). */
interface Child {
  type: string;
  kind?: 'item' | 'attr';
}
/** repeated numbers: fixed 8-byte elements (packed or not) or varints */
type Numbers = 'fixed64' | 'varint';
type Fields = Readonly<Record<number, Child | Numbers>>;

const KV: Child = { type: 'KeyValue', kind: 'attr' };
const SCHEMA: Readonly<Record<string, Fields>> = {
  'logs.Request': { 1: { type: 'ResourceLogs' } },
  ResourceLogs: { 1: { type: 'Resource' }, 2: { type: 'ScopeLogs' } },
  ScopeLogs: { 1: { type: 'Scope' }, 2: { type: 'LogRecord', kind: 'item' } },
  LogRecord: { 5: { type: 'AnyValue' }, 6: KV },

  'traces.Request': { 1: { type: 'ResourceSpans' } },
  ResourceSpans: { 1: { type: 'Resource' }, 2: { type: 'ScopeSpans' } },
  ScopeSpans: { 1: { type: 'Scope' }, 2: { type: 'Span', kind: 'item' } },
  Span: { 9: KV, 11: { type: 'Event' }, 13: { type: 'Link' }, 15: { type: 'Status' } },
  Event: { 3: KV },
  Link: { 4: KV },
  Status: {},

  'metrics.Request': { 1: { type: 'ResourceMetrics' } },
  ResourceMetrics: { 1: { type: 'Resource' }, 2: { type: 'ScopeMetrics' } },
  ScopeMetrics: { 1: { type: 'Scope' }, 2: { type: 'Metric' } },
  Metric: { 5: { type: 'Gauge' }, 7: { type: 'Gauge' }, 9: { type: 'Histogram' }, 10: { type: 'ExpHistogram' }, 11: { type: 'Summary' }, 12: KV },
  Gauge: { 1: { type: 'NumberDataPoint', kind: 'item' } }, // Sum has the same field 1
  Histogram: { 1: { type: 'HistogramDataPoint', kind: 'item' } },
  ExpHistogram: { 1: { type: 'ExpHistogramDataPoint', kind: 'item' } },
  Summary: { 1: { type: 'SummaryDataPoint', kind: 'item' } },
  NumberDataPoint: { 7: KV, 5: { type: 'Exemplar' } },
  HistogramDataPoint: { 9: KV, 8: { type: 'Exemplar' }, 6: 'fixed64', 7: 'fixed64' },
  ExpHistogramDataPoint: { 1: KV, 8: { type: 'Buckets' }, 9: { type: 'Buckets' }, 11: { type: 'Exemplar' } },
  Buckets: { 2: 'varint' },
  SummaryDataPoint: { 7: KV, 6: { type: 'Quantile' } },
  Quantile: {},
  Exemplar: { 7: KV },

  Resource: { 1: KV },
  Scope: { 3: KV },
  KeyValue: { 2: { type: 'AnyValue' } },
  AnyValue: { 5: { type: 'ArrayValue' }, 6: { type: 'KeyValueList' } },
  ArrayValue: { 1: { type: 'AnyValue' } },
  KeyValueList: { 1: { type: 'KeyValue' } },
};

/** AnyValue can nest without end; nothing legitimate comes close (OTLP/JSON is held to 64 too). */
const MAX_DEPTH = 64;

export interface Counts {
  items: number;
  values: number;
}

// The schema compiled to arrays, for speed: the walk runs on every request (with the fast paths
// below, ~0.14 ms for a 512-point, 205 KiB request: ~12 % of protobufjs' decode). TYPES[typeId][field] is MSG_BASE + childTypeId
// * 4 + kind (0 message, 1 item, 2 attribute), or NUM_FIXED64 / NUM_VARINT, or undefined.
const NUM_FIXED64 = 1;
const NUM_VARINT = 2;
const MSG_BASE = 4;
const TYPE_NAMES = Object.keys(SCHEMA);
const TYPE_ID = new Map(TYPE_NAMES.map((n, i) => [n, i] as const));
const TYPES: ReadonlyArray<ReadonlyArray<number | undefined>> = TYPE_NAMES.map((name) => {
  const out: Array<number | undefined> = [];
  for (const [f, c] of Object.entries(SCHEMA[name]!)) {
    out[Number(f)] = c === 'fixed64' ? NUM_FIXED64 : c === 'varint' ? NUM_VARINT : MSG_BASE + TYPE_ID.get(c.type)! * 4 + (c.kind === 'item' ? 1 : c.kind === 'attr' ? 2 : 0);
  }
  return out;
});
const ANY_VALUE = TYPE_ID.get('AnyValue')!;
const KEY_VALUE = TYPE_ID.get('KeyValue')!;

/** body[pos, stop) is exactly field 1 (string) of under 128 bytes */
function isShortString(body: Uint8Array, pos: number, stop: number): boolean {
  const len = body[pos + 1];
  return body[pos] === 0x0a && len !== undefined && len < 0x80 && pos + 2 + len === stop;
}
/** body[pos, stop) is exactly KeyValue { 1: short key, 2: AnyValue { 1: short string } } */
function isShortStringKeyValue(body: Uint8Array, pos: number, stop: number): boolean {
  const klen = body[pos + 1];
  if (body[pos] !== 0x0a || klen === undefined || klen >= 0x80) return false;
  const v = pos + 2 + klen;
  const vlen = body[v + 1];
  return body[v] === 0x12 && vlen !== undefined && vlen < 0x80 && v + 2 + vlen === stop && isShortString(body, v + 2, stop);
}

/** Thrown inside a prefix walk where the bytes received so far end: not an error, the rest is to come. */
const TRUNCATED = Symbol('truncated');

/**
 * Count a protobuf Export*ServiceRequest against the caps; throws OverLimit or WireError.
 *
 * `prefix`: `body` is only the first bytes of the request (still arriving, or still being
 * decompressed — http-receiver.ts checks at each doubling of what it holds): the walk stops quietly
 * where the bytes end, and counts what lies before. Caps are upper bounds, so a prefix over one is
 * a request over it; a wire error in the prefix is one in the request. So a decompression bomb is
 * answered when its first few KiB are out, not after 64 MiB.
 */
export function checkProtobufLimits(signal: Signal, body: Uint8Array, limits: DecodeLimits, prefix = false): Counts {
  const counts: Counts = { items: 0, values: 0 };
  const maxValues = limits.maxValuesPerRequest;
  const maxItems = limits.maxItemsPerRequest;
  const maxAttrs = limits.maxAttributesPerItem;
  let values = 0;
  let items = 0;
  let pos = 0;
  const avail = body.length;
  const truncated = (what: string): never => {
    if (prefix && pos >= avail) throw TRUNCATED;
    throw new WireError(what);
  };
  const varintSlow = (first: number): number => {
    let v = first & 0x7f;
    for (let shift = 7; shift < 64; shift += 7) {
      const b = body[pos++];
      if (b === undefined) return truncated('truncated varint');
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new WireError('varint too long');
  };
  const overValues = () => new OverLimit('maxValuesPerRequest', `more than ${maxValues} values in the request`, maxValues);

  const walk = (typeId: number, end: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw new WireError(`nested more than ${MAX_DEPTH} deep`);
    const fields = TYPES[typeId]!;
    let attributes = 0;
    while (pos < end) {
      if (pos >= avail) truncated('field runs past the end of the body'); // prefix: the rest is to come
      let tag = body[pos++]!;
      if (tag >= 0x80) tag = varintSlow(tag);
      const wire = tag & 7;
      // field number 0 is no field (protobufjs would read on; 64 MiB of zeros is such a body)
      if (tag < 8) throw new WireError(`invalid field number 0 at byte ${pos - 1}`);
      const f = fields[tag >>> 3];
      if (wire === 2) {
        let len = body[pos++];
        if (len === undefined) return truncated('truncated varint');
        if (len >= 0x80) len = varintSlow(len);
        const stop = pos + len;
        if (stop > end) throw new WireError('field runs past the end of its message');
        if (f === undefined) pos = stop;
        else if (f === NUM_FIXED64) {
          if ((values += len >> 3) > maxValues) throw overValues();
          pos = stop;
        } else if (f === NUM_VARINT) {
          const have = Math.min(stop, avail); // a prefix: count what is here, the rest when it comes
          for (; pos < have; pos++) if (body[pos]! < 0x80 && ++values > maxValues) throw overValues();
          pos = stop;
        } else {
          if (++values > maxValues) throw overValues();
          const kind = f & 3;
          if (kind === 1 && ++items > maxItems) {
            throw new OverLimit('maxItemsPerRequest', `more than ${maxItems} ${ITEM_NAME[signal]} in the request`, maxItems);
          }
          if (kind === 2 && ++attributes > maxAttrs) {
            throw new OverLimit('maxAttributesPerItem', `more than ${maxAttrs} attributes on one ${TYPE_NAMES[typeId]}`, maxAttrs);
          }
          const child = (f - MSG_BASE) >>> 2;
          // Fast paths for the common shapes, which hold nothing more to count than themselves:
          // AnyValue { string_value } and KeyValue { key, value: AnyValue { string_value } }, short.
          if (child === ANY_VALUE ? isShortString(body, pos, stop) : child === KEY_VALUE && isShortStringKeyValue(body, pos, stop)) {
            if (child === KEY_VALUE && ++values > maxValues) throw overValues(); // its AnyValue
          } else walk(child, stop, depth + 1);
          pos = stop;
        }
      } else if (wire === 0) {
        const b = body[pos++];
        if (b === undefined) return truncated('truncated varint');
        if (b >= 0x80) varintSlow(b);
        if (f === NUM_VARINT && ++values > maxValues) throw overValues();
      } else if (wire === 1) {
        pos += 8;
        if (f === NUM_FIXED64 && ++values > maxValues) throw overValues();
      } else if (wire === 5) pos += 4;
      else throw new WireError(`unexpected wire type ${wire}`);
      if (pos > end) throw new WireError('field runs past the end of its message');
    }
  };
  try {
    // a prefix: the request's end is not known yet
    walk(TYPE_ID.get(`${signal}.Request`)!, prefix ? Infinity : body.length, 0);
  } catch (e) {
    if (e !== TRUNCATED) throw e;
  }
  counts.items = items;
  counts.values = values;
  return counts;
}

const ITEM_NAME: Readonly<Record<Signal, string>> = { logs: 'log records', metrics: 'data points', traces: 'spans' };

// ---- OTLP/JSON ----

/**
 * Before JSON.parse: an upper bound on the nodes it would create (objects, arrays, and the
 * elements and members separated by commas), counted over the raw bytes outside string literals.
 * OTLP/JSON spends ~4 nodes per protobuf value (`{"key":"k","value":{"stringValue":"v"}}` is two
 * objects, four members), so the bound is 4 × maxValuesPerRequest. `[{},{},…]` would otherwise
 * make JSON.parse build 21 million objects out of 64 MiB.
 */
export function checkJsonSize(body: Uint8Array, limits: DecodeLimits): void {
  new JsonNodeCounter(limits).push(body);
}

/** checkJsonSize over a body that arrives in chunks (http-receiver.ts): the same count, resumed. */
export class JsonNodeCounter {
  private nodes = 0;
  private inString = false;
  /** the chunk ended on a backslash inside a string: the next chunk's first byte is escaped */
  private escaped = false;

  constructor(private readonly limits: DecodeLimits) {}

  push(chunk: Uint8Array): void {
    const max = 4 * this.limits.maxValuesPerRequest;
    let { nodes, inString } = this;
    let i = 0;
    if (this.escaped) {
      i = 1;
      this.escaped = false;
    }
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (b === 0x5c) {
          if (++i === chunk.length) this.escaped = true; // backslash: skip the escaped byte
        } else if (b === 0x22) inString = false;
      } else if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b || b === 0x2c) {
        if (++nodes > max) throw new OverLimit('maxValuesPerRequest', `more than ${max} JSON values (4 × the values cap) in the request`, this.limits.maxValuesPerRequest);
      }
    }
    this.nodes = nodes;
    this.inString = inString;
  }
}

const ITEM_KEYS = new Set(['logRecords', 'log_records', 'spans', 'dataPoints', 'data_points']);
const ATTR_KEYS = new Set(['attributes', 'metadata', 'filteredAttributes', 'filtered_attributes']);

/** After JSON.parse, before normalising and building messages: the same three caps on the parsed tree. */
export function checkJsonLimits(signal: Signal, parsed: unknown, limits: DecodeLimits): Counts {
  const counts: Counts = { items: 0, values: 0 };
  const visit = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH + 8) return; // too deep: normalize() answers 400
    if (Array.isArray(v)) {
      for (const x of v) {
        if (x !== null && typeof x === 'object' && ++counts.values > limits.maxValuesPerRequest) {
          throw new OverLimit('maxValuesPerRequest', `more than ${limits.maxValuesPerRequest} values in the request`, limits.maxValuesPerRequest);
        }
        visit(x, depth + 1);
      }
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (Array.isArray(x)) {
        if (ITEM_KEYS.has(k) && (counts.items += x.length) > limits.maxItemsPerRequest) {
          throw new OverLimit('maxItemsPerRequest', `more than ${limits.maxItemsPerRequest} ${ITEM_NAME[signal]} in the request`, limits.maxItemsPerRequest);
        }
        if (ATTR_KEYS.has(k) && x.length > limits.maxAttributesPerItem) {
          throw new OverLimit('maxAttributesPerItem', `more than ${limits.maxAttributesPerItem} attributes on one item (${k})`, limits.maxAttributesPerItem);
        }
      }
      visit(x, depth + 1);
    }
  };
  visit(parsed, 0);
  return counts;
}
