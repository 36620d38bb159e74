/**
 * OTLP/HTTP (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/{traces,metrics,logs},
 * protobuf or JSON, optionally gzip/deflate/br-compressed.
 *
 *   200  stored and fsynced; empty Export*ServiceResponse in the request's encoding
 *   400  not a valid request (google.rpc.Status) — nothing stored
 *   404  unknown path · 405 not POST
 *   413  body (compressed, or once decompressed) over the limit; over a decode cap (limits.ts)
 *   415  unsupported Content-Type or Content-Encoding
 *   503  the store failed, or is full (--max-disk, ENOSPC), or over the in-flight budget (admission.ts); with Retry-After (retryable)
 */
import { IDENTITY_HEADER } from './identity.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate, type Gunzip } from 'node:zlib';
import type { Signal } from '../otel/endpoint.js';
import { Admission, Busy, DECODED_BYTES_PER_VALUE, DEFAULT_INFLIGHT, type Ticket } from './admission.js';
import { BodyBuffer, gzipSizeHint, type BodyCheck } from './body-buffer.js';
import { BadPayload, bodyCheck, ingest, type BodyEncoding } from './ingest.js';
import type { JsonDecoder } from './json-decoder.js';
import { DEFAULT_LIMITS, OverLimit, type DecodeLimits } from './limits.js';
import { encodeStatus, GRPC_CODE, SIGNAL_PROTO } from './otlp-proto.js';
import type { Store } from './store.js';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

const PATHS: ReadonlyMap<string, Signal> = new Map(
  (Object.keys(SIGNAL_PROTO) as Signal[]).map((s) => [SIGNAL_PROTO[s].httpPath, s] as const),
);

export interface HttpReceiverEvents {
  /** called after each request is answered */
  onRequest?(e: { signal: Signal | undefined; status: number; records: number }): void;
}

type Decompress = () => Gunzip;

const CHUNK = 64 * 1024;
const DECOMPRESS: Readonly<Record<string, Decompress | null>> = {
  '': null,
  identity: null,
  gzip: () => createGunzip({ chunkSize: CHUNK }),
  'x-gzip': () => createGunzip({ chunkSize: CHUNK }),
  deflate: () => createInflate({ chunkSize: CHUNK }),
  br: () => createBrotliDecompress({ chunkSize: CHUNK }) as unknown as Gunzip,
};

/** How long a client told 503 (over the in-flight budget, or the store failed) should wait. */
const RETRY_AFTER_SECONDS = '1';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function encodingOf(contentType: string): BodyEncoding | undefined {
  if (contentType === 'application/x-protobuf' || contentType === 'application/protobuf') return 'protobuf';
  if (contentType === 'application/json') return 'json';
  return undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Collects a body (as sent, or as decompressed) into a BodyBuffer charged to the request's ticket,
 * with the decode caps checked as it fills. `take` answers the error that ends the request, if any.
 */
function intake(limit: number, ticket: Ticket, hint: number | undefined, check: BodyCheck | undefined, what: string) {
  let buf = new BodyBuffer(hint, limit, (n) => ticket.charge(n), check);
  return {
    finish: () => buf.finish(),
    /** let go of what was collected (the request is refused: its bytes go now, not with the request) */
    drop: () => {
      buf = new BodyBuffer(undefined, 0, () => {});
    },
    take(chunk: Buffer): Error | undefined {
      if (buf.size + chunk.length > limit) return new HttpError(413, `${what} over ${limit} bytes`);
      try {
        buf.push(chunk); // charges its growth (Busy), runs the check (OverLimit, BadPayload)
      } catch (e) {
        return e as Error;
      }
      return undefined;
    },
  };
}

/** Read the body; `check` (uncompressed bodies) sees each chunk. */
function readBody(req: IncomingMessage, limit: number, ticket: Ticket, hint: number | undefined, check?: BodyCheck): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const into = intake(limit, ticket, hint, check, 'request body');
    let done = false;
    // Refused or evicted (admission.ts): drop what was read now, not when the client finishes.
    const stop = (e: Error) => {
      if (done) return;
      done = true;
      into.drop();
      reject(e);
    };
    ticket.abortWith(stop);
    req.on('data', (c: Buffer) => {
      if (done) return;
      const e = into.take(c);
      if (e) stop(e); // the rest is drained by fail()
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(into.finish());
    });
    req.on('error', (e) => stop(e));
    // The client went away mid-body (no 'end' will come).
    req.on('close', () => {
      if (!req.complete) stop(new HttpError(400, 'the request body was cut short'));
    });
  });
}

/** Decompress as a stream, so the output is charged and checked chunk by chunk and a bomb stops early. */
function decompress(make: Decompress, body: Buffer, limit: number, ticket: Ticket, hint: number | undefined, check: BodyCheck): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = make();
    const into = intake(limit, ticket, hint, check, 'decompressed body');
    let done = false;
    const stop = (e: Error) => {
      if (done) return;
      done = true;
      into.drop();
      z.destroy();
      reject(e);
    };
    ticket.abortWith(stop);
    z.on('data', (c: Buffer) => {
      if (done) return;
      const e = into.take(c);
      if (e) stop(e);
    });
    z.on('error', (e) => stop(new HttpError(400, `cannot decompress the body: ${e.message}`)));
    z.on('end', () => {
      if (done) return;
      done = true;
      resolve(into.finish());
    });
    z.end(body);
  });
}

