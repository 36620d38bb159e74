// OTel → Prometheus names as the OpenTelemetry Collector's Prometheus exporter (and Grafana Cloud's
// OTLP gateway) give them; the serializer adds `_total` to counters, so these are without it.
import { describe, expect, it } from 'vitest';
import { prometheusLabelName, prometheusMetricName } from '../../../src/metrics/prometheus-names.js';

describe('prometheusMetricName', () => {
  it.each([
    ['claude_code.cost.usage', 'USD', 'counter', 'claude_code_cost_usage_USD'],
    ['claude_code.token.usage', 'tokens', 'counter', 'claude_code_token_usage_tokens'],
    ['claude_code.active_time.total', 's', 'counter', 'claude_code_active_time_seconds'],
    ['claude_code.session.count', '', 'counter', 'claude_code_session_count'],
    ['claude_code.lines_of_code.count', 'count', 'counter', 'claude_code_lines_of_code_count'],
    ['claude_code.code_edit_tool.decision', '', 'counter', 'claude_code_code_edit_tool_decision'],
    ['cc.sessions.active', '{session}', 'gauge', 'cc_sessions_active'],
    ['cc.session.started', '{session}', 'counter', 'cc_session_started'],
    ['cc.sessions.active', '', 'gauge', 'cc_sessions_active'],
    ['system.cpu.utilization', '1', 'gauge', 'system_cpu_utilization_ratio'],
    ['queue.depth', '1', 'updown', 'queue_depth'],
    ['http.server.request.size', 'By', 'counter', 'http_server_request_size_bytes'],
    ['net.rate', 'By/s', 'gauge', 'net_rate_bytes_per_second'],
    ['latency.seconds', 's', 'gauge', 'latency_seconds'],
    ['2xx.count', '', 'counter', '_2xx_count'],
    ['weird--name..x', 'ms', 'gauge', 'weird_name_x_milliseconds'],
  ] as const)('%s (%s, %s) → %s', (name, unit, kind, out) => {
    expect(prometheusMetricName(name, unit, kind)).toBe(out);
  });
});

describe('prometheusLabelName', () => {
  it.each([
    ['session.id', 'session_id'],
    ['user.email', 'user_email'],
    ['engineer', 'engineer'],
    ['1st', 'key_1st'],
    ['a..b', 'a_b'],
    ['.', ''],
  ])('%s → %s', (k, out) => expect(prometheusLabelName(k)).toBe(out));
});
