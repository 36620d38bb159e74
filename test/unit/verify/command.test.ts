// `cc-otel verify` in-process (the clasp way): the commander wiring, the table and the JSON on
// stdout, progress on stderr, the exit code.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeProgram, runProgram } from '../../../src/program.js';
import type { VerifyReport } from '../../../src/verify/index.js';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/probe-receiver.js';
import { KEY, cleanupWorlds, makeWorld } from './world.js';

afterAll(cleanupWorlds);

let out = '';
let err = '';
let rx: HttpReceiver;
beforeEach(async () => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  rx = await startHttpReceiver();
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await rx.close();
});

async function run(args: string[], config: Record<string, unknown>): Promise<number | undefined> {
  const w = makeWorld(config);
  const program = makeProgram(() => w.ctx()).exitOverride();
  await program.parseAsync(['verify', ...args], { from: 'user' });
  return typeof process.exitCode === 'number' ? process.exitCode : undefined;
}

describe('cc-otel verify (in-process)', () => {
  it('--json prints the report and nothing else on stdout; progress goes to stderr', async () => {
    const code = await run(['--json', '--skip', 'claude'], { backend: 'otlp', endpoint: rx.url, header: 'authorization', key: ['env:TEST_KEY'] });
    const report = JSON.parse(out) as VerifyReport;
    expect(report).toMatchObject({ version: 1, ok: true, exitCode: 0, strict: false, backend: 'otlp', summary: { fail: 0 } });
    expect(report.checks.map((c) => c.id)).toEqual([
      'config', 'config.project', 'key', 'env.protocol', 'env.endpoints', 'env.temporality', 'env.resource-attributes', 'env.headers', 'env.content',
      'claude.telemetry', 'claude.helper', 'claude.helper-run', 'claude.hook',
      'probe.metrics', 'probe.logs', 'probe.traces', 'readback.metrics', 'readback.logs', 'readback.traces',
    ]);
    for (const c of report.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'title', 'required', 'status', 'durationMs']));
    expect(code ?? 0).toBe(0);
    expect(err).toMatch(/^cc-otel verify: sending the metrics probe to /m);
    expect(out + err).not.toContain(KEY);
  });

  it('the table: status, check, value, then source and fix under it, and the verdict', async () => {
    const code = await run(['--skip', 'claude'], { backend: 'grafana-cloud', endpoint: `${rx.url}/otlp`, instanceId: '42', key: ['env:TEST_KEY'], temporality: 'delta' });
    expect(code).toBe(1);
    expect(out).toMatch(/^cc-otel verify · backend grafana-cloud · probe id [0-9a-f-]{36}$/m);
    expect(out).toMatch(/^ {2}STATUS {2}CHECK +VALUE$/m);
    expect(out).toMatch(/^ {2}FAIL {4}Metrics temporality +delta$/m);
    expect(out).toMatch(/^ +fix: {4}remove the "temporality" override/m);
    expect(out).toMatch(/^ {2}pass {4}Probe metrics +accepted \(HTTP 200/m);
    expect(out).toMatch(/^ {2}skip {4}Claude Code's own telemetry +skipped with --skip$/m);
    expect(out).toMatch(/passed · 0 warnings · 1 failed · \d+ skipped — FAILED \(exit 1, /);
    expect(out).not.toContain('\u001b['); // no colour when stdout is not a terminal
  });

  it('a config error exits 2, with the table still printed', async () => {
    const code = await run([], { backend: 'honeycomb', region: 'mars', key: ['env:TEST_KEY'] });
    expect(code).toBe(2);
    expect(out).toMatch(/FAIL {4}Config/);
    expect(out).toMatch(/CONFIG ERROR \(exit 2/);
  });

  it('config flags override the file (--backend/--endpoint)', async () => {
    await run(['--json', '--skip', 'claude', 'probe', 'readback', '--endpoint', 'https://otlp.example.com'], { backend: 'otlp', endpoint: rx.url });
    const report = JSON.parse(out) as VerifyReport;
    expect(report.checks.find((c) => c.id === 'env.endpoints')).toMatchObject({ value: 'https://otlp.example.com/v1/{metrics,logs,traces}', source: 'flag --endpoint' });
  });

  it('--settings (what claude --settings gets) counts as a scope above project and user', async () => {
    await run(['--json', '--skip', 'probe', 'readback', '--settings', '{"env":{"CLAUDE_CODE_ENABLE_TELEMETRY":"0"}}'], { backend: 'local', endpoint: rx.url });
    const report = JSON.parse(out) as VerifyReport;
    expect(report.checks.find((c) => c.id === 'claude.telemetry')).toMatchObject({ status: 'fail', value: 'CLAUDE_CODE_ENABLE_TELEMETRY="0" in cli settings --settings: Claude Code exports nothing' });
  });

  it('a bad --timeout is a usage error (exit 2)', async () => {
    await runProgram(['verify', '--timeout', 'soon']);
    expect(process.exitCode).toBe(2);
    expect(err).toMatch(/--timeout <ms>.*positive number of milliseconds/);
  });
});
