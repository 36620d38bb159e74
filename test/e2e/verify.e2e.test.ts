// `cc-otel verify` (the built binary, cleared environment) against the receiver the REAL Claude Code
// has just exported to: cc-otel's own collector (`cc-otel collect`, in-process on port 0).
//  (a) after `cc-otel install --scope user` (settings env + otelHeadersHelper + SessionStart hook):
//      Claude Code's telemetry arrives, and verify passes every check and reads its probes back.
//  (b) the env-file-only setup (just the SessionStart hook): Claude Code exports nothing — and
//      verify fails on exactly that, while its own probes to the same receiver succeed.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readRequests, startCollector, type RunningCollector } from '../../src/collector/index.js';
import type { VerifyReport } from '../../src/verify/index.js';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { describeRun, runClaude, writeClaudeSettings } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi } from '../helpers/mock-model-api.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

const E2E_TIMEOUT = 90_000;
const KEY = 'sk-e2e-verify-5d4c3b2a1f0e';
const CLI = `${process.execPath} ${CC_OTEL_BIN}`;

interface Setup {
  home: string;
  proj: string;
  dataDir: string;
  collector: RunningCollector;
}

describe('cc-otel verify after a real Claude Code session', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;

  beforeAll(async () => {
    api = await startMockModelApi({ bashCommand: 'echo verify-e2e' });
    cleanups.push(() => api.close());
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function setup(name: string): Promise<Setup> {
    const dir = makeTempDir(`cc-otel-e2e-verify-${name}`);
    cleanups.push(() => dir.cleanup());
    const dataDir = join(dir.path, 'data');
    const collector = await startCollector({ dataDir, httpPort: 0, grpcPort: null, writeState: false });
    cleanups.push(() => collector.close());
    writeTree(dir.path, {
      'home/.keep': '',
      'proj/.cc-otel.json': JSON.stringify({
        backend: 'otlp',
        endpoint: collector.httpUrl,
        header: 'authorization',
        headerValue: 'Bearer {key}',
        key: ['env:E2E_KEY'],
        team: 'platform',
        intervals: { metricsMs: 1000, logsMs: 1000, tracesMs: 1000 },
      }),
      // verify.local.dataDir is a path setting: never from a project file, so it is the user's config.
      'home/.config/cc-otel/config.json': JSON.stringify({ verify: { local: { dataDir } } }),
    });
    trustProject(join(dir.path, 'proj'), { HOME: join(dir.path, 'home') }); // the user trusts the project's .cc-otel.json
    return { home: join(dir.path, 'home'), proj: join(dir.path, 'proj'), dataDir, collector };
  }

  /**
   * Requests from Claude Code's own exporter: its service.name, and not verify's probes (which use
   * the same service.name on purpose). cc-otel's hook events ship as service.name cc-otel.
   */
  function claudeRecords(dataDir: string): Record<string, number> {
    const out: Record<string, number> = { traces: 0, metrics: 0, logs: 0 };
    for (const r of readRequests(dataDir)) {
      const text = JSON.stringify(r.request);
      if (text.includes('cc_otel.probe_id') || !text.includes('"stringValue":"claude-code"')) continue;
      out[r.signal] = (out[r.signal] ?? 0) + 1;
    }
    return out;
  }

  async function verify(s: Setup, args: string[]): Promise<{ report: VerifyReport; code: number | null; stderr: string }> {
    const run = await runCcOtel(['verify', '--json', ...args], { cwd: s.proj, env: { HOME: s.home, E2E_KEY: KEY }, timeoutMs: 60_000 });
    expect(run.stdout, describeCcOtel(run)).toMatch(/^\{/);
    expect(run.stdout + run.stderr).not.toContain(KEY);
    return { report: JSON.parse(run.stdout) as VerifyReport, code: run.code, stderr: run.stderr };
  }

  const hooks = {
    SessionStart: [{ matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: `${CLI} hook session-start`, timeout: 10 }] }],
  };

  test(
    '(a) after cc-otel install: Claude Code exports to the collector; verify passes every check and finds its probes there',
    async () => {
      const s = await setup('installed');
      const install = await runCcOtel(['install', '--scope', 'user'], { cwd: s.proj, env: { HOME: s.home, E2E_KEY: KEY } });
      expect(install.code, describeCcOtel(install)).toBe(0);

      const run = await runClaude({ home: s.home, cwd: s.proj, prompt: 'run the verify command', modelApiUrl: api.url, env: { E2E_KEY: KEY } });
      expect(run.code, describeRun(run)).toBe(0);
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && Object.values(claudeRecords(s.dataDir)).some((n) => n === 0)) await new Promise((r) => setTimeout(r, 200));
      expect(claudeRecords(s.dataDir), 'Claude Code exported all three signals to the collector').toEqual({ traces: expect.any(Number), metrics: expect.any(Number), logs: expect.any(Number) });
      expect(Object.values(claudeRecords(s.dataDir)).every((n) => n > 0)).toBe(true);

      const { report, code, stderr } = await verify(s, ['--query', '--wait', '15000']);
      const notPass = report.checks.filter((c) => c.status !== 'pass');
      expect(notPass, JSON.stringify(notPass, null, 2)).toEqual([]);
      expect(code).toBe(0);
      expect(report.checks.find((c) => c.id === 'claude.helper-run')?.value).toMatch(/^prints authorization in \d+ ms/);
      expect(report.checks.find((c) => c.id === 'readback.logs')?.value).toContain(report.probeId);
      expect(stderr).toMatch(/running the headers helper/);
    },
    E2E_TIMEOUT,
  );

  test(
    '(b) env-file-only: Claude Code exports nothing, and verify fails on exactly that (exit 1) while its probes succeed',
    async () => {
      const s = await setup('envfile');
      writeClaudeSettings(s.home, { hooks });
      const run = await runClaude({
        home: s.home,
        cwd: s.proj,
        prompt: 'run the verify command',
        modelApiUrl: api.url,
        env: { E2E_KEY: KEY },
      });
      expect(run.code, describeRun(run)).toBe(0);
      await new Promise((r) => setTimeout(r, 2500)); // longer than the 1 s intervals, had anything been configured
      expect(claudeRecords(s.dataDir)).toEqual({ traces: 0, metrics: 0, logs: 0 });

      const { report, code } = await verify(s, []);
      expect(code).toBe(1);
      const t = report.checks.find((c) => c.id === 'claude.telemetry');
      expect(t).toMatchObject({ status: 'fail', value: "telemetry is not enabled for Claude Code's own process" });
      expect(t?.problems?.join('\n')).toMatch(/writes the OTel variables to \$CLAUDE_ENV_FILE — \$CLAUDE_ENV_FILE is sourced before each Bash tool command only/);
      for (const id of ['probe.metrics', 'probe.logs', 'probe.traces']) expect(report.checks.find((c) => c.id === id)?.status, id).toBe('pass');
    },
    E2E_TIMEOUT,
  );
});
