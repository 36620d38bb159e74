/**
 * Stored requests, decoded back into OTLP objects (the raw files are the durable truth).
 */
import type { Signal } from '../otel/endpoint.js';
import { PLAIN_OBJECT, SIGNAL_PROTO, decodeMessage } from './otlp-proto.js';
import { forEachRawFrame } from './reader.js';
import { listSegments } from './store.js';

export interface StoredRequest {
  signal: Signal;
  receivedAt: number;
  /** the Export*ServiceRequest as a plain object in OTLP/JSON form (hex trace/span ids; longs as
   *  strings; enums by name; other bytes base64) */
  request: Record<string, unknown>;
}

/**
 * Everything stored for a signal (or all signals), decoded — for tests, `verify` and debugging; it
 * loads every request into memory, so it is not what `report` uses.
 */
export function readRequests(dataDir: string, signal?: Signal): StoredRequest[] {
  const out: StoredRequest[] = [];
  for (const seg of listSegments(dataDir)) {
    forEachRawFrame(seg, (f) => {
      if (signal && f.signal !== signal) return;
      const type = SIGNAL_PROTO[f.signal].request;
      const request = hexIds(type.toObject(decodeMessage(type, f.body), PLAIN_OBJECT)) as Record<string, unknown>;
      out.push({ signal: f.signal, receivedAt: f.receivedAtMs, request });
    });
  }
  return out;
}


const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** protobufjs renders bytes as base64; OTLP/JSON writes trace and span ids as hex. */
function hexIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hexIds);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = ID_FIELDS.has(k) && typeof x === 'string' ? Buffer.from(x, 'base64').toString('hex') : hexIds(x);
  }
  return out;
}
