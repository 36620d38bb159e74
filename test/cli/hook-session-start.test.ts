// `cc-otel hook session-start` as Claude Code runs it: a real process of bin/cc-otel.js with a
// cleared environment, the SessionStart JSON on stdin, $CLAUDE_ENV_FILE pointing at a file Claude
// Code created (0644, maybe already holding another hook's lines). First, do no harm: nothing on
// stdout, exit 0 within the deadline whatever happens, failures in the error log.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel, type RunCcOtelOptions } from '../helpers/cc-otel.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';
import { adversarial, adversarialKey, pwnedFiles, shellView } from './shell-oracle.js';

const KEY = 'sk-test-9f8e7d6c5b4a';
const SID = '4b0c3c1e-7a7e-4d4e-9d55-0123456789ab';
const PRE_EXISTING = `# another SessionStart hook's line\nexport PRE_EXISTING='kept'\n`;
// The hook also records each event and may start a detached shipper that sends it to the
// configured endpoint: a receiver of our own (port 0) keeps that hermetic. `endpoint` is set in
// beforeAll; the values the hook derives from it are compared through ENDPOINTS().
let rx: OtlpReceiver;
const BASE_CONFIG: Record<string, unknown> = {
  backend: 'otlp',
  endpoint: 'set in beforeAll',
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['env:TEST_KEY'],
  engineer: 'ada',
  team: 'platform',
  org: 'acme',
  attributes: { cost_center: 'cc-42' },
};

const dirs: Array<{ cleanup(): void }> = [];
beforeAll(async () => {
  rx = await startOtlpReceiver();
  BASE_CONFIG.endpoint = rx.url;
});
afterAll(async () => {
  await rx.close();
  for (const d of dirs) d.cleanup();
});

interface World {
  root: string;
  home: string;
  proj: string;
  envFile: string;
  errorLog: string;
  env: Record<string, string>;
}

/** A temp HOME, a project with `.cc-otel.json` (unless `config` is null) and a Claude-made env file. */
function world(config: Record<string, unknown> | null = BASE_CONFIG): World {
  const dir = makeTempDir('cc-otel-hook');
  dirs.push(dir);
  const root = dir.path;
  const home = join(root, 'home');
  const proj = join(root, 'proj');
  // Claude Code's own layout: ~/.claude/session-env/<session_id>/sessionstart-hook-<n>.sh, 0644.
  const envFile = join(home, '.claude', 'session-env', SID, 'sessionstart-hook-0.sh');
  writeTree(root, {
    'proj/README.md': 'a project\n',
    ...(config ? { 'proj/.cc-otel.json': `${JSON.stringify(config, null, 2)}\n` } : {}),
    [envFile.slice(root.length + 1)]: { content: PRE_EXISTING, mode: 0o644 },
  });
  const env = { HOME: home, CLAUDE_ENV_FILE: envFile, CLAUDE_PROJECT_DIR: proj, TEST_KEY: KEY };
  // The user trusts the project's .cc-otel.json (`cc-otel trust`), in the hook's state dir.
  if (config) trustProject(proj, env);
  return {
    root,
    home,
    proj,
    envFile,
    errorLog: join(home, '.local', 'state', 'cc-otel', 'errors.log'),
    env,
  };
}

const hookInput = (sessionId: string = SID, cwd = '/somewhere') =>
  JSON.stringify({ session_id: sessionId, transcript_path: `/x/${sessionId}.jsonl`, cwd, hook_event_name: 'SessionStart', source: 'startup' });

function runHook(w: World, opts: Omit<RunCcOtelOptions, 'env'> & { env?: Record<string, string | undefined>; args?: string[] } = {}) {
  return runCcOtel(['hook', 'session-start', ...(opts.args ?? [])], {
    cwd: opts.cwd ?? w.proj,
    input: 'input' in opts ? opts.input : hookInput(),
    env: { ...w.env, ...opts.env },
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

interface ErrorLine {
  time: string;
  command: string;
  code?: string;
  message: string;
  hint?: string;
  session?: string;
}
/** The hook's own error-log records (a background shipper may add `ship` records at any time). */
function errorLines(path: string): ErrorLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ErrorLine)
    .filter((l) => l.command.startsWith('hook '));
}

/** Every file under `dir`, relative, sorted. */
function treeOf(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => statSync(join(dir, p)).isFile()).sort();
}

/** The block the hook appended (everything after the pre-existing content). */
function appended(w: World): string {
  const text = readFileSync(w.envFile, 'utf8');
  expect(text.startsWith(PRE_EXISTING), 'pre-existing content kept, in front').toBe(true);
  return text.slice(PRE_EXISTING.length);
}

