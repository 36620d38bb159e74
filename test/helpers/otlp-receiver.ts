// An independent OTLP receiver for tests — deliberately not the product's code. It decodes with the
// protobufjs static code generated from the official opentelemetry-proto definitions (shipped inside
// @opentelemetry/otlp-transformer, installed as the `otlp-proto` alias) and speaks OTLP/HTTP
// (protobuf + JSON, optional gzip) and, optionally, OTLP/gRPC (grpc-js, insecure).
// Spec: https://opentelemetry.io/docs/specs/otlp/
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';

export type Signal = 'traces' | 'metrics' | 'logs';
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type AttrValue = string | number | boolean;
export type Attrs = Record<string, AttrValue>;

/** A scripted reply (fault injection). For gRPC, `grpcCode` wins; otherwise `status` is mapped. */
export interface OtlpReply {
  status: number;
  headers?: Record<string, string>;
  /** String/Buffer sent raw; an object is encoded as an Export*ServiceResponse in the request's
   *  content type (e.g. `{ partialSuccess: { rejectedSpans: 1, errorMessage: '…' } }`). */
  body?: string | Buffer | Record<string, unknown>;
  grpcCode?: grpc.status;
  grpcMessage?: string;
  /** Wait before answering (ms) — for exporter-timeout tests. */
  delayMs?: number;
}

export interface OtlpRequestRecord {
  index: number;
  /** `unknown` for a path that is not an OTLP signal path. */
  signal: Signal | 'unknown';
  protocol: OtlpProtocol | 'unknown';
  /** HTTP path, or the gRPC method path (`/opentelemetry.proto.collector.trace.v1.TraceService/Export`). */
  path: string;
  method: string;
  /** HTTP headers or gRPC metadata, lower-cased names, repeated values joined with `, `. */
  headers: Record<string, string>;
  contentType: string;
  contentEncoding: string;
  /** The decoded Export*ServiceRequest as a plain object (protobuf: `toObject` with longs/bytes as
   *  strings, enums as names; JSON: the parsed JSON as sent). Undefined if it could not be decoded. */
  body: OtlpExportRequest | undefined;
  /** Size of the body on the wire (before gunzip). */
  byteLength: number;
  /** The status we answered with (HTTP status, or 200/the HTTP equivalent for gRPC). */
  status: number;
  grpcCode?: number;
  /** Decode/validation error, if any. */
  error?: string;
  receivedAt: number;
}

// ---- Minimal shapes of the decoded OTLP objects (camelCase, as both toObject and OTLP/JSON use) ----
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
export interface OtlpKeyValue { key: string; value?: OtlpAnyValue }
export interface OtlpResource { attributes?: OtlpKeyValue[]; droppedAttributesCount?: number }
export interface OtlpScope { name?: string; version?: string; attributes?: OtlpKeyValue[] }
export interface OtlpSpan {
  traceId?: string; spanId?: string; parentSpanId?: string; name?: string; kind?: string | number;
  startTimeUnixNano?: string | number; endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[]; status?: { code?: string | number; message?: string };
  events?: Array<{ name?: string; attributes?: OtlpKeyValue[] }>;
}
export interface OtlpLogRecord {
  timeUnixNano?: string | number; observedTimeUnixNano?: string | number; severityNumber?: string | number;
  severityText?: string; body?: OtlpAnyValue; attributes?: OtlpKeyValue[]; traceId?: string; spanId?: string;
  eventName?: string;
}
export interface OtlpNumberDataPoint {
  attributes?: OtlpKeyValue[]; startTimeUnixNano?: string | number; timeUnixNano?: string | number;
  asDouble?: number; asInt?: string | number;
}
export interface OtlpHistogramDataPoint {
  attributes?: OtlpKeyValue[]; startTimeUnixNano?: string | number; timeUnixNano?: string | number;
  count?: string | number; sum?: number; bucketCounts?: Array<string | number>; explicitBounds?: number[];
}
export interface OtlpMetric {
  name?: string; description?: string; unit?: string;
  sum?: { dataPoints?: OtlpNumberDataPoint[]; aggregationTemporality?: string | number; isMonotonic?: boolean };
  gauge?: { dataPoints?: OtlpNumberDataPoint[] };
  histogram?: { dataPoints?: OtlpHistogramDataPoint[]; aggregationTemporality?: string | number };
  exponentialHistogram?: { dataPoints?: OtlpHistogramDataPoint[]; aggregationTemporality?: string | number };
}
export interface OtlpExportRequest {
  resourceSpans?: Array<{ resource?: OtlpResource; scopeSpans?: Array<{ scope?: OtlpScope; spans?: OtlpSpan[] }> }>;
  resourceMetrics?: Array<{ resource?: OtlpResource; scopeMetrics?: Array<{ scope?: OtlpScope; metrics?: OtlpMetric[] }> }>;
  resourceLogs?: Array<{ resource?: OtlpResource; scopeLogs?: Array<{ scope?: OtlpScope; logRecords?: OtlpLogRecord[] }> }>;
}

