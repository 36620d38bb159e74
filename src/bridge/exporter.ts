/**
 * The bridge's metrics pipeline: the official OTel JS metrics SDK (@opentelemetry/sdk-metrics) and
 * the official OTLP metric exporter for the plan's protocol, loaded lazily. Same endpoint, headers
 * (auth from the key chain) and temporality as the plan gives Claude Code's own exporter
 * (otel/build-env.ts), so the bridge's series land beside Claude Code's. Headers and error
 * descriptions are the event shipper's (events/exporter.ts).
 *
 * A manual reader: the bridge decides when a tick collects and exports, and gets the outcome back
 * (the periodic reader only logs failures through `diag`).
 */
import type { MeterProvider, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { CcOtelError } from '../errors.js';
import { exportOutcome, signalExportHeaders, type ExportOutcome } from '../events/exporter.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import { isHttp, signalUrl } from '../otel/endpoint.js';

export const BRIDGE_SERVICE_NAME = 'cc-otel-bridge';
export const BRIDGE_SCOPE = 'cc-otel.sessions';

interface OtelMetricExporter {
  export(metrics: ResourceMetrics, cb: (r: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
  selectAggregationTemporality?: (t: never) => never;
}

/** Where the plan sends metrics — even when Claude Code's own metrics are switched off. */
export function metricsEndpoint(plan: TelemetryPlan): string {
  const direct = plan.endpoints.metrics;
  if (direct) return direct;
  if (!plan.preset.signals.includes('metrics'))
    throw new CcOtelError('CONFIG_INVALID', `backend ${plan.backend} does not accept metrics, so the session bridge has nowhere to send cc.sessions.*`, {
      hint: 'run the bridge against a backend that takes OTLP metrics (cc-otel collect, SigNoz, Grafana Cloud, …), or use `cc-otel sessions` locally',
    });
  return isHttp(plan.protocol) ? signalUrl(plan.base, 'metrics') : plan.base;
}

/** The bridge's resource: the plan's attributes (engineer, team, org, detectors, yours), its own service.name. */
export function bridgeResource(plan: Pick<TelemetryPlan, 'resourceAttributes'>, version: string): Record<string, string> {
  return { ...plan.resourceAttributes, 'service.name': BRIDGE_SERVICE_NAME, 'service.version': version };
}

export interface MetricsPipeline {
  endpoint: string;
  protocol: string;
  temporality: string;
  provider: MeterProvider;
  /** collect every instrument once and export the result */
  exportOnce(): Promise<ExportOutcome>;
  shutdown(): Promise<void>;
}

export async function createMetricsPipeline(plan: TelemetryPlan, opts: { timeoutMs: number; version: string }): Promise<MetricsPipeline> {
  const endpoint = metricsEndpoint(plan);
  const headers = signalExportHeaders(plan, 'metrics');
  let sdk: typeof import('@opentelemetry/sdk-metrics');
  let resources: typeof import('@opentelemetry/resources');
  let exporter: OtelMetricExporter;
  try {
    sdk = await import('@opentelemetry/sdk-metrics');
    resources = await import('@opentelemetry/resources');
    const { AggregationTemporalityPreference } = await import('@opentelemetry/exporter-metrics-otlp-http');
    const temporalityPreference =
      plan.temporality === 'cumulative' ? AggregationTemporalityPreference.CUMULATIVE : AggregationTemporalityPreference.DELTA;
    if (plan.protocol === 'grpc') {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
      const { Metadata } = await import('@grpc/grpc-js');
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(headers)) metadata.set(k.toLowerCase(), v);
      exporter = new OTLPMetricExporter({ url: endpoint, metadata, timeoutMillis: opts.timeoutMs, temporalityPreference }) as unknown as OtelMetricExporter;
    } else if (plan.protocol === 'http/json') {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      exporter = new OTLPMetricExporter({ url: endpoint, headers, timeoutMillis: opts.timeoutMs, temporalityPreference }) as unknown as OtelMetricExporter;
    } else {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
      exporter = new OTLPMetricExporter({ url: endpoint, headers, timeoutMillis: opts.timeoutMs, temporalityPreference }) as unknown as OtelMetricExporter;
    }
  } catch (e) {
    throw new CcOtelError('IO', `cannot load the OpenTelemetry metrics SDK or the OTLP ${plan.protocol} metric exporter: ${(e as Error).message}`, {
      hint: 'reinstall cc-otel (from its clone: `npm install -g .`); its @opentelemetry/sdk-metrics and exporter-metrics-otlp-* dependencies are missing',
      cause: e,
    });
  }
  const selector = (exporter.selectAggregationTemporality as ((t: unknown) => unknown) | undefined)?.bind(exporter);
  class ManualReader extends sdk.MetricReader {
    protected onShutdown(): Promise<void> {
      return Promise.resolve();
    }
    protected onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
  }
  // Gauges carry no temporality on the wire, but the SDK's cumulative processing keeps reporting
  // every attribute set it ever saw (measured: an ended session's cc.session.alive{session.id} and
  // its cc.sessions.active label set went on being exported at their last value). Delta processing
  // for gauges reports only what this tick observed; the counter follows the configured temporality.
  const gauges = new Set<unknown>([sdk.InstrumentType.OBSERVABLE_GAUGE, sdk.InstrumentType.GAUGE]);
  const temporalityOf = (t: unknown) => (gauges.has(t) ? sdk.AggregationTemporality.DELTA : selector ? selector(t) : sdk.AggregationTemporality.CUMULATIVE);
  const reader = new ManualReader({ aggregationTemporalitySelector: temporalityOf as never });
  const provider = new sdk.MeterProvider({ resource: resources.resourceFromAttributes(bridgeResource(plan, opts.version)), readers: [reader] });
  return {
    endpoint,
    protocol: plan.protocol,
    temporality: plan.temporality,
    provider,
    exportOnce: async () => {
      const { resourceMetrics, errors } = await reader.collect({ timeoutMillis: opts.timeoutMs });
      if (errors.length > 0) return { ok: false, error: `collecting the session metrics failed: ${String(errors[0])}` };
      return exportOutcome(exporter, resourceMetrics);
    },
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch {
        /* nothing left */
      }
      try {
        await exporter.shutdown();
      } catch {
        /* nothing left */
      }
    },
  };
}
