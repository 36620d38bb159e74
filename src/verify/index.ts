/**
 * `runVerify()`: the checks run in order under one deadline, returned as a report (a value). The
 * command prints it as a table or JSON and sets the exit code; tests call this directly.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from '../context.js';
import { CHECKS } from './checks/index.js';
import { DEFAULT_WAIT_MS } from './checks/readback.js';
import { runChecks, summarize } from './runner.js';
import type { Check, VerifyDeps, VerifyOptions, VerifyReport } from './types.js';

export const DEFAULT_TIMEOUT_MS = 60_000;

export interface RunVerifyOptions extends VerifyOptions {
  /** the whole run; default 60 s, plus the --wait window with --query */
  timeoutMs?: number;
  strict?: boolean;
  skip?: readonly string[];
  checks?: readonly Check[];
  progress?: (message: string) => void;
}

export function defaultTimeoutMs(opts: Pick<RunVerifyOptions, 'query' | 'waitMs'>): number {
  return DEFAULT_TIMEOUT_MS + (opts.query ? (opts.waitMs ?? DEFAULT_WAIT_MS) : 0);
}

export async function runVerify(ctx: Context, opts: RunVerifyOptions = {}, deps: VerifyDeps = {}): Promise<VerifyReport> {
  const started = ctx.now();
  const probeId = opts.probeId ?? randomUUID();
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs(opts);
  const { results, exitCode } = await runChecks(
    opts.checks ?? CHECKS,
    { ctx, options: opts, deps, state: { probeId, probes: {} }, progress: opts.progress ?? (() => {}) },
    { timeoutMs, strict: opts.strict === true, ...(opts.skip ? { skip: opts.skip } : {}) },
  );
  const backend = results.find((r) => r.id === 'config')?.details?.backend;
  return {
    version: 1,
    ok: exitCode === 0,
    exitCode,
    strict: opts.strict === true,
    backend: typeof backend === 'string' ? backend : null,
    probeId,
    durationMs: Math.max(0, ctx.now() - started),
    summary: summarize(results),
    checks: results,
  };
}

export type { Check, CheckOutcome, CheckResult, CheckStatus, VerifyContext, VerifyDeps, VerifyOptions, VerifyReport } from './types.js';
export { runChecks, exitCodeOf } from './runner.js';
export { renderReport } from './render.js';
export { DEFAULT_WAIT_MS };
