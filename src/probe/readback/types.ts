/**
 * Read-back: the second half of `cc-otel verify`. A 200 from the intake is not proof the data is
 * visible (SigNoz wrong region, New Relic async NrIntegrationError, Grafana partial ingestion —
 * backends.md §8.5), so each backend module asks its read API for the probe record by
 * `cc_otel.probe_id`, or says exactly how much less it could prove.
 *
 * One query per call, no polling: ingest latency (metrics ≥ one export interval) is the caller's
 * to wait out — see `waitForProbe()` in index.ts.
 */
import type { Signal } from '../types.js';

export type ReadbackStatus = 'found' | 'not_found' | 'auth' | 'error' | 'unsupported';

export interface ReadbackResult {
  status: ReadbackStatus;
  /** one line: what was asked and what the backend said, or exactly what was (not) proven */
  message: string;
  hint?: string;
  /**
   * `found`, but proving less than "this probe is queryable" — why, one line (Honeycomb: the dataset
   * was written after the probe, by someone). verify reports such a result as a warning.
   */
  provesLess?: string;
  /** an `error` that may pass by itself (network, timeout, 429, 5xx): waitForProbe keeps polling */
  retryable?: boolean;
  /** backend specifics for --json output (query used, counts, timestamps); never secrets */
  details?: Record<string, unknown>;
}

/** What every read-back needs; modules add their own credentials and URLs. */
export interface ReadbackQuery {
  signal: Signal;
  probeId: string;
  /** epoch ms when the probe was sent (`ProbeOutcome.sentAtMs`) */
  sentAtMs: number;
  /** the probe's service.name (default `claude-code`) */
  serviceName?: string;
  /** per HTTP request; default 10000 ms */
  timeoutMs?: number;
  /** the caller's run: aborting it (verify's --timeout) aborts the request in flight */
  abortSignal?: AbortSignal;
  /** epoch ms (by `now`) no request may outlast: each is capped at the time left */
  deadlineAtMs?: number;
  now?: () => number;
  /** injectable for tests; default global fetch */
  fetch?: typeof fetch;
}

export interface ReadbackModule<O extends ReadbackQuery = ReadbackQuery> {
  /** stable id used in config / --json (`signoz`, `grafana-cloud`, …) */
  readonly id: string;
  readonly title: string;
  /** never throws */
  query(opts: O): Promise<ReadbackResult>;
}
