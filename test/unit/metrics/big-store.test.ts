// GET /metrics over a big store does not hold up the collector's event loop: the first scrape
// reads ~400k stored points in time slices (yielding every 10 ms), and the next scrape reads only
// what was appended since.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { ingest } from '../../../src/collector/ingest.js';
import { Store } from '../../../src/collector/store.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { metricsRequest, post, type Pt } from '../report/fixtures.js';

const dirs: TempDir[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) d.cleanup();
});

const T0 = Date.UTC(2025, 5, 10, 9, 0, 0);
const REQUESTS = 400;
const SERIES = 100;
const PER_SERIES = 10; // points of each series per request: 1,000 points a request

function request(i: number): Record<string, unknown> {
  const points: Pt[] = [];
  for (let s = 0; s < SERIES; s++) {
    for (let k = 0; k < PER_SERIES; k++) {
      const t = T0 + (i * PER_SERIES + k) * 1000;
      points.push({ attrs: { 'session.id': `s${s}`, type: 'input', model: 'opus' }, start: t - 1000, time: t, value: 1 });
    }
  }
  return metricsRequest({ engineer: 'ada' }, [{ name: 'claude_code.token.usage', unit: 'tokens', temporality: 'delta', points }]);
}

async function scrape(c: RunningCollector): Promise<{ total: number; ms: number; maxDelayMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t = performance.now();
  const text = await (await fetch(`${c.httpUrl}/metrics`)).text();
  const ms = performance.now() - t;
  h.disable();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('claude_code_token_usage_tokens_total{')) total += Number(line.split(' ').pop());
  return { total, ms, maxDelayMs: h.max / 1e6 };
}

describe('GET /metrics over a big store', () => {
  it('reads 400,000 points in slices (the event loop keeps turning), then only what was appended', { timeout: 120_000 }, async () => {
    const d = makeTempDir('cc-otel-metrics-big');
    dirs.push(d);
    const store = await Store.open({ dataDir: d.path, durable: false });
    for (let i = 0; i < REQUESTS; i++) await ingest(store, 'metrics', Buffer.from(JSON.stringify(request(i))), 'json');
    await store.close();
    const c = await startCollector({ dataDir: d.path, httpPort: 0, grpcPort: null, writeState: false, durable: false });
    running.push(c);
    await new Promise((r) => setTimeout(r, 500)); // the collector's start (it loads the serializer then)

    const first = await scrape(c);
    expect(first.total).toBe(REQUESTS * SERIES * PER_SERIES);
    expect(first.maxDelayMs).toBeLessThan(Math.max(100, first.ms / 3));

    expect(await post(c.httpUrl, 'metrics', request(REQUESTS))).toBe(200);
    const second = await scrape(c);
    expect(second.total).toBe((REQUESTS + 1) * SERIES * PER_SERIES);
    expect(second.ms).toBeLessThan(first.ms / 3); // one request's frame, not the store again
  });
});
