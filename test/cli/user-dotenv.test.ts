// The key where the default chain's second entry finds it — `dotenv:CC_OTEL_API_KEY`, in
// ~/.config/cc-otel/.env — through every command of the installed package. The `.env` source loads
// the bundled dotenv lazily, and the two bundles (the CJS hot path, the ESM CLI's chunks) see its
// exports differently: `env --explain`, `verify`, `flush` and the background shipper once failed
// with "f is not a function" while `headers` worked, and no test noticed — they ran the sources, and
// never with a `.env`. Each test here asserts the key arrived (a header at a real OTLP receiver, a
// variable in a real child) or that the command named `dotenv:` as where it came from.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { eventLogPaths } from '../../src/events/paths.js';
import { releaseLock, tryLock } from '../../src/events/lock.js';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree, type TempDir } from '../helpers/tmp.js';

const KEY = 'sk-user-dotenv-7c1d9e2f';
const AUTH = `Bearer ${KEY}`;

const dirs: TempDir[] = [];
const receivers: OtlpReceiver[] = [];
afterAll(async () => {
  for (const r of receivers) await r.close();
  for (const d of dirs) d.cleanup();
});

interface World {
  /** this world's own receiver: a background shipper another test's hook started never lands here */
  rx: OtlpReceiver;
  home: string;
  proj: string;
  errorLog: string;
  log: string;
  env: Record<string, string>;
}

/** A temp HOME with the user config (no `key`: the default chain) and the key in the user .env (0600). */
async function world(config: Record<string, unknown> = {}): Promise<World> {
  const rx = await startOtlpReceiver();
  receivers.push(rx);
  const d = makeTempDir('cc-otel-user-dotenv');
  dirs.push(d);
  const home = join(d.path, 'home');
  const proj = join(d.path, 'proj');
  writeTree(d.path, {
    'home/.config/cc-otel/config.json': JSON.stringify({ backend: 'otlp', endpoint: rx.url, header: 'authorization', headerValue: 'Bearer {key}', team: 'platform', ...config }),
    'home/.config/cc-otel/.env': { content: `# the backend key, for cc-otel only\nCC_OTEL_API_KEY=${KEY}\n`, mode: 0o600 },
    'proj/README.md': 'a project\n',
  });
  return {
    rx,
    home,
    proj,
    errorLog: join(home, '.local', 'state', 'cc-otel', 'errors.log'),
    log: join(home, '.claude', 'logs', 'hooks.jsonl'),
    // CC_OTEL_API_KEY is not set: the chain's first entry (env:) skips, the .env has it
    env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj },
  };
}

const errors = (w: World) => (existsSync(w.errorLog) ? readFileSync(w.errorLog, 'utf8') : '');
const authOf = (w: World, signal: 'traces' | 'metrics' | 'logs') => w.rx.bySignal(signal).map((r) => r.headers.authorization);

/** A PreToolUse hook, as Claude Code runs it. */
const hook = (w: World, event: string, input: Record<string, unknown>) =>
  runCcOtel(['hook', event], { cwd: w.proj, env: w.env, input: JSON.stringify({ session_id: 's-dotenv', cwd: w.proj, ...input }) });

