// The `local` preset without an endpoint follows the running `cc-otel collect`: its ports from the
// collector's collector.json — in `env`, the SessionStart env file and `verify` — and the OTLP
// defaults once it is gone. Real processes: a detached collector (port 0) and bin/cc-otel.js.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const tmp = makeTempDir('cc-otel-local-preset');
afterAll(() => tmp.cleanup());

const home = join(tmp.path, 'home');
const dataDir = join(home, '.local', 'share', 'cc-otel'); // the default data dir for this HOME
const env = { HOME: home, USER: 'ada', CC_OTEL_BACKEND: 'local' };

async function endpointsOf(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const r = await runCcOtel(['env', '--format', 'json'], { cwd: tmp.path, env: { ...env, ...extra } });
  expect(r.code, describeCcOtel(r)).toBe(0);
  const vars = JSON.parse(r.stdout) as Record<string, string>;
  return Object.fromEntries(Object.entries(vars).filter(([k]) => k.startsWith('OTEL_EXPORTER_OTLP_') && k.endsWith('ENDPOINT')));
}

describe('the local preset finds the collector\'s ports', () => {
  test('env, the SessionStart env file and verify use the running collector\'s ports; the defaults when it is not running', async () => {
    writeTree(home, { '.keep': '' });
    const start = await runCcOtel(['collect', '--detach', '--port', '0', '--grpc-port', '0'], { cwd: tmp.path, env });
    expect(start.code, describeCcOtel(start)).toBe(0);
    const state = JSON.parse(readFileSync(join(dataDir, 'collector.json'), 'utf8')) as { pid: number; httpPort: number; grpcPort: number };
    expect(state.httpPort).not.toBe(4318);
    try {
      const http = `http://127.0.0.1:${state.httpPort}`;
      expect(await endpointsOf()).toEqual({
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${http}/v1/metrics`,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${http}/v1/logs`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${http}/v1/traces`,
      });
      // the protocol picks the port
      expect(await endpointsOf({ CC_OTEL_PROTOCOL: 'grpc' })).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${state.grpcPort}` });
      // --explain names where it came from
      const explain = await runCcOtel(['env', '--explain'], { cwd: tmp.path, env });
      expect(explain.stdout).toContain(`the running collector (pid ${state.pid}, ${join(dataDir, 'collector.json')})`);
      // an explicit endpoint still wins
      expect(await endpointsOf({ CC_OTEL_ENDPOINT: 'http://127.0.0.1:4999' })).toMatchObject({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4999/v1/metrics' });

      // the hook path: the env file Claude Code's Bash tools source
      const envFile = join(home, '.claude', 'session-env', 's1', 'sessionstart-hook-0.sh');
      writeTree(home, { '.claude/session-env/s1/sessionstart-hook-0.sh': '' });
      const hook = await runCcOtel(['hook', 'session-start'], {
        cwd: tmp.path,
        env: { ...env, CLAUDE_ENV_FILE: envFile },
        input: JSON.stringify({ session_id: 's1', cwd: tmp.path, hook_event_name: 'SessionStart', source: 'startup' }),
      });
      expect(hook.code, describeCcOtel(hook)).toBe(0);
      expect(hook.stdout).toBe('');
      expect(readFileSync(envFile, 'utf8')).toContain(`${http}/v1/metrics`);

      // install + verify: the probe reaches the collector and is read back from its data dir
      const inst = await runCcOtel(['install'], { cwd: tmp.path, env });
      expect(inst.code, describeCcOtel(inst)).toBe(0);
      expect(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).toContain(`${http}/v1/metrics`);
      const v = await runCcOtel(['verify', '--query'], { cwd: tmp.path, env, timeoutMs: 60_000 });
      expect(v.code, describeCcOtel(v)).toBe(0);
      for (const signal of ['metrics', 'logs', 'traces']) {
        expect(v.stdout).toMatch(new RegExp(`pass\\s+Probe ${signal}\\s+accepted`));
        expect(v.stdout).toMatch(new RegExp(`pass\\s+Read-back ${signal}\\s`));
      }
      expect(v.stdout).not.toContain(':4318');
    } finally {
      const stop = await runCcOtel(['collect', 'stop'], { cwd: tmp.path, env });
      expect(stop.code, describeCcOtel(stop)).toBe(0);
    }

    // not running: the OTLP defaults
    expect(await endpointsOf()).toMatchObject({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4318/v1/metrics' });
    expect(await endpointsOf({ CC_OTEL_PROTOCOL: 'grpc' })).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' });
    // a collector.json left behind by a crashed collector (its pid is gone): the defaults too
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dataDir, 'collector.json'), JSON.stringify({ ...state, pid: gone }), { mode: 0o600 });
    expect(await endpointsOf()).toMatchObject({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4318/v1/metrics' });
  }, 90_000);
});
