// `cc-otel install` / `uninstall` / `exec` with the real Claude Code (2.1.197, pinned), offline
// against the mock model API and an independent OTLP receiver:
//  (1) `cc-otel install --scope user` into a temp HOME that already has a non-trivial settings.json;
//      `claude -p` (the key only in Claude Code's environment) delivers traces, logs and metrics with
//      the auth header from the installed helper and the engineer/team/org attributes, and the
//      installed SessionStart hook reaches the Bash tool; `cc-otel uninstall` then restores the
//      original settings file byte for byte.
//  (2) `cc-otel exec -- claude -p …` with NO settings file at all delivers telemetry with the header.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CC_OTEL_PACKAGE_DIR, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { buildClaudeEnv, CLAUDE_BIN, describeRun, runClaude } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi } from '../helpers/mock-model-api.js';
import { startOtlpReceiver, type OtlpReceiver, type OtlpRequestRecord, type Signal } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const E2E_TIMEOUT = 90_000;
const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const KEY = 'sk-e2e-install-5b6c7d8e9f';
const ENGINEER = 'grace';
const TEAM = 'platform-eng';
const ORG = 'acme';
const BASH_OUT = 'bash-env.txt';

/** A settings file someone already has: other keys, an env var, another tool's SessionStart hook,
 *  4-space indent, no final newline — install and uninstall must keep every byte of it. */
const ORIGINAL_SETTINGS = `{
    "cleanupPeriodDays": 30,
    "includeCoAuthoredBy": false,
    "permissions": {
        "allow": ["Bash(echo:*)", "Bash(env:*)"],
        "deny": ["WebFetch"]
    },
    "env": {
        "MY_TOOL_FLAG": "on"
    },
    "hooks": {
        "SessionStart": [
            { "matcher": "startup", "hooks": [{ "type": "command", "command": "true" }] }
        ]
    }
}`;

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => join(dir, p)).filter((p) => statSync(p).isFile());
}

function parseEnvLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

