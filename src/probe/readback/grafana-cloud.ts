/**
 * Grafana Cloud read-back — backends.md §2b. Each backend has its OWN user (instance) ID, all
 * use HTTP Basic `<that user>:<token>` with an access-policy token holding logs:read /
 * metrics:read / traces:read.
 *
 *  - logs    → Loki `GET /loki/api/v1/query_range` `{service_name="<svc>"} |= "<probe id>"`
 *              (the probe's log body carries the id; service.name becomes the `service_name` label)
 *  - metrics → Prometheus `GET /api/prom/api/v1/query`
 *              `last_over_time({__name__=~"cc_otel_probe.*", cc_otel_probe_id="<id>"}[…])`
 *              (datapoint attributes become labels, `.` → `_`, counters gain `_total`)
 *  - traces  → Tempo `GET /tempo/api/search` `{ span.cc_otel.probe_id = "<id>" }`
 *
 * URLs are as shown on the portal's data-source cards: Loki `https://logs-prod-NNN.grafana.net`,
 * Prometheus `https://prometheus-prod-NN-prod-<region>.grafana.net/api/prom`, Tempo
 * `https://tempo-prod-NN-prod-<region>.grafana.net/tempo`; the `/api/prom` and `/tempo` suffixes
 * are added when missing.
 */
import type { Signal } from '../types.js';
import { PROBE_ID_ATTRIBUTE } from '../types.js';
import { get, joinUrl, queryWindow, requestJson } from './http.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from './types.js';

export interface GrafanaEndpoint {
  url: string;
  /** this backend's own numeric user/instance ID (not the OTLP gateway's instance ID) */
  user: string;
}

export interface GrafanaCloudReadbackOptions extends ReadbackQuery {
  /** Cloud access-policy token with logs:read / metrics:read / traces:read */
  token: string;
  loki?: GrafanaEndpoint;
  prometheus?: GrafanaEndpoint;
  tempo?: GrafanaEndpoint;
}

const BACKEND: Record<Signal, { key: 'loki' | 'prometheus' | 'tempo'; name: string; scope: string }> = {
  logs: { key: 'loki', name: 'Loki', scope: 'logs:read' },
  metrics: { key: 'prometheus', name: 'Prometheus', scope: 'metrics:read' },
  traces: { key: 'tempo', name: 'Tempo', scope: 'traces:read' },
};

function authHint(name: string, scope: string): string {
  return (
    `Grafana Cloud rejected the ${name} credentials: the user must be the ${name} data source's own user ID ` +
    `(portal → stack → ${name} → Details; it differs from the OTLP instance ID and from the other backends'), ` +
    `and the token an access-policy token with ${scope}.`
  );
}

function withSuffix(url: string, suffix: string): string {
  const u = url.replace(/\/+$/, '');
  return u.endsWith(suffix) ? u : `${u}${suffix}`;
}

/** The query string each backend is asked, for the record. */
export function grafanaQuery(signal: Signal, probeId: string, serviceName: string, rangeSeconds: number): string {
  const id = probeId.replace(/["\\]/g, '\\$&');
  switch (signal) {
    case 'logs':
      return `{service_name="${serviceName.replace(/["\\]/g, '\\$&')}"} |= "${id}"`;
    case 'metrics':
      return `last_over_time({__name__=~"cc_otel_probe.*", ${PROBE_ID_ATTRIBUTE.replace(/\./g, '_')}="${id}"}[${rangeSeconds}s])`;
    case 'traces':
      return `{ span.${PROBE_ID_ATTRIBUTE} = "${id}" }`;
  }
}

export const grafanaCloudReadback: ReadbackModule<GrafanaCloudReadbackOptions> = {
  id: 'grafana-cloud',
  title: 'Grafana Cloud (Loki / Prometheus / Tempo)',
  async query(q): Promise<ReadbackResult> {
    const b = BACKEND[q.signal];
    const ep = q[b.key];
    if (!ep) {
      return {
        status: 'unsupported',
        message: `no ${b.name} URL/user configured, so ${q.signal} cannot be read back`,
        hint: `add the ${b.name} URL and user ID from the portal (stack → ${b.name} → Details) to check ${q.signal}.`,
      };
    }
    const { startMs, endMs } = queryWindow(q);
    const serviceName = q.serviceName ?? 'claude-code';
    const rangeSeconds = Math.max(60, Math.ceil((endMs - startMs) / 1000));
    const query = grafanaQuery(q.signal, q.probeId, serviceName, rangeSeconds);
    const headers = { Authorization: `Basic ${Buffer.from(`${ep.user}:${q.token}`).toString('base64')}` };
    let url: string;
    if (q.signal === 'logs') {
      const p = new URLSearchParams({
        query,
        start: `${startMs}000000`,
        end: `${endMs}000000`,
        limit: '5',
        direction: 'backward',
      });
      url = `${joinUrl(ep.url, '/loki/api/v1/query_range')}?${p}`;
    } else if (q.signal === 'metrics') {
      const p = new URLSearchParams({ query, time: String(Math.floor(endMs / 1000)) });
      url = `${joinUrl(withSuffix(ep.url, '/api/prom'), '/api/v1/query')}?${p}`;
    } else {
      const p = new URLSearchParams({
        q: query,
        start: String(Math.floor(startMs / 1000)),
        end: String(Math.ceil(endMs / 1000)),
        limit: '5',
      });
      url = `${joinUrl(withSuffix(ep.url, '/tempo'), '/api/search')}?${p}`;
    }
    const details: Record<string, unknown> = { backend: b.name, query };
    const res = await requestJson(q, { url, headers, what: `Grafana Cloud ${b.name} query`, authHint: authHint(b.name, b.scope) });
    if (!res.ok) return { ...res.result, details };

    let matches = 0;
    if (q.signal === 'traces') {
      const traces = get(res.json, 'traces');
      matches = Array.isArray(traces) ? traces.length : 0;
    } else {
      if (get(res.json, 'status') === 'error') {
        return { status: 'error', message: `${b.name}: ${String(get(res.json, 'error') ?? 'query error')}`, details };
      }
      const result = get(res.json, 'data', 'result');
      if (Array.isArray(result)) {
        for (const r of result) {
          const values = get(r, 'values');
          if (Array.isArray(values)) matches += values.length; // Loki streams / Prometheus matrix
          else if (get(r, 'value') !== undefined) matches += 1; // Prometheus vector
        }
      }
    }
    details.matches = matches;
    if (matches > 0) {
      return { status: 'found', message: `${b.name} has the ${q.signal} probe (${PROBE_ID_ATTRIBUTE}=${q.probeId})`, details };
    }
    return {
      status: 'not_found',
      message: `${b.name} has no ${q.signal} record with ${PROBE_ID_ATTRIBUTE}=${q.probeId} yet`,
      hint:
        q.signal === 'metrics'
          ? 'metrics appear after ingest delay; if the probe was sent with delta temporality Mimir rejects it — Grafana Cloud needs OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=cumulative.'
          : 'allow ingest delay and retry; check the URL is this stack\'s data source (same stack as the OTLP gateway).',
      details,
    };
  },
};
