// Real OTLP receivers on 127.0.0.1 (port 0) for the probe tests: OTLP/HTTP (protobuf + JSON, plain
// or TLS) and OTLP/gRPC. Requests are decoded with the official protobuf definitions (`otlp-proto`:
// protobufjs static code generated from opentelemetry-proto) — never with the code under test.
// Every response is scriptable, so one receiver covers success, partial success, each status code,
// Retry-After, slow servers and reset connections.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import root from 'otlp-proto/build/src/generated/root.js';

export type OtlpSignal = 'traces' | 'metrics' | 'logs';

interface ProtoType {
  decode(b: Uint8Array): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  fromObject(o: unknown): unknown;
  toObject(m: unknown, o: Record<string, unknown>): Record<string, unknown>;
}

const collector = (root as any).opentelemetry.proto.collector;
const REQUEST: Record<OtlpSignal, ProtoType> = {
  traces: collector.trace.v1.ExportTraceServiceRequest,
  metrics: collector.metrics.v1.ExportMetricsServiceRequest,
  logs: collector.logs.v1.ExportLogsServiceRequest,
};
const RESPONSE: Record<OtlpSignal, ProtoType> = {
  traces: collector.trace.v1.ExportTraceServiceResponse,
  metrics: collector.metrics.v1.ExportMetricsServiceResponse,
  logs: collector.logs.v1.ExportLogsServiceResponse,
};
const REJECTED_FIELD: Record<OtlpSignal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};
export const GRPC_PATHS: Record<OtlpSignal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** protobuf → plain object with the same lowerCamelCase shape as OTLP/JSON (enums as numbers). */
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false };

export function decodeRequest(signal: OtlpSignal, body: Uint8Array, contentType: string): Record<string, unknown> {
  if (contentType.includes('json')) return JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, unknown>;
  const T = REQUEST[signal];
  return T.toObject(T.decode(body), TO_OBJECT);
}

/** An Export<Signal>ServiceResponse with partial_success, encoded as protobuf or OTLP/JSON. */
export function partialSuccessBody(
  signal: OtlpSignal,
  rejected: number,
  errorMessage: string,
  encoding: 'protobuf' | 'json',
): Buffer {
  const ps = { [REJECTED_FIELD[signal]]: rejected, errorMessage };
  if (encoding === 'json') {
    // int64 is a string in proto3 JSON
    return Buffer.from(JSON.stringify({ partialSuccess: { ...ps, [REJECTED_FIELD[signal]]: String(rejected) } }));
  }
  const T = RESPONSE[signal];
  return Buffer.from(T.encode(T.fromObject({ partialSuccess: ps })).finish());
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** google.rpc.Status { int32 code = 1; string message = 2 } — the OTLP/HTTP error body. */
export function rpcStatusBody(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  return Buffer.from([0x08, ...varint(code), 0x12, ...varint(msg.length), ...msg]);
}

/**
 * google.rpc.Status carrying a google.rpc.RetryInfo detail — what a throttling gRPC server puts in
 * the `grpc-status-details-bin` trailer (Status.details: Any{type_url, value: RetryInfo{retry_delay}}).
 */
export function retryInfoStatusBin(code: number, message: string, delayMs: number): Buffer {
  const ld = (field: number, b: Buffer | Uint8Array) => Buffer.from([(field << 3) | 2, ...varint(b.length), ...b]);
  const duration = Buffer.from([0x08, ...varint(Math.floor(delayMs / 1000)), 0x10, ...varint((delayMs % 1000) * 1e6)]);
  const retryInfo = ld(1, duration);
  const any = Buffer.concat([ld(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), ld(2, retryInfo)]);
  return Buffer.concat([rpcStatusBody(code, message), ld(3, any)]);
}

// ---------------------------------------------------------------------------------------------

/** The first attribute value with this key in an OTLP KeyValue list (string/bool/int/double). */
export function attr(list: unknown, key: string): string | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const kv of list as Array<{ key?: string; value?: Record<string, unknown> }>) {
    if (kv.key === key && kv.value) {
      const v = kv.value;
      const x = v.stringValue ?? v.boolValue ?? v.intValue ?? v.doubleValue;
      return x === undefined ? undefined : String(x);
    }
  }
  return undefined;
}

