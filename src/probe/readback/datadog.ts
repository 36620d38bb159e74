/**
 * Datadog read-back — backends.md §4a.
 *
 *  1. `GET /api/v1/validate` (DD-API-KEY) → `{"valid":true}`; 403 = wrong key or wrong site.
 *  2. With an application key (reads need one):
 *     - logs    → `POST /api/v2/logs/events/search`, query on the probe id attribute or the id in
 *                 the message (the probe's log body contains it)
 *     - metrics → `GET /api/v1/query` `sum:cc_otel.probe{cc_otel.probe_id:<id>}`
 *     - traces  → not implemented (span search is a different API) → `unsupported`
 *
 * The API host is `https://api.<site>` (api.datadoghq.com, api.datadoghq.eu, api.us5.datadoghq.com …).
 */
import { PROBE_ID_ATTRIBUTE, PROBE_RECORD_NAME } from '../types.js';
import { get, isoTime, joinUrl, queryWindow, requestJson } from './http.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from './types.js';

export interface DatadogReadbackOptions extends ReadbackQuery {
  apiKey: string;
  /** needed to read logs/metrics */
  applicationKey?: string;
  /** e.g. datadoghq.com (default), datadoghq.eu, us5.datadoghq.com */
  site?: string;
  /** default https://api.<site> */
  baseUrl?: string;
}

export function datadogLogsQuery(probeId: string): string {
  return `@${PROBE_ID_ATTRIBUTE}:"${probeId}" OR "${probeId}"`;
}

export function datadogMetricsQuery(probeId: string): string {
  return `sum:${PROBE_RECORD_NAME}{${PROBE_ID_ATTRIBUTE}:${probeId}}`;
}

export const datadogReadback: ReadbackModule<DatadogReadbackOptions> = {
  id: 'datadog',
  title: 'Datadog API (validate + logs/metrics query)',
  async query(q): Promise<ReadbackResult> {
    const site = q.site ?? 'datadoghq.com';
    const base = q.baseUrl ?? `https://api.${site}`;
    const v = await requestJson(q, {
      url: joinUrl(base, '/api/v1/validate'),
      headers: { 'DD-API-KEY': q.apiKey },
      what: 'Datadog /api/v1/validate',
      authHint:
        `Datadog rejected the API key for site ${site}: keys only work on their own site (US1 datadoghq.com, EU ` +
        'datadoghq.eu, US3/US5/AP1…): pick the site your org lives on, or the key is revoked.',
    });
    if (!v.ok) return v.result;
    if (get(v.json, 'valid') !== true) {
      return { status: 'auth', message: `Datadog says the API key is not valid for ${site}`, hint: 'check the key and the site.' };
    }
    const details: Record<string, unknown> = { site, apiKeyValid: true };
    if (q.signal === 'traces') {
      return {
        status: 'unsupported',
        message: `API key valid for ${site}; reading traces back is not implemented (span search API)`,
        details,
      };
    }
    if (!q.applicationKey) {
      return {
        status: 'unsupported',
        message: `API key valid for ${site}; finding the probe needs an application key (reads require DD-APPLICATION-KEY)`,
        hint: 'create an application key (Organization Settings → Application Keys) with logs_read_data / timeseries_query to check the probe itself.',
        details,
      };
    }
    const headers = { 'DD-API-KEY': q.apiKey, 'DD-APPLICATION-KEY': q.applicationKey };
    const appAuthHint = 'the application key was rejected or lacks the read scope (logs_read_data for logs, timeseries_query for metrics).';
    const { startMs, endMs } = queryWindow(q);
    let matches = 0;
    if (q.signal === 'logs') {
      const query = datadogLogsQuery(q.probeId);
      details.query = query;
      const res = await requestJson(q, {
        url: joinUrl(base, '/api/v2/logs/events/search'),
        method: 'POST',
        headers,
        body: { filter: { query, from: isoTime(startMs), to: isoTime(endMs) }, page: { limit: 5 }, sort: '-timestamp' },
        what: 'Datadog logs search',
        authHint: appAuthHint,
      });
      if (!res.ok) return { ...res.result, details };
      const data = get(res.json, 'data');
      matches = Array.isArray(data) ? data.length : 0;
    } else {
      const query = datadogMetricsQuery(q.probeId);
      details.query = query;
      const p = new URLSearchParams({ from: String(Math.floor(startMs / 1000)), to: String(Math.ceil(endMs / 1000)), query });
      const res = await requestJson(q, { url: `${joinUrl(base, '/api/v1/query')}?${p}`, headers, what: 'Datadog metrics query', authHint: appAuthHint });
      if (!res.ok) return { ...res.result, details };
      if (get(res.json, 'status') === 'error') {
        return { status: 'error', message: `Datadog metrics query: ${String(get(res.json, 'error') ?? 'error')}`, details };
      }
      const series = get(res.json, 'series');
      matches = Array.isArray(series) ? series.length : 0;
    }
    details.matches = matches;
    if (matches > 0) {
      return { status: 'found', message: `Datadog has the ${q.signal} probe (${PROBE_ID_ATTRIBUTE}=${q.probeId})`, details };
    }
    return {
      status: 'not_found',
      message: `Datadog has no ${q.signal} record with ${PROBE_ID_ATTRIBUTE}=${q.probeId} yet`,
      hint:
        q.signal === 'metrics'
          ? 'allow ingest delay; Datadog only accepts delta metrics — a cumulative probe is rejected.'
          : 'allow ingest delay and retry; logs excluded by an index filter or over quota are not searchable.',
      details,
    };
  },
};
