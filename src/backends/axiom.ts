import type { Signal } from '../otel/endpoint.js';
import type { Preset } from './types.js';

/**
 * Axiom: Bearer token; each signal goes to its own typed dataset — X-Axiom-Dataset for traces
 * and logs, X-Axiom-Metrics-Dataset for metrics. OTLP/HTTP only; /v1/metrics is protobuf only.
 */
export const axiom: Preset = {
  name: 'axiom',
  title: 'Axiom',
  docs: 'https://axiom.co/docs/send-data/opentelemetry',
  fields: [
    { name: 'datasets', required: true, description: 'dataset per signal, e.g. {"traces":"cc-traces","logs":"cc-logs","metrics":"cc-metrics"}' },
    { name: 'endpoint', required: false, description: 'edge endpoint, default https://us-east-1.aws.edge.axiom.co' },
  ],
  protocols: ['http/protobuf'],
  signals: ['metrics', 'logs', 'traces'],
  temporality: 'delta',
  key: 'required',
  baseUrl: (cfg) => cfg.endpoint ?? 'https://us-east-1.aws.edge.axiom.co',
  availableSignals: (cfg) => (['metrics', 'logs', 'traces'] as Signal[]).filter((s) => cfg.datasets?.[s]),
  authHeaders: (_cfg, key) => ({ Authorization: `Bearer ${key}` }),
  signalHeaders: (cfg) => {
    const out: Partial<Record<Signal, Record<string, string>>> = {};
    if (cfg.datasets?.traces) out.traces = { 'X-Axiom-Dataset': cfg.datasets.traces };
    if (cfg.datasets?.logs) out.logs = { 'X-Axiom-Dataset': cfg.datasets.logs };
    if (cfg.datasets?.metrics) out.metrics = { 'X-Axiom-Metrics-Dataset': cfg.datasets.metrics };
    return out;
  },
  validate: (cfg) => (cfg.datasets && Object.values(cfg.datasets).some(Boolean) ? [] : ['datasets needs at least one of traces, logs, metrics']),
};