// ---- Flattened views, for assertions ----
export interface FlatSpan {
  /** Ids as lower-case hex (`''` when absent); `kind`/`statusCode` as enum names (`SPAN_KIND_INTERNAL`). */
  name: string; traceId: string; spanId: string; parentSpanId: string; kind: string;
  startTimeUnixNano: string; endTimeUnixNano: string; attributes: Attrs; resource: Attrs;
  scope: string; statusCode: string; record: OtlpRequestRecord;
}
export interface FlatLog {
  /** `event.name` attribute, else the LogRecord `eventName` field, else the string body. */
  eventName: string | undefined;
  body: AttrValue | undefined; attributes: Attrs; resource: Attrs; scope: string;
  timeUnixNano: string; traceId: string; spanId: string; record: OtlpRequestRecord;
}
export interface FlatDataPoint {
  metric: string; unit: string; type: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram';
  /** `delta` | `cumulative` | `unspecified` (undefined for gauges). */
  temporality: string | undefined; isMonotonic: boolean | undefined;
  /** Number value (asDouble/asInt), or a histogram's `sum`. */
  value: number; count: number | undefined; attributes: Attrs; resource: Attrs; scope: string;
  startTimeUnixNano: string; timeUnixNano: string; record: OtlpRequestRecord;
}

export interface ViewOptions {
  /** Also include requests answered with a non-2xx status. Default false. */
  includeRejected?: boolean;
}

export interface OtlpReceiverOptions {
  /** Also start an OTLP/gRPC server (separate port). Default false. */
  grpc?: boolean;
  /** Override the reply for a request (return undefined for the normal 200). */
  respond?: (req: OtlpRequestRecord) => OtlpReply | undefined;
}

export interface OtlpReceiver {
  /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318` — use as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  port: number;
  /** `http://127.0.0.1:<port>` of the gRPC server, when `grpc: true`. */
  grpcUrl: string | undefined;
  grpcPort: number | undefined;
  /** Every request, in arrival order (including rejected ones). */
  requests: OtlpRequestRecord[];
  bySignal(signal: Signal): OtlpRequestRecord[];
  /** The resource attributes of the `resourceIndex`-th resource in a request. */
  resourceAttributes(rec: OtlpRequestRecord, resourceIndex?: number): Attrs;
  /* The flattened views and name lists below cover only requests we accepted (2xx) — what a backend
   * would have stored, so a batch retried after a scripted fault is not counted twice. Pass
   * `{ includeRejected: true }` to see everything that was sent. */
  spans(opts?: ViewOptions): FlatSpan[];
  logs(opts?: ViewOptions): FlatLog[];
  dataPoints(metricName?: string, opts?: ViewOptions): FlatDataPoint[];
  /** Unique names, in first-seen order. */
  metricNames(opts?: ViewOptions): string[];
  /** Unique `event.name` values (see FlatLog.eventName). */
  logEventNames(opts?: ViewOptions): string[];
  spanNames(opts?: ViewOptions): string[];
  /** Poll (every 50 ms) until `predicate(this)` is true; on timeout throw listing what did arrive. */
  waitFor(predicate: (rx: OtlpReceiver) => boolean, timeoutMs?: number, description?: string): Promise<void>;
  /** Human-readable account of what arrived (used in waitFor errors). */
  summary(): string;
  reset(): void;
  close(): Promise<void>;
}

