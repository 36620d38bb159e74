// Issue 14: a real Claude Code session, held open by a mock model that answers slowly, shows in
// `cc-otel sessions --json` with its session id; after kill -9 it is listed stale; a second session shows its model
// (transcript tail) while live, and its clean exit removes its manifest.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCcOtel, describeCcOtel } from '../helpers/cc-otel.js';
import { describeRun, runClaude } from '../helpers/claude.js';
import { startMockModelApi } from '../helpers/mock-model-api.js';
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
    const api = await startMockModelApi({ bashCommand: 'echo sessions-e2e', latencyMs: 8000 });
    cleanups.push(() => api.close());
    const api2 = await startMockModelApi({ bashCommand: 'sleep 6' });
    cleanups.push(() => api2.close());
    const dir = makeTempDir('cc-otel-e2e-sessions');
    cleanups.push(() => dir.cleanup());
    const home = join(dir.path, 'home');
    const cwd = join(dir.path, 'proj');
    writeTree(dir.path, { 'home/.keep': '', 'proj/.keep': '' });

    // 1. held open, then killed -9
    const run1 = runClaude({ home, cwd, prompt: 'hi', modelApiUrl: api.url, timeoutMs: 60_000 });
    const m = await waitForManifest(home, 30_000);
    const live = await runCcOtel(['sessions', '--json', '--no-cross-check'], { env: { HOME: home } });
    expect(live.code, describeCcOtel(live)).toBe(0);
    const liveOut = JSON.parse(live.stdout);
    expect(liveOut.live.map((s: { sessionId: string }) => s.sessionId)).toEqual([m.sessionId]);
    expect(liveOut.live[0]).toMatchObject({ pid: m.pid, project: 'proj', cwd });
    process.kill(m.pid, 'SIGKILL');
    const r1 = await run1;
    expect(r1.signal === 'SIGKILL' || r1.code !== 0, describeRun(r1)).toBe(true);
    const stale = await runCcOtel(['sessions', '--json', '--no-cross-check'], { env: { HOME: home } });
    const staleOut = JSON.parse(stale.stdout);
    expect(staleOut.live).toEqual([]);
    expect(staleOut.stale.map((s: { sessionId: string }) => s.sessionId)).toEqual([m.sessionId]);

    // 2. a second session, held open by a Bash tool call (`sleep`), is live with its model read from
    // the transcript; its clean exit removes its manifest. Measured (2.1.197): a starting Claude Code
    // also sweeps manifests of dead pids, so the crashed one is gone too after it started.
    const run2 = runClaude({ home, cwd, prompt: 'hi', modelApiUrl: api2.url, timeoutMs: 60_000 });
    let second: { sessionId: string; model: string | null } | undefined;
    const end = Date.now() + 30_000;
    while (Date.now() < end && second?.model == null) {
      const out = JSON.parse((await runCcOtel(['sessions', '--json', '--no-cross-check'], { env: { HOME: home } })).stdout);
      second = out.live.find((s: { sessionId: string }) => s.sessionId !== m.sessionId);
      if (second?.model == null) await new Promise((r) => setTimeout(r, 200));
    }
    expect(second, 'the second session was never listed live with a model').toBeDefined();
    expect(second!.model).toBe(api2.responses.find((r) => r.kind === 'tool_use')?.model);
    const r2 = await run2;
    expect(r2.code, describeRun(r2)).toBe(0);
    const after = JSON.parse((await runCcOtel(['sessions', '--json', '--no-cross-check'], { env: { HOME: home } })).stdout);
    expect(after.live).toEqual([]);
    expect(after.stale.map((s: { sessionId: string }) => s.sessionId)).not.toContain(second!.sessionId);
    expect(readdirSync(join(home, '.claude', 'sessions'))).toEqual([]);
  }, 120_000);
});
