/**
 * Honeycomb read-back — backends.md §3. Honeycomb's plan-independent APIs cannot search for one
 * event (the Query Data API is Enterprise-only), so this proves less than the other modules:
 *
 *  1. `GET /1/auth` (X-Honeycomb-Team): the key is valid; which team / environment it belongs to.
 *  2. `GET /1/datasets/<slug>`: the dataset the probe was routed to exists, and its
 *     `last_written_at` is at or after the probe was sent.
 *
 * "found" therefore means "this dataset received data after the probe was sent" — not "this
 * probe record is queryable" (another sender could have written). The message says so.
 * Dataset routing: traces and logs → the service.name (`claude-code`); metrics → the
 * `x-honeycomb-dataset` header, else `unknown_metrics`.
 */
import { PROBE_ID_ATTRIBUTE } from '../types.js';
import { get, isoTime, joinUrl, requestJson } from './http.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from './types.js';

export const HONEYCOMB_US = 'https://api.honeycomb.io';
export const HONEYCOMB_EU = 'https://api.eu1.honeycomb.io';

export interface HoneycombReadbackOptions extends ReadbackQuery {
  /** Configuration key (can read datasets). An Ingest key passes /1/auth only. */
  apiKey: string;
  /** default https://api.honeycomb.io (EU: https://api.eu1.honeycomb.io) */
  baseUrl?: string;
  /** the dataset to check; default service.name for traces/logs, `unknown_metrics` for metrics */
  dataset?: string;
}

const AUTH_HINT =
  'Honeycomb rejected the key: check it belongs to this region (US api.honeycomb.io vs EU api.eu1.honeycomb.io) ' +
  'and environment, and is not revoked.';

/** Honeycomb dataset slug: lower-case, runs of other characters → `-`. */
export function datasetSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Slack for `last_written_at`'s whole-second precision and clock skew. */
const SKEW_MS = 2000;

export const honeycombReadback: ReadbackModule<HoneycombReadbackOptions> = {
  id: 'honeycomb',
  title: 'Honeycomb API (auth + dataset last_written_at)',
  async query(q): Promise<ReadbackResult> {
    const base = q.baseUrl ?? HONEYCOMB_US;
    const headers = { 'X-Honeycomb-Team': q.apiKey };
    const auth = await requestJson(q, { url: joinUrl(base, '/1/auth'), headers, what: 'Honeycomb /1/auth', authHint: AUTH_HINT });
    if (!auth.ok) return auth.result;
    const details: Record<string, unknown> = {
      team: get(auth.json, 'team', 'slug'),
      environment: get(auth.json, 'environment', 'slug'),
      keyType: get(auth.json, 'type'),
    };
    const datasetName = q.dataset ?? (q.signal === 'metrics' ? 'unknown_metrics' : (q.serviceName ?? 'claude-code'));
    const slug = datasetSlug(datasetName);
    details.dataset = slug;
    const where = `team ${String(details.team ?? '?')}, environment ${String(details.environment ?? '?')}`;

    const ds = await requestJson(q, {
      url: joinUrl(base, `/1/datasets/${encodeURIComponent(slug)}`),
      headers,
      what: `Honeycomb /1/datasets/${slug}`,
      authHint:
        'the key is valid but cannot read datasets: an Ingest key only sends; use a Configuration key ' +
        '(Environment → API Keys) for the read-back.',
    });
    if (!ds.ok) {
      if (ds.status === 404) {
        return {
          status: 'not_found',
          message: `key valid (${where}) but dataset "${slug}" does not exist: nothing has been written to it`,
          hint:
            q.signal === 'metrics'
              ? 'metrics go to the dataset named by the x-honeycomb-dataset header (else unknown_metrics); pass that dataset.'
              : `traces/logs go to a dataset named after service.name; check the probe's service.name and the environment of the ingest key.`,
          details,
        };
      }
      return { ...ds.result, details };
    }
    const lw = get(ds.json, 'last_written_at');
    const lastWrittenMs = typeof lw === 'string' ? Date.parse(lw) : Number.NaN;
    details.lastWrittenAt = typeof lw === 'string' ? lw : null;
    details.probeSentAt = isoTime(q.sentAtMs);
    details.proves = 'dataset-written-after-probe';
    if (!Number.isNaN(lastWrittenMs) && lastWrittenMs >= q.sentAtMs - SKEW_MS) {
      return {
        status: 'found',
        message:
          `dataset "${slug}" (${where}) was written at ${isoTime(lastWrittenMs)}, after the probe was sent at ` +
          `${isoTime(q.sentAtMs)} — by someone: Honeycomb's dataset API cannot find one event, so this does not ` +
          `prove the probe (${PROBE_ID_ATTRIBUTE}=${q.probeId}) arrived`,
        provesLess: `search ${PROBE_ID_ATTRIBUTE} = ${q.probeId} in dataset "${slug}" (${where}) in the Honeycomb UI to confirm: its plan-independent API cannot look up one event`,
        details,
      };
    }
    return {
      status: 'not_found',
      message:
        Number.isNaN(lastWrittenMs)
          ? `dataset "${slug}" (${where}) has no last_written_at: never written`
          : `dataset "${slug}" (${where}) was last written at ${isoTime(lastWrittenMs)}, before the probe was sent at ${isoTime(q.sentAtMs)}`,
      hint:
        'allow a minute for last_written_at to move, then retry; if it does not, the probe went to another ' +
        'environment (the ingest key decides) or dataset.',
      details,
    };
  },
};