// ---- protobuf codecs from the official proto definitions ----
export interface ProtoType {
  decode(buf: Uint8Array): unknown;
  encode(msg: unknown): { finish(): Uint8Array };
  fromObject(obj: unknown): unknown;
  toObject(msg: unknown, opts?: Record<string, unknown>): Record<string, unknown>;
}
export interface SignalCodec { request: ProtoType; response: ProtoType; grpcPath: string }

const require = createRequire(import.meta.url);
type ProtoRoot = {
  opentelemetry: { proto: { collector: Record<string, { v1: Record<string, ProtoType> } | undefined> } };
};
const root = require('otlp-proto/build/src/generated/root.js') as ProtoRoot;

/** `pkg` is the proto package (`trace`, `metrics`, `logs`), `svc` the service, `msg` the message stem. */
function codec(pkg: string, svc: string, msg: string): SignalCodec {
  const ns = root.opentelemetry.proto.collector[pkg]?.v1;
  const request = ns?.[`Export${msg}ServiceRequest`];
  const response = ns?.[`Export${msg}ServiceResponse`];
  if (!request || !response) throw new Error(`otlp-proto: no codec for opentelemetry.proto.collector.${pkg}.v1`);
  return { request, response, grpcPath: `/opentelemetry.proto.collector.${pkg}.v1.${svc}/Export` };
}
export const CODECS: Record<Signal, SignalCodec> = {
  traces: codec('trace', 'TraceService', 'Trace'),
  metrics: codec('metrics', 'MetricsService', 'Metrics'),
  logs: codec('logs', 'LogsService', 'Logs'),
};

const TO_OBJECT = { longs: String, bytes: String, enums: String, defaults: false, arrays: true } as const;

/** Decode an Export*ServiceRequest protobuf buffer into a plain object. */
export function decodeOtlpProtobuf(signal: Signal, buf: Uint8Array): OtlpExportRequest {
  const { request } = CODECS[signal];
  return request.toObject(request.decode(buf), TO_OBJECT) as OtlpExportRequest;
}

/** Encode a plain Export*ServiceRequest object (e.g. for tests that send OTLP themselves). */
export function encodeOtlpProtobuf(signal: Signal, obj: OtlpExportRequest): Buffer {
  const { request } = CODECS[signal];
  return Buffer.from(request.encode(request.fromObject(obj)).finish());
}

// ---- attribute flattening ----
function anyValue(v: OtlpAnyValue | undefined): AttrValue | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(anyValue));
  if (v.kvlistValue) return JSON.stringify(flattenAttributes(v.kvlistValue.values));
  return undefined;
}

