/**
 * 6. Read-back (--query): find the probe in the backend within the wait window. A 200 from the
 * intake is not proof (SigNoz wrong region, New Relic async errors, Grafana partial ingestion —
 * backends.md §8.5). All signals are polled at once, within one window; each signal is a row.
 * A backend without a read API module says so (warn), never a silent pass.
 */
import type { Signal } from '../../otel/endpoint.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from '../../probe/index.js';
import { planReadback } from '../readback-plan.js';
import type { Check, CheckOutcome, ReadbackRun, VerifyContext } from '../types.js';
import { PROBE_SIGNALS } from './probe.js';
import { needPlan } from './state.js';

export const DEFAULT_WAIT_MS = 90_000;
const DEFAULT_POLL_MS = 5000;

function startReadbacks(v: VerifyContext): Promise<ReadbackRun> {
  return (async () => {
    const target = await planReadback(v);
    if (target.kind === 'none') {
      const r: ReadbackResult = { status: 'unsupported', message: target.message, hint: target.fix };
      const results: ReadbackRun['results'] = {};
      for (const s of PROBE_SIGNALS) if (v.state.probes[s]?.ok) results[s] = Promise.resolve(r);
      return { module: 'none', title: needPlan(v).plan.backend, results };
    }
    const { waitForProbe } = await import('../../probe/index.js');
    const waitMs = Math.max(0, Math.min(v.options.waitMs ?? DEFAULT_WAIT_MS, v.remainingMs() - 1000));
    const intervalMs = Math.max(50, Math.min(v.deps.pollIntervalMs ?? DEFAULT_POLL_MS, Math.max(50, waitMs / 3)));
    const started = v.ctx.now();
    const pending = new Set<Signal>();
    const found = new Set<Signal>();
    let lastLine = 0;
    const tick = () => {
      const now = v.ctx.now();
      if (now - lastLine < intervalMs - 10 && lastLine !== 0) return;
      lastLine = now;
      const s = Math.round((now - started) / 1000);
      v.progress(
        `waiting for the probe in ${target.title}: ${[...pending].join(', ') || 'nothing'} pending${found.size ? `, ${[...found].join(', ')} found` : ''} (${s} s of ${Math.round(waitMs / 1000)} s)`,
      );
    };
    const results: ReadbackRun['results'] = {};
    for (const s of PROBE_SIGNALS) {
      const probe = v.state.probes[s];
      if (!probe?.ok) continue;
      pending.add(s);
      const counted: ReadbackModule<ReadbackQuery> = {
        id: target.module.id,
        title: target.module.title,
        query: async (q) => {
          tick();
          return target.module.query(q);
        },
      };
      const opts = {
        ...target.optionsFor(s),
        signal: s,
        probeId: probe.probeId,
        sentAtMs: probe.sentAtMs,
        serviceName: probe.resource['service.name'] ?? 'claude-code',
        ...(v.deps.fetch ? { fetch: v.deps.fetch } : {}),
        now: v.ctx.now,
        // No read request may outlive the run: --timeout bounds the process, not just the table.
        abortSignal: v.signal,
        deadlineAtMs: v.ctx.now() + v.remainingMs(),
      } as ReadbackQuery;
      results[s] = waitForProbe(counted, opts, { deadlineMs: waitMs, intervalMs, abortSignal: v.signal, now: v.ctx.now }).then((r) => {
        pending.delete(s);
        if (r.status === 'found') found.add(s);
        return { ...r, details: { ...r.details, waitedMs: v.ctx.now() - started, waitMs } };
      });
    }
    return { module: target.id, title: target.title, results };
  })();
}

export function readbackResult(r: ReadbackResult, title: string): CheckOutcome {
  const base = { value: r.message, source: title, ...(r.details ? { details: r.details } : {}) };
  switch (r.status) {
    case 'found':
      // Found only in a weaker sense (Honeycomb: the dataset was written after the probe): say so, don't pass.
      return r.provesLess ? { status: 'warn', ...base, fix: r.provesLess } : { status: 'pass', ...base };
    case 'unsupported':
      return { status: 'warn', ...base, fix: r.hint ?? 'confirm by hand in the backend' };
    case 'not_found': {
      const waited = typeof r.details?.waitedMs === 'number' ? ` after waiting ${Math.round(r.details.waitedMs / 1000)} s` : '';
      return { status: 'fail', ...base, value: `${r.message}${waited}`, fix: `${r.hint ?? 'retry later'}${waited ? ' (raise --wait to wait longer)' : ''}` };
    }
    default:
      return { status: 'fail', ...base, ...(r.hint ? { fix: r.hint } : {}) };
  }
}

function readbackCheck(signal: Signal): Check {
  return {
    id: `readback.${signal}`,
    title: `Read-back ${signal}`,
    required: true,
    needs: [`probe.${signal}`],
    async run(v) {
      const { plan } = needPlan(v);
      if (!plan.signals.includes(signal)) return { status: 'skip', fix: `${signal} not exported` };
      if (!v.options.query) return { status: 'skip', fix: `add --query to find the probe in ${plan.backend} (read credentials: "verify" in the config, docs/verify.md)` };
      if (!v.state.probes[signal]?.ok) return { status: 'skip', fix: `the ${signal} probe was not accepted` };
      v.state.readbacks ??= startReadbacks(v);
      const run = await v.state.readbacks;
      const p = run.results[signal];
      if (!p) return { status: 'skip', fix: `the ${signal} probe was not accepted` };
      return readbackResult(await p, run.title);
    },
  };
}

export const readbackChecks: readonly Check[] = PROBE_SIGNALS.map(readbackCheck);
