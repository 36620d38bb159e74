// buildReport over data sent to a real in-process collector: delta and cumulative exports of the same
// usage give the same, exact totals (retries, collector restarts and counter resets included);
// grouping, windows, events, sessions.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync } from 'node:fs';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { listSegments } from '../../../src/collector/store.js';
import { buildReport, type GroupBy, type ReportRow } from '../../../src/report/build.js';
import { logsRequest, metricsRequest, post, type Attrs, type Pt, type SumMetric } from './fixtures.js';

const dirs: TempDir[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) d.cleanup();
});

async function collector(dir?: TempDir): Promise<{ dir: TempDir; c: RunningCollector }> {
  const d = dir ?? makeTempDir('cc-otel-report');
  if (!dir) dirs.push(d);
  const c = await startCollector({ dataDir: d.path, httpPort: 0, grpcPort: null });
  running.push(c);
  return { dir: d, c };
}

async function restart(c: RunningCollector, dir: TempDir): Promise<RunningCollector> {
  await c.close();
  running.splice(running.indexOf(c), 1);
  return (await collector(dir)).c;
}

const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 10, 9, 0, 0); // 2025-06-10 09:00Z

/** One session's usage: increments per metric/attribute set at export times. */
interface Usage {
  resource: Attrs;
  session: string;
  start: number;
  exports: Array<{ time: number; inc: Array<{ metric: string; unit: string; attrs: Attrs; value: number }> }>;
}

function session(engineer: string, team: string, s: string, start: number, model: string, scale: number): Usage {
  const tokens = (type: string, v: number) => ({ metric: 'claude_code.token.usage', unit: 'tokens', attrs: { type, model }, value: v * scale });
  return {
    resource: { 'service.name': 'claude-code', engineer, team, org: 'acme' },
    session: s,
    start,
    exports: [
      {
        time: start + 60_000,
        inc: [
          tokens('input', 1000),
          tokens('output', 200),
          tokens('cacheRead', 5000),
          tokens('cacheCreation', 700),
          { metric: 'claude_code.cost.usage', unit: 'USD', attrs: { model }, value: 0.1 * scale },
          { metric: 'claude_code.session.count', unit: '', attrs: {}, value: 1 },
          { metric: 'claude_code.active_time.total', unit: 's', attrs: { type: 'cli' }, value: 30 },
        ],
      },
      {
        time: start + 120_000,
        inc: [
          tokens('input', 300),
          tokens('output', 50),
          { metric: 'claude_code.cost.usage', unit: 'USD', attrs: { model }, value: 0.05 * scale },
          { metric: 'claude_code.lines_of_code.count', unit: '', attrs: { type: 'added' }, value: 40 },
          { metric: 'claude_code.lines_of_code.count', unit: '', attrs: { type: 'removed' }, value: 4 },
          { metric: 'claude_code.active_time.total', unit: 's', attrs: { type: 'cli' }, value: 12.5 },
        ],
      },
      {
        time: start + 180_000,
        inc: [
          tokens('input', 77),
          { metric: 'claude_code.cost.usage', unit: 'USD', attrs: { model }, value: 0.025 * scale },
          { metric: 'claude_code.commit.count', unit: '', attrs: {}, value: 1 },
          { metric: 'claude_code.pull_request.count', unit: '', attrs: {}, value: 1 },
          { metric: 'claude_code.code_edit_tool.decision', unit: '', attrs: { decision: 'accept', tool_name: 'Edit' }, value: 3 },
          { metric: 'claude_code.code_edit_tool.decision', unit: '', attrs: { decision: 'reject', tool_name: 'Edit' }, value: 1 },
        ],
      },
    ],
  };
}

