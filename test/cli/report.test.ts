// `cc-otel report` as a real process over a real collector's data dir: one person is one row when
// the SessionStart hook (a real `cc-otel hook session-start`, shipped by a real `cc-otel flush`)
// recorded them for a session whose Claude Code data carries only user.id; "no data dir" is an
// error naming the path, "nothing in this window" is not.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/collector.js';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';
import { metricsRequest, post } from '../unit/report/fixtures.js';

const tmp = makeTempDir('cc-otel-report-cli');
let collector: RunningCollector;
const dataDir = join(tmp.path, 'data');
beforeAll(async () => {
  collector = await startCollector({ dataDir, httpPort: 0, grpcPort: null, writeState: false });
});
afterAll(async () => {
  await collector.close();
  tmp.cleanup();
});

describe('cc-otel report (real process)', () => {
  test('a missing data dir exits 1 naming it; an existing one with nothing in the window exits 0 and says which', async () => {
    const env = { HOME: join(tmp.path, 'h1') };
    const missing = join(tmp.path, 'no-such-dir');
    for (const fmt of [[], ['--json'], ['--csv']]) {
      const r = await runCcOtel(['report', '--data-dir', missing, ...fmt], { env });
      expect(r.code, describeCcOtel(r)).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`no collector data dir at ${missing}`);
      expect(r.stderr).toMatch(/hint: .*cc-otel collect --detach/);
    }
    // the default data dir of a HOME that never ran a collector: the same error, with its path
    const dflt = await runCcOtel(['report'], { env });
    expect(dflt.code).toBe(1);
    expect(dflt.stderr).toContain(`no collector data dir at ${join(tmp.path, 'h1', '.local', 'share', 'cc-otel')}`);

    const empty = join(tmp.path, 'empty');
    writeTree(empty, { '.keep': '' });
    const e = await runCcOtel(['report', '--data-dir', empty], { env });
    expect(e.code, describeCcOtel(e)).toBe(0);
    expect(e.stdout).toMatch(/^No telemetry in \S+ yet: the collector has stored nothing there\./);
    expect(e.stdout).not.toMatch(/Start a collector/i);
  });

  test('--by engineer: a project-scope session (only user.id in its data) is named by the engineer its SessionStart hook recorded', async () => {
    const home = join(tmp.path, 'home');
    const proj = join(tmp.path, 'proj');
    writeTree(tmp.path, { 'home/.keep': '', 'proj/.cc-otel.json': JSON.stringify({ backend: 'local', endpoint: collector.httpUrl }) });
    const env = { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj };
    trustProject(proj, env);
    const UID = 'f'.repeat(64);
    const T = Date.now() - 60_000;

    // the hook, as Claude Code runs it, then a flush that ships its event to the collector
    const hook = await runCcOtel(['hook', 'session-start'], {
      cwd: proj,
      env,
      input: JSON.stringify({ session_id: 'sess-proj', transcript_path: '/x/sess-proj.jsonl', cwd: proj, hook_event_name: 'SessionStart', source: 'startup' }),
    });
    expect(hook.code, describeCcOtel(hook)).toBe(0);
    expect(hook.stdout).toBe('');
    const flush = await runCcOtel(['flush', '--json'], { cwd: proj, env });
    expect(flush.code, describeCcOtel(flush)).toBe(0);

    // Claude Code's own data: the same person, once with cc-otel's engineer attribute (a user-scope
    // install), once with only user.id (the project-scope one leaves engineer out)
    const cost = (resource: Record<string, string>, session: string, value: number) =>
      post(collector.httpUrl, 'metrics', metricsRequest({ 'service.name': 'claude-code', ...resource }, [
        { name: 'claude_code.cost.usage', unit: 'USD', temporality: 'delta', points: [{ attrs: { 'session.id': session, 'user.id': UID }, start: T - 1000, time: T, value } ] },
      ]));
    expect(await cost({ engineer: 'ada' }, 'sess-user', 1.5)).toBe(200);
    expect(await cost({}, 'sess-proj', 2)).toBe(200);

    const r = await runCcOtel(['report', '--by', 'engineer', '--json', '--data-dir', dataDir], { env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const report = JSON.parse(r.stdout) as { rows: Array<{ key: string; costUsd: number; sessions: number; engineerSource: string; engineerSources: string[] }> };
    expect(report.rows).toEqual([expect.objectContaining({ key: 'ada', costUsd: 3.5, sessions: 2, engineerSource: 'attribute', engineerSources: ['attribute', 'session-start-hook'] })]);

    const text = await runCcOtel(['report', '--data-dir', dataDir], { env });
    expect(text.code, describeCcOtel(text)).toBe(0);
    expect(text.stdout).toMatch(/^ada\s+2\s/m);
    expect(text.stdout).not.toContain(UID.slice(0, 20));
  });
});
