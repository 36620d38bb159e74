// Issue 16's proof, in a real browser: real Claude Code sessions (wired by `cc-otel install`, the
// `local` preset) export to a collector; headless Chromium (Debian's, driven by puppeteer-core)
// opens the dashboard the collector serves, and its figures are those `cc-otel report --json`
// prints for the same range and filter — also after a filter and a range change. Attribute values
// are untrusted: an `<img src=x onerror=…>` sent by OTLP shows as text and runs nothing; the page
// asks nothing of any other host; no CSP violation. A screenshot is taken (docs/img/dashboard.png
// with CC_OTEL_WRITE_SCREENSHOT=1).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/index.js';
import { int, usd } from '../../src/dashboard/page/format.js';
import { runCcOtel, describeCcOtel } from '../helpers/cc-otel.js';
import { describeRun, REPO_ROOT, runClaude } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi } from '../helpers/mock-model-api.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { logsRequest, metricsRequest, post } from '../unit/report/fixtures.js';

const CHROMIUM = process.env.CC_OTEL_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI !== 'true') console.warn(`dashboard.e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

const XSS_ENGINEER = '<img src=x onerror="window.__xss=1;alert(1)">';
const XSS_ERROR = '<img src=x onerror="window.__xss=2;alert(2)"><script>window.__xss=3</script>';
const DAY = 86_400_000;

interface ReportJson {
  rows: Array<{ key: string; costUsd: number }>;
  totals: { sessions: number; costUsd: number; tokens: { total: number; input: number }; apiErrors: number };
}

describe.skipIf(!haveBrowser && process.env.CI !== 'true')('the dashboard in a real browser', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;
  let collector: RunningCollector;
  let root: string;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const offOrigin: string[] = [];
  const dialogs: string[] = [];
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  const today = () => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  const report = async (...args: string[]): Promise<ReportJson> => {
    const r = await runCcOtel(['report', '--json', '--data-dir', dataDir, ...args], { env: { HOME: join(root, 'home-ada') } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    return JSON.parse(r.stdout) as ReportJson;
  };
  const figure = (id: string) => page.$eval(`[data-figure="${id}"] .value`, (e) => e.textContent);
  const figures = async () => ({ cost: await figure('cost'), tokens: await figure('tokens'), sessions: await figure('sessions'), apiErrors: await figure('api-errors') });
  const expected = (r: ReportJson) => ({ cost: usd(r.totals.costUsd), tokens: int(r.totals.tokens.total), sessions: int(r.totals.sessions), apiErrors: int(r.totals.apiErrors) });
  /** do something that refreshes the page, and wait for that refresh to be drawn */
  const refreshed = async (act: () => Promise<unknown>) => {
    const before = await page.evaluate(() => document.body.dataset.ready ?? '');
    await act();
    await page.waitForFunction((b) => document.body.dataset.ready !== undefined && document.body.dataset.ready !== b, { timeout: 15_000 }, before);
  };

  beforeAll(async () => {
    if (!haveBrowser) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (CI=true needs it)`);
    const dir = makeTempDir('cc-otel-e2e-dashboard');
    cleanups.push(() => dir.cleanup());
    root = dir.path;
    dataDir = join(root, 'data');
    api = await startMockModelApi({
      bashCommand: 'echo dashboard-e2e',
      usage: { input_tokens: 1500, output_tokens: 420, cache_read_input_tokens: 6000, cache_creation_input_tokens: 90 },
    });
    collector = await startCollector({ dataDir, httpPort: 0, grpcPort: null, writeState: false });
    cleanups.push(() => api.close(), () => collector.close());

    // two people, two teams: real Claude Code sessions through `cc-otel install`
    for (const [user, team] of [['ada', 'platform'], ['bob', 'web']] as const) {
      const home = join(root, `home-${user}`);
      writeTree(root, {
        [`proj-${user}/.keep`]: '',
        [`home-${user}/.config/cc-otel/config.json`]: JSON.stringify({
          backend: 'local',
          endpoint: collector.httpUrl,
          team,
          org: 'acme',
          intervals: { metricsMs: 1000, logsMs: 1000, tracesMs: 1000 },
          events: { ship: false },
        }),
      });
      const env = { HOME: home, USER: user };
      const install = await runCcOtel(['install', '--scope', 'user'], { cwd: join(root, `proj-${user}`), env });
      expect(install.code, describeCcOtel(install)).toBe(0);
      const run = await runClaude({ home, cwd: join(root, `proj-${user}`), prompt: 'run it', modelApiUrl: api.url, env: { USER: user } });
      expect(run.code, describeRun(run)).toBe(0);
    }
    const handedOut = api.totals();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await report('--since', 'all');
      if (r.totals.tokens.input === handedOut.input_tokens && r.totals.sessions === 2) break;
      if (Date.now() > deadline) throw new Error(`the sessions did not reach the collector: ${JSON.stringify(r.totals)}`);
      await new Promise((res) => setTimeout(res, 300));
    }

    // untrusted values, sent by OTLP as anything that reaches the port could: an engineer 3 days
    // ago (so "7 days" differs from "today") and an API error now
    const T = Date.now() - 3 * DAY;
    const attrs = { engineer: XSS_ENGINEER, team: 'web', 'session.id': 'xss-1', model: 'claude-opus-4-5' };
    expect(
      await post(collector.httpUrl, 'metrics', metricsRequest({ 'service.name': 'claude-code', engineer: XSS_ENGINEER, team: 'web' }, [
        { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs, start: T - 60_000, time: T, value: 1.25 }] },
        { name: 'claude_code.token.usage', unit: 'tokens', temporality: 'delta', points: [{ attrs: { ...attrs, type: 'input' }, start: T - 60_000, time: T, value: 40_000 }] },
      ])),
    ).toBe(200);
    expect(
      await post(collector.httpUrl, 'logs', logsRequest({ 'service.name': 'claude-code', engineer: XSS_ENGINEER, team: 'web' }, [
        { name: 'api_error', time: Date.now() - 1000, attrs: { 'session.id': 'xss-1', model: 'claude-opus-4-5', error: XSS_ERROR, status_code: 529 } },
      ])),
    ).toBe(200);

    // and some history (8 to 20 days ago: in "30 days", not in "7 days"), so the charts have days to draw
    const people = [['grace', 'platform', 'claude-opus-4-5'], ['linus', 'web', 'claude-sonnet-4-5'], ['ada', 'platform', 'claude-haiku-4-5']] as const;
    for (let d = 8; d <= 20; d++) {
      for (const [i, [engineer, team, model]] of people.entries()) {
        if ((d + i) % 4 === 0) continue;
        const t = Date.now() - d * DAY;
        const a = { engineer, team, model, 'session.id': `${engineer}-${d}` };
        const scale = 1 + ((d * 7 + i * 3) % 5);
        expect(
          await post(collector.httpUrl, 'metrics', metricsRequest({ 'service.name': 'claude-code', engineer, team }, [
            { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs: a, start: t - 60_000, time: t, value: 0.4 * scale * (3 - i) }] },
            { name: 'claude_code.token.usage', unit: 'tokens', temporality: 'delta', points: [{ attrs: { ...a, type: 'input' }, start: t - 60_000, time: t, value: 20_000 * scale }, { attrs: { ...a, type: 'cacheRead' }, start: t - 60_000, time: t, value: 90_000 * scale }] },
            { name: 'claude_code.lines_of_code.count', unit: '', temporality: 'delta', points: [{ attrs: { ...a, type: 'added' }, start: t - 60_000, time: t, value: 30 * scale }] },
            { name: 'claude_code.commit.count', unit: '', temporality: 'delta', points: [{ attrs: a, start: t - 60_000, time: t, value: scale % 3 }] },
          ])),
        ).toBe(200);
      }
    }

    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    cleanups.push(() => browser.close());
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const origin = new URL(collector.httpUrl).origin;
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const url = req.url();
      // data: is no request (Chromium's own date-picker icon is one)
      if (url.startsWith(`${origin}/`) || url === origin || url.startsWith('data:')) void req.continue();
      else {
        offOrigin.push(url);
        void req.abort();
      }
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${collector.httpUrl}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready !== undefined, { timeout: 15_000 });
  }, 240_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('shows the cost, tokens, sessions and API errors `report --json` prints for today', async () => {
    const r = await report('--since', today());
    expect(r.totals.sessions).toBe(3); // ada's, bob's, and the session of the API error sent by OTLP
    expect(r.totals.costUsd).toBeGreaterThan(0);
    expect(await figures()).toEqual(expected(r));
    // the engineer table has the report's rows
    const keys = await page.$$eval('#table tbody td.key', (tds) => tds.map((t) => t.textContent));
    expect(keys.sort()).toEqual(r.rows.map((x) => x.key).sort());
    // no session bridge has exported here: no live panel
    expect(await page.$eval('#live', (e) => (e as HTMLElement).hidden)).toBe(true);
  });

  it('a filter and a range change the figures as the API and `report --json` say', async () => {
    await refreshed(() => page.select('#filters select[name="team"]', 'platform'));
    const platform = await report('--since', today(), '--team', 'platform');
    expect(platform.totals.sessions).toBe(1);
    expect(await figures()).toEqual(expected(platform));
    expect(await page.$$eval('#table tbody td.key', (tds) => tds.map((t) => t.textContent))).toEqual(['ada']);

    await refreshed(() => page.select('#filters select[name="team"]', ''));
    await refreshed(() => page.click('[data-range="7d"]'));
    const week = await report('--since', '7d');
    const day = await report('--since', today());
    expect(week.totals.costUsd).toBeCloseTo(day.totals.costUsd + 1.25, 9);
    expect(await figures()).toEqual(expected(week));
    // a custom range: from 3 days ago to yesterday (local days) holds only the OTLP-sent cost
    const iso = (ms: number) => {
      const d = new Date(ms);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    await page.click('[data-range="custom"]');
    await page.$eval('#from', (e, v) => ((e as HTMLInputElement).value = v), iso(Date.now() - 3 * DAY));
    await page.$eval('#to', (e, v) => ((e as HTMLInputElement).value = v), iso(Date.now() - DAY));
    await refreshed(() => page.click('#apply'));
    const custom = await report('--since', iso(Date.now() - 3 * DAY), '--until', today());
    expect(custom.totals.costUsd).toBe(1.25);
    expect(await figures()).toEqual(expected(custom));
    await refreshed(() => page.click('[data-range="7d"]'));
    // the page's own request says the same as the CLI
    const fromApi = await page.evaluate(async (since) => (await (await fetch(`/api/report?since=${since}`)).json()) as { totals: { costUsd: number } }, Date.now() - 7 * DAY);
    expect(fromApi.totals.costUsd).toBeCloseTo(week.totals.costUsd, 9);
  });

  it('tables sort by the column clicked, and switch between engineer, team, model and session', async () => {
    const column = (i: number) => page.$$eval(`#table tbody tr td:nth-child(${i})`, (tds) => tds.map((t) => t.textContent ?? ''));
    const num = (xs: string[]) => xs.map((x) => Number(x.replace(/[$,%]/g, '')));
    await page.click('#table th[data-col="tokens"]'); // descending first
    const desc = num(await column(4));
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.click('#table th[data-col="tokens"]');
    expect(num(await column(4))).toEqual([...desc].reverse());
    expect(await page.$eval('#table th[data-col="tokens"]', (e) => e.getAttribute('aria-sort'))).toBe('ascending');
    for (const by of ['team', 'model', 'session'] as const) {
      await page.click(`[data-table="${by}"]`);
      const keys = await page.$$eval('#table tbody td.key', (tds) => tds.map((t) => t.textContent));
      expect(keys.sort(), by).toEqual((await report('--since', '7d', '--by', by)).rows.map((r) => r.key).sort());
    }
    await page.click('[data-table="engineer"]');
    await page.click('#table th[data-col="cost"]');
  });

  it('an attribute value <img src=x onerror=…> shows as text and runs nothing', async () => {
    // in the engineer table (7 days), in the filter's options, and in the recent API errors
    const keys = await page.$$eval('#table tbody td.key', (tds) => tds.map((t) => t.textContent));
    expect(keys).toContain(XSS_ENGINEER);
    const options = await page.$$eval('#filters select[name="engineer"] option', (os) => os.map((o) => o.textContent));
    expect(options).toContain(XSS_ENGINEER);
    const recent = await page.$eval('#recent tbody', (t) => t.textContent ?? '');
    expect(recent).toContain(XSS_ERROR);
    expect(await page.evaluate(() => document.body.innerText)).toContain(XSS_ENGINEER);
    // filtering by it works like any name
    await refreshed(() => page.select('#filters select[name="engineer"]', XSS_ENGINEER));
    expect(await figures()).toEqual(expected(await report('--since', '7d', '--engineer', XSS_ENGINEER)));
    expect(await figure('cost')).toBe(usd(1.25));
    // nothing ran
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.evaluate(() => document.querySelectorAll('img, main script, #recent script').length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await refreshed(() => page.select('#filters select[name="engineer"]', ''));
  });

  it('the live sessions panel appears once the store has the session bridge\'s cc.sessions.* gauges', async () => {
    const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
    const t = String(BigInt(Date.now() - 5000) * 1_000_000n);
    const gauge = (name: string, points: Array<[Record<string, string>, number]>) => ({ name, gauge: { dataPoints: points.map(([a, v]) => ({ attributes: kv(a), timeUnixNano: t, asInt: String(v) })) } });
    expect(
      await post(collector.httpUrl, 'metrics', {
        resourceMetrics: [
          {
            resource: { attributes: kv({ 'service.name': 'cc-otel', engineer: 'ada', team: 'platform' }) },
            scopeMetrics: [{ metrics: [gauge('cc.sessions.active', [[{ project: 'api', version: '2.1.197' }, 2], [{ project: XSS_ENGINEER, version: '2.1.197' }, 1]]), gauge('cc.sessions.stale', [[{}, 1]])] }],
          },
        ],
      }),
    ).toBe(200);
    await refreshed(() => page.click('[data-range="today"]'));
    expect(await page.$eval('#live', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await page.$eval('[data-live="cc.sessions.active"] .value', (e) => e.textContent)).toBe('3');
    expect(await page.$eval('[data-live="cc.sessions.stale"] .value', (e) => e.textContent)).toBe('1');
    const live = await page.$$eval('#live-sessions tbody tr', (trs) => trs.map((tr) => tr.textContent));
    expect(live).toEqual([`project=api  version=2.1.197${'2'}`, `project=${XSS_ENGINEER}  version=2.1.197${'1'}`]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // a filter the bridge's resource does not match leaves the panel out again
    await refreshed(() => page.select('#filters select[name="team"]', 'web'));
    expect(await page.$eval('#live', (e) => (e as HTMLElement).hidden)).toBe(true);
    await refreshed(() => page.select('#filters select[name="team"]', ''));
  });

  it('asks nothing of any host but the collector, breaks no CSP rule, and draws; a screenshot is taken', async () => {
    await refreshed(() => page.click('[data-range="30d"]'));
    expect(await page.$$eval('.uplot', (c) => c.length)).toBe(2); // both charts drawn
    expect(offOrigin).toEqual([]);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
    const path = process.env.CC_OTEL_WRITE_SCREENSHOT === '1' ? join(REPO_ROOT, 'docs', 'img', 'dashboard.png') : join(root, 'dashboard.png');
    await page.screenshot({ path, fullPage: true });
    expect(statSync(path).size).toBeGreaterThan(20_000);
  });
});
