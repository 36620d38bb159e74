// THE end-to-end proof: the real Claude Code (2.1.197, pinned devDependency) configured the way
// cc-otel sets it up, offline against the mock model API and an independent OTLP receiver.
//
//  - settings `env` = `cc-otel env --format settings` (no secret in the file)
//  - `otelHeadersHelper` = `node bin/cc-otel.js headers` → the key, read at run time from the
//    environment Claude Code runs with (CC_OTEL_E2E_KEY), reaches every export as a header
//  - SessionStart hook `node bin/cc-otel.js hook session-start` → $CLAUDE_ENV_FILE → the OTel config
//    (with session.id) reaches commands run from the Bash tool, which Claude Code strips OTEL_* from
//
// Facts this relies on, re-measured here (claude-code-facts §1, §3): the helper runs with Claude
// Code's cwd and environment plus the settings `env` (no CLAUDE_PROJECT_DIR); the hook runs with the
// same cwd, CLAUDE_PROJECT_DIR = that cwd, CLAUDE_ENV_FILE, and OTEL_* stripped.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { describeRun, runClaude, writeClaudeSettings } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi } from '../helpers/mock-model-api.js';
import { startOtlpReceiver, type OtlpReceiver, type Signal } from '../helpers/otlp-receiver.js';
import { makeTempDir } from '../helpers/tmp.js';
import { trustFileFor } from '../helpers/trust.js';

const E2E_TIMEOUT = 60_000;
const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const KEY = 'sk-e2e-7c1d52aa90f34b6e';
const ENGINEER = 'grace';
const TEAM = 'platform-eng';
const ORG = 'acme';
const BASH_OUT = 'bash-otel-env.txt';

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Command lines as Claude Code runs them (through a shell): absolute node + absolute shim, quoted. */
const HELPER_CMD = `${sq(process.execPath)} ${sq(CC_OTEL_BIN)} headers`;
const HOOK_CMD = `${sq(process.execPath)} ${sq(CC_OTEL_BIN)} hook session-start`;