function send(res: ServerResponse, status: number, encoding: BodyEncoding, body: Uint8Array | string, extra: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    'content-length': String(buf.length),
    ...extra,
  });
  res.end(buf);
}

function sendStatus(res: ServerResponse, status: number, encoding: BodyEncoding, message: string, extra: Record<string, string> = {}): void {
  const code = status === 400 ? GRPC_CODE.INVALID_ARGUMENT : status === 413 ? GRPC_CODE.RESOURCE_EXHAUSTED : status === 503 ? GRPC_CODE.UNAVAILABLE : GRPC_CODE.INTERNAL;
  const body = encoding === 'json' ? JSON.stringify({ code, message }) : encodeStatus(code, message);
  send(res, status, encoding, body, extra);
}

export interface HttpReceiverOptions extends HttpReceiverEvents {
  maxBodyBytes?: number;
  limits?: DecodeLimits;
  /** shared with the gRPC receiver: one budget for the process */
  admission?: Admission;
  /** large OTLP/JSON bodies are converted on its thread (default: in place) */
  json?: JsonDecoder;
  /**
   * other routes on this port, asked in order for every non-OTLP path: true = answered
   * (`/metrics`: src/metrics/endpoint.ts; the dashboard: src/dashboard/server.ts)
   */
  routes?: ReadonlyArray<(req: IncomingMessage, res: ServerResponse) => boolean>;
}

export function createHttpHandler(store: Store, opts: HttpReceiverOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const admission = opts.admission ?? new Admission(DEFAULT_INFLIGHT);
  return (req, res) => {
    // Who answers here: `collect status`/`stop` tell the collector from a process that reused its pid (identity.ts).
    res.setHeader(IDENTITY_HEADER, String(process.pid));
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendStatus(res, 500, 'protobuf', 'internal error');
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const signal = PATHS.get(path);
    const contentType = mediaType(req.headers['content-type']);
    const replyEncoding: BodyEncoding = encodingOf(contentType) ?? (/json/.test(String(req.headers.accept ?? '')) ? 'json' : 'protobuf');
    const fail = (status: number, message: string, extra: Record<string, string> = {}) => {
      // Unread body (refused early: a cap, the budget, a bad prefix): what was read is dropped now
      // and the request leaves the budget, but the answer waits until the client has sent the rest
      // (read to nowhere): answering, then closing, while it still sends would cut it off with EPIPE
      // before it reads the answer (RFC 9112 §9.6). A body that declares more than the limit, or
      // has no length and sends more, is cut off.
      if (!req.complete) {
        const declaredLength = Number(req.headers['content-length']);
        if (declaredLength <= limit) {
          let drained = 0;
          req.on('data', (c: Buffer) => {
            if ((drained += c.length) > limit) req.socket.destroy();
          });
          req.once('end', () => {
            sendStatus(res, status, replyEncoding, message, extra);
            opts.onRequest?.({ signal, status, records: 0 });
          });
          req.resume();
          return;
        }
        extra = { ...extra, connection: 'close' };
        req.resume();
      }
      sendStatus(res, status, replyEncoding, message, extra);
      opts.onRequest?.({ signal, status, records: 0 });
    };
    if (!signal && opts.routes?.some((route) => route(req, res))) return;
    if (!signal) return fail(404, `no OTLP endpoint at ${path} (use /v1/traces, /v1/metrics or /v1/logs)`);
    if (req.method !== 'POST') return fail(405, `${req.method} not allowed; OTLP/HTTP uses POST`, { allow: 'POST' });
    const encoding = encodingOf(contentType);
    if (!encoding) return fail(415, `unsupported Content-Type "${contentType}" (use application/x-protobuf or application/json)`);
    const ce = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
    const unzip = DECOMPRESS[ce];
    if (unzip === undefined) return fail(415, `unsupported Content-Encoding "${ce}" (use gzip or none)`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return fail(413, `request body of ${declared} bytes is over the ${limit}-byte limit`);

    let result;
    let ticket: Ticket | undefined;
    try {
      ticket = admission.enter();
      const check = bodyCheck(signal, encoding, limits);
      const sent = Number.isFinite(declared) ? declared : undefined;
      let body = await readBody(req, limit, ticket, sent, unzip ? undefined : check);
      if (unzip) body = await decompress(unzip, body, limit, ticket, ce === 'gzip' || ce === 'x-gzip' ? gzipSizeHint(body) : undefined, check);
      ticket.abortWith(undefined); // past the body: decoding and storing finish, never evicted
      // the body is a BodyBuffer's own memory: the JSON decoder thread may take it
      result = await ingest(store, signal, body, encoding, { limits, json: opts.json, transferBody: true, onCounted: (n) => ticket!.charge(n.values * DECODED_BYTES_PER_VALUE) });
    } catch (e) {
      if (e instanceof HttpError) return fail(e.status, e.message);
      if (e instanceof BadPayload) return fail(400, e.message);
      if (e instanceof OverLimit) return fail(413, e.message);
      if (e instanceof Busy) return fail(503, `busy: ${e.message}`, { 'retry-after': RETRY_AFTER_SECONDS });
      return fail(503, `cannot store the data: ${(e as Error).message}`, { 'retry-after': '5' });
    } finally {
      ticket?.release();
    }
    // Full success: an Export*ServiceResponse with partial_success unset encodes to zero bytes.
    send(res, 200, encoding, encoding === 'json' ? '{}' : new Uint8Array(0));
    opts.onRequest?.({ signal, status: 200, records: result.records });
  }
}