/** The requests a Claude Code process would send for one export, in the given temporality. */
function requestsFor(u: Usage, temporality: 'delta' | 'cumulative'): Array<Record<string, unknown>> {
  const totals = new Map<string, number>();
  let prev = u.start;
  return u.exports.map((e) => {
    const byMetric = new Map<string, SumMetric>();
    for (const i of e.inc) {
      const attrs = { ...u.resource, 'session.id': u.session, ...i.attrs }; // Claude Code copies resource attrs onto datapoints
      const key = `${i.metric}|${JSON.stringify(attrs)}`;
      const total = (totals.get(key) ?? 0) + i.value;
      totals.set(key, total);
      const m = byMetric.get(i.metric) ?? { name: i.metric, unit: i.unit, temporality, points: [] as Pt[] };
      byMetric.set(i.metric, m);
      m.points.push(temporality === 'delta' ? { attrs, start: prev, time: e.time, value: i.value } : { attrs, start: u.start, time: e.time, value: total });
    }
    prev = e.time;
    return metricsRequest(u.resource, [...byMetric.values()]);
  });
}

const USAGE: Usage[] = [
  session('ada', 'core', 'sess-a1', T0, 'opus', 1),
  session('ada', 'core', 'sess-a2', T0 + 26 * H, 'sonnet', 2),
  session('bob', 'core', 'sess-b1', T0 + 1 * H, 'opus', 3),
  session('cy', 'web', 'sess-c1', T0 + 2 * H, 'haiku', 1),
];

/** Expected rows straight from the usage definitions. */
function expected(by: GroupBy): Map<string, Partial<ReportRow> & { tokens: ReportRow['tokens'] }> {
  const out = new Map<string, Partial<ReportRow> & { tokens: ReportRow['tokens']; sessionSet: Set<string> }>();
  for (const u of USAGE) {
    for (const e of u.exports) {
      for (const i of e.inc) {
        const key =
          by === 'engineer'
            ? String(u.resource.engineer)
            : by === 'team'
              ? String(u.resource.team)
              : by === 'org'
                ? 'acme'
                : by === 'session'
                  ? u.session
                  : by === 'model'
                    ? String(i.attrs.model ?? '(none)')
                    : new Date(e.time).toISOString().slice(0, 10);
        const r = out.get(key) ?? {
          key,
          sessionSet: new Set<string>(),
          tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, total: 0 },
          costUsd: 0,
          linesAdded: 0,
          linesRemoved: 0,
          commits: 0,
          pullRequests: 0,
          activeTimeSeconds: 0,
        };
        out.set(key, r);
        r.sessionSet.add(u.session);
        if (i.metric === 'claude_code.token.usage') {
          r.tokens[i.attrs.type as 'input'] += i.value;
          r.tokens.total += i.value;
        }
        if (i.metric === 'claude_code.cost.usage') r.costUsd! += i.value;
        if (i.metric === 'claude_code.lines_of_code.count') i.attrs.type === 'added' ? (r.linesAdded! += i.value) : (r.linesRemoved! += i.value);
        if (i.metric === 'claude_code.commit.count') r.commits! += i.value;
        if (i.metric === 'claude_code.pull_request.count') r.pullRequests! += i.value;
        if (i.metric === 'claude_code.active_time.total') r.activeTimeSeconds! += i.value;
      }
    }
  }
  return new Map([...out].map(([k, { sessionSet, ...r }]) => [k, { ...r, sessions: sessionSet.size }]));
}

function expectRowsMatch(rows: ReportRow[], by: GroupBy): void {
  const exp = expected(by);
  expect(rows.map((r) => r.key).sort()).toEqual([...exp.keys()].sort());
  for (const r of rows) {
    const e = exp.get(r.key)!;
    expect(r.tokens).toEqual(e.tokens); // integers: exact
    expect(r.costUsd).toBeCloseTo(e.costUsd!, 12);
    expect({ s: r.sessions, a: r.linesAdded, rm: r.linesRemoved, c: r.commits, p: r.pullRequests, t: r.activeTimeSeconds }).toEqual({
      s: e.sessions,
      a: e.linesAdded,
      rm: e.linesRemoved,
      c: e.commits,
      p: e.pullRequests,
      t: e.activeTimeSeconds,
    });
  }
}