describe('cc-otel install / uninstall / exec with the real Claude Code', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;
  let rx: OtlpReceiver;
  let outDir: string;

  beforeAll(async () => {
    const out = makeTempDir('cc-otel-e2e-install-out');
    cleanups.push(() => out.cleanup());
    outDir = out.path;
    api = await startMockModelApi({ bashCommand: `env | grep -E '^(OTEL_|CLAUDE_CODE_ENABLE|MY_TOOL)' | sort > ${sq(join(outDir, BASH_OUT))}` });
    rx = await startOtlpReceiver();
    cleanups.push(() => api.close(), () => rx.close());
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  /** Temp HOME with the user-level cc-otel config, a project, a (non-existent) managed root. */
  function world() {
    const homeDir = makeTempDir('cc-otel-e2e-install-home');
    const projDir = makeTempDir('cc-otel-e2e-install-proj');
    cleanups.push(() => homeDir.cleanup(), () => projDir.cleanup());
    const home = homeDir.path;
    const proj = projDir.path;
    writeTree(home, {
      '.config/cc-otel/config.json': `${JSON.stringify(
        {
          backend: 'otlp',
          endpoint: rx.url,
          header: 'authorization',
          headerValue: 'Bearer {key}',
          key: ['env:CC_OTEL_E2E_KEY'],
          team: TEAM,
          org: ORG,
          intervals: { metricsMs: 1000, logsMs: 1000, tracesMs: 1000 },
        },
        null,
        2,
      )}\n`,
    });
    writeTree(proj, { 'README.md': 'a project\n' });
    return { home, proj, managed: join(home, 'no-managed-settings'), settings: join(home, '.claude', 'settings.json') };
  }

  const fromClaude = (x: OtlpReceiver) => x.requests.filter((r) => x.resourceAttributes(r)['service.name'] === 'claude-code');

  /** Claude Code's three signals arrive; every export (Claude Code's, or cc-otel's own event shipper's) is keyed and tagged. */
  async function expectTelemetry(what: string): Promise<OtlpRequestRecord[]> {
    await rx.waitFor(
      (x) =>
        SIGNALS.every((sig) => fromClaude(x).some((r) => r.signal === sig && r.status === 200)) &&
        x.metricNames().includes('claude_code.token.usage') &&
        x.logEventNames().includes('api_request') &&
        x.spanNames().includes('claude_code.interaction'),
      20_000,
      `${what}: traces, metrics and logs from Claude Code`,
    );
    for (const rec of rx.requests) {
      const resource = rx.resourceAttributes(rec);
      const where = `${what}: ${rec.signal} export #${rec.index} from ${String(resource['service.name'])}`;
      expect(rec.protocol, where).toBe('http/protobuf');
      expect(rec.status, where).toBe(200);
      expect(rec.headers.authorization, where).toBe(`Bearer ${KEY}`);
      expect(resource, where).toMatchObject({ engineer: ENGINEER, team: TEAM, org: ORG });
      expect(['claude-code', 'cc-otel'], where).toContain(resource['service.name']);
    }
    const claude = fromClaude(rx);
    for (const rec of claude) expect(rx.resourceAttributes(rec)).toMatchObject({ 'service.version': '2.1.197' });
    return claude;
  }

  test('install --scope user → claude -p delivers keyed, tagged telemetry → uninstall restores the file byte for byte', async () => {
    rx.reset();
    api.reset();
    rmSync(join(outDir, BASH_OUT), { force: true });
    const w = world();
    writeTree(w.home, { '.claude/settings.json': ORIGINAL_SETTINGS });

    // Install as the engineer would, from their project; the key is NOT in this environment.
    const inst = await runCcOtel(['install', '--scope', 'user', '--managed-dir', w.managed], { cwd: w.proj, env: { HOME: w.home, USER: ENGINEER } });
    expect(inst.code, describeCcOtel(inst)).toBe(0);
    const installed = readFileSync(w.settings, 'utf8');
    expect(installed).not.toContain(KEY);
    const s = JSON.parse(installed) as { env: Record<string, string>; otelHeadersHelper: string; hooks: Record<string, unknown[]> };
    expect(s.env).toMatchObject({
      MY_TOOL_FLAG: 'on',
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.url}/v1/traces`,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_LOGS_EXPORT_INTERVAL: '1000',
      OTEL_TRACES_EXPORT_INTERVAL: '1000',
    });
    // the installed package, by its real path (install follows the bin link npm made)
    expect(s.otelHeadersHelper).toBe(`${process.execPath} ${join(CC_OTEL_PACKAGE_DIR, 'bin', 'cc-otel.js')} headers`);
    expect(s.hooks.SessionStart).toHaveLength(2); // the other tool's, then cc-otel's

    // The key lives only in the environment Claude Code runs with.
    // (USER as in the engineer's shell: cc-otel's own event shipper tags from the run-time environment.)
    const run = await runClaude({ home: w.home, cwd: w.proj, prompt: 'record the telemetry env', modelApiUrl: api.url, env: { CC_OTEL_E2E_KEY: KEY, USER: ENGINEER } });
    expect(run.code, describeRun(run)).toBe(0);
    expect(api.responses.map((r) => r.kind)).toEqual(expect.arrayContaining(['tool_use', 'final_text']));
    await expectTelemetry('installed settings');
    expect(rx.logEventNames()).toEqual(expect.arrayContaining(['user_prompt', 'api_request', 'tool_result']));
    expect(rx.spanNames()).toEqual(expect.arrayContaining(['claude_code.interaction', 'claude_code.llm_request', 'claude_code.tool']));

    // The installed SessionStart hook reached the Bash tool through $CLAUDE_ENV_FILE (Claude Code
    // strips OTEL_* from its children); the settings env block reached it as well.
    const bashEnv = parseEnvLines(readFileSync(join(outDir, BASH_OUT), 'utf8'));
    expect(bashEnv).toMatchObject({ MY_TOOL_FLAG: 'on', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${rx.url}/v1/logs` });
    expect(bashEnv.OTEL_RESOURCE_ATTRIBUTES).toMatch(/(^|,)session\.id=/);

    // Claude Code did not touch the settings file; nothing under HOME holds the key.
    expect(readFileSync(w.settings, 'utf8')).toBe(installed);
    expect(filesUnder(w.home).filter((f) => readFileSync(f).includes(KEY))).toEqual([]);
    const errorLog = join(w.home, '.local', 'state', 'cc-otel', 'errors.log');
    expect(existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '').toBe('');

    // status agrees: installed in user, the helper is cc-otel's and wins, nothing shadowed.
    const st = await runCcOtel(['status', '--json', '--managed-dir', w.managed], { cwd: w.proj, env: { HOME: w.home, CC_OTEL_E2E_KEY: KEY } });
    expect(st.code, describeCcOtel(st)).toBe(0);
    expect(st.stdout).not.toContain(KEY);
    const status = JSON.parse(st.stdout);
    expect(status.scopes.find((l: { scope: string }) => l.scope === 'user')).toMatchObject({ installed: true, hasRecord: true });
    expect(status.effective.otelHeadersHelper).toMatchObject({ source: 'user', isCcOtel: true });
    expect(status.warnings).toEqual([]);
    expect(status.keyChain).toMatchObject({ resolvedBy: 'env:CC_OTEL_E2E_KEY' });

    // uninstall: the original bytes, and no sidecar left behind.
    const un = await runCcOtel(['uninstall', '--scope', 'user', '--managed-dir', w.managed], { cwd: w.proj, env: { HOME: w.home } });
    expect(un.code, describeCcOtel(un)).toBe(0);
    expect(readFileSync(w.settings, 'utf8')).toBe(ORIGINAL_SETTINGS);
    expect(readdirSync(join(w.home, '.claude')).filter((f) => f.startsWith('settings.json'))).toEqual(['settings.json']);
  }, E2E_TIMEOUT);

  test('cc-otel exec -- claude -p with no settings file at all: telemetry with the header', async () => {
    rx.reset();
    api.reset();
    const w = world();
    expect(existsSync(join(w.home, '.claude'))).toBe(false);

    const env = buildClaudeEnv(w.home, api.url, { CC_OTEL_E2E_KEY: KEY, USER: ENGINEER });
    const r = await runCcOtel(['exec', '--', CLAUDE_BIN, '-p', 'record the telemetry env', '--allowedTools', 'Bash'], { cwd: w.proj, env, timeoutMs: 60_000 });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(api.responses.map((x) => x.kind)).toEqual(expect.arrayContaining(['tool_use', 'final_text']));
    await expectTelemetry('cc-otel exec');
    expect(existsSync(join(w.home, '.claude', 'settings.json'))).toBe(false);
  }, E2E_TIMEOUT);
});
