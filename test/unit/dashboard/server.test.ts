// The dashboard's routes on a real collector's HTTP port: /api/report is buildReport (what
// `cc-otel report --json` prints) for the same query; only Host 127.0.0.1/localhost is answered
// (DNS rebinding), GET only, no CORS, the page under a strict CSP; OTLP on the same port unchanged.
// The page assets come from dist/dashboard (`npm run build`).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { buildReport } from '../../../src/report/build.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { logsRequest, metricsRequest, post } from '../report/fixtures.js';

const tmp = makeTempDir('cc-otel-dashboard-server');
let c: RunningCollector;
beforeAll(async () => {
  c = await startCollector({ dataDir: tmp.path, httpPort: 0, grpcPort: null, writeState: false });
});
afterAll(async () => {
  await c.close();
  tmp.cleanup();
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: c.httpPort, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const T = Date.now() - 3_600_000;
const cost = (engineer: string, team: string, model: string, value: number) =>
  metricsRequest({ 'service.name': 'claude-code', engineer, team }, [
    { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs: { engineer, team, model, 'session.id': `${engineer}-s` }, start: T - 1000, time: T, value } ] },
  ]);

describe('dashboard routes', () => {
  it('GET /api/report answers buildReport for the same range, grouping and filters, read on as data arrives', async () => {
    expect(await post(c.httpUrl, 'metrics', cost('ada', 'core', 'opus', 1.5))).toBe(200);
    const first = await get('/api/report?since=7d&by=model');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(first.body).totals.costUsd).toBe(1.5);
    expect(await post(c.httpUrl, 'metrics', cost('bob', 'web', 'sonnet', 2))).toBe(200);
    expect(await post(c.httpUrl, 'logs', logsRequest({ engineer: 'bob', team: 'web' }, [{ name: 'api_error', time: T, attrs: { 'session.id': 'bob-s', model: 'sonnet', error: 'overloaded' } }]))).toBe(200);
    const since = Date.now() - 86_400_000;
    for (const [query, opts] of [
      [`since=${since}&by=engineer&daily=1&recent=10&values=1&tz=utc`, { since, by: 'engineer', daily: true, recent: 10, values: true, dayBoundary: 'utc' }],
      [`since=${since}&by=model&team=web`, { since, by: 'model', filter: { team: 'web' }, dayBoundary: 'local' }],
      [`by=team&engineer=ada&model=opus`, { by: 'team', filter: { engineer: 'ada', model: 'opus' }, dayBoundary: 'local' }],
    ] as const) {
      const r = await get(`/api/report?${query}`);
      expect(r.status, r.body).toBe(200);
      expect(JSON.parse(r.body)).toEqual(JSON.parse(JSON.stringify(buildReport({ dataDir: tmp.path, ...opts }))));
    }
    const web = JSON.parse((await get('/api/report?by=model&team=web')).body);
    expect(web.rows.map((r: { key: string }) => r.key)).toEqual(['sonnet']);
    expect(web.totals.apiErrors).toBe(1);
  });

  it('bad queries are 400 with the reason; unknown /api paths 404', async () => {
    const bad = await get('/api/report?by=nope');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/by="nope": expected one of engineer/);
    expect((await get('/api/report?since=yesterday')).status).toBe(400);
    expect((await get('/api/report?recent=-1')).status).toBe(400);
    expect((await get('/api/other')).status).toBe(404);
  });

  it('answers only Host 127.0.0.1, localhost or [::1] (421 for a rebinding name), GET only, and never CORS', async () => {
    for (const host of ['evil.example', 'evil.example:4318', '127.0.0.1.evil.example', '10.0.0.1:4318', 'localhost.evil.example', '[::2]:4318', '127.0.0.1.nip.io', '127.0.0.256', '127.1']) {
      for (const path of ['/', '/api/report', '/dashboard.js']) {
        const r = await get(path, { host });
        expect(r.status, `${host} ${path}`).toBe(421);
        expect(r.body).not.toContain('costUsd');
      }
    }
    for (const host of [`127.0.0.1:${c.httpPort}`, `localhost:${c.httpPort}`, 'localhost', 'LOCALHOST:1', '[::1]:4318', '127.0.0.2:80']) expect((await get('/api/report', { host })).status).toBe(200);
    const post_ = await get('/api/report', {}, 'POST');
    expect(post_.status).toBe(405);
    expect(post_.headers.allow).toBe('GET, HEAD');
    expect((await get('/api/report', {}, 'DELETE')).status).toBe(405);
    const cross = await get('/api/report', { origin: 'https://evil.example' });
    expect(cross.status).toBe(200);
    expect(Object.keys(cross.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const preflight = await get('/api/report', { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, 'OPTIONS');
    expect(preflight.status).toBe(405);
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('serves the page, one script and one style sheet, with a strict CSP and nosniff; the page has no inline script or style', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    for (const d of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/dashboard.js">']);
    expect(page.body).not.toMatch(/<script[^>]*>[^<]+<\/script>|<style|\sstyle=|\son\w+=/i);
    expect(page.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN, nothing off this machine
    const js = await get('/dashboard.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body.includes('u-legend'), 'uPlot bundled in').toBe(true);
    expect(/\.innerHTML\s*=/.test(js.body)).toBe(false);
    expect((await get('/dashboard.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('OTLP on the same port is unchanged: POST / is still the receiver\'s 404 naming the OTLP paths, GET /v1/metrics its 405', async () => {
    const r = await get('/', { 'content-type': 'application/json', accept: 'application/json' }, 'POST');
    expect(r.status).toBe(404);
    expect(r.body).toContain('use /v1/traces');
    expect((await get('/v1/metrics')).status).toBe(405);
  });
});
