// GET /metrics on a real in-process collector: after delta or cumulative exports (retries, a late
// retry out of order, a collector restart, a counter reset), each family's sum equals what
// `cc-otel report` totals over the same data dir; names as the OTel Collector's Prometheus exporter
// gives them; labels from the resource and the points; --metrics-drop-label; gauges; Host rule;
// and Prometheus's own parser (`promtool check metrics`) accepts the text.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { run, tool } from '../../helpers/prometheus.js';
import { startCollector, type CollectorOptions, type RunningCollector } from '../../../src/collector/collector.js';
import { buildReport } from '../../../src/report/build.js';
import { logsRequest, metricsRequest, ns, post, type Attrs, type SumMetric } from '../report/fixtures.js';

const dirs: TempDir[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) d.cleanup();
});

async function collector(dir?: TempDir, metrics?: CollectorOptions['metrics']): Promise<{ dir: TempDir; c: RunningCollector }> {
  const d = dir ?? makeTempDir('cc-otel-metrics');
  if (!dir) dirs.push(d);
  const c = await startCollector({ dataDir: d.path, httpPort: 0, grpcPort: null, writeState: false, metrics });
  running.push(c);
  return { dir: d, c };
}

interface Parsed {
  types: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

/** A reader of the text format for assertions (promtool is the validator; this only reads values). */
function parse(text: string): Parsed {
  const types = new Map<string, string>();
  const samples: Parsed['samples'] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

const sum = (p: Parsed, name: string, where: Record<string, string> = {}) =>
  p.samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

/** GET /metrics with node:http (fetch does not let a caller set Host). */
function scrape(c: RunningCollector, host?: string, method = 'GET'): Promise<{ status: number; type: string | null; text: string; allow?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: c.httpPort, path: '/metrics', method, headers: host ? { host } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? null, text, allow: res.headers.allow }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'x' : undefined);
  });
}

const T0 = Date.UTC(2025, 5, 10, 9, 0, 0);
const RES = { 'service.name': 'claude-code', engineer: 'ada', team: 'core', org: 'acme' };

/** One session's three exports of every Claude Code counter, as increments. */
const EXPORTS: Array<Array<{ metric: string; unit: string; attrs: Attrs; value: number }>> = [
  [
    { metric: 'claude_code.token.usage', unit: 'tokens', attrs: { type: 'input', model: 'opus' }, value: 1000 },
    { metric: 'claude_code.token.usage', unit: 'tokens', attrs: { type: 'output', model: 'opus' }, value: 200 },
    { metric: 'claude_code.token.usage', unit: 'tokens', attrs: { type: 'cacheRead', model: 'opus' }, value: 5000 },
    { metric: 'claude_code.token.usage', unit: 'tokens', attrs: { type: 'cacheCreation', model: 'opus' }, value: 700 },
    { metric: 'claude_code.cost.usage', unit: 'USD', attrs: { model: 'opus' }, value: 0.1 },
    { metric: 'claude_code.session.count', unit: '', attrs: {}, value: 1 },
    { metric: 'claude_code.active_time.total', unit: 's', attrs: { type: 'cli' }, value: 30 },
  ],
  [
    { metric: 'claude_code.token.usage', unit: 'tokens', attrs: { type: 'input', model: 'opus' }, value: 300 },
    { metric: 'claude_code.cost.usage', unit: 'USD', attrs: { model: 'opus' }, value: 0.05 },
    { metric: 'claude_code.lines_of_code.count', unit: '', attrs: { type: 'added' }, value: 40 },
    { metric: 'claude_code.lines_of_code.count', unit: '', attrs: { type: 'removed' }, value: 4 },
    { metric: 'claude_code.active_time.total', unit: 's', attrs: { type: 'cli' }, value: 12.5 },
  ],
  [
    { metric: 'claude_code.token.usage', unit: 'tokens', attrs: { type: 'input', model: 'opus' }, value: 77 },
    { metric: 'claude_code.cost.usage', unit: 'USD', attrs: { model: 'opus' }, value: 0.025 },
    { metric: 'claude_code.commit.count', unit: '', attrs: {}, value: 1 },
    { metric: 'claude_code.pull_request.count', unit: '', attrs: {}, value: 1 },
    { metric: 'claude_code.code_edit_tool.decision', unit: '', attrs: { decision: 'accept', tool_name: 'Edit' }, value: 3 },
    { metric: 'claude_code.code_edit_tool.decision', unit: '', attrs: { decision: 'reject', tool_name: 'Edit' }, value: 1 },
  ],
];

