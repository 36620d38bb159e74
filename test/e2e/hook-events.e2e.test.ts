// Hook events, local-first (issue 5), end to end: the real Claude Code binary runs `cc-otel hook
// <event>` for every event, the built CLI appends to the local JSONL log and ships in the
// background to the independent OTLP receiver. Also: a backend that is down, 200 concurrent hooks,
// a shipper killed mid-batch, and the hook's do-no-harm rules. Needs `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeRun, runClaude, writeClaudeSettings } from '../helpers/claude.js';
import { CC_OTEL_BIN, CC_OTEL_PACKAGE_DIR, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startMockModelApi } from '../helpers/mock-model-api.js';
import { startOtlpReceiver, type OtlpReceiver, type OtlpReply } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';
import { selectHookEvents } from '../../src/events/hook-events.js';
import { listLogFiles } from '../../src/events/event-log.js';
import { eventLogPaths } from '../../src/events/paths.js';
import { readShipState } from '../../src/events/ship-state.js';

const SIX = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'SessionEnd'];
const PROMPT = 'run the hook-events command';

type Line = Record<string, unknown> & { id: string; event: string; time: string };

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
function tmp(prefix: string): string {
  const d = makeTempDir(prefix);
  cleanups.push(() => d.cleanup());
  return d.path;
}
async function receiver(respond?: (n: number) => OtlpReply | undefined): Promise<OtlpReceiver> {
  let n = 0;
  const rx = await startOtlpReceiver(respond ? { respond: (req) => (req.signal === 'logs' ? respond(n++) : undefined) } : {});
  cleanups.push(() => rx.close());
  return rx;
}

/** Every event hook `install --events` would register, pointing at the installed cc-otel. */
function hookSettings(): Record<string, unknown> {
  const hooks: Record<string, unknown[]> = {};
  for (const e of selectHookEvents().events) {
    const hook = { type: 'command', command: `'${process.execPath}' '${CC_OTEL_BIN}' hook ${e.arg}`, timeout: e.timeout };
    hooks[e.event] = [e.matcher === undefined ? { hooks: [hook] } : { matcher: e.matcher, hooks: [hook] }];
  }
  return hooks;
}

function readLog(log: string): Line[] {
  return listLogFiles(log)
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}
const hookLogs = (rx: OtlpReceiver, includeRejected = false) => rx.logs({ includeRejected }).filter((l) => typeof l.attributes['hook.event_name'] === 'string');
const arrivedIds = (rx: OtlpReceiver) => new Set(hookLogs(rx).map((l) => String(l.attributes['log.record.uid'])));

