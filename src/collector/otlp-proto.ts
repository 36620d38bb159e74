/**
 * The official OTLP protobuf definitions, as the protobufjs static code generated from
 * open-telemetry/opentelemetry-proto (shipped inside @opentelemetry/otlp-transformer 0.208, installed
 * under the `otlp-proto` alias). The generated .d.ts types it as an opaque protobufjs Root, so the
 * few shapes we touch are typed here.
 *
 * `google.rpc.Status` is not in that code, so `encodeStatus` writes its three fields by hand
 * (https://github.com/googleapis/googleapis/blob/master/google/rpc/status.proto).
 */
import protoRoot from 'otlp-proto/build/src/generated/root.js';
import type { Signal } from '../otel/endpoint.js';

/** protobufjs' 64-bit integer (the `long` package); unsigned for fixed64, signed for int64/sfixed64. */
export interface Long {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
  toString(): string;
}

export interface AnyValueMsg {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Long | number | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValueMsg[] | null } | null;
  kvlistValue?: { values?: KeyValueMsg[] | null } | null;
  bytesValue?: Uint8Array | null;
}
export interface KeyValueMsg {
  key?: string | null;
  value?: AnyValueMsg | null;
}
export interface ResourceMsg {
  attributes?: KeyValueMsg[] | null;
}
export interface ScopeMsg {
  name?: string | null;
  version?: string | null;
  attributes?: KeyValueMsg[] | null;
}
export interface NumberDataPointMsg {
  attributes?: KeyValueMsg[] | null;
  startTimeUnixNano?: Long | number | null;
  timeUnixNano?: Long | number | null;
  asDouble?: number | null;
  asInt?: Long | number | null;
  flags?: number | null;
}
export interface MetricMsg {
  name?: string | null;
  description?: string | null;
  unit?: string | null;
  sum?: { dataPoints?: NumberDataPointMsg[] | null; aggregationTemporality?: number | null; isMonotonic?: boolean | null } | null;
  gauge?: { dataPoints?: NumberDataPointMsg[] | null } | null;
  histogram?: { dataPoints?: Array<{ attributes?: KeyValueMsg[] | null }> | null } | null;
  exponentialHistogram?: { dataPoints?: Array<{ attributes?: KeyValueMsg[] | null }> | null } | null;
  summary?: { dataPoints?: Array<{ attributes?: KeyValueMsg[] | null }> | null } | null;
}
export interface LogRecordMsg {
  timeUnixNano?: Long | number | null;
  observedTimeUnixNano?: Long | number | null;
  severityNumber?: number | null;
  severityText?: string | null;
  body?: AnyValueMsg | null;
  attributes?: KeyValueMsg[] | null;
  eventName?: string | null;
}
export interface SpanMsg {
  name?: string | null;
  attributes?: KeyValueMsg[] | null;
  events?: Array<{ attributes?: KeyValueMsg[] | null }> | null;
  links?: Array<{ attributes?: KeyValueMsg[] | null }> | null;
}
export interface ExportTraceRequestMsg {
  resourceSpans?: Array<{ resource?: ResourceMsg | null; scopeSpans?: Array<{ scope?: ScopeMsg | null; spans?: SpanMsg[] | null }> | null }> | null;
}
export interface ExportMetricsRequestMsg {
  resourceMetrics?: Array<{ resource?: ResourceMsg | null; scopeMetrics?: Array<{ scope?: ScopeMsg | null; metrics?: MetricMsg[] | null }> | null }> | null;
}
export interface ExportLogsRequestMsg {
  resourceLogs?: Array<{ resource?: ResourceMsg | null; scopeLogs?: Array<{ scope?: ScopeMsg | null; logRecords?: LogRecordMsg[] | null }> | null }> | null;
}
export type ExportRequestMsg = ExportTraceRequestMsg | ExportMetricsRequestMsg | ExportLogsRequestMsg;

export interface ConversionOptions {
  longs?: StringConstructor | NumberConstructor;
  enums?: StringConstructor;
  bytes?: StringConstructor;
  defaults?: boolean;
  arrays?: boolean;
  oneofs?: boolean;
}

/** The static-code surface of one generated message type. */
export interface MessageType<T> {
  decode(bytes: Uint8Array): T;
  encode(message: T): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): T;
  toObject(message: T, options?: ConversionOptions): Record<string, unknown>;
}

interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: MessageType<ExportTraceRequestMsg>; ExportTraceServiceResponse: MessageType<object> } };
        metrics: { v1: { ExportMetricsServiceRequest: MessageType<ExportMetricsRequestMsg>; ExportMetricsServiceResponse: MessageType<object> } };
        logs: { v1: { ExportLogsServiceRequest: MessageType<ExportLogsRequestMsg>; ExportLogsServiceResponse: MessageType<object> } };
      };
    };
  };
}

const collector = (protoRoot as unknown as GeneratedRoot).opentelemetry.proto.collector;

/**
 * Decode through protobufjs from a Buffer, always. protobufjs reads strings natively
 * (Buffer#utf8Slice) only when handed a Buffer; from a plain Uint8Array (the bytes a worker thread
 * transfers back, a view into a frame) its Reader decodes UTF-8 in JavaScript one byte at a time:
 * 16 MiB of string values then hold the event loop for ~250 ms instead of a few. The Buffer is a
 * view over the same memory, no copy.
 */
export function decodeMessage<T>(type: MessageType<T>, bytes: Uint8Array): T {
  return type.decode(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export interface SignalProto {
  signal: Signal;
  request: MessageType<ExportRequestMsg>;
  response: MessageType<object>;
  /** HTTP path (relative to the base URL) */
  httpPath: string;
  /** gRPC service and method path */
  grpcService: string;
  grpcPath: string;
  /** field of the request holding the resource list */
  resourceField: 'resourceSpans' | 'resourceMetrics' | 'resourceLogs';
}

export const SIGNAL_PROTO: Readonly<Record<Signal, SignalProto>> = {
  traces: {
    signal: 'traces',
    request: collector.trace.v1.ExportTraceServiceRequest as MessageType<ExportRequestMsg>,
    response: collector.trace.v1.ExportTraceServiceResponse,
    httpPath: '/v1/traces',
    grpcService: 'opentelemetry.proto.collector.trace.v1.TraceService',
    grpcPath: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    resourceField: 'resourceSpans',
  },
  metrics: {
    signal: 'metrics',
    request: collector.metrics.v1.ExportMetricsServiceRequest as MessageType<ExportRequestMsg>,
    response: collector.metrics.v1.ExportMetricsServiceResponse,
    httpPath: '/v1/metrics',
    grpcService: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
    grpcPath: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    resourceField: 'resourceMetrics',
  },
  logs: {
    signal: 'logs',
    request: collector.logs.v1.ExportLogsServiceRequest as MessageType<ExportRequestMsg>,
    response: collector.logs.v1.ExportLogsServiceResponse,
    httpPath: '/v1/logs',
    grpcService: 'opentelemetry.proto.collector.logs.v1.LogsService',
    grpcPath: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    resourceField: 'resourceLogs',
  },
};

/** toObject options giving the OTLP/JSON-like plain form (longs and enums as strings, bytes as base64). */
export const PLAIN_OBJECT: ConversionOptions = { longs: String, enums: String, bytes: String };

// ---- google.rpc.Status, by hand: 1 code (int32), 2 message (string), 3 details (repeated Any) ----

function varint(n: number, out: number[]): void {
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** Encode a `google.rpc.Status` with a code and a message (no details). */
export function encodeStatus(code: number, message: string): Uint8Array {
  const msg = Buffer.from(message, 'utf8');
  const head: number[] = [];
  if (code !== 0) {
    head.push(0x08); // field 1, varint
    varint(code, head);
  }
  if (msg.length > 0) {
    head.push(0x12); // field 2, length-delimited
    varint(msg.length, head);
  }
  return Buffer.concat([Buffer.from(head), msg]);
}

/** Decode what `encodeStatus` writes (tests and clients reading our errors). */
export function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  let pos = 0;
  let code = 0;
  let message = '';
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = readVarint();
      if (field === 1) code = v | 0;
    } else if (wire === 2) {
      const len = readVarint();
      if (field === 2) message = Buffer.from(bytes.subarray(pos, pos + len)).toString('utf8');
      pos += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return { code, message };
}

/** gRPC status codes we use (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GRPC_CODE = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14 } as const;