const ENDPOINTS = () => ({
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.url}/v1/traces`,
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${rx.url}/v1/metrics`,
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${rx.url}/v1/logs`,
});

describe('cc-otel hook session-start (real process)', () => {
  test('appends `export K=\'v\'` lines to $CLAUDE_ENV_FILE (0600, nothing on stdout, exit 0); sourced, they configure OTel', async () => {
    const w = world();
    const r = await runHook(w);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');

    expect(statSync(w.envFile).mode & 0o777).toBe(0o600);
    const block = appended(w);
    const lines = block.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatch(/^(#.*|export [A-Z_][A-Z0-9_]*='[^']*')$/);

    const view = shellView(w.envFile, w.root);
    expect(view.status, view.stderr).toBe(0);
    expect(view.env).toMatchObject({
      PRE_EXISTING: 'kept',
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      ...ENDPOINTS(),
    });
    // The real SDK parser reads every attribute back, session.id from the hook's stdin included.
    expect(view.resource).toEqual({ engineer: 'ada', team: 'platform', org: 'acme', cost_center: 'cc-42', 'session.id': SID });
    expect(errorLines(w.errorLog)).toEqual([]);
  });

  test('a second run appends again (never truncates): another hook and a resumed session both keep their lines', async () => {
    const w = world();
    await runHook(w);
    const once = readFileSync(w.envFile, 'utf8');
    const r = await runHook(w, { input: hookInput('second-session') });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const twice = readFileSync(w.envFile, 'utf8');
    expect(twice.startsWith(once)).toBe(true);
    expect(shellView(w.envFile, w.root).resource['session.id']).toBe('second-session');
  });

  test('by default the key is NOT in the file', async () => {
    const w = world();
    const r = await runHook(w);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const text = readFileSync(w.envFile, 'utf8');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('OTEL_EXPORTER_OTLP_HEADERS');
    expect(shellView(w.envFile, w.root).env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
  });

  test('with sessionEnv.includeSecrets the key is in the file, as OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const w = world({ ...BASE_CONFIG, sessionEnv: { includeSecrets: true } });
    const r = await runHook(w);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(statSync(w.envFile).mode & 0o777).toBe(0o600);
    expect(shellView(w.envFile, w.root).env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`authorization=Bearer ${KEY}`);
  });

  test('finds the project config through CLAUDE_PROJECT_DIR when the cwd is elsewhere, and from the cwd without it', async () => {
    const w = world();
    const elsewhere = join(w.root, 'elsewhere');
    mkdirSync(elsewhere);
    const r1 = await runHook(w, { cwd: elsewhere });
    expect(r1.code, describeCcOtel(r1)).toBe(0);
    expect(shellView(w.envFile, w.root).env).toMatchObject(ENDPOINTS());

    const w2 = world();
    const sub = join(w2.proj, 'src', 'deep');
    mkdirSync(sub, { recursive: true });
    const r2 = await runHook(w2, { cwd: sub, env: { CLAUDE_PROJECT_DIR: undefined } });
    expect(r2.code, describeCcOtel(r2)).toBe(0);
    expect(shellView(w2.envFile, w2.root).resource.team).toBe('platform');
  });

  test('adversarial config values and session id: sourcing runs nothing and every value reads back exactly', async () => {
    const values = {
      engineer: adversarial('engineer'),
      team: adversarial('team'),
      org: adversarial('org'),
      attrKey: `k'ey $(touch pwned-attrkey) ;\``,
      attrValue: adversarial('attr'),
      session: `s'$(touch pwned-session)\`touch pwned-session-2\`;x`,
    };
    const w = world({ ...BASE_CONFIG, engineer: values.engineer, team: values.team, org: values.org, attributes: { [values.attrKey]: values.attrValue } });
    const r = await runHook(w, { input: hookInput(values.session) });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(errorLines(w.errorLog)).toEqual([]);

    const view = shellView(w.envFile, w.root);
    expect(view.status, view.stderr).toBe(0);
    expect(pwnedFiles(w.root)).toEqual([]);
    expect(view.env.PRE_EXISTING).toBe('kept');
    expect(view.resource).toEqual({
      engineer: values.engineer,
      team: values.team,
      org: values.org,
      [values.attrKey]: values.attrValue,
      'session.id': values.session,
    });
    // A later line is still parsed as shell after all that: nothing leaked out of its quotes.
    expect(view.env).toMatchObject(ENDPOINTS());
  });

  test('an adversarial key (with includeSecrets) is written inert and reads back exactly', async () => {
    const key = adversarialKey();
    const w = world({ ...BASE_CONFIG, sessionEnv: { includeSecrets: true } });
    const r = await runHook(w, { env: { TEST_KEY: key } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    const view = shellView(w.envFile, w.root);
    expect(view.status, view.stderr).toBe(0);
    expect(pwnedFiles(w.root)).toEqual([]);
    expect(view.env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`authorization=Bearer ${key}`);
    expect(view.env).toMatchObject(ENDPOINTS());
  });

  test('a key with a newline is rejected: logged (without the key), nothing on stdout, exit 0; --strict exits 1', async () => {
    const key = 'first-line\nexport INJECTED=1';
    const w = world({ ...BASE_CONFIG, sessionEnv: { includeSecrets: true } });
    const r = await runHook(w, { env: { TEST_KEY: key } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    const log = errorLines(w.errorLog);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ command: 'hook session-start', code: 'KEY_SOURCE_FAILED', session: SID });
    expect(log[0]!.message).toMatch(/control characters/);
    expect(readFileSync(w.errorLog, 'utf8')).not.toContain('first-line');
    expect(r.stderr).not.toContain('first-line');
    expect(readFileSync(w.envFile, 'utf8')).not.toContain('first-line');
    expect(shellView(w.envFile, w.root).env.INJECTED).toBeUndefined();

    const strict = await runHook(w, { env: { TEST_KEY: key }, args: ['--strict'] });
    expect(strict.code, describeCcOtel(strict)).toBe(1);
    expect(strict.stdout).toBe('');
  });

  describe('bad stdin: exit 0 quickly, logged, env file still written', () => {
    const DEADLINE_MS = 5000;
    test.each([
      { name: 'garbage', input: 'this is { not json', problem: /stdin is not JSON/, sessionId: undefined },
      { name: 'empty (closed at once)', input: '', problem: /no input on stdin/, sessionId: undefined },
      { name: 'a JSON array', input: '[1,2]', problem: /not an object/, sessionId: undefined },
      { name: 'never closed, nothing written', input: { keepOpen: true as const }, problem: /no input on stdin/, sessionId: undefined },
      { name: 'half a JSON object, never closed', input: { data: '{"session_id":"abc', keepOpen: true as const }, problem: /stdin is not JSON/, sessionId: undefined },
    ])('$name', async ({ input, problem, sessionId }) => {
      const w = world();
      // A hang is cut at 2× the deadline so the failure says so, fast.
      const r = await runHook(w, { input, env: { CC_OTEL_DEADLINE_MS: String(DEADLINE_MS) }, timeoutMs: 2 * DEADLINE_MS });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.durationMs).toBeLessThan(DEADLINE_MS);
      const log = errorLines(w.errorLog);
      expect(log.map((l) => l.message)).toEqual([expect.stringMatching(problem)]);
      expect(log[0]!.message).toMatch(/^hook input: /);
      const view = shellView(w.envFile, w.root);
      expect(view.env).toMatchObject(ENDPOINTS());
      expect(view.resource['session.id']).toBe(sessionId);
      expect(view.resource.team).toBe('platform');
    });

    test('a complete JSON object on a stdin nobody closes is still used (session.id), without waiting for the deadline', async () => {
      const w = world();
      const r = await runHook(w, { input: { data: hookInput('open-stdin-session'), keepOpen: true }, env: { CC_OTEL_DEADLINE_MS: String(DEADLINE_MS) }, timeoutMs: 2 * DEADLINE_MS });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.durationMs).toBeLessThan(DEADLINE_MS);
      expect(errorLines(w.errorLog)).toEqual([]);
      expect(shellView(w.envFile, w.root).resource['session.id']).toBe('open-stdin-session');
    });

    test('no stdin at all (/dev/null, a TTY-like char device): no wait', async () => {
      const w = world();
      const r = await runHook(w, { input: undefined });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.durationMs).toBeLessThan(2000);
      expect(shellView(w.envFile, w.root).env).toMatchObject(ENDPOINTS());
    });

    test('the error log follows $XDG_STATE_HOME', async () => {
      const w = world();
      const state = join(w.root, 'xdg-state');
      trustProject(w.proj, { ...w.env, XDG_STATE_HOME: state }); // that state dir holds the trust store too
      const r = await runHook(w, { input: 'nope', env: { XDG_STATE_HOME: state } });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(errorLines(join(state, 'cc-otel', 'errors.log'))).toEqual([
        expect.objectContaining({ command: 'hook session-start', message: expect.stringMatching(/^hook input: stdin is not JSON/) }),
      ]);
      expect(existsSync(w.errorLog)).toBe(false);
    });
  });

  describe('unwritable $CLAUDE_ENV_FILE: exit 0 and logged; --strict exits 1', () => {
    test.each([
      { name: 'inside a directory that does not exist', path: (w: World) => join(w.root, 'missing-dir', 'env.sh') },
      { name: 'a directory', path: (w: World) => w.home },
    ])('$name', async ({ path }) => {
      const w = world();
      const target = path(w);
      const r = await runHook(w, { env: { CLAUDE_ENV_FILE: target } });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
      const log = errorLines(w.errorLog);
      expect(log).toEqual([expect.objectContaining({ command: 'hook session-start', code: 'IO', session: SID })]);
      expect(log[0]!.message).toContain(target);

      const strict = await runHook(w, { env: { CLAUDE_ENV_FILE: target }, args: ['--strict'] });
      expect(strict.code, describeCcOtel(strict)).toBe(1);
      expect(strict.stdout).toBe('');
      expect(errorLines(w.errorLog)).toHaveLength(2);
      expect(existsSync(join(w.root, 'missing-dir'))).toBe(false);
    });
  });

  test('no $CLAUDE_ENV_FILE: exit 0, no env file written, logged once (not at every session start); --strict exits 1 every time', async () => {
    const w = world();
    const r = await runHook(w, { env: { CLAUDE_ENV_FILE: undefined } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\$CLAUDE_ENV_FILE is not set: no OTel variables were written for tools run from Bash/);
    expect(readFileSync(w.envFile, 'utf8')).toBe(PRE_EXISTING);
    expect(treeOf(w.root).filter((f) => f.endsWith('.sh'))).toEqual([w.envFile.slice(w.root.length + 1)]);
    const log = errorLines(w.errorLog);
    expect(log).toEqual([expect.objectContaining({ command: 'hook session-start', session: SID, message: expect.stringMatching(/^\$CLAUDE_ENV_FILE is not set: .*\(logged once\)$/), hint: expect.stringMatching(/SessionStart/) })]);

    // The next session starts: not logged again, nothing on stderr, still exit 0.
    const again = await runHook(w, { env: { CLAUDE_ENV_FILE: undefined }, input: hookInput('5c1d4d2f-8b8f-4e5f-8e66-1234567890bc') });
    expect(again.code, describeCcOtel(again)).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe('');
    expect(errorLines(w.errorLog)).toHaveLength(1);

    // --strict fails on it every time (and says why on stderr), without adding to the log.
    const strict = await runHook(w, { env: { CLAUDE_ENV_FILE: undefined }, args: ['--strict'] });
    expect(strict.code, describeCcOtel(strict)).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toMatch(/\$CLAUDE_ENV_FILE is not set/);
    expect(errorLines(w.errorLog)).toHaveLength(1);
  });

  test('no $CLAUDE_ENV_FILE and --strict on the first run: logged, exit 1', async () => {
    const w = world();
    const r = await runHook(w, { env: { CLAUDE_ENV_FILE: undefined }, args: ['--strict'] });
    expect(r.code, describeCcOtel(r)).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(w.errorLog)).toHaveLength(1);
  });

  test('no configuration at all: inert — exit 0, nothing written anywhere (README: "the hook writes nothing"), nothing logged', async () => {
    const w = world(null);
    const before = treeOf(w.root);
    const r = await runHook(w);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    expect(readFileSync(w.envFile, 'utf8')).toBe(PRE_EXISTING);
    expect(statSync(w.envFile).mode & 0o777).toBe(0o644);
    expect(treeOf(w.root)).toEqual(before);
    const strict = await runHook(w, { args: ['--strict'] });
    expect(strict.code, describeCcOtel(strict)).toBe(0);
  });

  test.each([
    { name: 'garbage', input: 'this is { not json' },
    { name: 'a stdin nobody closes', input: { keepOpen: true as const } },
  ])('no configuration at all and $name on stdin: still inert — exit 0, no error log, nothing written', async ({ input }) => {
    const w = world(null);
    const before = treeOf(w.root);
    for (const args of [[], ['--strict']]) {
      const r = await runHook(w, { input, args });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('');
    }
    for (const event of ['pre-tool-use', 'session-end']) {
      const r = await runCcOtel(['hook', event], { cwd: w.proj, env: w.env, input: 'garbage' });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout + r.stderr).toBe('');
    }
    expect(treeOf(w.root)).toEqual(before);
  });

  test('PreToolUse / PermissionRequest print nothing at all, even on garbage stdin with --strict (the error log has it)', async () => {
    const w = world({ backend: 'local', endpoint: 'http://127.0.0.1:9', events: { ship: false } });
    for (const event of ['pre-tool-use', 'permission-request']) {
      const r = await runCcOtel(['hook', event, '--strict'], { cwd: w.proj, env: w.env, input: 'garbage' });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout + r.stderr).toBe('');
    }
    expect(readFileSync(w.errorLog, 'utf8')).toMatch(/"command":"hook permission-request","message":"hook input: stdin is not JSON/);
    // …while any other event says so on stderr too.
    const stop = await runCcOtel(['hook', 'stop'], { cwd: w.proj, env: w.env, input: 'garbage' });
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(/stdin is not JSON/);
  });

  describe('a hanging key source (fake `op` that sleeps 30 s)', () => {
    /** A fake 1Password CLI that records its pid (and its grandchild's, which holds the pipes) and hangs. */
    function hangingOp(w: World): { binDir: string; ranMarker: string; pids: () => number[] } {
      const binDir = join(w.root, 'fake-bin');
      const pidFile = join(w.root, 'op.pids');
      writeTree(w.root, {
        'fake-bin/op': {
          content: `#!/bin/sh\necho $$ >> '${pidFile}'\nsleep 30 &\necho $! >> '${pidFile}'\nwait\n`,
          mode: 0o755,
        },
      });
      return {
        binDir,
        ranMarker: pidFile,
        pids: () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : []),
      };
    }
    const alive = (pid: number) => {
      try {
        // A zombie (killed, not yet reaped by its new parent) counts as gone.
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    // Event shipping off: a background shipper would run the same hanging `op` (on its own clock),
    // muddling the pid bookkeeping below and outliving the test.
    const opConfig = () => ({ ...BASE_CONFIG, key: ['op://vault/item/field'], sessionEnv: { includeSecrets: true }, events: { ship: false } });

    test('with includeSecrets and CC_OTEL_DEADLINE_MS=1500: ends within ~2 s, exit 0, logged, env file written without the key, op killed', async () => {
      const w = world(opConfig());
      const op = hangingOp(w);
      const r = await runHook(w, { env: { PATH: `${op.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, CC_OTEL_DEADLINE_MS: '1500', TEST_KEY: undefined } });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.durationMs, describeCcOtel(r)).toBeLessThan(2500);
      expect(op.pids().length, 'the fake op ran').toBeGreaterThan(0);

      const log = errorLines(w.errorLog);
      expect(log.length).toBeGreaterThanOrEqual(1);
      expect(log[0]).toMatchObject({ command: 'hook session-start', code: 'KEY_TIMEOUT' });
      expect(log[0]!.message).toContain('op://vault/item/field');

      const view = shellView(w.envFile, w.root);
      expect(view.env).toMatchObject(ENDPOINTS());
      expect(view.env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();

      // Nothing of op survives: its process group was killed at the deadline.
      const deadline = Date.now() + 2000;
      while (op.pids().some(alive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(op.pids().filter(alive)).toEqual([]);
    });

    test('deadlineMs from the config file (1500): a stdin nobody closes, then a hung op, and still the hook ends by 1.5 s with op killed', async () => {
      // The stdin read takes its bounded share (deadline/4); the key chain then gets what is left of
      // the process's 1.5 s (not 1.5 s of its own), so it gives up — and kills op — before the
      // watchdog would have to end the process with op still running.
      const w = world({ ...opConfig(), deadlineMs: 1500 });
      const op = hangingOp(w);
      const r = await runHook(w, { input: { data: hookInput(), keepOpen: true }, env: { PATH: `${op.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, TEST_KEY: undefined }, timeoutMs: 10_000 });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.durationMs, describeCcOtel(r)).toBeGreaterThanOrEqual(1000);
      expect(r.durationMs, describeCcOtel(r)).toBeLessThan(2000);
      expect(errorLines(w.errorLog)[0]).toMatchObject({ command: 'hook session-start', code: 'KEY_TIMEOUT' });
      const deadline = Date.now() + 2000;
      while (op.pids().some(alive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(op.pids().length, 'the fake op ran').toBeGreaterThan(0);
      expect(op.pids().filter(alive)).toEqual([]);
    });

    test('without includeSecrets the key source is never run', async () => {
      const w = world({ ...opConfig(), sessionEnv: { includeSecrets: false } });
      const op = hangingOp(w);
      const r = await runHook(w, { env: { PATH: `${op.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, CC_OTEL_DEADLINE_MS: '1500' } });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.durationMs).toBeLessThan(1500);
      expect(existsSync(op.ranMarker)).toBe(false);
      expect(errorLines(w.errorLog)).toEqual([]);
      expect(shellView(w.envFile, w.root).env).toMatchObject(ENDPOINTS());
    });
  });
});
