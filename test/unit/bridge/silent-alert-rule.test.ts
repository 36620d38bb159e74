// The silent-session alert rule docs/sessions.md gives (for backends other than the embedded
// collector), run by Prometheus's own rule tester on series named as the OTLP→Prometheus translation
// names them: cc_session_alive{session_id} from the bridge, claude_code_* from Claude Code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool && process.env.CI === 'true') throw new Error('promtool is missing in CI: apt-get install -y prometheus');

const doc = readFileSync(new URL('../../../docs/sessions.md', import.meta.url), 'utf8');
const rule = /```yaml\n(- alert: ClaudeCodeSessionSilent[\s\S]*?)```/.exec(doc)?.[1];

describe('the documented ClaudeCodeSessionSilent rule', () => {
  it('is in docs/sessions.md', () => {
    expect(rule).toBeDefined();
  });

  it.skipIf(!hasPromtool)('fires for a live session with no Claude Code series, after its for:, and not for one whose telemetry arrives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-otel-silent-rule-'));
    const indented = rule!.trimEnd().split('\n').map((l) => `      ${l}`).join('\n');
    writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: cc-otel-sessions\n    rules:\n${indented}\n`);
    // a: live and Claude Code exports for it; b: live, nothing from Claude Code; c: not live any more.
    writeFileSync(join(dir, 'test.yml'), `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'cc_session_alive{session_id="a", engineer="ada"}'
        values: '1x30'
      - series: 'cc_session_alive{session_id="b", engineer="ada"}'
        values: '1x30'
      - series: 'claude_code_cost_usage_USD_total{session_id="a", model="m"}'
        values: '0+0.1x30'
      - series: 'claude_code_session_count_total{session_id="c"}'
        values: '1x30'
    alert_rule_test:
      - eval_time: 5m
        alertname: ClaudeCodeSessionSilent
        exp_alerts: []
      - eval_time: 15m
        alertname: ClaudeCodeSessionSilent
        exp_alerts:
          - exp_labels: {}
            exp_annotations:
              summary: "1 live Claude Code session(s) whose telemetry is not arriving"
`);
    const r = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);

    // The check is real: with b's telemetry arriving too, nothing fires.
    const quiet = readFileSync(join(dir, 'test.yml'), 'utf8')
      .replace(`      - series: 'claude_code_session_count_total{session_id="c"}'`, `      - series: 'claude_code_active_time_seconds_total{session_id="b"}'\n        values: '0+5x30'\n      - series: 'claude_code_session_count_total{session_id="c"}'`);
    writeFileSync(join(dir, 'test.yml'), quiet);
    const r2 = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r2.status, `${r2.stdout}${r2.stderr}`).not.toBe(0);
    expect(r2.stdout + r2.stderr).toMatch(/ClaudeCodeSessionSilent/);
  });
});
