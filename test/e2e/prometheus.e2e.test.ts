// Issue 15's proof: real Claude Code sessions (two engineers, each writing a file, committing it and
// opening a PR through the mock model API; one more run the API refuses: an api_error) export to the installed `cc-otel collect`; a real
// Prometheus (Debian's) scrapes its GET /metrics; then
//  - sum(claude_code_cost_usage_USD_total) and the token sums by type equal `cc-otel report --json`;
//  - `promtool check metrics` accepts what /metrics serves;
//  - every query of every panel of the shipped Grafana dashboard (variables = all) returns data,
//    the bridge's cc_sessions_* panels with gauges fed by OTLP as `cc-otel bridge` sends them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { describeRun, REPO_ROOT, runClaude } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi, type MockReply } from '../helpers/mock-model-api.js';
import { run, startPrometheus, tool, type RunningPrometheus } from '../helpers/prometheus.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const prometheus = tool('prometheus', 'prometheus');
const promtool = tool('promtool', 'prometheus');

interface Collect {
  child: ChildProcess;
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** The installed `cc-otel collect` on a free port, in the foreground. */
async function startCollect(dataDir: string, home: string): Promise<Collect> {
  const child = spawn(CC_OTEL_BIN, ['collect', '--port', '0', '--no-grpc', '--data-dir', dataDir], { env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`cc-otel collect did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /http http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => reject(new Error(`cc-otel collect exited:\n${out}`)));
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe.skipIf(!prometheus.present || !promtool.present)('Prometheus scrapes cc-otel collect after real Claude Code sessions', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;
  let collect: Collect;
  let prom: RunningPrometheus;
  let root: string;
  let report: { totals: { costUsd: number; tokens: Record<'input' | 'output' | 'cacheRead' | 'cacheCreation' | 'total', number>; commits: number; pullRequests: number; apiErrors: number; linesAdded: number; sessions: number } };

  beforeAll(async () => {
    const dir = makeTempDir('cc-otel-e2e-prometheus');
    cleanups.push(() => dir.cleanup());
    root = dir.path;
    writeTree(root, {
      'bin/gh': { content: '#!/bin/sh\necho https://github.com/acme/app/pull/7\n', mode: 0o755 },
      'collector-home/.keep': '',
    });
    api = await startMockModelApi({
      usage: { input_tokens: 1200, output_tokens: 345, cache_read_input_tokens: 5000, cache_creation_input_tokens: 77 },
      script: (req) => {
        // a prompt the API refuses: Claude Code reports an api_error event (and fails that run)
        if (JSON.stringify(req.body).includes('PLEASE-REFUSE')) return { error: { status: 400, type: 'invalid_request_error', message: 'refused by the test' } };
        const body = req.body as { tools?: Array<{ name?: string }>; messages?: Array<{ content?: unknown }> };
        if (!(body.tools ?? []).some((t) => t.name === 'Bash')) return undefined; // a side call
        const done = (body.messages ?? []).reduce((n, m) => n + (Array.isArray(m.content) ? (m.content as Array<{ type?: string }>).filter((b) => b?.type === 'tool_result').length : 0), 0);
        const cwd = /WORKDIR=([^\s"\\]+)/.exec(JSON.stringify(body.messages ?? []))?.[1] ?? '.';
        const use = (name: string, input: Record<string, unknown>): MockReply => ({
          kind: 'tool_use',
          stopReason: 'tool_use',
          content: [{ type: 'tool_use', id: `toolu_e2e_${req.index}`, name, input }],
        });
        if (done === 0) return use('Write', { file_path: join(cwd, 'hello.txt'), content: 'one\ntwo\nthree\n' });
        if (done === 1) return use('Bash', { command: 'git add hello.txt && git commit -q -m "add hello"' });
        if (done === 2) return use('Bash', { command: 'gh pr create --title hello --body hello' });
        return { kind: 'final_text' };
      },
    });
    cleanups.push(() => api.close());
    collect = await startCollect(join(root, 'data'), join(root, 'collector-home'));
    cleanups.push(() => collect.stop());

    for (const [who, team] of [
      ['ada', 'platform'],
      ['bob', 'web'],
    ] as const) {
      const home = join(root, `home-${who}`);
      const proj = join(root, `proj-${who}`);
      writeTree(root, {
        [`proj-${who}/README.md`]: 'x\n',
        [`home-${who}/.gitconfig`]: `[user]\n\tname = ${who}\n\temail = ${who}@example.com\n[init]\n\tdefaultBranch = main\n`,
        [`home-${who}/.config/cc-otel/config.json`]: JSON.stringify({
          backend: 'local',
          endpoint: collect.url,
          team,
          org: 'acme',
          intervals: { metricsMs: 1000, logsMs: 1000, tracesMs: 1000 },
          events: { ship: false },
        }),
      });
      const env = { HOME: home, USER: who };
      expect(run('git', ['init', '-q'], { cwd: proj, env: { ...process.env, HOME: home } }).code).toBe(0);
      const install = await runCcOtel(['install', '--scope', 'user'], { cwd: proj, env });
      expect(install.code, describeCcOtel(install)).toBe(0);
      const r = await runClaude({
        home,
        cwd: proj,
        prompt: `write hello.txt, commit it and open a PR. WORKDIR=${proj}`,
        modelApiUrl: api.url,
        env: { USER: who, PATH: `${join(root, 'bin')}:${process.env.PATH}` },
        args: ['--allowedTools', 'Write', '--permission-mode', 'acceptEdits'],
        timeoutMs: 90_000,
      });
      expect(r.code, describeRun(r)).toBe(0);
      if (who === 'bob') {
        const refused = await runClaude({ home, cwd: proj, prompt: 'PLEASE-REFUSE', modelApiUrl: api.url, env: { USER: who }, timeoutMs: 60_000 });
        expect(refused.code, describeRun(refused)).not.toBe(0);
      }
    }
    const handedOut = api.totals();
    // Claude Code flushes at exit; wait until the collector holds every token handed out.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await runCcOtel(['report', '--json', '--data-dir', collect.dataDir, '--since', 'all'], { cwd: root, env: { HOME: join(root, 'collector-home') } });
      expect(r.code, describeCcOtel(r)).toBe(0);
      report = JSON.parse(r.stdout);
      if (report.totals.tokens.input === handedOut.input_tokens || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 300));
    }
    expect(report.totals.tokens.input).toBe(handedOut.input_tokens);

    // the bridge's gauges and counter (issue 14's `cc-otel bridge` sends these by OTLP)
    const now = BigInt(Date.now()) * 1_000_000n;
    const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const gauge = (name: string, v: number) => ({ name, unit: '{session}', gauge: { dataPoints: [{ timeUnixNano: String(now), asInt: String(v) }] } });
    const bridge = {
      resourceMetrics: [
        {
          resource: { attributes: [str('service.name', 'cc-otel-bridge'), str('engineer', 'ada'), str('team', 'platform'), str('org', 'acme')] },
          scopeMetrics: [{ scope: { name: 'cc-otel-bridge' }, metrics: [gauge('cc.sessions.active', 1), gauge('cc.sessions.stale', 0), gauge('cc.sessions.silent', 1)] }],
        },
      ],
    };
    const sent = await fetch(`${collect.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bridge) });
    expect(sent.status).toBe(200);

    prom = await startPrometheus(prometheus.path, [`127.0.0.1:${collect.port}`]);
    cleanups.push(() => prom.close());
    await prom.scraped(3);
    // rate()/increase() need two samples of each series in their window: wait for three
    for (const deadline = Date.now() + 20_000; ; ) {
      const n = await prom.query('min(count_over_time(claude_code_token_usage_tokens_total[1m]))');
      if ((n[0]?.value ?? 0) >= 3) break;
      if (Date.now() > deadline) throw new Error(`prometheus has too few samples: ${JSON.stringify(n)}\n${prom.log()}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }, 240_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('sum(claude_code_cost_usage_USD_total) and the token sums by type equal report --json', async () => {
    const cost = await prom.query('sum(claude_code_cost_usage_USD_total)');
    expect(cost).toHaveLength(1);
    expect(report.totals.costUsd).toBeGreaterThan(0);
    expect(cost[0]!.value).toBeCloseTo(report.totals.costUsd, 9);
    const tokens = await prom.query('sum by (type) (claude_code_token_usage_tokens_total)');
    const byType = Object.fromEntries(tokens.map((s) => [s.metric.type, s.value]));
    expect(byType).toEqual({
      input: report.totals.tokens.input,
      output: report.totals.tokens.output,
      cacheRead: report.totals.tokens.cacheRead,
      cacheCreation: report.totals.tokens.cacheCreation,
    });
    // the sessions wrote, committed and opened a PR: the productivity counters are there too, and agree with report
    const one = async (q: string) => (await prom.query(q))[0]?.value;
    expect(await one('sum(claude_code_commit_count_total)')).toBe(report.totals.commits);
    expect(report.totals.commits).toBe(2);
    expect(await one('sum(claude_code_pull_request_count_total)')).toBe(report.totals.pullRequests);
    expect(await one('sum(claude_code_lines_of_code_count_total{type="added"})')).toBe(report.totals.linesAdded);
    expect(await one('sum(claude_code_code_edit_tool_decision_total{decision="accept"})')).toBe(2);
    const byEngineer = await prom.query('sum by (engineer, team, org) (claude_code_session_count_total)');
    expect(byEngineer.map((s) => s.metric).sort((a, b) => (a.engineer! < b.engineer! ? -1 : 1))).toEqual([
      { engineer: 'ada', team: 'platform', org: 'acme' },
      { engineer: 'bob', team: 'web', org: 'acme' },
    ]);
  });

  it('promtool check metrics accepts GET /metrics', async () => {
    const text = await (await fetch(`${collect.url}/metrics`)).text();
    expect(text).toContain('# TYPE claude_code_cost_usage_USD_total counter');
    const check = run(promtool.path, ['check', 'metrics'], { input: text });
    expect(check.code, `${check.stdout}${check.stderr}`).toBe(0);
  });

  it("the README's PromQL to paste runs and returns data", async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /```promql\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const queries = block!.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries) expect((await prom.query(q)).length, q).toBeGreaterThan(0);
    expect((await prom.query(queries[0]!)).map((x) => x.metric.engineer).sort()).toEqual(['ada', 'bob']);
  });

