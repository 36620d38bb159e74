/**
 * New Relic read-back — backends.md §4b. NerdGraph (`POST https://api.newrelic.com/graphql`, EU
 * `https://api.eu.newrelic.com/graphql`, header `API-Key: NRAK-…` User key) runs an NRQL count of
 * records carrying the probe id (Span / Metric / Log). When nothing is found it also counts
 * `NrIntegrationError` since the probe: New Relic accepts OTLP with 200 and reports validation
 * failures asynchronously there.
 */
import type { Signal } from '../types.js';
import { PROBE_ID_ATTRIBUTE, PROBE_RECORD_NAME } from '../types.js';
import { get, joinUrl, queryWindow, requestJson } from './http.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from './types.js';

export const NEW_RELIC_US = 'https://api.newrelic.com';
export const NEW_RELIC_EU = 'https://api.eu.newrelic.com';

export interface NewRelicReadbackOptions extends ReadbackQuery {
  /** User key (NRAK-…), not the ingest License key */
  apiKey: string;
  accountId: number | string;
  region?: 'us' | 'eu';
  /** default by region; `/graphql` is appended */
  baseUrl?: string;
}

const AUTH_HINT =
  'NerdGraph rejected the key: it needs a User key (NRAK-…, not the ingest License key) with access to this ' +
  'account, on the right region (US api.newrelic.com / EU api.eu.newrelic.com).';

const EVENT_TYPE: Record<Signal, string> = { traces: 'Span', metrics: 'Metric', logs: 'Log' };

function nrqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function newRelicNrql(signal: Signal, probeId: string, sinceMs: number): string {
  const metricFilter = signal === 'metrics' ? `metricName = ${nrqlString(PROBE_RECORD_NAME)} AND ` : '';
  return `SELECT count(*) FROM ${EVENT_TYPE[signal]} WHERE ${metricFilter}${PROBE_ID_ATTRIBUTE} = ${nrqlString(probeId)} SINCE ${sinceMs}`;
}

/** A New Relic account ID is a positive integer; anything else would query some other account (or none). */
export function parseAccountId(accountId: number | string): number | undefined {
  const s = String(accountId).trim();
  if (!/^[1-9]\d*$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function graphqlBody(account: number, nrql: string): { query: string } {
  return { query: `{ actor { account(id: ${account}) { nrql(query: ${JSON.stringify(nrql)}) { results } } } }` };
}

type NrqlAnswer = { ok: true; count: number; results: unknown[] } | { ok: false; result: ReadbackResult };

async function runNrql(q: NewRelicReadbackOptions, base: string, nrql: string): Promise<NrqlAnswer> {
  const account = parseAccountId(q.accountId);
  if (account === undefined)
    return { ok: false, result: { status: 'error', message: `New Relic account ID ${JSON.stringify(String(q.accountId))} is not a number`, hint: 'set "verify.newrelic.accountId" to the numeric account ID (New Relic → Administration → Access management → Accounts).' } };
  const res = await requestJson(q, {
    url: joinUrl(base, '/graphql'),
    method: 'POST',
    headers: { 'API-Key': q.apiKey },
    body: graphqlBody(account, nrql),
    what: 'New Relic NerdGraph',
    authHint: AUTH_HINT,
  });
  if (!res.ok) return res;
  const errors = get(res.json, 'errors');
  if (Array.isArray(errors) && errors.length > 0) {
    const msg = errors.map((e) => String(get(e, 'message') ?? '')).filter(Boolean).join('; ');
    const cls = errors.map((e) => String(get(e, 'extensions', 'errorClass') ?? '')).join(' ');
    const auth = /UNAUTHORIZED|FORBIDDEN|ACCESS_DENIED/i.test(cls) || /api key|unauthori[sz]ed|forbidden|access denied|not authorized/i.test(msg);
    return {
      ok: false,
      result: auth
        ? { status: 'auth', message: `New Relic NerdGraph: ${msg}`, hint: AUTH_HINT }
        : { status: 'error', message: `New Relic NerdGraph: ${msg || 'error'}`, hint: 'check the account ID and the NRQL shown in details.' },
    };
  }
  const results = get(res.json, 'data', 'actor', 'account', 'nrql', 'results');
  if (!Array.isArray(results)) {
    return { ok: false, result: { status: 'error', message: 'New Relic NerdGraph: no nrql results in the answer (wrong account ID?)', hint: 'check the account ID.' } };
  }
  const c = get(results, 0, 'count');
  return { ok: true, count: typeof c === 'number' ? c : 0, results };
}

export const newRelicReadback: ReadbackModule<NewRelicReadbackOptions> = {
  id: 'new-relic',
  title: 'New Relic NerdGraph (NRQL)',
  async query(q): Promise<ReadbackResult> {
    const base = q.baseUrl ?? (q.region === 'eu' ? NEW_RELIC_EU : NEW_RELIC_US);
    const since = queryWindow(q).startMs;
    const nrql = newRelicNrql(q.signal, q.probeId, since);
    const details: Record<string, unknown> = { nrql };
    const a = await runNrql(q, base, nrql);
    if (!a.ok) return { ...a.result, details };
    details.count = a.count;
    if (a.count > 0) {
      return { status: 'found', message: `New Relic has the ${q.signal} probe (${PROBE_ID_ATTRIBUTE}=${q.probeId})`, details };
    }
    const errNrql = `SELECT count(*), latest(message) FROM NrIntegrationError SINCE ${since}`;
    const e = await runNrql(q, base, errNrql);
    let integrationErrors = '';
    if (e.ok && e.count > 0) {
      const latest = get(e.results, 0, 'latest.message');
      details.nrIntegrationErrors = e.count;
      integrationErrors = `; ${e.count} NrIntegrationError(s) since the probe${typeof latest === 'string' ? `, latest: ${latest}` : ''}`;
    }
    return {
      status: 'not_found',
      message: `New Relic has no ${EVENT_TYPE[q.signal]} with ${PROBE_ID_ATTRIBUTE}=${q.probeId} yet${integrationErrors}`,
      hint: integrationErrors
        ? 'New Relic accepted the export but rejected the data asynchronously: see the NrIntegrationError message.'
        : 'allow ingest delay and retry; check the account ID is the one the License key belongs to.',
      details,
    };
  },
};