function requests(session: string, start: number, temporality: 'delta' | 'cumulative', scale = 1): Array<Record<string, unknown>> {
  const totals = new Map<string, number>();
  return EXPORTS.map((inc, i) => {
    const time = start + (i + 1) * 60_000;
    const byMetric = new Map<string, SumMetric>();
    for (const x of inc) {
      const attrs = { ...RES, 'session.id': session, ...x.attrs };
      const key = `${x.metric}|${JSON.stringify(attrs)}`;
      const value = x.metric === 'claude_code.session.count' ? x.value : x.value * scale;
      const total = (totals.get(key) ?? 0) + value;
      totals.set(key, total);
      const m = byMetric.get(x.metric) ?? { name: x.metric, unit: x.unit, temporality, points: [] };
      byMetric.set(x.metric, m);
      m.points.push(temporality === 'delta' ? { attrs, start: start + i * 60_000, time, value } : { attrs, start, time, value: total });
    }
    return metricsRequest(RES, [...byMetric.values()]);
  });
}

const FAMILIES = {
  claude_code_cost_usage_USD_total: 'counter',
  claude_code_token_usage_tokens_total: 'counter',
  claude_code_session_count_total: 'counter',
  claude_code_active_time_seconds_total: 'counter',
  claude_code_lines_of_code_count_total: 'counter',
  claude_code_commit_count_total: 'counter',
  claude_code_pull_request_count_total: 'counter',
  claude_code_code_edit_tool_decision_total: 'counter',
};

function expectEqualsReport(p: Parsed, dataDir: string): void {
  const t = buildReport({ dataDir }).totals;
  expect(sum(p, 'claude_code_cost_usage_USD_total')).toBeCloseTo(t.costUsd, 9);
  for (const type of ['input', 'output', 'cacheRead', 'cacheCreation'] as const) expect(sum(p, 'claude_code_token_usage_tokens_total', { type })).toBe(t.tokens[type]);
  expect(sum(p, 'claude_code_active_time_seconds_total')).toBeCloseTo(t.activeTimeSeconds, 9);
  expect(sum(p, 'claude_code_lines_of_code_count_total', { type: 'added' })).toBe(t.linesAdded);
  expect(sum(p, 'claude_code_lines_of_code_count_total', { type: 'removed' })).toBe(t.linesRemoved);
  expect(sum(p, 'claude_code_commit_count_total')).toBe(t.commits);
  expect(sum(p, 'claude_code_pull_request_count_total')).toBe(t.pullRequests);
  expect(sum(p, 'claude_code_code_edit_tool_decision_total', { decision: 'accept' })).toBe(t.decisions.accept);
  expect(sum(p, 'claude_code_code_edit_tool_decision_total', { decision: 'reject' })).toBe(t.decisions.reject);
}

