/**
 * Read-back modules by id, and `waitForProbe()` — the polling loop `verify` uses to wait out
 * ingest latency (metrics need ≥ one export interval; backends.md §0, §8.6).
 */
import { datadogReadback } from './datadog.js';
import { grafanaCloudReadback } from './grafana-cloud.js';
import { honeycombReadback } from './honeycomb.js';
import { localReadback } from './local.js';
import { newRelicReadback } from './new-relic.js';
import { signozReadback } from './signoz.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from './types.js';

export type { ReadbackModule, ReadbackQuery, ReadbackResult, ReadbackStatus } from './types.js';
export type { SignozReadbackOptions } from './signoz.js';
export type { GrafanaCloudReadbackOptions, GrafanaEndpoint } from './grafana-cloud.js';
export type { HoneycombReadbackOptions } from './honeycomb.js';
export type { DatadogReadbackOptions } from './datadog.js';
export type { NewRelicReadbackOptions } from './new-relic.js';
export type { LocalProbeFinder, LocalProbeHit, LocalReadbackOptions } from './local.js';
export { signozReadback, grafanaCloudReadback, honeycombReadback, datadogReadback, newRelicReadback, localReadback };

export const READBACKS = {
  signoz: signozReadback,
  'grafana-cloud': grafanaCloudReadback,
  honeycomb: honeycombReadback,
  datadog: datadogReadback,
  'new-relic': newRelicReadback,
  local: localReadback,
} as const;

export type ReadbackId = keyof typeof READBACKS;

export interface WaitOptions {
  /** give up after this long (default 90 s: one 60 s metric interval plus ingest delay) */
  deadlineMs?: number;
  /** between queries (default 5 s) */
  intervalMs?: number;
  abortSignal?: AbortSignal;
  now?: () => number;
}

/**
 * Query until `found`, or until a result that waiting does not mend (auth, unsupported, a
 * permanent error such as a 404), or the deadline. `not_found` and a retryable error (network,
 * timeout, 429, 5xx) are polled again. Returns the last result with `details.polls`.
 */
export async function waitForProbe<O extends ReadbackQuery>(
  mod: ReadbackModule<O>,
  opts: O,
  wait: WaitOptions = {},
): Promise<ReadbackResult> {
  const now = wait.now ?? Date.now;
  const deadline = now() + (wait.deadlineMs ?? 90_000);
  const interval = wait.intervalMs ?? 5000;
  let polls = 0;
  for (;;) {
    polls++;
    const r = await mod.query(opts);
    const again = r.status === 'not_found' || (r.status === 'error' && r.retryable === true);
    if (!again || wait.abortSignal?.aborted || now() + interval > deadline) {
      return { ...r, details: { ...r.details, polls } };
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        wait.abortSignal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, interval);
      wait.abortSignal?.addEventListener('abort', done, { once: true });
    });
  }
}