  it('every query of every panel of dashboards/grafana/claude-code.json returns data (variables = all)', async () => {
    interface Panel {
      type: string;
      title: string;
      panels?: Panel[];
      targets?: Array<{ expr: string }>;
    }
    const dash = JSON.parse(readFileSync(join(REPO_ROOT, 'dashboards/grafana/claude-code.json'), 'utf8')) as { panels: Panel[]; templating: { list: Array<{ name: string }> } };
    expect(dash.templating.list.map((v) => v.name)).toEqual(['datasource', 'engineer', 'team', 'org', 'model']);
    const all = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
    expect(all.length).toBeGreaterThan(25);
    const values = new Map<string, number>();
    for (const p of all) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) {
        const expr = t.expr
          .replace(/\$(engineer|team|org|model)\b/g, '.*')
          .replace(/\$__range\b/g, '1h')
          .replace(/\$__rate_interval\b/g, '1m')
          .replace(/\$__interval\b/g, '15s');
        expect(expr, p.title).not.toContain('$');
        const r = await prom.query(expr);
        expect(r.length, `${p.title}: ${expr} returned no data`).toBeGreaterThan(0);
        for (const x of r) expect(Number.isNaN(x.value), `${p.title}: NaN`).toBe(false);
        if (r.length === 1) values.set(p.title, r[0]!.value);
      }
    }
    // what the stats show is what report says
    expect(values.get('Cost')).toBeCloseTo(report.totals.costUsd, 9);
    expect(values.get('Tokens')).toBe(report.totals.tokens.total);
    expect(values.get('Sessions')).toBe(3);
    expect(values.get('Active engineers')).toBe(2);
    expect(values.get('Commits')).toBe(report.totals.commits);
    expect(values.get('Pull requests')).toBe(report.totals.pullRequests);
    expect(values.get('Edit acceptance rate')).toBe(1);
    expect(values.get('Cache hit ratio')).toBeCloseTo(report.totals.tokens.cacheRead / (report.totals.tokens.cacheRead + report.totals.tokens.cacheCreation + report.totals.tokens.input), 9);
    expect(values.get('Cost per commit')).toBeCloseTo(report.totals.costUsd / report.totals.commits, 9);
    expect(values.get('Live sessions')).toBe(1);
    expect(report.totals.apiErrors).toBeGreaterThan(0);
    const errors = await prom.query('sum(cc_otel_events_total{event_name="api_error"})');
    expect(errors[0]?.value).toBe(report.totals.apiErrors);
    expect(values.get('Silent sessions')).toBe(1);
  });
});