describe('delta and cumulative give the same exact totals', () => {
  it.each(['delta', 'cumulative'] as const)('%s, with retries and a collector restart in the middle', async (temporality) => {
    let { dir, c } = await collector();
    const reqs = USAGE.map((u) => requestsFor(u, temporality));
    for (let i = 0; i < 3; i++) {
      for (const r of reqs) {
        expect(await post(c.httpUrl, 'metrics', r[i]!, i % 2 === 0)).toBe(200);
        if (i === 1) expect(await post(c.httpUrl, 'metrics', r[i]!)).toBe(200); // a retry after a lost 200
      }
      if (i === 1) c = await restart(c, dir); // every series continues in a new segment
    }
    expect(listSegments(dir.path).length).toBe(2);
    for (const by of ['engineer', 'team', 'org', 'model', 'session', 'day'] as const) {
      const report = buildReport({ dataDir: dir.path, by });
      expectRowsMatch(report.rows, by);
    }
    const totals = buildReport({ dataDir: dir.path }).totals;
    expect(totals.tokens).toEqual({ input: 1377 * 7, output: 250 * 7, cacheRead: 5000 * 7, cacheCreation: 700 * 7, total: 7327 * 7 });
    expect(totals.costUsd).toBeCloseTo(0.175 * 7, 12);
    expect(totals.sessions).toBe(4);
    expect(totals.decisions).toEqual({ accept: 12, reject: 4 }); // from the metric: no tool_decision events here
  });

  it('a counter reset (new start time) starts a new run instead of going negative or double counting', async () => {
    const { dir, c } = await collector();
    const attrs = { engineer: 'ada', 'session.id': 's', type: 'input', model: 'm' };
    const point = (start: number, time: number, value: number): Pt => ({ attrs, start, time, value });
    const send = (pts: Pt[]) => post(c.httpUrl, 'metrics', metricsRequest({ engineer: 'ada' }, [{ name: 'claude_code.token.usage', temporality: 'cumulative', points: pts }]));
    await send([point(T0, T0 + 1000, 100), point(T0, T0 + 2000, 150)]);
    await send([point(T0 + 5000, T0 + 6000, 20)]); // process restarted: new start time, counter from 0
    await send([point(T0 + 5000, T0 + 7000, 30), point(T0, T0 + 2000, 150)]); // plus an old point again, late
    await send([point(T0 + 5000, T0 + 8000, 5)]); // dropped without a new start: a reset
    expect(buildReport({ dataDir: dir.path }).totals.tokens.input).toBe(150 + 30 + 5);
  });
});

describe('windows', () => {
  it('--since cuts a cumulative series at the boundary: only the increase inside the window counts', async () => {
    for (const temporality of ['delta', 'cumulative'] as const) {
      const { dir, c } = await collector();
      const attrs = { engineer: 'ada', 'session.id': 's', model: 'm' };
      const pts: Pt[] =
        temporality === 'cumulative'
          ? [
              { attrs, start: T0 - 3 * H, time: T0 - 2 * H, value: 1 },
              { attrs, start: T0 - 3 * H, time: T0 - 1 * H, value: 1.5 },
              { attrs, start: T0 - 3 * H, time: T0 + 1 * H, value: 1.75 },
            ]
          : [
              { attrs, start: T0 - 3 * H, time: T0 - 2 * H, value: 1 },
              { attrs, start: T0 - 2 * H, time: T0 - 1 * H, value: 0.5 },
              { attrs, start: T0 - 1 * H, time: T0 + 1 * H, value: 0.25 },
            ];
      await post(c.httpUrl, 'metrics', metricsRequest({ engineer: 'ada' }, [{ name: 'claude_code.cost.usage', unit: 'USD', temporality, points: pts }]));
      expect(buildReport({ dataDir: dir.path, since: T0 }).totals.costUsd).toBe(0.25);
      expect(buildReport({ dataDir: dir.path, until: T0 }).totals.costUsd).toBe(1.5);
      expect(buildReport({ dataDir: dir.path }).totals.costUsd).toBe(1.75);
      expect(buildReport({ dataDir: dir.path, since: T0 + 2 * H }).rows).toEqual([]);
    }
  });
});

