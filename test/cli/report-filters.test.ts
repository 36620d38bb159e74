// `cc-otel report` (the packed artifact) with the filters and per-day split the dashboard reads
// through the same report code: --team/--model/… narrow the data, --daily splits rows by day.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/collector.js';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir } from '../helpers/tmp.js';
import { metricsRequest, post } from '../unit/report/fixtures.js';

const tmp = makeTempDir('cc-otel-report-filters');
let collector: RunningCollector;
const dataDir = join(tmp.path, 'data');
beforeAll(async () => {
  collector = await startCollector({ dataDir, httpPort: 0, grpcPort: null, writeState: false });
});
afterAll(async () => {
  await collector.close();
  tmp.cleanup();
});

const T0 = Date.UTC(2025, 5, 10, 9, 0, 0);
const cost = (resource: Record<string, string>, model: string, time: number, value: number) =>
  metricsRequest({ 'service.name': 'claude-code', ...resource }, [
    { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs: { ...resource, model, 'session.id': `${resource.engineer}-1` }, start: time - 1000, time, value } ] },
  ]);

describe('cc-otel report filters and --daily (real process)', () => {
  test('--team/--model/--engineer narrow the rows and totals; --daily adds days; --daily without --json is a usage error', async () => {
    expect(await post(collector.httpUrl, 'metrics', cost({ engineer: 'ada', team: 'core' }, 'opus', T0, 1))).toBe(200);
    expect(await post(collector.httpUrl, 'metrics', cost({ engineer: 'ada', team: 'core' }, 'sonnet', T0 + 86_400_000, 0.5))).toBe(200);
    expect(await post(collector.httpUrl, 'metrics', cost({ engineer: 'bob', team: 'web' }, 'opus', T0, 2))).toBe(200);
    const env = { HOME: join(tmp.path, 'home') };
    const report = async (...args: string[]) => {
      const r = await runCcOtel(['report', '--json', '--since', 'all', '--utc', '--data-dir', dataDir, ...args], { env });
      expect(r.code, describeCcOtel(r)).toBe(0);
      return JSON.parse(r.stdout) as { rows: Array<{ key: string; costUsd: number; days?: Array<{ key: string; costUsd: number }> }>; totals: { costUsd: number; days?: unknown[] }; filter?: object };
    };
    expect((await report('--by', 'model')).rows.map((r) => [r.key, r.costUsd])).toEqual([['opus', 3], ['sonnet', 0.5]]);
    const core = await report('--by', 'model', '--team', 'core');
    expect(core.rows.map((r) => [r.key, r.costUsd])).toEqual([['opus', 1], ['sonnet', 0.5]]);
    expect(core.filter).toEqual({ team: 'core' });
    expect((await report('--engineer', 'bob', '--model', 'opus')).totals.costUsd).toBe(2);
    expect((await report('--engineer', 'bob', '--model', 'sonnet')).rows).toEqual([]);
    const daily = await report('--by', 'engineer', '--daily');
    expect(daily.rows.find((r) => r.key === 'ada')!.days!.map((d) => [d.key, d.costUsd])).toEqual([['2025-06-10', 1], ['2025-06-11', 0.5]]);
    expect(daily.totals.days).toHaveLength(2);
    const bad = await runCcOtel(['report', '--daily', '--data-dir', dataDir], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--daily needs --json');
  });
});
