/**
 * One OTLP/JSON request's conversion to protobuf, as a message in and a message out: what the
 * decoder thread runs (json-worker.ts), and what the event loop runs itself for small bodies or
 * when the thread cannot start (json-decoder.ts). Errors travel as their kind and message.
 */
import type { Signal } from '../otel/endpoint.js';
import { BadPayload, decodeRequest } from './ingest.js';
import { OverLimit, type Counts, type DecodeLimits } from './limits.js';

export interface JsonJob {
  id: number;
  signal: Signal;
  body: Uint8Array;
  limits: DecodeLimits;
}

export type JsonReply =
  | { id: number; bytes: Uint8Array; counts: Counts }
  | { id: number; error: { kind: 'BadPayload' | 'OverLimit' | 'Error'; message: string; cap?: OverLimit['cap'] } };

export function encodeJsonRequest(job: JsonJob): JsonReply {
  let counts: Counts = { items: 0, values: 0 };
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const d = decodeRequest(job.signal, body, 'json', { limits: job.limits, onCounted: (c) => (counts = c) });
    // transferred to the event loop: only a buffer of its own (encode().finish() of a small request
    // may be a view of a pooled one, which is copied instead)
    const own = d.bytes.byteOffset === 0 && d.bytes.byteLength === d.bytes.buffer.byteLength;
    return { id: job.id, bytes: own ? d.bytes : new Uint8Array(d.bytes), counts };
  } catch (e) {
    if (e instanceof OverLimit) return { id: job.id, error: { kind: 'OverLimit', message: e.message, cap: e.cap } };
    if (e instanceof BadPayload) return { id: job.id, error: { kind: 'BadPayload', message: e.message } };
    return { id: job.id, error: { kind: 'Error', message: (e as Error).message } };
  }
}

/** The error a reply carries, as the receivers know it. */
export function replyError(e: Extract<JsonReply, { error: unknown }>['error']): Error {
  if (e.kind === 'OverLimit') return OverLimit.withMessage(e.cap!, e.message);
  if (e.kind === 'BadPayload') return new BadPayload(e.message);
  return new Error(e.message);
}