/** Flatten an OTLP KeyValue list into `{ key: value }` (arrays/kvlists JSON-stringified). */
export function flattenAttributes(kvs: OtlpKeyValue[] | undefined): Attrs {
  const out: Attrs = {};
  for (const kv of kvs ?? []) {
    const v = anyValue(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

/** OTLP/JSON carries ids as hex, protobuf toObject as base64; always return hex. */
function idHex(id: string | undefined): string {
  if (!id) return '';
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}
const str = (v: string | number | undefined) => (v === undefined ? '' : String(v));

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
/** protobuf toObject gives enum names, OTLP/JSON integers; always return the name. */
function enumName(v: string | number | undefined, names: string[]): string {
  if (v === undefined) return names[0] ?? '';
  return typeof v === 'number' ? (names[v] ?? String(v)) : v;
}

function temporalityName(t: string | number | undefined): string {
  if (t === 1 || t === 'AGGREGATION_TEMPORALITY_DELTA') return 'delta';
  if (t === 2 || t === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return 'cumulative';
  return 'unspecified';
}

// ---- gRPC status mapping (OTLP spec: HTTP ↔ gRPC failure codes) ----
function grpcCodeFor(status: number): grpc.status {
  switch (status) {
    case 400: return grpc.status.INVALID_ARGUMENT;
    case 401: return grpc.status.UNAUTHENTICATED;
    case 403: return grpc.status.PERMISSION_DENIED;
    case 404: return grpc.status.UNIMPLEMENTED;
    case 413: return grpc.status.RESOURCE_EXHAUSTED;
    case 429: return grpc.status.RESOURCE_EXHAUSTED;
    case 502: case 503: case 504: return grpc.status.UNAVAILABLE;
    default: return status >= 400 ? grpc.status.INTERNAL : grpc.status.OK;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function signalForPath(path: string): Signal | 'unknown' {
  if (path.endsWith('/v1/traces')) return 'traces';
  if (path.endsWith('/v1/metrics')) return 'metrics';
  if (path.endsWith('/v1/logs')) return 'logs';
  return 'unknown';
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startOtlpReceiver(opts: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const requests: OtlpRequestRecord[] = [];

  const encodeReplyBody = (
    signal: Signal | 'unknown', protocol: OtlpProtocol | 'unknown', body: OtlpReply['body'],
  ): { data: Buffer; contentType: string | undefined } => {
    if (typeof body === 'string') return { data: Buffer.from(body), contentType: undefined };
    if (Buffer.isBuffer(body)) return { data: body, contentType: undefined };
    if (protocol === 'http/json' || signal === 'unknown') {
      return { data: Buffer.from(JSON.stringify(body ?? {})), contentType: 'application/json' };
    }
    const { response } = CODECS[signal];
    return { data: Buffer.from(response.encode(response.fromObject(body ?? {})).finish()), contentType: 'application/x-protobuf' };
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readRaw(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const contentEncoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
    const signal = signalForPath(path);
    const protocol: OtlpProtocol | 'unknown' =
      contentType === 'application/x-protobuf' ? 'http/protobuf' : contentType === 'application/json' ? 'http/json' : 'unknown';
    const rec: OtlpRequestRecord = {
      index: requests.length, signal, protocol, path, method: req.method ?? 'GET', headers, contentType,
      contentEncoding, body: undefined, byteLength: raw.length, status: 200, receivedAt: Date.now(),
    };
    requests.push(rec);

    let status = 200;
    if (req.method !== 'POST') { status = 405; rec.error = `method ${req.method}`; }
    else if (signal === 'unknown') { status = 404; rec.error = `unknown path ${path}`; }
    else if (protocol === 'unknown') { status = 415; rec.error = `unsupported content-type ${JSON.stringify(contentType)}`; }
    else {
      try {
        let buf = raw;
        if (contentEncoding === 'gzip') buf = gunzipSync(raw);
        else if (contentEncoding !== '' && contentEncoding !== 'identity') throw new Error(`unsupported content-encoding ${contentEncoding}`);
        rec.body = protocol === 'http/json'
          ? (JSON.parse(buf.toString('utf8')) as OtlpExportRequest)
          : decodeOtlpProtobuf(signal, buf);
      } catch (err) {
        status = 400;
        rec.error = `decode failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }

    const scripted = opts.respond?.(rec);
    if (scripted?.delayMs) await sleep(scripted.delayMs);
    rec.status = scripted?.status ?? status;
    const replyBody = scripted?.body ?? (rec.status === 200 ? {} : undefined);
    const out = replyBody === undefined
      ? { data: Buffer.from(JSON.stringify({ code: rec.status, message: rec.error ?? 'error' })), contentType: 'application/json' }
      : encodeReplyBody(signal, protocol, replyBody);
    res.writeHead(rec.status, {
      'content-type': out.contentType ?? (protocol === 'http/protobuf' ? 'application/x-protobuf' : 'application/json'),
      'content-length': out.data.length,
      ...scripted?.headers,
    });
    res.end(out.data);
  };

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) { res.writeHead(500); res.end(String(err)); } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let grpcServer: grpc.Server | undefined;
  let grpcPort: number | undefined;
  if (opts.grpc) {
    grpcServer = new grpc.Server();
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      const { response, grpcPath } = CODECS[signal];
      const definition: grpc.ServiceDefinition = {
        Export: {
          path: grpcPath,
          requestStream: false,
          responseStream: false,
          // Keep the raw bytes: decoding happens in the handler so failures get recorded.
          requestSerialize: (v: Buffer) => v,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (v: unknown) => Buffer.from(response.encode(response.fromObject(v ?? {})).finish()),
          responseDeserialize: (b: Buffer) => response.decode(b),
        },
      };
      const handler: grpc.handleUnaryCall<Buffer, unknown> = (call, callback) => {
        void (async () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(call.metadata.getMap())) {
            headers[k.toLowerCase()] = Buffer.isBuffer(v) ? v.toString('base64') : String(v);
          }
          const rec: OtlpRequestRecord = {
            index: requests.length, signal, protocol: 'grpc', path: grpcPath, method: 'POST', headers,
            contentType: headers['content-type'] ?? 'application/grpc', contentEncoding: headers['grpc-encoding'] ?? '',
            body: undefined, byteLength: call.request.length, status: 200, grpcCode: grpc.status.OK, receivedAt: Date.now(),
          };
          requests.push(rec);
          let code: grpc.status = grpc.status.OK;
          try {
            rec.body = decodeOtlpProtobuf(signal, call.request);
          } catch (err) {
            code = grpc.status.INVALID_ARGUMENT;
            rec.status = 400;
            rec.error = `decode failed: ${err instanceof Error ? err.message : String(err)}`;
          }
          const scripted = opts.respond?.(rec);
          if (scripted?.delayMs) await sleep(scripted.delayMs);
          if (scripted) {
            code = scripted.grpcCode ?? grpcCodeFor(scripted.status);
            rec.status = scripted.status;
          }
          rec.grpcCode = code;
          if (code === grpc.status.OK) {
            const body = scripted?.body;
            callback(null, body && !Buffer.isBuffer(body) && typeof body === 'object' ? body : {});
          } else {
            const md = new grpc.Metadata();
            for (const [k, v] of Object.entries(scripted?.headers ?? {})) md.set(k, v);
            callback({ code, details: scripted?.grpcMessage ?? rec.error ?? `scripted status ${rec.status}`, metadata: md });
          }
        })();
      };
      grpcServer.addService(definition, { Export: handler });
    }
    grpcPort = await new Promise<number>((resolve, reject) => {
      grpcServer!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
  }

  const resourceAttrsOf = (rec: OtlpRequestRecord, i = 0): Attrs => {
    const b = rec.body;
    const r = b?.resourceSpans?.[i]?.resource ?? b?.resourceMetrics?.[i]?.resource ?? b?.resourceLogs?.[i]?.resource;
    return flattenAttributes(r?.attributes);
  };

  const viewed = (viewOpts: ViewOptions | undefined) =>
    viewOpts?.includeRejected ? requests : requests.filter((r) => r.status >= 200 && r.status < 300);

  const rx: OtlpReceiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    grpcUrl: grpcPort === undefined ? undefined : `http://127.0.0.1:${grpcPort}`,
    grpcPort,
    requests,
    bySignal: (signal) => requests.filter((r) => r.signal === signal),
    resourceAttributes: resourceAttrsOf,

    spans(viewOpts) {
      const out: FlatSpan[] = [];
      for (const record of viewed(viewOpts)) {
        for (const rs of record.body?.resourceSpans ?? []) {
          const resource = flattenAttributes(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              out.push({
                name: s.name ?? '', traceId: idHex(s.traceId), spanId: idHex(s.spanId), parentSpanId: idHex(s.parentSpanId),
                kind: enumName(s.kind, SPAN_KINDS), startTimeUnixNano: str(s.startTimeUnixNano), endTimeUnixNano: str(s.endTimeUnixNano),
                attributes: flattenAttributes(s.attributes), resource, scope: ss.scope?.name ?? '',
                statusCode: enumName(s.status?.code, STATUS_CODES), record,
              });
            }
          }
        }
      }
      return out;
    },

    logs(viewOpts) {
      const out: FlatLog[] = [];
      for (const record of viewed(viewOpts)) {
        for (const rl of record.body?.resourceLogs ?? []) {
          const resource = flattenAttributes(rl.resource?.attributes);
          for (const sl of rl.scopeLogs ?? []) {
            for (const l of sl.logRecords ?? []) {
              const attributes = flattenAttributes(l.attributes);
              const body = anyValue(l.body);
              const fromAttr = attributes['event.name'];
              const eventName = typeof fromAttr === 'string' && fromAttr !== '' ? fromAttr
                : l.eventName ? l.eventName : typeof body === 'string' ? body : undefined;
              out.push({
                eventName, body, attributes, resource, scope: sl.scope?.name ?? '', timeUnixNano: str(l.timeUnixNano),
                traceId: idHex(l.traceId), spanId: idHex(l.spanId), record,
              });
            }
          }
        }
      }
      return out;
    },

    dataPoints(metricName, viewOpts) {
      const out: FlatDataPoint[] = [];
      for (const record of viewed(viewOpts)) {
        for (const rm of record.body?.resourceMetrics ?? []) {
          const resource = flattenAttributes(rm.resource?.attributes);
          for (const sm of rm.scopeMetrics ?? []) {
            for (const m of sm.metrics ?? []) {
              if (metricName !== undefined && m.name !== metricName) continue;
              const common = { metric: m.name ?? '', unit: m.unit ?? '', resource, scope: sm.scope?.name ?? '', record };
              const numberPoints = (type: 'sum' | 'gauge', dps: OtlpNumberDataPoint[] | undefined, temporality: string | undefined, isMonotonic: boolean | undefined) => {
                for (const dp of dps ?? []) {
                  out.push({
                    ...common, type, temporality, isMonotonic, value: Number(dp.asDouble ?? dp.asInt ?? 0), count: undefined,
                    attributes: flattenAttributes(dp.attributes), startTimeUnixNano: str(dp.startTimeUnixNano), timeUnixNano: str(dp.timeUnixNano),
                  });
                }
              };
              if (m.sum) numberPoints('sum', m.sum.dataPoints, temporalityName(m.sum.aggregationTemporality), m.sum.isMonotonic ?? false);
              if (m.gauge) numberPoints('gauge', m.gauge.dataPoints, undefined, undefined);
              for (const type of ['histogram', 'exponentialHistogram'] as const) {
                const h = m[type];
                for (const dp of h?.dataPoints ?? []) {
                  out.push({
                    ...common, type, temporality: temporalityName(h?.aggregationTemporality), isMonotonic: undefined,
                    value: Number(dp.sum ?? 0), count: Number(dp.count ?? 0), attributes: flattenAttributes(dp.attributes),
                    startTimeUnixNano: str(dp.startTimeUnixNano), timeUnixNano: str(dp.timeUnixNano),
                  });
                }
              }
            }
          }
        }
      }
      return out;
    },

    metricNames(viewOpts) {
      const names = new Set<string>();
      for (const r of viewed(viewOpts)) for (const rm of r.body?.resourceMetrics ?? []) for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) if (m.name) names.add(m.name);
      return [...names];
    },
    logEventNames(viewOpts) {
      return [...new Set(rx.logs(viewOpts).map((l) => l.eventName).filter((n): n is string => n !== undefined))];
    },
    spanNames(viewOpts) {
      return [...new Set(rx.spans(viewOpts).map((s) => s.name))];
    },

    async waitFor(predicate, timeoutMs = 15_000, description) {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      for (;;) {
        try {
          if (predicate(rx)) return;
          lastError = undefined;
        } catch (err) {
          lastError = err;
        }
        if (Date.now() >= deadline) break;
        await sleep(50);
      }
      const what = description ?? predicate.toString().slice(0, 200);
      const err = lastError ? `\n(last predicate error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : '';
      throw new Error(`OTLP receiver: timed out after ${timeoutMs} ms waiting for: ${what}${err}\n${rx.summary()}`);
    },

    summary() {
      if (requests.length === 0) return 'Nothing arrived at the OTLP receiver.';
      const counts = new Map<string, number>();
      for (const r of requests) {
        const key = `${r.signal} ${r.protocol} ${r.path} → ${r.status}${r.error ? ` (${r.error})` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const lines = [`${requests.length} request(s):`, ...[...counts].map(([k, n]) => `  ${n}× ${k}`)];
      const all = { includeRejected: true };
      lines.push(`metric names: ${rx.metricNames(all).join(', ') || '(none)'}`);
      lines.push(`log event names: ${rx.logEventNames(all).join(', ') || '(none)'}`);
      lines.push(`span names: ${rx.spanNames(all).join(', ') || '(none)'}`);
      const first = requests[0];
      if (first) lines.push(`first request headers: ${JSON.stringify(first.headers)}`);
      return lines.join('\n');
    },

    reset() {
      requests.length = 0;
    },

    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      if (grpcServer) {
        const s = grpcServer;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => { s.forceShutdown(); resolve(); }, 1000);
          s.tryShutdown(() => { clearTimeout(timer); resolve(); });
        });
      }
    },
  };
  return rx;
}