describe('events and sessions', () => {
  it('counts api_error events and tool_decision events (retries once), and sessions seen only in events', async () => {
    const { dir, c } = await collector();
    const res = { engineer: 'ada', team: 'core', org: 'acme' };
    const base = { 'session.id': 'sess-1', engineer: 'ada' };
    const events = logsRequest(res, [
      { name: 'api_error', time: T0, attrs: { ...base, model: 'opus', status_code: 529, 'event.sequence': 1 } },
      { name: 'tool_decision', time: T0 + 1, attrs: { ...base, decision: 'accept', tool_name: 'Bash', 'event.sequence': 2 } },
      { name: 'tool_decision', time: T0 + 2, attrs: { ...base, decision: 'accept', tool_name: 'Edit', 'event.sequence': 3 } },
      { name: 'tool_decision', time: T0 + 3, attrs: { ...base, decision: 'reject', tool_name: 'Bash', 'event.sequence': 4 } },
      { name: 'api_request', time: T0 + 4, attrs: { ...base, model: 'opus', 'event.sequence': 5 } },
      { name: 'api_error', time: T0 + 5, attrs: { 'session.id': 'sess-2', engineer: 'bob', model: 'opus', 'event.sequence': 1 } },
    ]);
    expect(await post(c.httpUrl, 'logs', events)).toBe(200);
    expect(await post(c.httpUrl, 'logs', events)).toBe(200); // retried
    // the edit-decision metric is ignored when tool_decision events exist
    await post(
      c.httpUrl,
      'metrics',
      metricsRequest(res, [{ name: 'claude_code.code_edit_tool.decision', temporality: 'delta', points: [{ attrs: { ...base, decision: 'accept' }, start: T0, time: T0 + 9, value: 7 }] }]),
    );
    const r = buildReport({ dataDir: dir.path, by: 'engineer' });
    expect(r.meta.decisionsFrom).toBe('events');
    expect(r.rows.map((x) => [x.key, x.sessions, x.apiErrors, x.decisions])).toEqual([
      ['ada', 1, 1, { accept: 2, reject: 1 }],
      ['bob', 1, 1, { accept: 0, reject: 0 }],
    ]);
    expect(r.totals).toMatchObject({ sessions: 2, apiErrors: 2, decisions: { accept: 2, reject: 1 } });
    expect(buildReport({ dataDir: dir.path, by: 'model' }).rows.map((x) => [x.key, x.apiErrors])).toEqual([
      ['(none)', 0],
      ['opus', 2],
    ]);
  });

  it('decisions per session: events where a session has tool_decision events, the metric where it has none (logs off)', async () => {
    const { dir, c } = await collector();
    const ada = { 'session.id': 'sess-ada', engineer: 'ada' };
    const bob = { 'session.id': 'sess-bob', engineer: 'bob' };
    await post(
      c.httpUrl,
      'logs',
      logsRequest({ engineer: 'ada' }, [
        { name: 'tool_decision', time: T0 + 1, attrs: { ...ada, decision: 'accept', 'event.sequence': 1 } },
        { name: 'tool_decision', time: T0 + 2, attrs: { ...ada, decision: 'reject', 'event.sequence': 2 } },
      ]),
    );
    const decisionMetric = (attrs: Attrs, decision: string, value: number): SumMetric => ({ name: 'claude_code.code_edit_tool.decision', temporality: 'delta', points: [{ attrs: { ...attrs, decision }, start: T0, time: T0 + 9, value }] });
    // ada's metric duplicates her events (not counted twice); bob has the logs exporter off: only the metric.
    await post(c.httpUrl, 'metrics', metricsRequest({ engineer: 'ada' }, [decisionMetric(ada, 'accept', 7)]));
    await post(c.httpUrl, 'metrics', metricsRequest({ engineer: 'bob' }, [decisionMetric(bob, 'accept', 3), decisionMetric(bob, 'reject', 1)]));
    const r = buildReport({ dataDir: dir.path, by: 'engineer' });
    expect(r.meta.decisionsFrom).toBe('both');
    expect(Object.fromEntries(r.rows.map((x) => [x.key, x.decisions]))).toEqual({ ada: { accept: 1, reject: 1 }, bob: { accept: 3, reject: 1 } });
    expect(r.totals.decisions).toEqual({ accept: 4, reject: 2 });
  });

  it('drops a retried event by session.id + event.sequence (not by its whole JSON); events without them by content', async () => {
    const { dir, c } = await collector();
    const s = { 'session.id': 'sess-1', engineer: 'ada' };
    await post(c.httpUrl, 'logs', logsRequest({}, [{ name: 'api_error', time: T0, attrs: { ...s, status_code: 529, 'event.sequence': 7 } }]));
    // the same event (same session and sequence) re-sent, an attribute rendered differently
    await post(c.httpUrl, 'logs', logsRequest({}, [{ name: 'api_error', time: T0, attrs: { ...s, status_code: '529', 'event.sequence': 7 } }]));
    const noSeq = logsRequest({}, [{ name: 'api_error', time: T0 + 5, attrs: { engineer: 'ada', status_code: 500 } }]);
    await post(c.httpUrl, 'logs', noSeq);
    await post(c.httpUrl, 'logs', noSeq); // retried
    await post(c.httpUrl, 'logs', logsRequest({}, [{ name: 'api_error', time: T0 + 5, attrs: { engineer: 'ada', status_code: 502 } }])); // another one
    expect(buildReport({ dataDir: dir.path, by: 'engineer' }).totals.apiErrors).toBe(3);
  });

  it('falls back to claude_code.session.count when no session.id is recorded', async () => {
    const { dir, c } = await collector();
    const pts = (engineer: string, n: number): Pt[] => Array.from({ length: n }, (_, i) => ({ attrs: { engineer }, start: T0 + i, time: T0 + i + 1, value: 1 }));
    await post(c.httpUrl, 'metrics', metricsRequest({}, [{ name: 'claude_code.session.count', temporality: 'delta', points: [...pts('ada', 3), ...pts('bob', 2)] }]));
    const r = buildReport({ dataDir: dir.path });
    expect(r.meta.sessionsFrom).toBe('session.count');
    expect(r.rows.map((x) => [x.key, x.sessions])).toEqual([
      ['ada', 3],
      ['bob', 2],
    ]);
    expect(r.totals.sessions).toBe(5);
  });
});