export interface ProbeView {
  resourceAttributes: unknown[];
  recordAttributes: unknown[];
  recordName?: string;
  /** metrics: the Sum's aggregationTemporality (1 = DELTA, 2 = CUMULATIVE) and isMonotonic */
  temporality?: number;
  isMonotonic?: boolean;
  recordCount: number;
}

/** Pull the (single) probe record out of a decoded export request of any signal. */
export function viewProbe(signal: OtlpSignal, decoded: Record<string, unknown>): ProbeView {
    const d = decoded as any;
  if (signal === 'traces') {
    const rs = d.resourceSpans ?? [];
    const spans = rs.flatMap((r: any) => (r.scopeSpans ?? []).flatMap((s: any) => s.spans ?? []));
    return {
      resourceAttributes: rs[0]?.resource?.attributes ?? [],
      recordAttributes: spans[0]?.attributes ?? [],
      recordName: spans[0]?.name,
      recordCount: spans.length,
    };
  }
  if (signal === 'metrics') {
    const rm = d.resourceMetrics ?? [];
    const metrics = rm.flatMap((r: any) => (r.scopeMetrics ?? []).flatMap((s: any) => s.metrics ?? []));
    const m = metrics[0];
    const dps = m?.sum?.dataPoints ?? [];
    return {
      resourceAttributes: rm[0]?.resource?.attributes ?? [],
      recordAttributes: dps[0]?.attributes ?? [],
      recordName: m?.name,
      temporality: m?.sum?.aggregationTemporality,
      isMonotonic: m?.sum?.isMonotonic,
      recordCount: dps.length,
    };
  }
  const rl = d.resourceLogs ?? [];
  const logs = rl.flatMap((r: any) => (r.scopeLogs ?? []).flatMap((s: any) => s.logRecords ?? []));
  return {
    resourceAttributes: rl[0]?.resource?.attributes ?? [],
    recordAttributes: logs[0]?.attributes ?? [],
    recordName: logs[0]?.eventName,
    recordCount: logs.length,
  };
}

// ---------------------------------------------------------------------------------------------
// OTLP/HTTP

export interface ReceivedHttpRequest {
  index: number;
  method: string;
  path: string;
  /** lower-cased names */
  headers: Record<string, string>;
  contentType: string;
  rawBody: Buffer;
  signal: OtlpSignal | undefined;
  /** decoded Export request, or undefined when the path isn't /…/v1/<signal> or decoding failed */
  decoded: Record<string, unknown> | undefined;
  receivedAt: number;
}

export type HttpReply =
  | { status?: number; headers?: Record<string, string>; body?: Buffer | string; delayMs?: number }
  /** destroy the socket without answering (ECONNRESET on the client) */
  | { action: 'destroy' }
  /** never answer (the client must time out) */
  | { action: 'hang' };

export interface HttpReceiver {
  url: string;
  port: number;
  requests: ReceivedHttpRequest[];
  close(): Promise<void>;
}

export interface HttpReceiverOptions {
  /** Script the reply; default: 200 with an empty Export response. */
  reply?: (req: ReceivedHttpRequest) => HttpReply | undefined;
  /** Serve TLS with this key/cert (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

function signalFromPath(path: string): OtlpSignal | undefined {
  const m = /\/v1\/(traces|metrics|logs)$/.exec(path);
  return m ? (m[1] as OtlpSignal) : undefined;
}

export async function startHttpReceiver(opts: HttpReceiverOptions = {}): Promise<HttpReceiver> {
  const requests: ReceivedHttpRequest[] = [];
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const contentType = String(req.headers['content-type'] ?? '');
      const signal = signalFromPath(path);
      let decoded: Record<string, unknown> | undefined;
      if (signal) {
        try {
          decoded = decodeRequest(signal, rawBody, contentType);
        } catch {
          decoded = undefined;
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      const rec: ReceivedHttpRequest = {
        index: requests.length,
        method: req.method ?? '',
        path,
        headers,
        contentType,
        rawBody,
        signal,
        decoded,
        receivedAt: Date.now(),
      };
      requests.push(rec);
      const reply = opts.reply?.(rec) ?? {};
      if ('action' in reply) {
        if (reply.action === 'destroy') req.socket.destroy();
        return; // 'hang': leave the request open
      }
      const send = (): void => {
        const json = contentType.includes('json');
        const status = reply.status ?? 200;
        const body = reply.body ?? (status === 200 ? (json ? '{}' : Buffer.alloc(0)) : '');
        res.writeHead(status, {
          'Content-Type': json ? 'application/json' : 'application/x-protobuf',
          ...reply.headers,
        });
        res.end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // TLS handshake failures from the probe are expected in tests; keep them off the console.
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// OTLP/gRPC

export interface ReceivedGrpcCall {
  index: number;
  signal: OtlpSignal;
  /** metadata, lower-cased keys, first value */
  metadata: Record<string, string>;
  rawBody: Buffer;
  decoded: Record<string, unknown>;
  receivedAt: number;
}

