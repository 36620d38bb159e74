// A key pasted where a key *reference* belongs must never be echoed: not by `headers` (stderr),
// the hook (stderr, error log, event log), nor `env --explain` / `env --reveal` (stdout). Real
// processes of bin/cc-otel.js with a cleared environment; every file the runs leave under HOME is
// searched too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel, type CcOtelRun } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

const SECRET = 'sk-live-SECRET123';
const LEAK = 'SECRET123';
const GRAFANA = { backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', instanceId: '1234567' };

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

function world(config: Record<string, unknown>) {
  const dir = makeTempDir('cc-otel-no-echo');
  dirs.push(dir);
  writeTree(dir.path, { 'home/.keep': '', 'proj/.cc-otel.json': JSON.stringify(config) });
  const home = join(dir.path, 'home');
  trustProject(join(dir.path, 'proj'), { HOME: home }); // the user trusts the project's .cc-otel.json
  return { home, proj: join(dir.path, 'proj'), envFile: join(home, 'session.sh'), errorLog: join(home, '.local', 'state', 'cc-otel', 'errors.log') };
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => join(dir, p)).filter((p) => statSync(p).isFile());
}

describe.each<[string, Record<string, unknown>, Record<string, string>]>([
  ['in CC_OTEL_KEY', GRAFANA, { CC_OTEL_KEY: SECRET }],
  ['in the config file\'s "key"', { ...GRAFANA, key: [SECRET] }, {}],
])('a key pasted where its reference belongs (%s) is never echoed', (_name, config, extraEnv) => {
  const w = world(config);
  const env = { HOME: w.home, CLAUDE_PROJECT_DIR: w.proj, ...extraEnv };
  const runs: CcOtelRun[] = [];
  const noLeak = (r: CcOtelRun) => {
    runs.push(r);
    expect(r.stdout + r.stderr, describeCcOtel(r)).not.toContain(LEAK);
  };

  test('headers: exit 2, stderr names the setting and the allowed forms', async () => {
    const r = await runCcOtel(['headers'], { cwd: w.proj, env });
    noLeak(r);
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('"sk-l…" (17 chars) is not a key reference');
    expect(r.stderr).toContain('env:NAME, dotenv:NAME, op://');
    expect(r.stderr).toContain(extraEnv.CC_OTEL_KEY ? 'CC_OTEL_KEY' : join(w.proj, '.cc-otel.json'));
  });

  test('hook session-start: exit 0, nothing on stdout, the failure logged without the value', async () => {
    const r = await runCcOtel(['hook', 'session-start'], {
      cwd: w.proj,
      env: { ...env, CLAUDE_ENV_FILE: w.envFile },
      input: JSON.stringify({ session_id: 's-1', hook_event_name: 'SessionStart' }),
    });
    noLeak(r);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('');
    const log = readFileSync(w.errorLog, 'utf8');
    expect(log).toContain('is not a key reference');
    expect(log).not.toContain(LEAK);
  });

  test.each([['--explain'], ['--reveal'], ['--explain', '--format', 'json'], []])('env %s: exit 2, no value on stdout or stderr', async (...args) => {
    const r = await runCcOtel(['env', ...args], { cwd: w.proj, env });
    noLeak(r);
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stderr).toContain('is not a key reference');
  });

  test('no file cc-otel wrote holds the value', () => {
    expect(runs.length).toBeGreaterThan(0);
    for (const f of filesUnder(w.home)) expect(readFileSync(f, 'utf8'), f).not.toContain(LEAK);
  });
});