describe('the key in ~/.config/cc-otel/.env (the default chain), through every command of the installed package', () => {
  test('env --explain: the key came from dotenv:CC_OTEL_API_KEY in the user .env; redacted; --reveal prints it', async () => {
    const w = await world();
    const r = await runCcOtel(['env', '--explain'], { cwd: w.proj, env: w.env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toContain('dotenv:CC_OTEL_API_KEY');
    expect(r.stdout).toContain(join(w.home, '.config', 'cc-otel', '.env'));
    expect(r.stdout + r.stderr).not.toContain(KEY);
    const json = await runCcOtel(['env', '--explain', '--format', 'json'], { cwd: w.proj, env: w.env });
    expect(json.code, describeCcOtel(json)).toBe(0);
    const x = JSON.parse(json.stdout) as { keyChain: Array<{ ref: string; result: string }>; keyError: unknown };
    expect(x.keyError).toBeNull();
    expect(x.keyChain.map((a) => [a.ref, a.result])).toEqual([
      ['env:CC_OTEL_API_KEY', 'skipped'],
      ['dotenv:CC_OTEL_API_KEY', 'found'],
    ]);
    const revealed = await runCcOtel(['env', '--format', 'json', '--reveal'], { cwd: w.proj, env: w.env });
    expect(revealed.code, describeCcOtel(revealed)).toBe(0);
    expect(JSON.parse(revealed.stdout)).toMatchObject({ OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${KEY}` });
  });

  test('headers: the otelHeadersHelper prints the header with the key', async () => {
    const w = await world();
    const r = await runCcOtel(['headers'], { cwd: w.proj, env: w.env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ authorization: AUTH });
    expect(r.stderr).toBe('');
  });

  test('hook session-start with includeSecrets: the env file exports the header with the key (0600); nothing on stdout', async () => {
    const w = await world({ sessionEnv: { includeSecrets: true } });
    const envFile = join(w.home, '.claude', 'session-env', 's-dotenv', 'sessionstart-hook-0.sh');
    mkdirSync(join(envFile, '..'), { recursive: true });
    const r = await runCcOtel(['hook', 'session-start', '--strict'], {
      cwd: w.proj,
      env: { ...w.env, CLAUDE_ENV_FILE: envFile },
      input: JSON.stringify({ session_id: 's-dotenv', cwd: w.proj, hook_event_name: 'SessionStart', source: 'startup' }),
    });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    const text = readFileSync(envFile, 'utf8');
    expect(text).toContain(`export OTEL_EXPORTER_OTLP_HEADERS='authorization=Bearer ${KEY}'`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(errors(w)).toBe('');
  });

  test('verify: the key check names the .env, and the probes reach a local OTLP receiver with the key', async () => {
    const w = await world();
    const r = await runCcOtel(['verify', '--json', '--skip', 'claude', 'readback', '--managed-dir', join(w.home, 'managed')], { cwd: w.proj, env: w.env, timeoutMs: 30_000 });
    const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; value?: string }> };
    const key = report.checks.find((c) => c.id === 'key');
    expect(key, describeCcOtel(r)).toMatchObject({ status: 'pass' });
    expect(JSON.stringify(key)).toContain('dotenv:CC_OTEL_API_KEY');
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      expect(report.checks.find((c) => c.id === `probe.${signal}`)?.status, describeCcOtel(r)).toBe('pass');
      expect(authOf(w, signal)).toContain(AUTH);
    }
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  test('flush: the recorded hook events ship to the receiver with the key', async () => {
    const w = await world();
    // No background shipper while the events are recorded: a live lock holder (this process) makes
    // the hooks leave shipping to it (ship-trigger.ts), so `flush` is what ships them.
    mkdirSync(join(w.log, '..'), { recursive: true, mode: 0o700 });
    const lock = tryLock(eventLogPaths(w.log).shipLock, Date.now(), 600_000);
    expect(lock).toBeDefined();
    try {
      for (const id of ['toolu_1', 'toolu_2']) expect((await hook(w, 'pre-tool-use', { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: id })).code).toBe(0);
    } finally {
      releaseLock(lock!);
    }
    const r = await runCcOtel(['flush', '--json'], { cwd: w.proj, env: w.env, timeoutMs: 30_000 });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', sent: 2, pending: 0 });
    expect(authOf(w, 'logs')).toEqual([AUTH]);
    expect(w.rx.logs().map((l) => String(l.attributes.tool_use_id)).sort()).toEqual(['toolu_1', 'toolu_2']);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  test('the background shipper (started by SessionEnd) ships with the key; nothing in the error log', async () => {
    const w = await world();
    const r = await hook(w, 'session-end', { hook_event_name: 'SessionEnd', reason: 'other' });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    await w.rx.waitFor((x) => x.bySignal('logs').length > 0, 20_000, 'the background shipper to ship the SessionEnd event');
    expect(authOf(w, 'logs')).toEqual([AUTH]);
    expect(w.rx.logs().map((l) => l.attributes['hook.event'] ?? l.eventName)).toHaveLength(1);
    expect(errors(w)).toBe('');
  });

  test('exec: the child has the OTel set with the key in OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const w = await world();
    const r = await runCcOtel(['exec', '--', process.execPath, '-e', 'process.stdout.write(JSON.stringify({ h: process.env.OTEL_EXPORTER_OTLP_HEADERS, e: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? null, t: process.env.CLAUDE_CODE_ENABLE_TELEMETRY }))'], { cwd: w.proj, env: w.env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ h: `authorization=Bearer ${KEY}`, t: '1' });
  });

  test('status: the chain resolves through dotenv:CC_OTEL_API_KEY — never the key', async () => {
    const w = await world();
    const r = await runCcOtel(['status', '--json', '--managed-dir', join(w.home, 'managed')], { cwd: w.proj, env: w.env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).not.toContain(KEY);
    const s = JSON.parse(r.stdout);
    expect(s.keyChain).toMatchObject({ needed: 'required', refs: ['env:CC_OTEL_API_KEY', 'dotenv:CC_OTEL_API_KEY'], resolvedBy: 'dotenv:CC_OTEL_API_KEY', error: null });
    const text = await runCcOtel(['status', '--managed-dir', join(w.home, 'managed')], { cwd: w.proj, env: w.env });
    expect(text.stdout).toMatch(/dotenv:CC_OTEL_API_KEY\s+found .*← used/);
    expect(text.stdout).not.toContain(KEY);
  });
});
