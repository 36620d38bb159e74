/**
 * Run an ordered list of checks under one deadline (--timeout). A check that needs another which
 * did not pass is skipped with the reason; a check that throws becomes a `fail` (a CcOtelError keeps
 * its code, so a config error still exits 2); a check still running at the deadline is failed and
 * its work aborted through `signal`; the rest are skipped — except required ones, which fail: a
 * required check the timeout kept from running proved nothing, and must not let the run exit 0.
 *
 * Exit code: 2 when a check failed on a usage/config error, else 1 when a required check failed
 * (or, with --strict, any check failed or warned), else 0.
 */
import { CcOtelError, describeError, isCcOtelError, type ErrorCode } from '../errors.js';
import type { Check, CheckOutcome, CheckResult, CheckStatus, VerifyContext } from './types.js';

export interface RunOptions {
  timeoutMs: number;
  strict?: boolean;
  /** check ids (or id prefixes such as `claude` or `readback`) not to run */
  skip?: readonly string[];
  now?: () => number;
}

export interface RunResult {
  results: CheckResult[];
  exitCode: 0 | 1 | 2;
}

export type VerifyContextInit = Omit<VerifyContext, 'results' | 'signal' | 'remainingMs'>;

function isUsageCode(code: ErrorCode | undefined): boolean {
  return code !== undefined && new CcOtelError(code, '').exitCode === 2;
}

export function exitCodeOf(results: readonly CheckResult[], strict: boolean): 0 | 1 | 2 {
  if (results.some((r) => r.status === 'fail' && isUsageCode(r.code))) return 2;
  if (results.some((r) => r.status === 'fail' && (r.required || strict))) return 1;
  if (strict && results.some((r) => r.status === 'warn')) return 1;
  return 0;
}

function skipMatches(id: string, skip: readonly string[]): boolean {
  return skip.some((s) => id === s || id.startsWith(`${s}.`));
}

export async function runChecks(list: readonly Check[], init: VerifyContextInit, opts: RunOptions): Promise<RunResult> {
  const now = opts.now ?? init.ctx.now;
  const deadline = now() + opts.timeoutMs;
  const ac = new AbortController();
  const results = new Map<string, CheckResult>();
  const v: VerifyContext = { ...init, results, signal: ac.signal, remainingMs: () => Math.max(0, deadline - now()) };
  const timer = setTimeout(() => ac.abort(new Error('timeout')), opts.timeoutMs);
  timer.unref?.();

  try {
    for (const check of list) {
      const started = now();
      const outcome = await runOne(check, v, opts, deadline);
      results.set(check.id, { id: check.id, title: check.title, required: check.required, ...outcome, durationMs: Math.max(0, now() - started) });
    }
  } finally {
    clearTimeout(timer);
    if (!ac.signal.aborted) ac.abort(new Error('verify finished'));
  }
  const list2 = [...results.values()];
  return { results: list2, exitCode: exitCodeOf(list2, opts.strict === true) };
}

async function runOne(check: Check, v: VerifyContext, opts: RunOptions, deadline: number): Promise<CheckOutcome> {
  if (opts.skip && skipMatches(check.id, opts.skip)) return { status: 'skip', fix: 'skipped with --skip' };
  for (const need of check.needs ?? []) {
    const r = v.results.get(need);
    if (!r) continue; // not in this list: nothing to wait for
    if (r.status === 'fail' || r.status === 'skip')
      return { status: 'skip', fix: `needs "${r.title}", which ${r.status === 'fail' ? 'failed' : 'was skipped'}` };
  }
  if (v.signal.aborted)
    return check.required
      ? { status: 'fail', value: 'not run: the --timeout was reached', fix: 'raise --timeout (the whole run is bounded by it)' }
      : { status: 'skip', fix: 'not run: the --timeout was reached' };
  const timeoutMs = Math.max(0, deadline - (opts.now ?? v.ctx.now)());
  let onAbort: (() => void) | undefined;
  const timedOut = new Promise<CheckOutcome>((resolve) => {
    onAbort = () =>
      resolve({
        status: 'fail',
        value: `did not finish within the --timeout`,
        fix: 'raise --timeout (the whole run is bounded by it), or look at the check that hung',
        details: { timeoutMs: timeoutMs },
      });
    v.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([check.run(v).catch((e: unknown) => fromError(e)), timedOut]);
  } finally {
    if (onAbort) v.signal.removeEventListener('abort', onAbort);
  }
}

export function fromError(e: unknown): CheckOutcome {
  if (isCcOtelError(e)) {
    const out: CheckOutcome = { status: 'fail', value: e.message.split('\n')[0] ?? e.message, code: e.code };
    const rest = e.message.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    if (rest.length) out.problems = rest;
    if (e.hint) out.fix = e.hint;
    return out;
  }
  return { status: 'fail', value: `unexpected error: ${describeError(e)}`, fix: 'please report this, with the output of `cc-otel --version` and `node --version`' };
}

export function summarize(results: readonly CheckResult[]): Record<CheckStatus, number> {
  const s: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** The worst of several statuses (fail > warn > pass). */
export function worst(...statuses: Array<'pass' | 'warn' | 'fail'>): 'pass' | 'warn' | 'fail' {
  return statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'pass';
}
