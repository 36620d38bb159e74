/**
 * One request, whatever the transport: decode with the official definitions, index, append to the
 * store, and only then report success. Shared by the HTTP and gRPC receivers.
 */
import type { Signal } from '../otel/endpoint.js';
import { Busy } from './admission.js';
import { atDoublings, type BodyCheck } from './body-buffer.js';
import { buildIndex, countRecords } from './index-builder.js';
import type { JsonDecoder } from './json-decoder.js';
import { checkJsonLimits, checkJsonSize, checkProtobufLimits, DEFAULT_LIMITS, JsonNodeCounter, OverLimit, WireError, type Counts, type DecodeLimits } from './limits.js';
import { OtlpJsonError, parseOtlpJson } from './otlp-json.js';
import { SIGNAL_PROTO, decodeMessage, type ExportRequestMsg } from './otlp-proto.js';
import type { Store } from './store.js';

export type BodyEncoding = 'protobuf' | 'json';

/** The payload is not a valid Export*ServiceRequest (→ HTTP 400 / gRPC INVALID_ARGUMENT). */
export class BadPayload extends Error {
  override readonly name = 'BadPayload';
}

export interface Decoded {
  message: ExportRequestMsg;
  /** protobuf bytes to store (the body itself for protobuf; re-encoded for JSON) */
  bytes: Uint8Array;
  records: number;
}

export interface DecodeOptions {
  limits?: DecodeLimits;
  /** told the counts before the decode allocates (admission.ts charges the decoded form); may throw */
  onCounted?(counts: Counts): void;
  /** converts large OTLP/JSON bodies off the event loop (json-decoder.ts); without it, in place */
  json?: JsonDecoder;
  /** the body's memory is the caller's alone: the JSON decoder may take it (no copy) */
  transferBody?: boolean;
}

/** Decode one request, after checking it against the caps (limits.ts): throws BadPayload or OverLimit. */
export function decodeRequest(signal: Signal, body: Buffer, encoding: BodyEncoding, opts: DecodeOptions = {}): Decoded {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const type = SIGNAL_PROTO[signal].request;
  let message: ExportRequestMsg;
  let bytes: Uint8Array;
  if (encoding === 'protobuf') {
    try {
      // also the wire-format check protobufjs lacks: it skips unknown fields, groups included, so
      // JSON sent as protobuf (`{` reads as a group start) would decode as an empty request and be
      // acknowledged; the walk refuses field 0 and the wire types OTLP never uses (3, 4, 6, 7)
      const counts = checkProtobufLimits(signal, body, limits);
      opts.onCounted?.(counts);
      message = decodeMessage(type, body);
    } catch (e) {
      if (e instanceof OverLimit || e instanceof Busy) throw e;
      if (e instanceof WireError) throw new BadPayload(`invalid protobuf ${signal} request: ${e.message}`);
      throw new BadPayload(`invalid protobuf ${signal} request: ${(e as Error).message}`);
    }
    bytes = body;
  } else {
    try {
      checkJsonSize(body, limits);
      message = type.fromObject(parseOtlpJson(body.toString('utf8'), (parsed) => opts.onCounted?.(checkJsonLimits(signal, parsed, limits))));
      bytes = type.encode(message).finish();
    } catch (e) {
      if (e instanceof OverLimit || e instanceof Busy) throw e;
      if (e instanceof OtlpJsonError) throw new BadPayload(`invalid OTLP/JSON ${signal} request: ${e.message}`);
      throw new BadPayload(`invalid OTLP/JSON ${signal} request: ${(e as Error).message}`);
    }
  }
  return { message, bytes, records: countRecords(signal, message) };
}

/**
 * The caps, checked on a body while it arrives (http-receiver.ts feeds it every chunk of the body
 * as sent, or as decompressed): protobuf by the prefix walk at each doubling of the bytes so far,
 * OTLP/JSON by the node count over each chunk. So a request over a cap is answered after its first
 * 64 KiB — a decompression bomb never gets to allocate its 64 MiB. Throws OverLimit or BadPayload,
 * as decodeRequest would for the whole body.
 */
export function bodyCheck(signal: Signal, encoding: BodyEncoding, limits: DecodeLimits = DEFAULT_LIMITS): BodyCheck {
  if (encoding === 'json') {
    const counter = new JsonNodeCounter(limits);
    return (chunk) => counter.push(chunk);
  }
  return atDoublings((soFar) => {
    try {
      checkProtobufLimits(signal, soFar, limits, true);
    } catch (e) {
      if (e instanceof WireError) throw new BadPayload(`invalid protobuf ${signal} request: ${e.message}`);
      throw e;
    }
  });
}

export interface IngestResult {
  records: number;
  stored: boolean;
}

/**
 * decodeRequest, with OTLP/JSON converted to protobuf by `opts.json` (off the event loop for large
 * bodies), then decoded as a protobuf request is.
 */
export async function decodeRequestAsync(signal: Signal, body: Buffer, encoding: BodyEncoding, opts: DecodeOptions = {}): Promise<Decoded> {
  if (encoding !== 'json' || !opts.json) return decodeRequest(signal, body, encoding, opts);
  const { bytes, counts } = await opts.json.encode(signal, body, opts.limits ?? DEFAULT_LIMITS, opts.transferBody);
  opts.onCounted?.(counts);
  let message: ExportRequestMsg;
  try {
    message = decodeMessage(SIGNAL_PROTO[signal].request, bytes);
  } catch (e) {
    throw new BadPayload(`invalid OTLP/JSON ${signal} request: ${(e as Error).message}`); // not expected: we encoded it
  }
  return { message, bytes, records: countRecords(signal, message) };
}

/** Decode and store one request. Resolves after the data is durable; throws BadPayload, OverLimit or a store error. */
export async function ingest(store: Store, signal: Signal, body: Buffer, encoding: BodyEncoding, opts: DecodeOptions = {}): Promise<IngestResult> {
  const d = await decodeRequestAsync(signal, body, encoding, opts);
  // An empty request is a success with nothing to keep (the spec asks servers to accept it).
  if (d.records === 0) return { records: 0, stored: false };
  await store.append(signal, d.bytes, (dict, receivedAt) => buildIndex(signal, d.message, dict, receivedAt));
  return { records: d.records, stored: true };
}
