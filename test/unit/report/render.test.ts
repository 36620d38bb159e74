// --since parsing and the three renderings of a report.
import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/report/since.js';
import { formatCompact, formatDuration, renderCsv, renderEmpty, renderJson, renderTable } from '../../../src/report/render.js';
import type { Report, ReportRow } from '../../../src/report/build.js';

const NOW = Date.UTC(2025, 5, 15, 12);

describe('parseSince', () => {
  it.each([
    ['7d', NOW - 7 * 86_400_000],
    ['12h', NOW - 12 * 3_600_000],
    ['90m', NOW - 90 * 60_000],
    ['2w', NOW - 14 * 86_400_000],
    ['1.5d', NOW - 1.5 * 86_400_000],
    ['2025-06-01T00:00:00Z', Date.UTC(2025, 5, 1)],
    ['2025-06-01', new Date(2025, 5, 1).getTime()],
    ['all', undefined],
  ])('%s', (input, expected) => expect(parseSince(input, NOW)).toBe(expected));

  it.each(['7', 'seven days', '2025-13-01', '-1d', ''])('rejects %j', (input) => expect(() => parseSince(input, NOW)).toThrow(/--since/));
});

function row(key: string, n: number): ReportRow {
  return {
    key,
    sessions: n,
    activeTimeSeconds: 3725 * n,
    tokens: { input: 1_234_567 * n, output: 45_600 * n, cacheRead: 9_870_000 * n, cacheCreation: 512 * n, total: (1_234_567 + 45_600 + 9_870_000 + 512) * n },
    costUsd: 12.345 * n,
    linesAdded: 1200 * n,
    linesRemoved: 30 * n,
    commits: 2 * n,
    pullRequests: n,
    decisions: { accept: 40 * n, reject: n },
    apiErrors: n - 1,
  };
}

const REPORT: Report = {
  by: 'engineer',
  since: '2025-06-08T12:00:00.000Z',
  until: null,
  rows: [row('ada', 2), row('bob, "the builder"', 1)],
  totals: { ...row('total', 3), sessions: 3 },
  meta: { segments: 1, series: 10, dataPoints: 100, events: 5, records: 105, decisionsFrom: 'events', sessionsFrom: 'session.id', otherMetrics: [] },
};

describe('render', () => {
  it('formats numbers for people', () => {
    expect([formatCompact(999), formatCompact(1000), formatCompact(45_600), formatCompact(1_234_567), formatCompact(2.5e9), formatCompact(123_456)]).toEqual(['999', '1.0k', '45.6k', '1.2M', '2.5B', '123k']);
    expect([formatDuration(42), formatDuration(125), formatDuration(3725), formatDuration(90_000)]).toEqual(['42s', '2m 05s', '1h 02m', '25h 00m']);
  });

  it('table', () => {
    expect(renderTable(REPORT)).toMatchInlineSnapshot(`
      "engineer            sessions  active  input  output  cache read  cache write    cost  +lines  -lines  commits  PRs  accept  reject  API errors
      ──────────────────  ────────  ──────  ─────  ──────  ──────────  ───────────  ──────  ──────  ──────  ───────  ───  ──────  ──────  ──────────
      ada                        2  2h 04m   2.5M   91.2k       19.7M         1.0k  $24.69   2,400      60        4    2      80       2           1
      bob, "the builder"         1  1h 02m   1.2M   45.6k        9.9M          512  $12.35   1,200      30        2    1      40       1           0
      ──────────────────  ────────  ──────  ─────  ──────  ──────────  ───────────  ──────  ──────  ──────  ───────  ───  ──────  ──────  ──────────
      total                      3  3h 06m   3.7M    137k       29.6M         1.5k  $37.04   3,600      90        6    3     120       3           2
      "
    `);
  });

  it('csv quotes keys and ends with a total row', () => {
    const csv = renderCsv(REPORT);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')).toMatchInlineSnapshot(`
      [
        "engineer,sessions,active_time_seconds,tokens_input,tokens_output,tokens_cache_read,tokens_cache_creation,tokens_total,cost_usd,lines_added,lines_removed,commits,pull_requests,decisions_accept,decisions_reject,api_errors",
        "ada,2,7450,2469134,91200,19740000,1024,22301358,24.69,2400,60,4,2,80,2,1",
        ""bob, ""the builder""",1,3725,1234567,45600,9870000,512,11150679,12.345,1200,30,2,1,40,1,0",
        "(total),3,11175,3703701,136800,29610000,1536,33452037,37.035,3600,90,6,3,120,3,2",
        "",
      ]
    `);
  });

  it('json is the report object', () => {
    expect(JSON.parse(renderJson(REPORT))).toEqual(REPORT);
  });

  it('renderEmpty tells "the collector stored nothing" from "nothing from Claude Code in this window"', () => {
    const empty = (meta: Partial<Report['meta']>, since: string | null = REPORT.since, until: string | null = null): string =>
      renderEmpty({ ...REPORT, since, until, rows: [], meta: { ...REPORT.meta, ...meta } }, '/data');
    expect(empty({ segments: 0, records: 0 })).toBe(
      'No telemetry in /data yet: the collector has stored nothing there.\nPoint Claude Code at it (the `local` preset, then `cc-otel install`) and use Claude Code; `cc-otel verify` checks the wiring.\n',
    );
    expect(empty({ records: 1234 })).toBe(
      'No Claude Code usage since 2025-06-08T12:00:00.000Z: /data holds 1,234 records, none of them Claude Code usage in this window.\nWiden it (--since all), or check that Claude Code exports here (`cc-otel verify`).\n',
    );
    expect(empty({ records: 1 }, null, '2025-06-09T00:00:00.000Z')).toMatch(/^No Claude Code usage until 2025-06-09T00:00:00\.000Z: \/data holds 1 record, /);
    expect(empty({ records: 3 }, null)).toBe(
      "No Claude Code usage: /data holds 3 records, none of them Claude Code's (verify's probes and cc-otel's hook events are not usage).\nUse Claude Code with the `local` preset; `cc-otel verify` checks the wiring.\n",
    );
  });
});
