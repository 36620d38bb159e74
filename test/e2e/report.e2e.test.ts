// Issue 6's proof: the real Claude Code exports to `cc-otel collect` (wired by `cc-otel install`
// with the `local` preset in a temp HOME), and `cc-otel report --json` shows that session with the
// token totals the mock model API handed out and the cost Claude Code itself reported.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRequests, startCollector, type RunningCollector } from '../../src/collector/index.js';
import { runCcOtel, describeCcOtel } from '../helpers/cc-otel.js';
import { describeRun, runClaude } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi } from '../helpers/mock-model-api.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

interface AnyValue {
  stringValue?: string;
  doubleValue?: number;
  intValue?: string | number;
}

/** Sum of `cost_usd` over Claude Code's own api_request events, as stored by the collector. */
function reportedCost(dataDir: string): { cost: number; requests: number } {
  let cost = 0;
  let requests = 0;
  for (const r of readRequests(dataDir, 'logs')) {
    for (const rl of (r.request.resourceLogs ?? []) as Array<Record<string, unknown>>) {
      for (const sl of (rl.scopeLogs ?? []) as Array<Record<string, unknown>>) {
        for (const rec of (sl.logRecords ?? []) as Array<{ attributes?: Array<{ key: string; value: AnyValue }> }>) {
          const attrs = new Map((rec.attributes ?? []).map((a) => [a.key, a.value]));
          if (attrs.get('event.name')?.stringValue !== 'api_request') continue;
          const v = attrs.get('cost_usd');
          const n = v?.doubleValue ?? Number(v?.stringValue ?? v?.intValue);
          if (Number.isFinite(n)) {
            cost += n;
            requests++;
          }
        }
      }
    }
  }
  return { cost, requests };
}

describe('cc-otel report over a real Claude Code session', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;
  let collector: RunningCollector;
  let root: string;

  beforeAll(async () => {
    const dir = makeTempDir('cc-otel-e2e-report');
    cleanups.push(() => dir.cleanup());
    root = dir.path;
    api = await startMockModelApi({
      bashCommand: 'echo report-e2e',
      usage: { input_tokens: 1200, output_tokens: 345, cache_read_input_tokens: 5000, cache_creation_input_tokens: 77 },
    });
    collector = await startCollector({ dataDir: join(root, 'data'), httpPort: 0, grpcPort: null, writeState: false });
    cleanups.push(() => api.close(), () => collector.close());
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('report --json totals equal the tokens the model API handed out and the cost Claude Code reported', async () => {
    const home = join(root, 'home');
    const proj = join(root, 'proj');
    const dataDir = join(root, 'data');
    writeTree(root, {
      'proj/.keep': '',
      'home/.config/cc-otel/config.json': JSON.stringify({
        backend: 'local',
        endpoint: collector.httpUrl,
        team: 'platform',
        org: 'acme',
        intervals: { metricsMs: 1000, logsMs: 1000, tracesMs: 1000 },
        events: { ship: false },
      }),
    });
    const env = { HOME: home, USER: 'ada' };
    const install = await runCcOtel(['install', '--scope', 'user'], { cwd: proj, env });
    expect(install.code, describeCcOtel(install)).toBe(0);

    const run = await runClaude({ home, cwd: proj, prompt: 'run it', modelApiUrl: api.url, env: { USER: 'ada' } });
    expect(run.code, describeRun(run)).toBe(0);
    const handedOut = api.totals();
    expect(handedOut.input_tokens).toBeGreaterThan(0);

    // Claude Code flushes at exit; give the collector a moment to have everything on disk.
    const deadline = Date.now() + 15_000;
    let report: { totals: { sessions: number; tokens: Record<string, number>; costUsd: number }; rows: Array<{ key: string }> } | undefined;
    while (Date.now() < deadline) {
      const r = await runCcOtel(['report', '--json', '--data-dir', dataDir, '--by', 'engineer'], { cwd: proj, env });
      expect(r.code, describeCcOtel(r)).toBe(0);
      report = JSON.parse(r.stdout);
      if (report?.totals.tokens.input === handedOut.input_tokens) break;
      await new Promise((res) => setTimeout(res, 300));
    }
    expect(report?.totals.tokens).toMatchObject({
      input: handedOut.input_tokens,
      output: handedOut.output_tokens,
      cacheRead: handedOut.cache_read_input_tokens,
      cacheCreation: handedOut.cache_creation_input_tokens,
    });
    expect(report?.totals.sessions).toBe(1);
    expect(report?.rows.map((r) => r.key)).toEqual(['ada']);

    const reported = reportedCost(dataDir);
    expect(reported.requests, 'Claude Code reported api_request events with cost_usd').toBeGreaterThan(0);
    expect(reported.cost).toBeGreaterThan(0);
    expect(report?.totals.costUsd).toBeCloseTo(reported.cost, 9);
  });

  it('after a project-scope install, report --by engineer names the person once: by the engineer their SessionStart hook recorded, not by user.id', async () => {
    const own = await startCollector({ dataDir: join(root, 'data-project'), httpPort: 0, grpcPort: null, writeState: false });
    cleanups.push(() => own.close());
    const home = join(root, 'home-project');
    const proj = join(root, 'proj-project');
    writeTree(root, {
      'home-project/.keep': '',
      'proj-project/.cc-otel.json': JSON.stringify({ backend: 'local', endpoint: own.httpUrl, intervals: { metricsMs: 1000, logsMs: 1000, tracesMs: 1000 } }),
    });
    const env = { HOME: home, USER: 'ada' };
    trustProject(proj, env);
    const install = await runCcOtel(['install', '--scope', 'project'], { cwd: proj, env });
    expect(install.code, describeCcOtel(install)).toBe(0);
    expect(install.stderr).toContain('left engineer=ada'); // the shared file carries no engineer

    const run = await runClaude({ home, cwd: proj, prompt: 'run it', modelApiUrl: api.url, env: { USER: 'ada' } });
    expect(run.code, describeRun(run)).toBe(0);

    const deadline = Date.now() + 15_000;
    let rows: Array<{ key: string; engineerSource: string; costUsd: number }> = [];
    while (Date.now() < deadline) {
      // the hook's event reaches the collector through the shipper (the hook starts one; flush waits for it)
      const flush = await runCcOtel(['flush'], { cwd: proj, env });
      expect(flush.code, describeCcOtel(flush)).toBe(0);
      const r = await runCcOtel(['report', '--json', '--data-dir', own.dataDir, '--by', 'engineer', '--since', 'all'], { cwd: proj, env });
      expect(r.code, describeCcOtel(r)).toBe(0);
      rows = (JSON.parse(r.stdout) as { rows: typeof rows }).rows;
      if (rows.length === 1 && rows[0]!.engineerSource === 'session-start-hook' && rows[0]!.costUsd > 0) break;
      await new Promise((res) => setTimeout(res, 300));
    }
    expect(rows).toEqual([expect.objectContaining({ key: 'ada', engineerSource: 'session-start-hook', engineerSources: ['session-start-hook'] })]);
  });
});
