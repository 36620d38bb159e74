// The runner alone: order, dependencies, errors → results, the deadline, exit codes.
import { describe, expect, it } from 'vitest';
import { makeContext } from '../../../src/context.js';
import { CcOtelError } from '../../../src/errors.js';
import { exitCodeOf, runChecks } from '../../../src/verify/runner.js';
import type { Check, CheckOutcome, CheckResult } from '../../../src/verify/types.js';

const ctx = makeContext({ env: {} });
const init = () => ({ ctx, options: {}, deps: {}, state: { probeId: 'p', probes: {} }, progress: () => {} });
const check = (id: string, out: CheckOutcome | (() => Promise<CheckOutcome>), extra: Partial<Check> = {}): Check => ({
  id,
  title: id.toUpperCase(),
  required: true,
  run: typeof out === 'function' ? out : async () => out,
  ...extra,
});
const result = (status: CheckResult['status'], extra: Partial<CheckResult> = {}): CheckResult => ({ id: 'x', title: 'X', required: true, durationMs: 0, status, ...extra });

describe('exitCodeOf', () => {
  it.each([
    ['all pass', [result('pass'), result('skip')], false, 0],
    ['a warning', [result('pass'), result('warn')], false, 0],
    ['a warning, --strict', [result('pass'), result('warn')], true, 1],
    ['a required failure', [result('fail')], false, 1],
    ['an optional failure', [result('fail', { required: false })], false, 0],
    ['an optional failure, --strict', [result('fail', { required: false })], true, 1],
    ['a config error', [result('fail', { code: 'CONFIG_INVALID' })], false, 2],
    ['config error wins over failures', [result('fail'), result('fail', { code: 'CONFIG_NOT_FOUND' })], false, 2],
    ['a key failure is 1, not 2', [result('fail', { code: 'KEY_SOURCE_FAILED' })], false, 1],
  ] as const)('%s → %i', (_n, results, strict, code) => {
    expect(exitCodeOf(results, strict)).toBe(code);
  });
});

describe('runChecks', () => {
  it('runs in order, fills in id/title/required/duration, and skips what needs a failed check', async () => {
    const seen: string[] = [];
    const list: Check[] = [
      check('a', async () => (seen.push('a'), { status: 'pass', value: 'ok' })),
      check('b', async () => (seen.push('b'), { status: 'fail', value: 'broken', fix: 'mend it' })),
      check('c', async () => (seen.push('c'), { status: 'pass' }), { needs: ['b'] }),
      check('d', async () => (seen.push('d'), { status: 'pass' }), { needs: ['a', 'not-in-list'] }),
      check('e', async () => (seen.push('e'), { status: 'pass' }), { needs: ['c'] }),
    ];
    const { results, exitCode } = await runChecks(list, init(), { timeoutMs: 5000 });
    expect(seen).toEqual(['a', 'b', 'd']);
    expect(results.map((r) => [r.id, r.status])).toEqual([['a', 'pass'], ['b', 'fail'], ['c', 'skip'], ['d', 'pass'], ['e', 'skip']]);
    expect(results[2]).toMatchObject({ title: 'C', required: true, fix: 'needs "B", which failed' });
    expect(results[4]!.fix).toBe('needs "C", which was skipped');
    expect(results.every((r) => typeof r.durationMs === 'number')).toBe(true);
    expect(exitCode).toBe(1);
  });

  it('turns a thrown CcOtelError into a fail that keeps its code (config → exit 2), and other errors into "please report"', async () => {
    const { results, exitCode } = await runChecks(
      [
        check('config', async () => {
          throw new CcOtelError('CONFIG_INVALID', 'backend grafana-cloud:\n  "instanceId" is required\n  "endpoint" is required', { hint: 'fix .cc-otel.json' });
        }),
        check('boom', async () => {
          throw new TypeError('x is undefined');
        }),
      ],
      init(),
      { timeoutMs: 5000 },
    );
    expect(results[0]).toMatchObject({
      status: 'fail',
      code: 'CONFIG_INVALID',
      value: 'backend grafana-cloud:',
      problems: ['"instanceId" is required', '"endpoint" is required'],
      fix: 'fix .cc-otel.json',
    });
    expect(results[1]).toMatchObject({ status: 'fail', value: 'unexpected error: x is undefined' });
    expect(results[1]!.fix).toMatch(/please report/);
    expect(exitCode).toBe(2);
  });

  it('bounds the whole run: a hanging check fails at the deadline, its signal is aborted, the required rest fail, the optional rest are skipped', async () => {
    let aborted = false;
    const t0 = Date.now();
    const hang: Check = {
      id: 'hang',
      title: 'HANG',
      required: true,
      run: (v) =>
        new Promise<CheckOutcome>((resolve) => {
          v.signal.addEventListener('abort', () => {
            aborted = true;
            setTimeout(() => resolve({ status: 'pass' }), 50); // too late: the runner has moved on
          });
        }),
    };
    const { results, exitCode } = await runChecks(
      [check('fast', { status: 'pass' }), hang, check('after', { status: 'pass' }), check('info', { status: 'pass' }, { required: false })],
      init(),
      { timeoutMs: 300 },
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(aborted).toBe(true);
    expect(results.map((r) => r.status)).toEqual(['pass', 'fail', 'fail', 'skip']);
    expect(results[1]!.value).toMatch(/--timeout/);
    expect(results[2]).toMatchObject({ value: 'not run: the --timeout was reached', fix: expect.stringMatching(/^raise --timeout/) });
    expect(results[3]!.fix).toMatch(/--timeout was reached/);
    expect(exitCode).toBe(1);
  });

  it('--skip takes ids and group prefixes; a skipped check does not fail the run', async () => {
    const list = ['config', 'claude.telemetry', 'claude.hook', 'claudette', 'probe.metrics'].map((id) => check(id, { status: 'fail' }));
    const { results, exitCode } = await runChecks(list, init(), { timeoutMs: 5000, skip: ['claude', 'probe.metrics', 'config'] });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['config', 'skip'],
      ['claude.telemetry', 'skip'],
      ['claude.hook', 'skip'],
      ['claudette', 'fail'],
      ['probe.metrics', 'skip'],
    ]);
    expect(results[0]!.fix).toBe('skipped with --skip');
    expect(exitCode).toBe(1);
  });

  it('remainingMs counts down from the timeout', async () => {
    let seen = -1;
    await runChecks([check('a', async () => ({ status: 'pass' }), { run: async (v) => ((seen = v.remainingMs()), { status: 'pass' }) })], init(), { timeoutMs: 4000 });
    expect(seen).toBeGreaterThan(3000);
    expect(seen).toBeLessThanOrEqual(4000);
  });
});
