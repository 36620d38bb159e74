// The shipped alert rules, checked by Prometheus's own promtool: `check rules`, and `test rules`
// with alerts/prometheus/claude-code.rules.test.yml (each alert fires on its condition and stays
// quiet otherwise). The tests have teeth: the same tests fail on rules with the budget raised, or
// with increase() in place of the window sums.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/claude.js';
import { run, tool } from '../../helpers/prometheus.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const DIR = join(REPO_ROOT, 'alerts/prometheus');
const RULES = join(DIR, 'claude-code.rules.yml');
const TESTS = join(DIR, 'claude-code.rules.test.yml');
const promtool = tool('promtool', 'prometheus');

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

/** The rule tests run against a changed copy of the rules. */
function testWith(change: (rules: string) => string): { code: number | null; out: string } {
  const d = makeTempDir('cc-otel-rules');
  dirs.push(d);
  const rules = readFileSync(RULES, 'utf8');
  const changed = change(rules);
  expect(changed).not.toBe(rules);
  writeFileSync(join(d.path, 'claude-code.rules.yml'), changed);
  copyFileSync(TESTS, join(d.path, 'claude-code.rules.test.yml'));
  const r = run(promtool.path, ['test', 'rules', 'claude-code.rules.test.yml'], { cwd: d.path });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe.skipIf(!promtool.present)('alerts/prometheus/claude-code.rules.yml', () => {
  it('promtool check rules accepts it', () => {
    const r = run(promtool.path, ['check', 'rules', RULES]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules: every alert fires on its condition and stays quiet otherwise', () => {
    const r = run(promtool.path, ['test', 'rules', 'claude-code.rules.test.yml'], { cwd: DIR });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rules = readFileSync(RULES, 'utf8');
    const tests = readFileSync(TESTS, 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts).toHaveLength(6);
    for (const a of alerts) {
      // a test where it fires and one where it does not
      expect(tests, a).toMatch(new RegExp(`alertname: ${a}\\n\\s+exp_alerts: \\[\\]`));
      expect(tests, a).toMatch(new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
    }
    for (const a of alerts) expect(rules, a).toMatch(new RegExp(`- alert: ${a}[\\s\\S]*?runbook: "`));
  });

  it('the tests fail on wrong rules: a raised budget, or increase() instead of the window sum', () => {
    expect(testWith((r) => r.replace('vector(50)', 'vector(5000)')).code).not.toBe(0);
    const withIncrease = testWith((r) =>
      r.replace(
        /sum by \(engineer\) \(clamp_min\(claude_code_cost_usage_USD_total - claude_code_cost_usage_USD_total offset 1d, 0\) or claude_code_cost_usage_USD_total\)/,
        'sum by (engineer) (increase(claude_code_cost_usage_USD_total[1d]))',
      ),
    );
    expect(withIncrease.code).not.toBe(0);
    expect(withIncrease.out).toContain('engineer="cy"'); // the session that appears at its final value
  });
});
