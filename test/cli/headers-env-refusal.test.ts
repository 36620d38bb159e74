// Issue #12: a header value OTEL_EXPORTER_OTLP_HEADERS (k=v,k=v) cannot carry — a key with "," —
// is refused, with the header named and the channel that carries it instead, by every channel that
// writes that variable: `cc-otel exec`, `cc-otel env` (shell, dotenv, json), the env file (where the
// hook leaves the variable out, logs it and exits 0). The headers helper still serves it intact.
// Real processes (bin/cc-otel.js), a cleared environment, a temp HOME.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const CONFIG = {
  backend: 'otlp',
  endpoint: 'http://127.0.0.1:4318',
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['env:TEST_KEY'],
  sessionEnv: { includeSecrets: true },
  events: { ship: false },
};
const SID = '5e0c2a1b-9d8f-4a3b-8c7d-0123456789ef';

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

function world(key: string, config: Record<string, unknown> = CONFIG) {
  const dir = makeTempDir('cc-otel-hdr');
  dirs.push(dir);
  const envFile = join(dir.path, 'home', '.claude', 'session-env', SID, 'sessionstart-hook-0.sh');
  // Claude Code creates the env file (empty) before the hook runs.
  writeTree(dir.path, { 'home/.config/cc-otel/config.json': JSON.stringify(config), 'proj/README.md': 'x\n', [envFile.slice(dir.path.length + 1)]: '' });
  const home = join(dir.path, 'home');
  const env = { HOME: home, USER: 'ada', TEST_KEY: key };
  const proj = join(dir.path, 'proj');
  return {
    proj,
    env,
    envFile,
    errorLog: join(home, '.local', 'state', 'cc-otel', 'errors.log'),
    run: (args: string[], extra: Record<string, string> = {}, input?: string) => runCcOtel(args, { cwd: proj, env: { ...env, ...extra }, ...(input !== undefined ? { input } : {}) }),
  };
}

const REFUSED = /OTEL_EXPORTER_OTLP_HEADERS cannot carry header authorization: its value contains ",", the separator of OTEL_EXPORTER_OTLP_HEADERS \(k=v,k=v\): the SDK would split it into two headers/;
const INSTEAD = /hint: the headers helper carries any value \(otelHeadersHelper: its JSON, HTTP protocols only\)/;

