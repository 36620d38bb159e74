// Issue 14: a real Claude Code session, held open by a mock model that answers slowly, shows in
// `cc-otel sessions --json` with its session id and `bridge --once` delivers cc.sessions.active = 1 to a
// real OTLP receiver (auth header, engineer/team/org); after kill -9 it is stale (bridge: active 0,
// stale 1); a second session shows its model while live, and its clean exit removes it from both.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCcOtel, describeCcOtel } from '../helpers/cc-otel.js';
import { CLAUDE_BIN, describeRun, runClaude } from '../helpers/claude.js';
import { startMockModelApi } from '../helpers/mock-model-api.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

async function waitForManifest(home: string, ms: number): Promise<{ pid: number; sessionId: string }> {
  const dir = join(home, '.claude', 'sessions');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const f = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('.json')) : undefined;
    if (f) {
      try {
        return JSON.parse(readFileSync(join(dir, f), 'utf8'));
      } catch { /* being written */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no manifest in ${dir} after ${ms} ms`);
}

describe.skipIf(process.platform !== 'linux')('cc-otel sessions over a real Claude Code', () => {
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

  it('live while held open, stale after kill -9, gone after a clean exit', async () => {
    const api = await startMockModelApi({ bashCommand: 'echo sessions-e2e', latencyMs: 15_000 });
    cleanups.push(() => api.close());
    const api2 = await startMockModelApi({ bashCommand: 'sleep 6' });
    cleanups.push(() => api2.close());
    const dir = makeTempDir('cc-otel-e2e-sessions');
    cleanups.push(() => dir.cleanup());
    const home = join(dir.path, 'home');
    const cwd = join(dir.path, 'proj');
    const rx = await startOtlpReceiver();
    cleanups.push(() => rx.close());
    writeTree(dir.path, {
      'proj/.keep': '',
      'home/.config/cc-otel/config.json': JSON.stringify({ backend: 'otlp', endpoint: rx.url, header: 'authorization', headerValue: 'Bearer {key}', key: ['env:E2E_KEY'], team: 'platform', org: 'acme' }),
    });
    const env = { HOME: home, USER: 'ada', E2E_KEY: 'k-e2e' };
    /** One `bridge --once`: the points of the request it delivered. */
    const bridgeOnce = async () => {
      rx.reset();
      const b = await runCcOtel(['bridge', '--once', '--json'], { env });
      expect(b.code, describeCcOtel(b)).toBe(0);
      const reqs = rx.bySignal('metrics');
      expect(reqs).toHaveLength(1);
      expect(reqs[0]!.headers.authorization).toBe('Bearer k-e2e');
      const active = rx.dataPoints('cc.sessions.active');
      for (const p of active) expect(p.resource).toMatchObject({ engineer: 'ada', team: 'platform', org: 'acme' });
      return { active, stale: rx.dataPoints('cc.sessions.stale').map((p) => p.value), alive: rx.dataPoints('cc.session.alive') };
    };

    // 1. held open, then killed -9
    const run1 = runClaude({ home, cwd, prompt: 'hi', modelApiUrl: api.url, timeoutMs: 60_000 });
    const m = await waitForManifest(home, 30_000);
    const live = await runCcOtel(['sessions', '--json', '--no-cross-check'], { env });
    expect(live.code, describeCcOtel(live)).toBe(0);
    const liveOut = JSON.parse(live.stdout);
    expect(liveOut.live.map((s: { sessionId: string }) => s.sessionId)).toEqual([m.sessionId]);
    expect(liveOut.live[0]).toMatchObject({ pid: m.pid, project: 'proj', cwd });
    // the cross-check with the real `claude agents --json` (the pinned binary first on PATH)
    const crossed = await runCcOtel(['sessions', '--json'], { env: { ...env, PATH: `${dirname(CLAUDE_BIN)}:${process.env.PATH ?? '/usr/bin:/bin'}` }, timeoutMs: 30_000 });
    expect(crossed.code, describeCcOtel(crossed)).toBe(0);
    expect(JSON.parse(crossed.stdout).crossCheck).toEqual({ ran: true, agreed: true, onlyInAgents: [], onlyInManifests: [] });
    const b1 = await bridgeOnce();
    expect(b1.active.map((p) => [p.value, p.attributes.project, p.attributes.version, p.attributes.entrypoint])).toEqual([[1, 'proj', '2.1.197', 'sdk-cli']]);
    expect(b1.stale).toEqual([0]);
    expect(b1.alive.map((p) => p.attributes['session.id'])).toEqual([m.sessionId]);
    process.kill(m.pid, 'SIGKILL');
    const r1 = await run1;
    expect(r1.signal === 'SIGKILL' || r1.code !== 0, describeRun(r1)).toBe(true);
    const stale = await runCcOtel(['sessions', '--json', '--no-cross-check'], { env });
    const staleOut = JSON.parse(stale.stdout);
    expect(staleOut.live).toEqual([]);
    expect(staleOut.stale.map((s: { sessionId: string }) => s.sessionId)).toEqual([m.sessionId]);
    const b2 = await bridgeOnce();
    expect(b2.active.map((p) => p.value)).toEqual([0]);
    expect(b2.stale).toEqual([1]);
    expect(b2.alive).toEqual([]);

    // 2. a second session, held open by a Bash tool call (`sleep`), is live with its model read from
    // the transcript; its clean exit removes its manifest. Measured (2.1.197): a starting Claude Code
    // also sweeps manifests of dead pids, so the crashed one is gone too after it started.
    const run2 = runClaude({ home, cwd, prompt: 'hi', modelApiUrl: api2.url, timeoutMs: 60_000 });
    let second: { sessionId: string; model: string | null } | undefined;
    const end = Date.now() + 30_000;
    while (Date.now() < end && second?.model == null) {
      const out = JSON.parse((await runCcOtel(['sessions', '--json', '--no-cross-check'], { env })).stdout);
      second = out.live.find((s: { sessionId: string }) => s.sessionId !== m.sessionId);
      if (second?.model == null) await new Promise((r) => setTimeout(r, 200));
    }
    expect(second, 'the second session was never listed live with a model').toBeDefined();
    const model = api2.responses.find((r) => r.kind === 'tool_use')?.model;
    expect(second!.model).toBe(model);
    const b3 = await bridgeOnce();
    expect(b3.active.map((p) => [p.value, p.attributes.model])).toEqual([[1, model]]);
    const r2 = await run2;
    expect(r2.code, describeRun(r2)).toBe(0);
    const after = JSON.parse((await runCcOtel(['sessions', '--json', '--no-cross-check'], { env })).stdout);
    expect(after.live).toEqual([]);
    expect(after.stale.map((s: { sessionId: string }) => s.sessionId)).not.toContain(second!.sessionId);
    expect(readdirSync(join(home, '.claude', 'sessions'))).toEqual([]);
    const b4 = await bridgeOnce();
    expect(b4.active.map((p) => p.value)).toEqual([0]);
    expect(b4.stale).toEqual([0]);
  }, 120_000);
});
