// `cc-otel exec` as a real process with a cleared environment: exit codes and signals pass through,
// stdin/stdout are the child's alone, the child gets the whole OTel set (secret header included),
// and settings that would override it are named on stderr.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const KEY = 'sk-exec-test-8c7d6e5f';
const CONFIG = { backend: 'otlp', endpoint: 'http://127.0.0.1:4318', header: 'authorization', headerValue: 'Bearer {key}', key: ['env:TEST_KEY'], team: 'platform' };

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

function world(files: Record<string, string> = {}) {
  const dir = makeTempDir('cc-otel-exec');
  dirs.push(dir);
  writeTree(dir.path, { 'home/.config/cc-otel/config.json': JSON.stringify(CONFIG), 'proj/README.md': 'x\n', ...files });
  const env = { HOME: join(dir.path, 'home'), USER: 'ada', TEST_KEY: KEY };
  const proj = join(dir.path, 'proj');
  return { root: dir.path, proj, env, run: (args: string[], input?: string) => runCcOtel(['exec', '--', ...args], { cwd: proj, env, ...(input !== undefined ? { input } : {}) }) };
}

describe('cc-otel exec (real process)', () => {
  test('the exit code passes through', async () => {
    const w = world();
    const r = await w.run(['sh', '-c', 'exit 7']);
    expect(r.code, describeCcOtel(r)).toBe(7);
    expect((await w.run(['true'])).code).toBe(0);
  });

  test('a signal passes through: killed by SIGTERM, a shell sees 143', async () => {
    const w = world();
    const r = await w.run(['sh', '-c', 'kill -TERM $$']);
    expect(r.signal, describeCcOtel(r)).toBe('SIGTERM');
    const sh = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${CC_OTEL_BIN}" exec -- sh -c 'kill -TERM $$'; echo "status=$?"`], { cwd: w.proj, env: { ...w.env, PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(sh.stdout.trim()).toBe('status=143');
  });

  test("stdin goes to the child; stdout is the child's alone; the child has the OTel set, secret header included", async () => {
    const w = world();
    const piped = await w.run(['cat'], 'line one\nline two\n');
    expect(piped.code, describeCcOtel(piped)).toBe(0);
    expect(piped.stdout).toBe('line one\nline two\n');
    const r = await w.run(['sh', '-c', 'printf "%s|%s|%s|%s" "$OTEL_EXPORTER_OTLP_HEADERS" "$OTEL_EXPORTER_OTLP_PROTOCOL" "$CLAUDE_CODE_ENABLE_TELEMETRY" "$OTEL_RESOURCE_ATTRIBUTES"']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe(`authorization=Bearer ${KEY}|http/protobuf|1|engineer=ada,team=platform`);
    expect(r.stderr).toBe('');
  });

  test('a missing command: exit 127 and a clear message', async () => {
    const w = world();
    const r = await w.run(['no-such-command-cc-otel']);
    expect(r.code, describeCcOtel(r)).toBe(127);
    expect(r.stderr).toContain('cannot run "no-such-command-cc-otel": command not found on PATH');
    expect(r.stdout).toBe('');
    const dir = await w.run([w.root]); // a directory: found, not runnable
    expect(dir.code, describeCcOtel(dir)).toBe(126);
  });

  test('settings env that beats what exec sets is named on stderr (Claude Code prefers it)', async () => {
    const w = world({
      'proj/.claude/settings.json': JSON.stringify({ env: { CLAUDE_CODE_ENABLE_TELEMETRY: '0' } }),
      'proj/.claude/settings.local.json': JSON.stringify({ env: { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer other-secret-value', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' } }),
    });
    const r = await w.run(['true']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stderr).toContain(`CLAUDE_CODE_ENABLE_TELEMETRY="0" from project settings (${join(w.proj, '.claude', 'settings.json')}) overrides the value cc-otel exec sets`);
    expect(r.stderr).toContain('Claude Code will export no telemetry from this run');
    expect(r.stderr).toContain('OTEL_EXPORTER_OTLP_HEADERS=(redacted) from local settings');
    expect(r.stderr).not.toContain('other-secret-value');
    expect(r.stderr).not.toContain('OTEL_EXPORTER_OTLP_PROTOCOL'); // same value: no warning
  });
});