describe('a key OTEL_EXPORTER_OTLP_HEADERS cannot carry (issue #12, real process)', () => {
  test('`cc-otel exec` refuses before running the command: exit 2, the header named, the helper pointed at', async () => {
    const w = world('sk,live');
    const r = await w.run(['exec', '--', 'sh', '-c', 'echo ran; printf %s "$OTEL_EXPORTER_OTLP_HEADERS"']);
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(REFUSED);
    expect(r.stderr).toMatch(/refused for `cc-otel exec`/);
    expect(r.stderr).toMatch(INSTEAD);
    expect(r.stderr).not.toMatch(/^warning:/m);
    expect(r.stderr, 'the message names the header, never the key').not.toContain('sk,live');
  });

  test.each(['shell', 'dotenv', 'json'])('`cc-otel env --reveal --format %s` refuses to print it; unrevealed and --explain still work', async (format) => {
    const w = world('sk,live');
    const r = await w.run(['env', '--reveal', '--format', format]);
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(REFUSED);
    expect(r.stderr).toMatch(INSTEAD);
    // masked, the value is not printed: nothing to refuse
    expect((await w.run(['env', '--format', format])).code).toBe(0);
    const x = await w.run(['env', '--explain', '--reveal']);
    expect(x.code, describeCcOtel(x)).toBe(0);
    expect(x.stdout).toMatch(/refused:\n {2}OTEL_EXPORTER_OTLP_HEADERS cannot carry header authorization/);
  });

  test('the headers helper serves it intact', async () => {
    const w = world('sk,live');
    const r = await w.run(['headers']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ authorization: 'Bearer sk,live' });
  });

  test('the SessionStart hook (sessionEnv.includeSecrets) leaves the variable out of the env file, logs why, exits 0', async () => {
    const w = world('sk,live');
    const input = JSON.stringify({ session_id: SID, cwd: w.proj, hook_event_name: 'SessionStart', source: 'startup' });
    const r = await w.run(['hook', 'session-start'], { CLAUDE_ENV_FILE: w.envFile, CLAUDE_PROJECT_DIR: w.proj }, input);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    const written = readFileSync(w.envFile, 'utf8');
    expect(written).toMatch(/^export OTEL_EXPORTER_OTLP_PROTOCOL=/m);
    expect(written).not.toContain('OTEL_EXPORTER_OTLP_HEADERS');
    expect(written).not.toContain('sk,live');
    const logged = readFileSync(w.errorLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { command: string; code?: string; message: string; hint?: string });
    expect(logged).toContainEqual(
      expect.objectContaining({
        command: 'hook session-start',
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/refused for \$CLAUDE_ENV_FILE \(sessionEnv.includeSecrets\); wrote the env file without it$/),
        hint: expect.stringMatching(/headers helper/),
      }),
    );
  });

  test('a key with a newline: no channel carries it — exec and the helper both refuse, saying so', async () => {
    const w = world('sk\nlive');
    const x = await w.run(['exec', '--', 'true']);
    const h = await w.run(['headers']);
    for (const r of [x, h]) {
      expect(r.code, describeCcOtel(r)).not.toBe(0);
      expect(r.stderr).toMatch(/contains control characters \(header authorization\): no HTTP header may carry a newline, CR or NUL — neither OTEL_EXPORTER_OTLP_HEADERS nor the headers helper/);
    }
    expect(h.stdout).toBe('');
  });

  // A per-signal variable (Honeycomb's metrics dataset, non-secret: written without any secret
  // switch) cannot carry a "," either; the headers helper is no way round it — Claude Code sends
  // its headers with every signal — so the fix is the config value.
  test('a per-signal header with ",": OTEL_EXPORTER_OTLP_METRICS_HEADERS refused by env, exec, the env file and install', async () => {
    const w = world('hc-key', { backend: 'honeycomb', dataset: 'cc,metrics', key: ['env:TEST_KEY'], events: { ship: false } });
    const PER_SIGNAL = /OTEL_EXPORTER_OTLP_METRICS_HEADERS cannot carry header x-honeycomb-dataset: its value contains ",", the separator of OTEL_EXPORTER_OTLP_METRICS_HEADERS/;
    const FIX = /hint: no channel carries it \(the headers helper would send it with every signal\): change the config value it is built from \(header x-honeycomb-dataset\)/;
    for (const args of [['env'], ['env', '--format', 'settings'], ['exec', '--', 'sh', '-c', 'echo ran']]) {
      const r = await w.run(args);
      expect(r.code, `${args.join(' ')}: ${describeCcOtel(r)}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(PER_SIGNAL);
      expect(r.stderr).toMatch(FIX);
    }
    const input = JSON.stringify({ session_id: SID, cwd: w.proj, hook_event_name: 'SessionStart', source: 'startup' });
    const h = await w.run(['hook', 'session-start'], { CLAUDE_ENV_FILE: w.envFile, CLAUDE_PROJECT_DIR: w.proj }, input);
    expect(h.code, describeCcOtel(h)).toBe(0);
    expect(h.stdout).toBe('');
    const written = readFileSync(w.envFile, 'utf8');
    expect(written).toMatch(/^export OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=/m);
    expect(written).not.toContain('OTEL_EXPORTER_OTLP_METRICS_HEADERS');
    expect(readFileSync(w.errorLog, 'utf8')).toMatch(/refused for \$CLAUDE_ENV_FILE; wrote the env file without it/);
    const i = await w.run(['install', '--dry-run']);
    expect(i.code, describeCcOtel(i)).toBe(2);
    expect(i.stderr).toMatch(PER_SIGNAL);
  });

  test('a header name with "=": refused as a config error by every channel, the helper too', async () => {
    const w = world('sk-live');
    const extra = { CC_OTEL_HEADER: 'x-a=b' };
    for (const args of [['exec', '--', 'true'], ['headers'], ['env', '--reveal']]) {
      const r = await w.run(args, extra);
      expect(r.code, `${args.join(' ')}: ${describeCcOtel(r)}`).not.toBe(0);
      expect(r.stderr).toMatch(/header "x-a=b" is not a valid HTTP header name/);
    }
  });
});
