// Send known telemetry through the official OpenTelemetry JS SDKs and OTLP exporters (the same
// code paths an instrumented app uses) so the collector is tested against real clients.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { SpanStatusCode } from '@opentelemetry/api';

export type Transport = 'http/protobuf' | 'http/json' | 'grpc';
export type Compression = 'gzip' | 'none';

export interface Target {
  httpUrl: string;
  grpcUrl: string;
}

const RESOURCE = { 'service.name': 'claude-code', engineer: 'ada', team: 'core', org: 'acme' };

function url(t: Target, transport: Transport, path: string): string {
  return transport === 'grpc' ? t.grpcUrl : `${t.httpUrl}${path}`;
}

async function traceExporter(transport: Transport, u: string, compression: Compression): Promise<SpanExporter> {
  const opts = { url: u, compression: compression as never, timeoutMillis: 10_000 };
  if (transport === 'http/protobuf') return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(opts);
  if (transport === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(opts);
  return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter(opts);
}

async function metricExporter(transport: Transport, u: string, compression: Compression, temporality: 'delta' | 'cumulative'): Promise<PushMetricExporter> {
  const http = await import('@opentelemetry/exporter-metrics-otlp-http');
  const pref = temporality === 'delta' ? http.AggregationTemporalityPreference.DELTA : http.AggregationTemporalityPreference.CUMULATIVE;
  const opts = { url: u, compression: compression as never, temporalityPreference: pref, timeoutMillis: 10_000 };
  if (transport === 'http/protobuf') return new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter(opts);
  if (transport === 'http/json') return new http.OTLPMetricExporter(opts);
  return new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter(opts);
}

async function logExporter(transport: Transport, u: string, compression: Compression): Promise<LogRecordExporter> {
  const opts = { url: u, compression: compression as never, timeoutMillis: 10_000 };
  if (transport === 'http/protobuf') return new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter(opts);
  if (transport === 'http/json') return new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter(opts);
  return new (await import('@opentelemetry/exporter-logs-otlp-grpc')).OTLPLogExporter(opts);
}

export interface SentTraces {
  traceId: string;
  parentSpanId: string;
  childSpanId: string;
}

/** Two spans (parent → child) with attributes, an event and an error status. */
export async function sendTraces(t: Target, transport: Transport, compression: Compression, tag: string): Promise<SentTraces> {
  const exporter = await traceExporter(transport, url(t, transport, '/v1/traces'), compression);
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ ...RESOURCE, tag }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('cc-otel-test', '1.2.3');
  const parent = tracer.startSpan('claude_code.interaction', { attributes: { 'session.id': 's-1', n: 42, ok: true } });
  const { context, trace } = await import('@opentelemetry/api');
  const child = tracer.startSpan('claude_code.tool', { attributes: { tool_name: 'Bash' } }, trace.setSpan(context.active(), parent));
  child.addEvent('started', { step: 1 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  parent.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: parent.spanContext().traceId, parentSpanId: parent.spanContext().spanId, childSpanId: child.spanContext().spanId };
}

/** A counter (token usage by type), an up-down counter, and a histogram. */
export async function sendMetrics(t: Target, transport: Transport, compression: Compression, tag: string, temporality: 'delta' | 'cumulative' = 'delta'): Promise<void> {
  const exporter = await metricExporter(transport, url(t, transport, '/v1/metrics'), compression, temporality);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ ...RESOURCE, tag }), readers: [reader] });
  const meter = provider.getMeter('com.anthropic.claude_code', '2.1.0');
  const tokens = meter.createCounter('claude_code.token.usage', { unit: 'tokens' });
  tokens.add(100, { type: 'input', model: 'claude-x' });
  tokens.add(7, { type: 'output', model: 'claude-x' });
  const cost = meter.createCounter('claude_code.cost.usage', { unit: 'USD' });
  cost.add(0.25, { model: 'claude-x' });
  meter.createHistogram('duration', { unit: 'ms' }).record(12.5, { op: 'x' });
  await provider.forceFlush();
  await provider.shutdown();
}

/** Two log records, one an event with eventName and attributes. */
export async function sendLogs(t: Target, transport: Transport, compression: Compression, tag: string): Promise<void> {
  const exporter = await logExporter(transport, url(t, transport, '/v1/logs'), compression);
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ ...RESOURCE, tag }), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('com.anthropic.claude_code.events', '2.1.0');
  logger.emit({ body: 'claude_code.api_error', attributes: { 'event.name': 'api_error', model: 'claude-x', status_code: 529 }, severityNumber: 17, severityText: 'ERROR' });
  logger.emit({ body: { structured: 'yes', n: 3 }, attributes: { plain: true } });
  await provider.forceFlush();
  await provider.shutdown();
}