describe('grouping and robustness', () => {
  it('groups by the resource attributes of several engineers sharing one collector; sorts by cost; attribute fallbacks', async () => {
    const { dir, c } = await collector();
    const cost = (resource: Attrs, value: number) =>
      post(c.httpUrl, 'metrics', metricsRequest(resource, [{ name: 'claude_code.cost.usage', temporality: 'delta', points: [{ attrs: {}, start: T0, time: T0 + 1, value }] }]));
    await cost({ engineer: 'low', team: 't1' }, 1);
    await cost({ engineer: 'high', team: 't1' }, 5);
    await cost({ 'user.email': 'mail@example.com', team: 't2' }, 2); // no engineer attribute: user.email
    await cost({}, 0.5);
    expect(buildReport({ dataDir: dir.path }).rows.map((r) => [r.key, r.costUsd])).toEqual([
      ['high', 5],
      ['mail@example.com', 2],
      ['low', 1],
      ['(none)', 0.5],
    ]);
    expect(buildReport({ dataDir: dir.path, by: 'team' }).rows.map((r) => [r.key, r.costUsd])).toEqual([
      ['t1', 6],
      ['t2', 2],
      ['(none)', 0.5],
    ]);
    expect(buildReport({ dataDir: dir.path, by: 'team', attributeKeys: { team: ['nope'] } }).rows.map((r) => r.key)).toEqual(['(none)']);
  });

  it('--by engineer names one person once: attribute > SessionStart hook (by session.id) > user.email > user.id; the rule is in each row', async () => {
    const { dir, c } = await collector();
    const UID = 'a'.repeat(64); // Claude Code's user.id: one installation, one person
    const usage = (resource: Attrs, attrs: Attrs, value: number, time = T0 + H) =>
      post(c.httpUrl, 'metrics', metricsRequest({ 'service.name': 'claude-code', ...resource }, [
        { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs, start: time - 1000, time, value }] },
      ]));
    // s1: a user-scope install sets the engineer attribute
    expect(await usage({ engineer: 'root' }, { 'session.id': 's1', 'user.id': UID }, 1)).toBe(200);
    // s2: a project-scope install leaves it out — Claude Code's user.id only; its SessionStart hook
    // recorded the engineer, shipped later (and before the window)
    expect(await usage({}, { 'session.id': 's2', 'user.id': UID }, 2)).toBe(200);
    expect(await post(c.httpUrl, 'logs', logsRequest({}, [{ name: 'api_error', time: T0 + H, attrs: { 'session.id': 's2', 'user.id': UID, 'event.sequence': 1 } }]))).toBe(200);
    // s3: a claude.ai login exports user.email; s4: nothing but user.id; s5: nothing
    expect(await usage({}, { 'session.id': 's3', 'user.id': 'b'.repeat(64), 'user.email': 'cy@example.com' }, 4)).toBe(200);
    expect(await usage({}, { 'session.id': 's4', 'user.id': 'c'.repeat(64) }, 0.5)).toBe(200);
    expect(await usage({}, {}, 0.25)).toBe(200);
    // the hook's event, as cc-otel ships it: resource service.name cc-otel, the engineer on the record
    expect(await post(c.httpUrl, 'logs', logsRequest({ 'service.name': 'cc-otel' }, [{ name: 'cc_otel.hook.SessionStart', time: T0, attrs: { 'session.id': 's2', engineer: 'root', 'hook.event_name': 'SessionStart' } }]))).toBe(200);
    // an engineer the hook recorded for s1 too does not override s1's attribute
    expect(await post(c.httpUrl, 'logs', logsRequest({ 'service.name': 'cc-otel' }, [{ name: 'cc_otel.hook.SessionStart', time: T0, attrs: { 'session.id': 's1', engineer: 'someone-else' } }]))).toBe(200);

    const r = buildReport({ dataDir: dir.path, since: T0 + H / 2 });
    expect(r.rows.map((x) => [x.key, x.costUsd, x.sessions, x.apiErrors, x.engineerSource, x.engineerSources])).toEqual([
      ['cy@example.com', 4, 1, 0, 'user.email', ['user.email']],
      ['root', 3, 2, 1, 'attribute', ['attribute', 'session-start-hook']],
      ['c'.repeat(64), 0.5, 1, 0, 'user.id', ['user.id']],
      ['(none)', 0.25, 0, 0, 'none', ['none']],
    ]);
    expect(r.totals).toMatchObject({ costUsd: 7.75, sessions: 4, apiErrors: 1 });
    expect(r.totals.engineerSource).toBeUndefined();
    // other groupings carry no engineerSource, and the hook's events are not usage
    expect(buildReport({ dataDir: dir.path, by: 'session' }).rows.every((x) => x.engineerSource === undefined)).toBe(true);
    expect(r.meta.records).toBe(8);
  });

  it('an empty data dir gives no rows and zero totals; a missing one is an IO error naming it', () => {
    const d = makeTempDir('cc-otel-report-empty');
    dirs.push(d);
    const r = buildReport({ dataDir: d.path });
    expect(r.rows).toEqual([]);
    expect(r.totals).toMatchObject({ sessions: 0, costUsd: 0, tokens: { total: 0 } });
    expect(r.meta).toMatchObject({ segments: 0, records: 0 });
    expect(() => buildReport({ dataDir: '/nonexistent/cc-otel-data' })).toThrow(expect.objectContaining({ code: 'IO', message: 'no collector data dir at /nonexistent/cc-otel-data' }));
  });

  it('ignores a torn frame at the end of the index (a crash mid-write)', async () => {
    const { dir, c } = await collector();
    await post(c.httpUrl, 'metrics', metricsRequest({ engineer: 'ada' }, [{ name: 'claude_code.cost.usage', temporality: 'delta', points: [{ attrs: {}, start: T0, time: T0 + 1, value: 2 }] }]));
    const seg = listSegments(dir.path)[0]!;
    appendFileSync(seg.idx, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 9, 9])); // says 200 bytes follow; they don't
    expect(buildReport({ dataDir: dir.path }).totals.costUsd).toBe(2);
  });
});
