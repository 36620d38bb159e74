/**
 * SigNoz (cloud and self-hosted) read-back — backends.md §1c.
 *
 *  1. `GET /api/v1/stats` (SIGNOZ-API-KEY): proves the key and the instance, and gives
 *     `telemetry.<signal>.last_observed.time` (absent when a signal never had data; the endpoint
 *     is new, so a 404 here is tolerated).
 *  2. `POST /api/v5/query_range` filtered on the probe id: logs/traces as a `raw` query on the
 *     resource attribute (explicit `resource.` context: Claude Code copies resource attributes onto
 *     records, so the bare key is ambiguous); metrics as a `scalar` query on the `cc_otel.probe`
 *     counter — a counter takes `increase`/`rate` as its time aggregation, not `sum` (SigNoz
 *     "querying metrics": Counter → Rate, Increase) — filtered on the same `resource.` key (the
 *     probe's resource carries the id too).
 *
 * The base URL is the SigNoz UI/instance URL (https://<tenant>.signoz.cloud, http://host:8080),
 * not the ingest host.
 */
import { PROBE_ID_ATTRIBUTE, PROBE_RECORD_NAME } from '../types.js';
import { get, isoTime, joinUrl, queryWindow, requestJson } from './http.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from './types.js';

export interface SignozReadbackOptions extends ReadbackQuery {
  /** SigNoz instance URL, e.g. https://acme.signoz.cloud or http://localhost:8080 */
  baseUrl: string;
  /** Service-account API key (Settings → Service Accounts → Keys) */
  apiKey: string;
}

const AUTH_HINT =
  'the SigNoz API key was rejected: use a Service Account key (Settings → Service Accounts → Keys; ' +
  'the ingestion key cannot read), for this instance URL (the UI host, not ingest.<region>.signoz.cloud).';

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The v5 query_range request for one probe. */
export function signozQueryBody(q: ReadbackQuery, startMs: number, endMs: number): Record<string, unknown> {
  if (q.signal === 'metrics') {
    return {
      start: startMs,
      end: endMs,
      requestType: 'scalar',
      compositeQuery: {
        queries: [
          {
            type: 'builder_query',
            spec: {
              name: 'A',
              signal: 'metrics',
              aggregations: [{ metricName: PROBE_RECORD_NAME, timeAggregation: 'increase', spaceAggregation: 'sum' }],
              filter: { expression: `resource.${PROBE_ID_ATTRIBUTE} = ${quote(q.probeId)}` },
            },
          },
        ],
      },
    };
  }
  return {
    start: startMs,
    end: endMs,
    requestType: 'raw',
    compositeQuery: {
      queries: [
        {
          type: 'builder_query',
          spec: {
            name: 'A',
            signal: q.signal,
            filter: { expression: `resource.${PROBE_ID_ATTRIBUTE} = ${quote(q.probeId)}` },
            order: [{ key: { name: 'timestamp' }, direction: 'desc' }],
            limit: 1,
          },
        },
      ],
    },
  };
}

/** Count matches in a v5 response: raw rows, scalar cells > 0, or time-series points > 0. */
export function countSignozMatches(json: unknown): number {
  const results = get(json, 'data', 'data', 'results');
  if (!Array.isArray(results)) return 0;
  let n = 0;
  for (const r of results) {
    const rows = get(r, 'rows');
    if (Array.isArray(rows)) n += rows.length;
    const data = get(r, 'data');
    if (Array.isArray(data)) {
      for (const row of data) {
        if (Array.isArray(row) && row.some((c) => typeof c === 'number' && c > 0)) n++;
      }
    }
    const aggs = get(r, 'aggregations');
    if (Array.isArray(aggs)) {
      for (const a of aggs) {
        const series = get(a, 'series');
        if (Array.isArray(series)) {
          for (const s of series) {
            const values = get(s, 'values');
            if (Array.isArray(values) && values.some((v) => typeof get(v, 'value') === 'number' && (get(v, 'value') as number) > 0)) n++;
          }
        }
      }
    }
  }
  return n;
}

export const signozReadback: ReadbackModule<SignozReadbackOptions> = {
  id: 'signoz',
  title: 'SigNoz query API',
  async query(q): Promise<ReadbackResult> {
    const headers = { 'SIGNOZ-API-KEY': q.apiKey };
    const details: Record<string, unknown> = {};

    const stats = await requestJson(q, { url: joinUrl(q.baseUrl, '/api/v1/stats'), headers, what: 'SigNoz /api/v1/stats', authHint: AUTH_HINT });
    if (!stats.ok && stats.result.status === 'auth') return stats.result;
    if (!stats.ok && stats.status !== 404) return stats.result;
    let lastObservedMs: number | undefined;
    if (stats.ok) {
      const t = get(stats.json, 'data', `telemetry.${q.signal}.last_observed.time_unix`);
      const iso = get(stats.json, 'data', `telemetry.${q.signal}.last_observed.time`);
      if (typeof t === 'number') lastObservedMs = t * 1000;
      else if (typeof iso === 'string' && !Number.isNaN(Date.parse(iso))) lastObservedMs = Date.parse(iso);
      details.lastObserved = lastObservedMs !== undefined ? isoTime(lastObservedMs) : null;
    }

    const { startMs, endMs } = queryWindow(q);
    const body = signozQueryBody(q, startMs, endMs);
    details.query = get(body, 'compositeQuery', 'queries', 0, 'spec', 'filter', 'expression');
    const res = await requestJson(q, {
      url: joinUrl(q.baseUrl, '/api/v5/query_range'),
      method: 'POST',
      headers,
      body,
      what: 'SigNoz /api/v5/query_range',
      authHint: AUTH_HINT,
    });
    if (!res.ok) return { ...res.result, details };
    const matches = countSignozMatches(res.json);
    details.matches = matches;
    if (matches > 0) {
      return { status: 'found', message: `SigNoz has the ${q.signal} probe (${PROBE_ID_ATTRIBUTE}=${q.probeId})`, details };
    }
    const seen =
      lastObservedMs === undefined
        ? stats.ok
          ? `SigNoz has never observed any ${q.signal}`
          : `(/api/v1/stats unavailable on this SigNoz version)`
        : `SigNoz last observed ${q.signal} at ${isoTime(lastObservedMs)} (${lastObservedMs >= q.sentAtMs ? 'after' : 'before'} the probe was sent)`;
    return {
      status: 'not_found',
      message: `no ${q.signal} record with ${PROBE_ID_ATTRIBUTE}=${q.probeId} yet; ${seen}`,
      hint:
        (q.signal === 'metrics' ? 'metrics can take one export interval plus ingest delay; ' : 'allow ingest delay; ') +
        'retry in a minute. If it never appears, the export went to another instance: SigNoz Cloud accepts ' +
        'exports for a wrong region (ingest.<region>.signoz.cloud) without error but the data lands elsewhere.',
      details,
    };
  },
};