/** Every regular file under `dir` (recursively). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => join(dir, p)).filter((p) => statSync(p).isFile());
}

/** `K=V` lines (as `env | sort` prints them) → record. */
function parseEnvLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** OTEL_RESOURCE_ATTRIBUTES → record (values percent-decoded, as the SDK does). */
function parseAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (raw ?? '').split(',').filter(Boolean)) {
    const [k = '', v = ''] = entry.split('=');
    out[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return out;
}

interface Scenario {
  home: string;
  proj: string;
  /** where Claude Code is started */
  cwd: string;
  /** where the cc-otel config lives */
  configPath: string;
}

describe('cc-otel + the real Claude Code', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;
  let rx: OtlpReceiver;
  let outDir: string;

  beforeAll(async () => {
    const out = makeTempDir('cc-otel-e2e-out');
    cleanups.push(() => out.cleanup());
    outDir = out.path;
    api = await startMockModelApi({ bashCommand: `env | grep -E '^(OTEL_|CLAUDE_CODE_ENABLE)' | sort > ${sq(join(outDir, BASH_OUT))}` });
    rx = await startOtlpReceiver();
    cleanups.push(() => api.close(), () => rx.close());
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  const ccOtelConfig = () => ({
    backend: 'otlp',
    endpoint: rx.url,
    header: 'authorization',
    headerValue: 'Bearer {key}',
    key: ['env:CC_OTEL_E2E_KEY'],
    engineer: ENGINEER,
    team: TEAM,
    org: ORG,
  });

  /** Temp HOME + project; the config at the project root or in the user config dir. */
  function scenario(where: 'project' | 'user', startIn: string[] = []): Scenario {
    const homeDir = makeTempDir('cc-otel-e2e-home');
    const projDir = makeTempDir('cc-otel-e2e-proj');
    cleanups.push(() => homeDir.cleanup(), () => projDir.cleanup());
    const home = homeDir.path;
    const proj = projDir.path;
    const configPath = where === 'project' ? join(proj, '.cc-otel.json') : join(home, '.config', 'cc-otel', 'config.json');
    mkdirSync(dirname(configPath), { recursive: true });
    writeFileSync(configPath, `${JSON.stringify(ccOtelConfig(), null, 2)}\n`);
    if (where === 'project') trustFileFor(configPath, { HOME: home }); // the user trusts the project's .cc-otel.json
    writeFileSync(join(proj, 'README.md'), 'a project\n');
    const cwd = join(proj, ...startIn);
    mkdirSync(cwd, { recursive: true });
    return { home, proj, cwd, configPath };
  }

  /** What `cc-otel install` would write: settings env from `cc-otel env --format settings`, the helper, the hook. */
  async function installSettings(s: Scenario): Promise<Record<string, unknown>> {
    // Run like a user would, from where they work; the key is NOT in this environment.
    const r = await runCcOtel(['env', '--format', 'settings'], { cwd: s.cwd, env: { HOME: s.home } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const { env } = JSON.parse(r.stdout) as { env: Record<string, string> };
    const explained = await runCcOtel(['env', '--explain', '--format', 'json'], { cwd: s.cwd, env: { HOME: s.home } });
    expect((JSON.parse(explained.stdout) as { files: Array<{ path: string }> }).files.map((f) => f.path), 'the config this scenario means').toEqual([s.configPath]);
    const settings = {
      env: { ...env, OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_LOGS_EXPORT_INTERVAL: '1000', OTEL_TRACES_EXPORT_INTERVAL: '1000' },
      otelHeadersHelper: HELPER_CMD,
      hooks: {
        SessionStart: [{ matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: HOOK_CMD, timeout: 10 }] }],
      },
    };
    writeClaudeSettings(s.home, settings);
    return settings;
  }

  async function runAndProve(s: Scenario): Promise<void> {
    rx.reset();
    api.reset();
    const bashOut = join(outDir, BASH_OUT);
    rmSync(bashOut, { force: true });

    const settings = await installSettings(s);
    expect(JSON.stringify(settings)).not.toContain(KEY);
    expect(settings.env).toMatchObject({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.url}/v1/traces`,
    });

    // The key lives only in the environment Claude Code runs with.
    const run = await runClaude({ home: s.home, cwd: s.cwd, prompt: 'record the telemetry env', modelApiUrl: api.url, env: { CC_OTEL_E2E_KEY: KEY } });
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).not.toContain(KEY);
    expect(api.responses.map((r) => r.kind)).toEqual(expect.arrayContaining(['tool_use', 'final_text']));

    // 1. Claude Code's own traces, logs and metrics arrive, every export keyed by the helper. (cc-otel's
    //    own hook-event shipper may export logs too, as service.name cc-otel: same key, same tags.)
    const fromClaude = (x: OtlpReceiver) => x.requests.filter((r) => x.resourceAttributes(r)['service.name'] === 'claude-code');
    await rx.waitFor(
      (x) =>
        SIGNALS.every((sig) => fromClaude(x).some((r) => r.signal === sig && r.status === 200)) &&
        x.metricNames().includes('claude_code.token.usage') &&
        x.logEventNames().includes('api_request') &&
        x.spanNames().includes('claude_code.interaction'),
      15_000,
      'traces, metrics and logs from Claude Code (token.usage, api_request, the interaction span)',
    );
    for (const rec of rx.requests) {
      const resource = rx.resourceAttributes(rec);
      const where = `${rec.signal} export #${rec.index} from ${String(resource['service.name'])}`;
      expect(rec.protocol, where).toBe('http/protobuf');
      expect(rec.status, where).toBe(200);
      expect(rec.headers.authorization, where).toBe(`Bearer ${KEY}`);
      expect(resource, where).toMatchObject({ engineer: ENGINEER, team: TEAM, org: ORG });
      expect(['claude-code', 'cc-otel'], where).toContain(resource['service.name']);
    }
    for (const rec of fromClaude(rx)) expect(rx.resourceAttributes(rec)['service.version']).toBe('2.1.197');

    // 2. The Bash tool's command saw the OTel config from the env file, with this session's id.
    const sessionIds = new Set(
      rx
        .logs()
        .filter((l) => l.resource['service.name'] === 'claude-code')
        .map((l) => l.attributes['session.id'])
        .filter((v): v is string => typeof v === 'string'),
    );
    expect(sessionIds.size, 'one session in Claude Code telemetry').toBe(1);
    const [sessionId] = [...sessionIds];
    const bashEnv = parseEnvLines(readFileSync(bashOut, 'utf8'));
    expect(bashEnv).toMatchObject({
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${rx.url}/v1/metrics`,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${rx.url}/v1/logs`,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
    });
    expect(parseAttributes(bashEnv.OTEL_RESOURCE_ATTRIBUTES)).toEqual({ engineer: ENGINEER, team: TEAM, org: ORG, 'session.id': sessionId });
    // Default: no secret in the env file, so none in Bash's environment either.
    expect(bashEnv.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();

    // 3. The env file Claude Code made for the hook: ours, 0600, no key.
    const envFiles = filesUnder(join(s.home, '.claude', 'session-env')).filter((f) => f.endsWith('.sh'));
    const ours = envFiles.filter((f) => readFileSync(f, 'utf8').includes('# cc-otel otlp'));
    expect(ours, `env files: ${envFiles.join(', ')}`).toHaveLength(1);
    expect(ours[0]).toContain(join('.claude', 'session-env', sessionId!));
    expect(statSync(ours[0]!).mode & 0o777).toBe(0o600);

    // 4. The key is in NO file: settings, env file, config, transcripts, logs — anywhere under HOME
    //    or the project.
    const leaks = [...filesUnder(s.home), ...filesUnder(s.proj), ...filesUnder(outDir)].filter((f) => readFileSync(f).includes(KEY));
    expect(leaks).toEqual([]);

    // 5. Nothing went wrong on the hot path (nor in a background shipper).
    const errorLog = join(s.home, '.local', 'state', 'cc-otel', 'errors.log');
    expect(existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '').toBe('');
  }

  test('project config (.cc-otel.json), Claude Code started at the project root', async () => {
    await runAndProve(scenario('project'));
  }, E2E_TIMEOUT);

  test('project config, Claude Code started in a subdirectory: the helper (cwd = the subdirectory, no CLAUDE_PROJECT_DIR) and the hook find it by walking up', async () => {
    await runAndProve(scenario('project', ['packages', 'app']));
  }, E2E_TIMEOUT);

  test('user-level config (~/.config/cc-otel/config.json)', async () => {
    await runAndProve(scenario('user'));
  }, E2E_TIMEOUT);
});
