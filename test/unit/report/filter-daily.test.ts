// buildReport's dashboard options over data sent to a real in-process collector: filters (by the
// same values --by names rows with), a per-day split of every row, the newest API errors and hook
// events, the values each filter takes — and a ReportSource read on incrementally giving the very
// report a fresh read gives.
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { listSegments } from '../../../src/collector/store.js';
import { buildReport, ReportSource, type ReportOptions } from '../../../src/report/build.js';
import { logsRequest, metricsRequest, post, type Attrs } from './fixtures.js';

const dirs: TempDir[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) d.cleanup();
});

async function collector(dir?: TempDir): Promise<{ dir: TempDir; c: RunningCollector }> {
  const d = dir ?? makeTempDir('cc-otel-report-dash');
  if (!dir) dirs.push(d);
  const c = await startCollector({ dataDir: d.path, httpPort: 0, grpcPort: null });
  running.push(c);
  return { dir: d, c };
}

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2025, 5, 10, 9, 0, 0); // 2025-06-10 09:00Z

/** One delta export of one session: cost and input tokens for a model at a time. */
function usage(resource: Attrs, session: string, model: string, time: number, cost: number, tokens: number): Record<string, unknown> {
  const attrs = { ...resource, 'session.id': session, model };
  return metricsRequest({ 'service.name': 'claude-code', ...resource }, [
    { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs, start: time - 60_000, time, value: cost }] },
    { name: 'claude_code.token.usage', unit: 'tokens', temporality: 'delta', points: [{ attrs: { ...attrs, type: 'input' }, start: time - 60_000, time, value: tokens }] },
  ]);
}

const ADA = { engineer: 'ada', team: 'core', org: 'acme', project: 'api' };
const BOB = { engineer: 'bob', team: 'core', org: 'acme', 'vcs.repository.name': 'acme/web' };
const CY = { team: 'web', org: 'acme' }; // named by its SessionStart hook only

async function sendAll(url: string, from = 0): Promise<void> {
  const reqs = [
    usage(ADA, 'a1', 'opus', T0, 1, 100),
    usage(ADA, 'a1', 'sonnet', T0 + H, 0.5, 50),
    usage(BOB, 'b1', 'opus', T0 + D, 2, 200),
    usage(CY, 'c1', 'haiku', T0 + 2 * D, 0.25, 25),
    logsRequest({ 'service.name': 'cc-otel' }, [{ name: 'cc_otel.hook.SessionStart', time: T0 + 2 * D - 1000, attrs: { 'session.id': 'c1', engineer: 'cy', 'hook.event_name': 'SessionStart' } }]),
    logsRequest(BOB, [{ name: 'api_error', time: T0 + D + 5000, attrs: { 'session.id': 'b1', 'event.sequence': 7, model: 'opus', error: '<img src=x onerror=alert(1)>', status_code: 529 } }]),
    logsRequest({ 'service.name': 'cc-otel', ...ADA }, [{ name: 'cc_otel.hook.PostToolUse', time: T0 + 2 * H, attrs: { 'session.id': 'a1', tool_name: 'Bash', 'hook.event_name': 'PostToolUse' } }]),
  ];
  for (const r of reqs.slice(from)) expect(await post(url, r.resourceMetrics ? 'metrics' : 'logs', r)).toBe(200);
}

