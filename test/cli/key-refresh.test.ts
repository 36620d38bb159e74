// The background refresh of a stale cached key, as it really runs: `cc-otel headers` (and the
// SessionStart hook) answer at once with the stale value and leave a detached `__refresh-key`
// child behind, which fetches the key again (here: a fake `op` on PATH) and rewrites the cache.
// A real process, because the bug this guards against was the parent exiting before the child
// was spawned (process.exit right after an `await import('node:child_process')` was queued).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { installFakeOp, type FakeOp } from '../helpers/fake-op/index.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';
import { cacheFile, writeCache } from '../../src/secrets/cache.js';

const REF = 'op://Engineering/otel-ingest/credential';
const OLD = 'sk-old-cached-value';
const NEW = 'sk-new-from-op';
const CONFIG = { backend: 'otlp', endpoint: 'http://127.0.0.1:9', header: 'authorization', headerValue: 'Bearer {key}', key: [REF] };

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

function world(config: Record<string, unknown> = CONFIG, ageMs = 2 * 3600_000) {
  const dir = makeTempDir('cc-otel-refresh');
  cleanups.push(() => dir.cleanup());
  const op: FakeOp = installFakeOp();
  cleanups.push(() => op.cleanup());
  const root = dir.path;
  writeTree(root, { 'home/.keep': '', 'proj/.cc-otel.json': JSON.stringify(config) });
  const home = join(root, 'home');
  trustProject(join(root, 'proj'), { HOME: home }); // the user trusts the project's .cc-otel.json
  const cacheDir = join(home, '.cache', 'cc-otel');
  // Default two hours old: past the 1 h TTL, inside the 24 h max age → served stale, refreshed in the background.
  writeCache(cacheDir, { v: 1, source: '1password', ref: REF, value: OLD, fetchedAt: Date.now() - ageMs });
  const env = { HOME: home, ...op.env('success', { FAKE_OP_SECRET: NEW }), PATH: `${op.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  return { root, proj: join(root, 'proj'), home, env, entry: cacheFile(cacheDir, '1password', REF) };
}

/** Poll the cache entry until it holds `value` (bounded). */
async function cachedValueBecomes(file: string, value: string, withinMs = 10_000): Promise<string | undefined> {
  const until = Date.now() + withinMs;
  let last: string | undefined;
  while (Date.now() < until) {
    try {
      last = (JSON.parse(readFileSync(file, 'utf8')) as { value: string }).value;
      if (last === value) return last;
    } catch {
      /* mid-rename: retry */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}

/** The detached refresh is done: the new value is cached and its lock released (so it writes nothing more there). */
async function refreshDone(file: string, withinMs = 10_000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if ((await cachedValueBecomes(file, NEW, 50)) === NEW && !existsSync(`${file}.lock`)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('background refresh of a stale cached key (real process)', () => {
  test('headers answers with the stale key, then a detached child rewrites the cache with the new one', async () => {
    const w = world();
    const r = await runCcOtel(['headers'], { cwd: w.proj, env: w.env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ authorization: `Bearer ${OLD}` });
    expect(await cachedValueBecomes(w.entry, NEW)).toBe(NEW);
    expect(await refreshDone(w.entry)).toBe(true); // and the child let go of its lock
  });

  test('the SessionStart hook (sessionEnv.includeSecrets) also starts the refresh', async () => {
    const w = world({ ...CONFIG, sessionEnv: { includeSecrets: true }, events: { ship: false } });
    const envFile = join(w.home, 'session.sh');
    const r = await runCcOtel(['hook', 'session-start'], {
      cwd: w.proj,
      env: { ...w.env, CLAUDE_ENV_FILE: envFile, CLAUDE_PROJECT_DIR: w.proj },
      input: JSON.stringify({ session_id: 's-1', hook_event_name: 'SessionStart' }),
    });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toContain(OLD);
    expect(await cachedValueBecomes(w.entry, NEW)).toBe(NEW);
    expect(await refreshDone(w.entry)).toBe(true);
  });

  test('node:child_process stays off the common path: loaded only when a stale key needs refreshing', async () => {
    // A --require'd probe lists the built-in modules the process loaded, at exit.
    const probe = (root: string) => {
      const file = join(root, 'probe.cjs');
      writeFileSync(file, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(root, 'modules.txt'))}, process.moduleLoadList.join('\\n')));\n`);
      return file;
    };
    const loaded = async (ageMs: number) => {
      const w = world(CONFIG, ageMs);
      const r = await runCcOtel(['headers'], { cwd: w.proj, env: { ...w.env, NODE_OPTIONS: `--require ${probe(w.root)}` } });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ authorization: `Bearer ${OLD}` });
      const childProcess = readFileSync(join(w.root, 'modules.txt'), 'utf8').split('\n').includes('NativeModule child_process');
      // A refresh it started must be over before the temp dir is removed.
      if (childProcess) expect(await refreshDone(w.entry)).toBe(true);
      return childProcess;
    };
    expect(await loaded(60_000)).toBe(false); // fresh cache entry
    expect(await loaded(2 * 3600_000)).toBe(true); // positive control: the probe sees it
  });
});
