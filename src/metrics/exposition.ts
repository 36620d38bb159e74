/**
 * Stored series (store-metrics.ts) → the Prometheus text format, through the official serializer
 * (@opentelemetry/exporter-prometheus's PrometheusSerializer, fed one ResourceMetrics).
 *
 * What this file decides, the serializer does not:
 *  - names: prometheus-names.ts (the serializer adds `_total` but no unit suffix);
 *  - labels: the resource's attributes and the point's (the point's win), so engineer, team, org,
 *    model, session_id, user_id, service_name … are all labels (the collector exporter's
 *    `resource_to_telemetry_conversion`); `dropLabels` removes some (`session.id`), and the series
 *    that then share a label set are added up (gauges too: they count things, such as sessions);
 *  - no target_info and no otel_scope_* labels: one family per name, one sample per label set.
 */
import type { Attrs } from '../collector/attributes.js';
import { prometheusLabelName, prometheusMetricName, type PromKind } from './prometheus-names.js';
import { DEFAULT_GAUGE_MAX_AGE_MS, type StoredSeries } from './store-metrics.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface ExpositionOptions {
  /** attribute keys (`session.id`) or label names (`session_id`) to leave out */
  dropLabels?: readonly string[];
  /** gauges older than this are left out (default 5 minutes) */
  gaugeMaxAgeMs?: number;
  /** epoch ms (default Date.now()) */
  now?: number;
}

interface Family {
  name: string;
  kind: PromKind;
  help: string;
  samples: Map<string, { labels: Record<string, string>; value: number }>;
}

function kindOf(s: StoredSeries): PromKind {
  if (s.kind === 'gauge') return 'gauge';
  return s.monotonic ? 'counter' : 'updown';
}

/** A series' labels: sanitized names (the first attribute wins a clash), dropped ones out, in name order. */
function labelsOf(attrs: Attrs, drop: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || drop.has(k)) continue;
    const name = prometheusLabelName(k);
    if (name === '' || drop.has(name) || name in out || name === '__name__') continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text === '') continue;
    out[name] = text;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The families to expose, by name (pure: what the serializer is then given). */
export function families(series: readonly StoredSeries[], opts: ExpositionOptions = {}): Family[] {
  const drop = new Set(opts.dropLabels ?? []);
  const now = opts.now ?? Date.now();
  const oldestGaugeNs = (now - (opts.gaugeMaxAgeMs ?? DEFAULT_GAUGE_MAX_AGE_MS)) * 1e6;
  const byName = new Map<string, Family>();
  for (const s of series) {
    if (s.lastNs === -Infinity) continue; // no point with a value yet
    const kind = kindOf(s);
    if (kind === 'gauge' && s.lastNs < oldestGaugeNs) continue;
    const name = prometheusMetricName(s.name, s.unit, kind);
    if (name === '') continue;
    let fam = byName.get(name);
    if (!fam) byName.set(name, (fam = { name, kind, help: `${s.name}${s.unit ? ` (${s.unit})` : ''}, as stored by cc-otel collect`, samples: new Map() }));
    else if (fam.kind !== kind) continue; // the same name as another kind of metric: the first one seen keeps it
    const labels = labelsOf(s.attrs, drop);
    const key = JSON.stringify(labels);
    const sample = fam.samples.get(key);
    if (sample) sample.value += s.value;
    else fam.samples.set(key, { labels, value: s.value });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

let modules: Promise<[typeof import('@opentelemetry/exporter-prometheus'), typeof import('@opentelemetry/sdk-metrics'), typeof import('@opentelemetry/api')]> | undefined;

/**
 * The serializer's modules, loaded once. Loading them holds the event loop ~80 ms: the endpoint
 * starts it when the collector starts, not in the middle of the first scrape.
 */
export function loadSerializer(): NonNullable<typeof modules> {
  return (modules ??= Promise.all([import('@opentelemetry/exporter-prometheus'), import('@opentelemetry/sdk-metrics'), import('@opentelemetry/api')]));
}

/** The Prometheus text format of the series. */
export async function renderExposition(series: readonly StoredSeries[], opts: ExpositionOptions = {}): Promise<string> {
  const [{ PrometheusSerializer }, { AggregationTemporality, DataPointType }, { ValueType }] = await loadSerializer();
  const fams = families(series, opts);
  if (fams.length === 0) return '';
  const zero: [number, number] = [0, 0];
  const metrics = fams.map((f) => ({
    descriptor: { name: f.name, description: f.help, unit: '', valueType: ValueType.DOUBLE },
    dataPointType: f.kind === 'gauge' ? DataPointType.GAUGE : DataPointType.SUM,
    isMonotonic: f.kind === 'counter',
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPoints: [...f.samples.values()].map((x) => ({ attributes: x.labels, value: x.value, startTime: zero, endTime: zero })),
  }));
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  // The serializer reads resource.attributes and scopeMetrics only (target_info is off).
  const rm = { resource: { attributes: {} }, scopeMetrics: [{ scope: { name: 'cc-otel' }, metrics }] };
  return serializer.serialize(rm as unknown as Parameters<typeof serializer.serialize>[0]);
}
