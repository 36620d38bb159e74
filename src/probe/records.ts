/**
 * Builds the probe's one record with the official OpenTelemetry JS SDKs and serializes it with the
 * official OTLP serializers (@opentelemetry/otlp-transformer), so the bytes on the wire are exactly
 * what the official exporters (and therefore Claude Code) produce. Everything is loaded lazily:
 * only `verify` pays for these packages.
 *
 * Nothing is registered globally (no `trace.setGlobalTracerProvider`): each probe uses its own
 * throw-away providers.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ProbeProtocol, Signal, Temporality } from './types.js';
import { PROBE_ID_ATTRIBUTE, PROBE_RECORD_NAME, PROBE_SCOPE_NAME } from './types.js';

export type ProbePayload =
  | { signal: 'traces'; spans: ReadableSpan[] }
  | { signal: 'metrics'; resourceMetrics: ResourceMetrics }
  | { signal: 'logs'; logRecords: ReadableLogRecord[] };

export interface BuildProbeInput {
  signal: Signal;
  probeId: string;
  /** complete resource, including service.name and the probe id */
  resource: Record<string, string>;
  temporality: Temporality;
}

/** The attributes put on the span / datapoint / log record itself. */
export function recordAttributes(probeId: string): Record<string, string> {
  return { [PROBE_ID_ATTRIBUTE]: probeId, 'cc_otel.probe': 'true' };
}

/** Human-readable log body; also makes the probe findable by full-text search (Datadog, Loki). */
export function probeLogBody(probeId: string): string {
  return `cc-otel verify probe ${probeId}`;
}

export async function buildProbePayload(input: BuildProbeInput): Promise<ProbePayload> {
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const resource = resourceFromAttributes(input.resource);
  const attributes = recordAttributes(input.probeId);

  if (input.signal === 'traces') {
    const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
      '@opentelemetry/sdk-trace-base'
    );
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const span = provider.getTracer(PROBE_SCOPE_NAME).startSpan(PROBE_RECORD_NAME, { attributes });
    span.end();
    await provider.forceFlush();
    const spans = [...exporter.getFinishedSpans()];
    await provider.shutdown();
    return { signal: 'traces', spans };
  }

  if (input.signal === 'metrics') {
    const [{ MeterProvider, MetricReader }, selectors] = await Promise.all([
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/exporter-metrics-otlp-http'),
    ]);
    // The official exporters' own selectors: `delta` = delta for counters/histograms, cumulative for
    // up-down counters — exactly what OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE selects.
    const selector =
      input.temporality === 'cumulative'
        ? selectors.CumulativeTemporalitySelector
        : input.temporality === 'lowmemory'
          ? selectors.LowMemoryTemporalitySelector
          : selectors.DeltaTemporalitySelector;
    class ProbeReader extends MetricReader {
      protected override async onShutdown(): Promise<void> {}
      protected override async onForceFlush(): Promise<void> {}
    }
    const reader = new ProbeReader({ aggregationTemporalitySelector: selector });
    const provider = new MeterProvider({ resource, readers: [reader] });
    // A monotonic Sum: the instrument type temporality rejections are about (Mimir rejects delta
    // sums, Datadog/Dynatrace reject cumulative monotonic sums).
    const counter = provider.getMeter(PROBE_SCOPE_NAME).createCounter(PROBE_RECORD_NAME, {
      description: 'cc-otel verify probe (one increment per probe)',
    });
    counter.add(1, attributes);
    const { resourceMetrics } = await reader.collect();
    await provider.shutdown();
    return { signal: 'metrics', resourceMetrics };
  }

  const [{ LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor }, { SeverityNumber }] =
    await Promise.all([import('@opentelemetry/sdk-logs'), import('@opentelemetry/api-logs')]);
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  provider.getLogger(PROBE_SCOPE_NAME).emit({
    eventName: PROBE_RECORD_NAME,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: probeLogBody(input.probeId),
    attributes,
  });
  await provider.forceFlush();
  const logRecords = [...exporter.getFinishedLogRecords()];
  await provider.shutdown();
  return { signal: 'logs', logRecords };
}

export interface SerializedProbe {
  body: Uint8Array;
  /** decodes an Export<Signal>ServiceResponse body with the same official serializer */
  decodeResponse(data: Uint8Array): unknown;
  contentType: 'application/x-protobuf' | 'application/json';
}

/** Serialize with the official serializer for the protocol (protobuf for grpc and http/protobuf). */
export async function serializeProbe(payload: ProbePayload, protocol: ProbeProtocol): Promise<SerializedProbe> {
  const t = await import('@opentelemetry/otlp-transformer');
  const json = protocol === 'http/json';
  const contentType = json ? 'application/json' : 'application/x-protobuf';
  let body: Uint8Array | undefined;
  let decodeResponse: (data: Uint8Array) => unknown;
  if (payload.signal === 'traces') {
    const s = json ? t.JsonTraceSerializer : t.ProtobufTraceSerializer;
    body = s.serializeRequest(payload.spans);
    decodeResponse = (d) => s.deserializeResponse(d);
  } else if (payload.signal === 'metrics') {
    const s = json ? t.JsonMetricsSerializer : t.ProtobufMetricsSerializer;
    body = s.serializeRequest(payload.resourceMetrics);
    decodeResponse = (d) => s.deserializeResponse(d);
  } else {
    const s = json ? t.JsonLogsSerializer : t.ProtobufLogsSerializer;
    body = s.serializeRequest(payload.logRecords);
    decodeResponse = (d) => s.deserializeResponse(d);
  }
  if (body === undefined || body.length === 0) {
    // Cannot happen with one record; guard so an empty request can never pass as a probe.
    throw new Error(`the OTLP serializer produced an empty ${payload.signal} request`);
  }
  return { body, decodeResponse, contentType };
}

/** gRPC method path per signal (opentelemetry-proto collector services). */
export function grpcMethodPath(signal: Signal): string {
  switch (signal) {
    case 'traces':
      return '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
    case 'metrics':
      return '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
    case 'logs':
      return '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
  }
}