export type GrpcReply =
  /** success; `body` is the serialized Export response (default: empty = full success) */
  | { body?: Buffer; delayMs?: number }
  | { code: number; details?: string; delayMs?: number; /** trailing metadata, e.g. grpc-status-details-bin */ trailers?: Record<string, Buffer | string> };

export interface GrpcReceiver {
  /** `http://127.0.0.1:<port>` (plaintext) — the form Claude Code's gRPC endpoint takes */
  url: string;
  port: number;
  calls: ReceivedGrpcCall[];
  close(): Promise<void>;
}

export interface GrpcReceiverOptions {
  reply?: (call: ReceivedGrpcCall) => GrpcReply | undefined;
  /** only register these services (others answer UNIMPLEMENTED) */
  signals?: OtlpSignal[];
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export async function startGrpcReceiver(opts: GrpcReceiverOptions = {}): Promise<GrpcReceiver> {
  const calls: ReceivedGrpcCall[] = [];
  const server = new grpc.Server();
  for (const signal of opts.signals ?? (['traces', 'metrics', 'logs'] as const)) {
    const definition = {
      Export: {
        path: GRPC_PATHS[signal],
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    } satisfies grpc.ServiceDefinition;
    server.addService(definition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const metadata: Record<string, string> = {};
        for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = String(v);
        const rec: ReceivedGrpcCall = {
          index: calls.length,
          signal,
          metadata,
          rawBody: call.request,
          decoded: REQUEST[signal].toObject(REQUEST[signal].decode(call.request), TO_OBJECT),
          receivedAt: Date.now(),
        };
        calls.push(rec);
        const reply = opts.reply?.(rec) ?? {};
        const send = (): void => {
          if ('code' in reply) {
            const metadata = new grpc.Metadata();
            for (const [k, v] of Object.entries(reply.trailers ?? {})) metadata.set(k, v);
            callback({ code: reply.code, details: reply.details ?? '', metadata } as grpc.ServiceError, null);
          }
          else callback(null, reply.body ?? Buffer.alloc(0));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      },
    });
  }
  const creds = opts.tls
    ? grpc.ServerCredentials.createSsl(null, [
        { private_key: Buffer.from(opts.tls.key), cert_chain: Buffer.from(opts.tls.cert) },
      ])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.tryShutdown(() => r());
        // don't wait for hung calls
        setTimeout(() => {
          server.forceShutdown();
          r();
        }, 200).unref();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// TLS material

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A throw-away self-signed certificate (EC P-256, 1 day) for `subjectAltName`, written into `dir`. */
export function makeSelfSignedCert(dir: string, altNames = 'DNS:localhost,IP:127.0.0.1'): { key: Buffer; cert: Buffer } {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const cnfPath = join(dir, 'openssl.cnf');
  // A config file keeps this working on LibreSSL and old OpenSSL without -addext.
  writeFileSync(
    cnfPath,
    [
      '[req]',
      'distinguished_name = dn',
      'x509_extensions = v3',
      'prompt = no',
      '[dn]',
      'CN = cc-otel-test',
      '[v3]',
      `subjectAltName = ${altNames}`,
      'basicConstraints = critical,CA:TRUE',
      '',
    ].join('\n'),
  );
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-config', cnfPath],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath) };
}