describe('GET /metrics', () => {
  it.each(['delta', 'cumulative'] as const)('%s exports: cumulative counters that equal report --json, with retries, a late retry and a restart', async (temporality) => {
    let { dir, c } = await collector();
    const a = requests('sess-1', T0, temporality);
    const b = requests('sess-2', T0 + 3_600_000, temporality, 2);
    expect(await post(c.httpUrl, 'metrics', a[0]!)).toBe(200);
    expect(await post(c.httpUrl, 'metrics', b[0]!)).toBe(200);
    // an early scrape: later appends are read incrementally
    const early = parse((await scrape(c)).text);
    expect(sum(early, 'claude_code_token_usage_tokens_total', { type: 'input' })).toBe(1000 + 2000);
    expect(await post(c.httpUrl, 'metrics', a[1]!)).toBe(200);
    expect(await post(c.httpUrl, 'metrics', a[1]!)).toBe(200); // a retry after a lost 200
    await c.close();
    running.splice(running.indexOf(c), 1);
    ({ c } = await collector(dir)); // every series continues in a new segment
    expect(await post(c.httpUrl, 'metrics', a[2]!)).toBe(200);
    expect(await post(c.httpUrl, 'metrics', b[2]!)).toBe(200);
    expect((await scrape(c)).status).toBe(200);
    expect(await post(c.httpUrl, 'metrics', b[1]!)).toBe(200); // late: arrives after a newer export of its series
    expect(await post(c.httpUrl, 'metrics', a[0]!)).toBe(200); // a very late retry

    const r = await scrape(c);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const p = parse(r.text);
    for (const [name, type] of Object.entries(FAMILIES)) expect(p.types.get(name), name).toBe(type);
    expect(sum(p, 'claude_code_token_usage_tokens_total', { type: 'input' })).toBe(1377 * 3);
    expect(sum(p, 'claude_code_cost_usage_USD_total')).toBeCloseTo(0.175 * 3, 12);
    expect(sum(p, 'claude_code_session_count_total')).toBe(2);
    expectEqualsReport(p, dir.path);
    // resource and point attributes are labels
    const cost = p.samples.find((s) => s.name === 'claude_code_cost_usage_USD_total' && s.labels.session_id === 'sess-2');
    expect(cost?.labels).toEqual({ engineer: 'ada', team: 'core', org: 'acme', model: 'opus', service_name: 'claude-code', session_id: 'sess-2' });
    expect(cost?.value).toBeCloseTo(0.35, 12);
  });

  it('a counter reset without a new start time counts in full, as in report', async () => {
    const { dir, c } = await collector();
    const at = (time: number, value: number): SumMetric => ({
      name: 'claude_code.commit.count',
      unit: '',
      temporality: 'cumulative',
      points: [{ attrs: { 'session.id': 's' }, start: T0, time, value }],
    });
    for (const [t, v] of [[1, 5], [2, 7], [3, 2], [4, 3]] as const) expect(await post(c.httpUrl, 'metrics', metricsRequest(RES, [at(T0 + t * 60_000, v)]))).toBe(200);
    const p = parse((await scrape(c)).text);
    expect(sum(p, 'claude_code_commit_count_total')).toBe(7 + 3);
    expect(sum(p, 'claude_code_commit_count_total')).toBe(buildReport({ dataDir: dir.path }).totals.commits);
  });

  it('--metrics-drop-label session.id: one series per engineer and model, the same sums', async () => {
    const { c } = await collector(undefined, { dropLabels: ['session.id'] });
    for (const r of [...requests('sess-1', T0, 'delta'), ...requests('sess-2', T0 + 3_600_000, 'delta')]) expect(await post(c.httpUrl, 'metrics', r)).toBe(200);
    const p = parse((await scrape(c)).text);
    expect(p.samples.some((s) => 'session_id' in s.labels)).toBe(false);
    const cost = p.samples.filter((s) => s.name === 'claude_code_cost_usage_USD_total');
    expect(cost).toHaveLength(1);
    expect(cost[0]!.value).toBeCloseTo(0.35, 12);
    expect(sum(p, 'claude_code_session_count_total')).toBe(2);
  });

  it('gauges come out as gauges (latest value; an old one is left out), the bridge counter as a counter', async () => {
    const { c } = await collector();
    const now = Date.now();
    const gauge = (name: string, unit: string, points: Array<{ time: number; value: number; attrs?: Attrs }>) => ({
      name,
      unit,
      gauge: { dataPoints: points.map((p) => ({ attributes: Object.entries(p.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: String(v) } })), timeUnixNano: ns(p.time), asInt: String(p.value) })) },
    });
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cc-otel-bridge' } }, { key: 'host.name', value: { stringValue: 'box' } }] },
          scopeMetrics: [
            {
              scope: { name: 'cc-otel' },
              metrics: [
                gauge('cc.sessions.active', '{session}', [
                  { time: now - 30_000, value: 3 },
                  { time: now - 1_000, value: 2 },
                ]),
                gauge('cc.sessions.stale', '{session}', [{ time: now - 1_000, value: 0 }]),
                gauge('cc.sessions.silent', '{session}', [{ time: now - 1_000, value: 1 }]),
                gauge('cc.sessions.gone', '{session}', [{ time: now - 10 * 60_000, value: 4 }]),
                { name: 'cc.session.started', unit: '{session}', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: ns(now - 60_000), timeUnixNano: ns(now - 1_000), asInt: '5' }] } },
              ],
            },
          ],
        },
      ],
    };
    expect(await post(c.httpUrl, 'metrics', body)).toBe(200);
    const p = parse((await scrape(c)).text);
    expect(p.types.get('cc_sessions_active')).toBe('gauge');
    expect(sum(p, 'cc_sessions_active', { host_name: 'box' })).toBe(2);
    expect(sum(p, 'cc_sessions_silent')).toBe(1);
    expect(p.samples.filter((s) => s.name === 'cc_sessions_stale').map((s) => s.value)).toEqual([0]);
    expect(p.types.has('cc_sessions_gone')).toBe(false);
    expect(p.types.get('cc_session_started_total')).toBe('counter');
    expect(sum(p, 'cc_session_started_total')).toBe(5);
  });

  it('events are counted into cc_otel_events_total (api_error, api_request …), once each, as report counts them', async () => {
    const { dir, c } = await collector();
    const ev = (name: string, seq: number, extra: Attrs = {}) => ({ name, time: T0 + seq * 1000, attrs: { 'session.id': 'sess-1', 'event.sequence': seq, model: 'opus', prompt_id: `p${seq}`, ...extra } });
    const logs = logsRequest(RES, [ev('api_request', 1, { cost_usd: 0.1 }), ev('api_request', 2), ev('api_error', 3, { status_code: '529', error: 'overloaded' }), ev('user_prompt', 4)]);
    expect(await post(c.httpUrl, 'logs', logs)).toBe(200);
    expect(await post(c.httpUrl, 'logs', logs)).toBe(200); // a retry
    const p = parse((await scrape(c)).text);
    expect(p.types.get('cc_otel_events_total')).toBe('counter');
    expect(sum(p, 'cc_otel_events_total', { event_name: 'api_request' })).toBe(2);
    const errors = p.samples.filter((s) => s.name === 'cc_otel_events_total' && s.labels.event_name === 'api_error');
    expect(errors.map((s) => [s.value, s.labels])).toEqual([[1, { event_name: 'api_error', engineer: 'ada', team: 'core', org: 'acme', model: 'opus', session_id: 'sess-1', status_code: '529', service_name: 'claude-code' }]]);
    expect(sum(p, 'cc_otel_events_total', { event_name: 'api_error' })).toBe(buildReport({ dataDir: dir.path }).totals.apiErrors);
    expect(sum(p, 'cc_otel_events_total', { event_name: 'user_prompt' })).toBe(1);
    expect(p.samples.some((s) => 'prompt_id' in s.labels || 'error' in s.labels)).toBe(false); // ids and messages are not labels
  });

  it('answers only a Host of this machine (no DNS rebinding), and only GET', async () => {
    const { c } = await collector();
    expect(await post(c.httpUrl, 'metrics', requests('s', T0, 'delta')[0]!)).toBe(200);
    for (const host of ['localhost', `localhost:${c.httpPort}`, `127.0.0.1:${c.httpPort}`, `[::1]:${c.httpPort}`, 'host.docker.internal:4318']) expect((await scrape(c, host)).status, host).toBe(200);
    for (const host of ['evil.example', `attacker.example:${c.httpPort}`, 'localhost.evil.example']) {
      const r = await scrape(c, host);
      expect(r.status, host).toBe(403);
      expect(r.text).toContain('only to Host localhost');
    }
    const res = await scrape(c, undefined, 'POST');
    expect(res.status).toBe(405);
    expect(res.allow).toBe('GET, HEAD');
    // the OTLP paths are as they were
    expect((await fetch(`${c.httpUrl}/v1/nothing`, { method: 'POST' })).status).toBe(404);
  });

  it('an empty store answers 200 with no samples', async () => {
    const { c } = await collector();
    const r = await scrape(c);
    expect(r.status).toBe(200);
    expect(parse(r.text).samples).toEqual([]);
  });

  const promtool = tool('promtool', 'prometheus');
  it.skipIf(!promtool.present)('promtool check metrics accepts the text (label values with quotes, backslashes, newlines)', async () => {
    const { c } = await collector();
    for (const r of requests('sess-"odd"\\\n1', T0, 'cumulative')) expect(await post(c.httpUrl, 'metrics', r)).toBe(200);
    const { text } = await scrape(c);
    expect(text).toContain('session_id="sess-\\"odd\\"\\\\\\n1"');
    const check = run(promtool.path, ['check', 'metrics'], { input: text });
    expect(check.code, `${check.stdout}${check.stderr}\n${text}`).toBe(0);
  });
});