async function until(p: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!p()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** No shipper holds the lock (the background one has finished). */
const shipperDone = (log: string) => () => !existsSync(eventLogPaths(log).shipLock);

interface Project {
  home: string;
  proj: string;
  log: string;
  env: Record<string, string>;
}
function project(config: Record<string, unknown>): Project {
  const home = tmp('cc-otel-ev-home');
  const proj = tmp('cc-otel-ev-proj');
  writeTree(proj, { '.cc-otel.json': JSON.stringify(config) });
  const env = { HOME: home, USER: 'ada' };
  trustProject(proj, env); // the user trusts the project's .cc-otel.json (`cc-otel trust`)
  return { home, proj, log: join(home, '.claude', 'logs', 'hooks.jsonl'), env };
}
const flush = (p: Project, args: string[] = []) => runCcOtel(['flush', '--json', ...args], { env: p.env, cwd: p.proj, timeoutMs: 60_000 });

describe('hook events with the real Claude Code', () => {
  test('every event in the local log, in order; the same events as OTLP logs, joinable with Claude Code\'s own', async () => {
    const api = await startMockModelApi({ bashCommand: 'echo hook-events' });
    cleanups.push(() => api.close());
    const rx = await receiver();
    const p = project({ backend: 'local', endpoint: rx.url, team: 'platform', org: 'acme' });
    writeClaudeSettings(p.home, {
      hooks: hookSettings(),
      // Claude Code's own events go to the same receiver, for the prompt.id join.
      env: {
        CLAUDE_CODE_ENABLE_TELEMETRY: '1',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_LOGS_EXPORT_INTERVAL: '500',
      },
    });

    const run = await runClaude({ home: p.home, cwd: p.proj, prompt: PROMPT, modelApiUrl: api.url, env: { USER: 'ada' } });
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toContain('Done.'); // the hooks changed nothing: the tool ran, the turn finished
    expect(api.responses.map((r) => r.kind)).toEqual(expect.arrayContaining(['tool_use', 'final_text']));

    // Local log: the session's events, in order.
    const lines = readLog(p.log);
    const session = lines.find((l) => l.event === 'SessionStart')?.session_id;
    expect(session, JSON.stringify(lines)).toBeTypeOf('string');
    const ours = lines.filter((l) => l.session_id === session);
    expect(ours.map((l) => l.event).filter((e) => SIX.includes(e))).toEqual(SIX);
    expect(new Set(ours.map((l) => l.id)).size).toBe(ours.length);
    expect(ours.map((l) => l.time)).toEqual(ours.map((l) => l.time).slice().sort());
    const by = (e: string) => ours.find((l) => l.event === e)!;
    expect(by('SessionStart')).toMatchObject({ source: 'startup', cwd: p.proj, engineer: 'ada', team: 'platform', org: 'acme' });
    expect(by('UserPromptSubmit')).toMatchObject({ prompt_bytes: Buffer.byteLength(PROMPT) });
    expect(by('UserPromptSubmit')).not.toHaveProperty('prompt'); // privacy switches are off
    expect(by('PreToolUse')).toMatchObject({ tool_name: 'Bash', prompt_id: by('UserPromptSubmit').prompt_id });
    expect(by('PreToolUse')).not.toHaveProperty('tool_input');
    expect(by('PostToolUse')).toMatchObject({ tool_name: 'Bash', tool_use_id: by('PreToolUse').tool_use_id });
    expect(by('PostToolUse').duration_ms).toBeTypeOf('number');
    expect(by('SessionEnd')).toMatchObject({ reason: expect.any(String) });

    // OTLP: every local event arrives (SessionEnd starts the last shipper after Claude Code exits).
    await rx.waitFor((x) => ours.every((l) => arrivedIds(x).has(l.id)), 30_000, 'every hook event as an OTLP log record');
    const otlp = (e: string) => hookLogs(rx).find((l) => l.attributes['log.record.uid'] === by(e).id)!;
    for (const l of ours) {
      const rec = hookLogs(rx).find((x) => x.attributes['log.record.uid'] === l.id)!;
      expect(rec.eventName).toBe(`cc_otel.hook.${l.event}`);
      expect(rec.attributes).toMatchObject({ 'hook.event_name': l.event, 'session.id': session, engineer: 'ada', team: 'platform' });
      expect(rec.resource).toMatchObject({ 'service.name': 'cc-otel', team: 'platform', org: 'acme' });
    }
    expect(otlp('PreToolUse').attributes).toMatchObject({ tool_name: 'Bash', tool_use_id: by('PreToolUse').tool_use_id, 'prompt.id': by('PreToolUse').prompt_id });

    // The join: prompt.id on our PreToolUse equals prompt.id on Claude Code's own tool_result.
    await rx.waitFor((x) => x.logs().some((l) => l.eventName === 'tool_result'), 15_000, "Claude Code's tool_result event");
    const toolResult = rx.logs().find((l) => l.eventName === 'tool_result')!;
    expect(toolResult.resource['service.name']).toBe('claude-code');
    expect(toolResult.attributes['prompt.id']).toBe(otlp('PreToolUse').attributes['prompt.id']);
    expect(toolResult.attributes['session.id']).toBe(otlp('PreToolUse').attributes['session.id']);
    expect(toolResult.attributes.tool_use_id).toBe(otlp('PreToolUse').attributes.tool_use_id);

    // Everything was shipped exactly as far as the state says, and a flush finds nothing new.
    await until(shipperDone(p.log), 15_000, 'the background shipper to finish');
    const again = await flush(p);
    expect(JSON.parse(again.stdout), describeCcOtel(again)).toMatchObject({ status: 'ok', sent: 0, pending: 0 });
  }, 120_000);

  test('backend down during the session: nothing lost; back up + flush: every event arrives; a second flush sends nothing', async () => {
    const api = await startMockModelApi({ bashCommand: 'echo down' });
    cleanups.push(() => api.close());
    let down = true;
    const rx = await receiver(() => (down ? { status: 503 } : undefined));
    const p = project({ backend: 'local', endpoint: rx.url });
    writeClaudeSettings(p.home, { hooks: hookSettings() });

    const run = await runClaude({ home: p.home, cwd: p.proj, prompt: PROMPT, modelApiUrl: api.url });
    expect(run.code, describeRun(run)).toBe(0);
    await until(shipperDone(p.log), 30_000, 'the background shipper to give up');
    const lines = readLog(p.log);
    expect(lines.map((l) => l.event).filter((e) => SIX.includes(e))).toEqual(SIX);
    expect(hookLogs(rx, true).length, 'the shipper did try').toBeGreaterThan(0);
    expect(arrivedIds(rx).size).toBe(0);
    const st = readShipState(eventLogPaths(p.log).state);
    expect(st.failures).toBeGreaterThan(0);
    expect(st.lastError).toMatch(/failed/);

    const stillDown = await runCcOtel(['flush', '--timeout', '300'], { env: p.env, cwd: p.proj });
    expect(stillDown.code, describeCcOtel(stillDown)).toBe(1);
    expect(stillDown.stdout).toBe('');
    expect(stillDown.stderr).toMatch(new RegExp(`failed: .*; ${lines.length} events pending in .*hooks\\.jsonl\\n  hint: `));

    down = false;
    const f1 = await flush(p);
    expect(f1.code, describeCcOtel(f1)).toBe(0);
    expect(JSON.parse(f1.stdout)).toMatchObject({ status: 'ok', sent: lines.length, pending: 0, endpoint: `${rx.url}/v1/logs` });
    expect([...arrivedIds(rx)].sort()).toEqual(lines.map((l) => l.id).sort());
    const accepted = hookLogs(rx).length;

    const f2 = await flush(p);
    expect(JSON.parse(f2.stdout), describeCcOtel(f2)).toMatchObject({ status: 'ok', sent: 0 });
    expect(hookLogs(rx).length).toBe(accepted);
    const human = await runCcOtel(['flush'], { env: p.env, cwd: p.proj });
    expect(human.stdout).toMatch(/^nothing to ship: every event in .*hooks\.jsonl has been shipped\n$/);
  }, 120_000);
});

describe('hook events from the CLI', () => {
  test('200 concurrent `cc-otel hook pre-tool-use`: 200 intact lines, rotation included; all shipped after a flush', async () => {
    const rx = await receiver();
    const p = project({ backend: 'local', endpoint: rx.url, events: { rotateBytes: 10_000 } }); // ~180-byte lines: 3–4 rotations
    const N = 200;
    const runs = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        runCcOtel(['hook', 'pre-tool-use'], {
          env: { ...p.env, CLAUDE_PROJECT_DIR: p.proj },
          cwd: p.proj,
          input: JSON.stringify({ session_id: 'conc', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: `toolu_${i}`, tool_input: { command: `echo ${'x'.repeat(i)}` } }),
          timeoutMs: 60_000,
        }),
      ),
    );
    for (const r of runs) {
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
    }
    const files = listLogFiles(p.log);
    expect(files.length, 'the log rotated under load').toBeGreaterThan(1);
    const raw = files.map((f) => readFileSync(f, 'utf8')).join('');
    expect(raw.endsWith('\n')).toBe(true);
    const lines = raw.slice(0, -1).split('\n');
    expect(lines).toHaveLength(N);
    const parsed = lines.map((l) => JSON.parse(l) as Line); // throws on any torn or interleaved line
    expect(new Set(parsed.map((l) => l.id)).size).toBe(N);
    expect(new Set(parsed.map((l) => l.tool_use_id)).size).toBe(N);

    await until(shipperDone(p.log), 30_000, 'background shippers to finish');
    const f = await flush(p);
    expect(f.code, describeCcOtel(f)).toBe(0);
    expect(arrivedIds(rx).size).toBe(N);
  }, 180_000);

  test('a shipper killed mid-batch: after the next flush every event has arrived, acknowledged batches are not resent', async () => {
    let stall = false;
    let stalled = -1; // the receiver shows an in-flight request as 200 until it answers: leave it out
    const rx = await startOtlpReceiver({
      respond: (req) => {
        if (!stall || rx.bySignal('logs').indexOf(req) < 2) return undefined;
        stalled = req.index;
        return { status: 503, delayMs: 20_000 };
      },
    });
    cleanups.push(() => rx.close());
    const answered = () => new Set(hookLogs(rx).filter((l) => l.record.index !== stalled).map((l) => String(l.attributes['log.record.uid'])));
    const p = project({ backend: 'local', endpoint: rx.url, events: { ship: false } });
    const N = 20;
    for (let i = 0; i < N; i++) {
      const r = await runCcOtel(['hook', 'post-tool-use'], { env: p.env, cwd: p.proj, input: JSON.stringify({ session_id: 'kill', tool_use_id: `toolu_${i}` }) });
      expect(r.code, describeCcOtel(r)).toBe(0);
    }
    writeFileSync(join(p.proj, '.cc-otel.json'), JSON.stringify({ backend: 'local', endpoint: rx.url }));
    trustProject(p.proj, p.env); // the user's own edit: trusted again
    stall = true; // requests 1–2 acknowledged, the 3rd hangs
    const shipper = spawn(process.execPath, [CC_OTEL_BIN, '__ship', p.log, '--max-batch', '5', '--timeout', '30000'], { cwd: p.proj, env: { PATH: process.env.PATH ?? '', ...p.env }, stdio: 'ignore' });
    const exited = new Promise((r) => shipper.once('exit', r));
    await rx.waitFor((x) => x.bySignal('logs').length >= 3, 20_000, 'the third batch in flight');
    shipper.kill('SIGKILL');
    await exited;
    expect(answered().size).toBe(10);
    // progress = exactly the two acknowledged batches (10 lines), nothing of the one in flight
    const tenLines = Buffer.byteLength(`${readFileSync(p.log, 'utf8').split('\n').slice(0, 10).join('\n')}\n`);
    expect(Object.values(readShipState(eventLogPaths(p.log).state).files).map((f) => f.offset)).toEqual([tenLines]);
    expect(existsSync(eventLogPaths(p.log).shipLock), 'the dead shipper left its lock').toBe(true);

    stall = false;
    const f = await flush(p, ['--max-batch', '5']);
    expect(f.code, describeCcOtel(f)).toBe(0);
    expect(JSON.parse(f.stdout)).toMatchObject({ status: 'ok', sent: N - 10, pending: 0 });
    expect([...answered()].sort()).toEqual(readLog(p.log).map((l) => l.id).sort());
  }, 120_000);

  test('do no harm: PreToolUse/PermissionRequest exit 0 with no output, even broken and --strict; SessionEnd is quick with the backend unreachable', async () => {
    const p = project({ backend: 'local' });
    writeFileSync(join(p.proj, '.cc-otel.json'), '{ broken');
    trustProject(p.proj, p.env); // a trusted file that does not load (an edited one is untrusted: the hook would just be inert)
    for (const ev of ['pre-tool-use', 'permission-request']) {
      const r = await runCcOtel(['hook', ev, '--strict'], { env: p.env, cwd: p.proj, input: 'not json' });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toBe('');
    }
    const stop = await runCcOtel(['hook', 'stop', '--strict'], { env: p.env, cwd: p.proj, input: '{}' });
    expect(stop.code).toBe(1); // other events may report a failure when asked to
    expect(readLog(p.log).map((l) => l.event)).toEqual(['PreToolUse', 'PermissionRequest', 'Stop']);

    const q = project({ backend: 'local', endpoint: 'http://127.0.0.1:9' }); // discard port: refused
    const end = await runCcOtel(['hook', 'session-end'], { env: q.env, cwd: q.proj, input: JSON.stringify({ session_id: 's', hook_event_name: 'SessionEnd', reason: 'other' }) });
    expect(end.code, describeCcOtel(end)).toBe(0);
    expect(end.stdout).toBe('');
    expect(end.durationMs).toBeLessThan(1000); // SessionEnd hooks share a 1.5 s budget
    await until(() => readShipState(eventLogPaths(q.log).state).failures > 0, 20_000, 'the background shipper to record the failure');
    await until(shipperDone(q.log), 20_000, 'the background shipper to exit');
  }, 60_000);

  test('the hook bundle (dist/hot.cjs) and its loader (bin/cc-otel.js) load no OTel exporter, no HTTP client and no crypto', () => {
    const hot = [join('dist', 'hot.cjs'), join('bin', 'cc-otel.js')].map((f) => readFileSync(join(CC_OTEL_PACKAGE_DIR, f), 'utf8')).join('\n');
    const loads = [...hot.matchAll(/(?:require|import)\(["']([^"']+)["']\)/g)].map((m) => m[1]!);
    // (node:net may appear: the stdin reader wraps a pipe fd in a Socket — no network involved)
    expect(loads.filter((m) => /^@opentelemetry\/|^(node:)?(http|https|http2|tls)$/.test(m))).toEqual([]);
    // node:crypto is in the bundle only for rotation with shipping on (retention.ts: the log's
    // fingerprints), initialised lazily: a hook that doesn't rotate must not load it. At run time:
    const dir = tmp('cc-otel-hot-modules');
    const [pre] = writeTree(dir, {
      'pre.cjs': `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.json'))}, JSON.stringify(process.moduleLoadList)));\n`,
      'proj/.cc-otel.json': JSON.stringify({ backend: 'local', endpoint: 'http://127.0.0.1:9' }),
      'home/.keep': '',
    });
    // A file is trusted once it has been there a moment (its stat tuple settled: trust/store.ts), as a
    // user's is: then the hook's trust check is a tuple comparison, no hash. Configured: the hook records.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
    trustProject(join(dir, 'proj'), { HOME: join(dir, 'home') });
    const r = spawnSync(process.execPath, ['--require', pre!, CC_OTEL_BIN, 'hook', 'pre-tool-use'], {
      env: { PATH: process.env.PATH, HOME: join(dir, 'home'), CLAUDE_PROJECT_DIR: join(dir, 'proj') },
      input: JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse' }),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const loaded = JSON.parse(readFileSync(join(dir, 'loaded.json'), 'utf8')) as string[];
    expect(loaded.filter((m) => /^NativeModule (crypto|http|https|http2|tls)$/.test(m))).toEqual([]);
  });
});