describe('report filters, per-day rows, recent events, values', () => {
  it('a filter keeps exactly the data of that --by row; the engineer filter names people as --by engineer does', async () => {
    const { dir, c } = await collector();
    await sendAll(c.httpUrl);
    const byEngineer = buildReport({ dataDir: dir.path, by: 'engineer' });
    expect(byEngineer.rows.map((r) => [r.key, r.costUsd])).toEqual([['bob', 2], ['ada', 1.5], ['cy', 0.25]]);
    for (const row of byEngineer.rows) {
      const only = buildReport({ dataDir: dir.path, by: 'engineer', filter: { engineer: row.key } });
      expect(only.rows).toEqual([row]);
      expect(only.totals).toMatchObject({ costUsd: row.costUsd, tokens: row.tokens, sessions: row.sessions, apiErrors: row.apiErrors });
      expect(only.filter).toEqual({ engineer: row.key });
    }
    const core = buildReport({ dataDir: dir.path, by: 'model', filter: { team: 'core' } });
    expect(core.rows.map((r) => [r.key, r.costUsd, r.tokens.input])).toEqual([['opus', 3, 300], ['sonnet', 0.5, 50]]);
    expect(core.totals.apiErrors).toBe(1);
    // project: `project`, else vcs.repository.name; several filters all apply
    expect(buildReport({ dataDir: dir.path, by: 'project' }).rows.map((r) => [r.key, r.costUsd])).toEqual([['acme/web', 2], ['api', 1.5], ['(none)', 0.25]]);
    expect(buildReport({ dataDir: dir.path, filter: { project: 'api', model: 'sonnet' } }).totals.costUsd).toBe(0.5);
    expect(buildReport({ dataDir: dir.path, filter: { engineer: 'nobody' } }).rows).toEqual([]);
  });

  it('daily: each row and the totals split by day, the days adding up to the row', async () => {
    const { dir, c } = await collector();
    await sendAll(c.httpUrl);
    const r = buildReport({ dataDir: dir.path, by: 'model', daily: true, dayBoundary: 'utc' });
    const opus = r.rows.find((x) => x.key === 'opus')!;
    expect(opus.days!.map((d) => [d.key, d.costUsd, d.tokens.input, d.sessions, d.apiErrors])).toEqual([
      ['2025-06-10', 1, 100, 1, 0],
      ['2025-06-11', 2, 200, 1, 1],
    ]);
    expect(r.totals.days!.map((d) => [d.key, d.costUsd])).toEqual([['2025-06-10', 1.5], ['2025-06-11', 2], ['2025-06-12', 0.25]]);
    for (const row of [...r.rows, r.totals]) expect(row.days!.reduce((s, d) => s + d.costUsd, 0)).toBeCloseTo(row.costUsd, 12);
    // the per-day figures are those of --by day
    const byDay = buildReport({ dataDir: dir.path, by: 'day', dayBoundary: 'utc' });
    expect(r.totals.days!.map((d) => ({ ...d }))).toEqual(byDay.rows.map((d) => ({ ...d, days: [] })));
    expect(buildReport({ dataDir: dir.path }).rows[0]!.days).toBeUndefined();
  });

  it('recent: API errors and hook events in the window, newest first, with their attributes as sent; values: what each filter can be', async () => {
    const { dir, c } = await collector();
    await sendAll(c.httpUrl);
    const r = buildReport({ dataDir: dir.path, recent: 10, values: true });
    expect(r.recent!.map((e) => [e.name, e.engineer, e.session])).toEqual([
      ['cc_otel.hook.SessionStart', 'cy', 'c1'],
      ['api_error', 'bob', 'b1'],
      ['cc_otel.hook.PostToolUse', 'ada', 'a1'],
    ]);
    expect(r.recent![1]).toMatchObject({ time: new Date(T0 + D + 5000).toISOString(), attributes: { error: '<img src=x onerror=alert(1)>', status_code: '529', model: 'opus' } });
    expect(buildReport({ dataDir: dir.path, recent: 10, since: T0 + D, until: T0 + 2 * D - 5000 }).recent!.map((e) => e.name)).toEqual(['api_error']);
    expect(buildReport({ dataDir: dir.path, recent: 1, filter: { engineer: 'ada' } }).recent!.map((e) => e.name)).toEqual(['cc_otel.hook.PostToolUse']);
    expect(r.values).toEqual({
      engineer: ['ada', 'bob', 'cy'],
      team: ['core', 'web'],
      org: ['acme'],
      model: ['haiku', 'opus', 'sonnet'],
      project: ['(none)', 'acme/web', 'api'],
    });
  });

  it('a ReportSource read on after more data, a restart (new segment) and retention gives the report a fresh read gives', async () => {
    let { dir, c } = await collector();
    const source = new ReportSource(dir.path);
    const opts = (o: Partial<ReportOptions> = {}): ReportOptions => ({ dataDir: dir.path, by: 'engineer', daily: true, recent: 5, values: true, ...o });
    const same = () => {
      for (const o of [opts(), opts({ by: 'model', filter: { team: 'core' } }), opts({ since: T0 + D })]) expect(buildReport({ ...o, source })).toEqual(buildReport(o));
    };
    same(); // empty
    await sendAll(c.httpUrl);
    same();
    await c.close();
    running.splice(0);
    ({ c } = await collector(dir));
    await sendAll(c.httpUrl, 2); // retries of part of it, into a new segment
    expect(await post(c.httpUrl, 'metrics', usage(ADA, 'a2', 'opus', T0 + 3 * D, 4, 400))).toBe(200);
    expect(listSegments(dir.path).length).toBe(2);
    same();
    expect(buildReport({ ...opts(), source }).totals.costUsd).toBe(7.75);
    // retention drops the oldest segment: the source starts over
    await c.close();
    running.splice(0);
    const { rmSync } = await import('node:fs');
    const first = listSegments(dir.path)[0]!;
    rmSync(first.idx);
    rmSync(first.raw);
    same();
    expect(buildReport({ ...opts(), source }).totals.costUsd).toBe(6.25); // what the second segment holds: b1 (2), c1 (0.25) and a2 (4)
  });

  it('a ReportSource read a slice at a time (catchUp, yielding in between) gives the report a fresh read gives', async () => {
    let { dir, c } = await collector();
    await sendAll(c.httpUrl);
    await c.close();
    running.splice(0);
    ({ c } = await collector(dir));
    expect(await post(c.httpUrl, 'metrics', usage(ADA, 'a2', 'opus', T0 + 3 * D, 4, 400))).toBe(200);
    expect(listSegments(dir.path).length).toBe(2);
    const source = new ReportSource(dir.path);
    let ticks = 0;
    let done = false;
    const spin = () => {
      if (done) return;
      ticks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    await source.catchUp(64); // smaller than a frame: one frame per slice
    done = true;
    expect(ticks).toBeGreaterThanOrEqual(4); // it yielded between slices
    const o: ReportOptions = { dataDir: dir.path, by: 'model', daily: true, recent: 5, values: true };
    expect(buildReport({ ...o, source })).toEqual(buildReport(o));
  });

  it('a ReportSource differences a cumulative series on from where it was, and sorts it again when a point arrives out of order', async () => {
    const { dir, c } = await collector();
    const source = new ReportSource(dir.path);
    const cum = (time: number, value: number) =>
      metricsRequest({ 'service.name': 'claude-code', engineer: 'ada' }, [
        { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'cumulative', points: [{ attrs: { 'session.id': 's' }, start: T0, time, value }] },
      ]);
    const both = (o: Partial<ReportOptions> = {}) => {
      const fresh = buildReport({ dataDir: dir.path, ...o });
      expect(buildReport({ dataDir: dir.path, ...o, source })).toEqual(fresh);
      return fresh.totals.costUsd;
    };
    expect(await post(c.httpUrl, 'metrics', cum(T0 + 60_000, 5))).toBe(200);
    expect(both()).toBe(5);
    expect(await post(c.httpUrl, 'metrics', cum(T0 + 180_000, 8))).toBe(200);
    expect(both()).toBe(8);
    expect(both({ since: T0 + 120_000 })).toBe(3); // the increase inside the window
    // an export that was late (its time is before the last one): 5 → 6.5 → 8
    expect(await post(c.httpUrl, 'metrics', cum(T0 + 120_000, 6.5))).toBe(200);
    expect(both()).toBe(8);
    expect(both({ since: T0 + 150_000 })).toBe(1.5);
    expect(await post(c.httpUrl, 'metrics', cum(T0 + 180_000, 8))).toBe(200); // a retry
    expect(both()).toBe(8);
  });

  it('live: the newest export of each bridge per cc.sessions.* gauge, within the window and the filter; none without them', async () => {
    const { dir, c } = await collector();
    expect(buildReport({ dataDir: dir.path, live: true }).live).toEqual({ asOf: null, windowMs: 300_000, metrics: [] });
    const kv = (o: Attrs) => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: String(v) } }));
    const gauge = (engineer: string, time: number, points: Array<[string, Attrs, number]>) => ({
      resourceMetrics: [
        {
          resource: { attributes: kv({ 'service.name': 'cc-otel-bridge', engineer }) },
          scopeMetrics: [{ metrics: [...new Set(points.map((p) => p[0]))].map((name) => ({ name, gauge: { dataPoints: points.filter((p) => p[0] === name).map(([, attrs, v]) => ({ attributes: kv(attrs), timeUnixNano: String(BigInt(time) * 1_000_000n), asInt: String(v) })) } })) }],
        },
      ],
    });
    const now = Date.now();
    // ada's bridge: two ticks (the older one had 3 sessions on opus); bob's: one tick; cy's: an hour ago
    expect(await post(c.httpUrl, 'metrics', gauge('ada', now - 90_000, [['cc.sessions.active', { model: 'opus' }, 3], ['cc.sessions.stale', {}, 0]]))).toBe(200);
    expect(await post(c.httpUrl, 'metrics', gauge('ada', now - 30_000, [['cc.sessions.active', { model: 'sonnet' }, 2], ['cc.sessions.stale', {}, 1]]))).toBe(200);
    expect(await post(c.httpUrl, 'metrics', gauge('bob', now - 10_000, [['cc.sessions.active', { model: 'opus', project: '<b>x</b>' }, 1]]))).toBe(200);
    expect(await post(c.httpUrl, 'metrics', gauge('cy', now - 3_600_000, [['cc.sessions.active', {}, 5]]))).toBe(200);
    const r = buildReport({ dataDir: dir.path, live: true, now });
    expect(r.live!.metrics).toEqual([
      { name: 'cc.sessions.active', value: 3, series: [{ attributes: { model: 'sonnet' }, value: 2 }, { attributes: { model: 'opus', project: '<b>x</b>' }, value: 1 }] },
      { name: 'cc.sessions.stale', value: 1, series: [{ attributes: {}, value: 1 }] },
    ]);
    expect(r.live!.asOf).toBe(new Date(now - 10_000).toISOString());
    expect(r.meta.otherMetrics).toEqual(['cc.sessions.active', 'cc.sessions.stale']);
    expect(buildReport({ dataDir: dir.path, live: true, now, filter: { engineer: 'bob' } }).live!.metrics.map((m) => [m.name, m.value])).toEqual([['cc.sessions.active', 1]]);
    expect(buildReport({ dataDir: dir.path, live: true, now, liveWindowMs: 2 * 3_600_000 }).live!.metrics[0]!.value).toBe(8); // cy's too
    expect(buildReport({ dataDir: dir.path }).live).toBeUndefined();
  });
});
