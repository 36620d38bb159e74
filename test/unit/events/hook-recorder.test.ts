// The hook's side, in-process: record → append → maybe start a shipper (a stand-in script here, so
// we can see whether and how it was started), and runHook's exit-code rules.
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, type Context } from '../../../src/context.js';
import { recordHookEvent } from '../../../src/events/hook-recorder.js';
import { eventLogPaths } from '../../../src/events/paths.js';
import { tryLock } from '../../../src/events/lock.js';
import { shipperEnv } from '../../../src/events/ship-trigger.js';
import { runHook } from '../../../src/commands/hook.js';
import { readErrorLog } from '../../../src/log/error-log.js';
import { userDirs } from '../../../src/config/dirs.js';
import { destinationStorePath, readDestinationStore, lookupDestination } from '../../../src/events/destination-store.js';
import { trustProject } from '../../helpers/trust.js';
import { makeTempDir, writeTree, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

interface World {
  ctx: Context;
  home: string;
  proj: string;
  log: string;
  /** a stand-in for bin/cc-otel.js: records its argv and env in `spawned` */
  cli: string;
  spawned: string;
}

function world(config: unknown, env: Record<string, string> = {}): World {
  const d = makeTempDir('cc-otel-hookrec');
  dirs.push(d);
  const home = join(d.path, 'home');
  const proj = join(d.path, 'proj');
  const spawned = join(d.path, 'spawned.json');
  const [cli] = writeTree(d.path, {
    'fake-cli.cjs': `require('fs').writeFileSync(${JSON.stringify(spawned)}, JSON.stringify({ argv: process.argv.slice(2), otel: process.env.OTEL_EXPORTER_OTLP_HEADERS ?? null }));\n`,
    ...(config === undefined ? {} : { 'proj/.cc-otel.json': typeof config === 'string' ? config : JSON.stringify(config) }),
    'home/.keep': '',
  });
  const ctx = makeContext({ env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj, ...env }, cwd: proj, homeDir: home, now: () => Date.UTC(2026, 5, 1) });
  if (config !== undefined) trustProject(proj, ctx); // the user trusts the project's .cc-otel.json
  return { ctx, home, proj, log: join(home, '.claude', 'logs', 'hooks.jsonl'), cli: cli!, spawned };
}

const lines = (log: string) => readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const waitFor = async (p: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!p() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return p();
};
const problems: string[] = [];
const log = (m: string) => void problems.push(m);
const rec = (w: World, arg: string, input: Record<string, unknown>) => recordHookEvent({ ctx: w.ctx, arg, input, startedAt: w.ctx.now(), cliPath: w.cli, log });

describe('recordHookEvent', () => {
  it('appends the record with engineer/team/org from config; no backend → no shipper', async () => {
    const w = world({ team: 'platform', org: 'acme' });
    const r = await rec(w, 'pre-tool-use', { session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: 't1', prompt_id: 'p1', tool_input: { command: 'ls' } });
    expect(r).toMatchObject({ event: 'PreToolUse', path: w.log, shipper: 'off' });
    expect(lines(w.log)).toEqual([
      expect.objectContaining({ id: r!.id, event: 'PreToolUse', time: '2026-06-01T00:00:00.000Z', session_id: 's', tool_use_id: 't1', prompt_id: 'p1', engineer: 'ada', team: 'platform', org: 'acme', tool_input_bytes: 16 }),
    ]);
    expect(existsSync(w.spawned)).toBe(false);
  });

  it('stamps the record with an id into the user\'s destination store, never the destination itself', async () => {
    const w = world({ backend: 'local', endpoint: 'http://127.0.0.1:9', events: { ship: false } }, { CC_OTEL_KEY: 'env:SOME_KEY' });
    const r1 = await rec(w, 'stop', {});
    const r2 = await rec(w, 'stop', { dest: { dir: '/elsewhere' } }); // a `dest` in the hook input is not copied either
    const [l1, l2] = lines(w.log);
    expect(l1!.dest).toMatch(/^[0-9a-f]{32}$/);
    expect(l2!.dest).toBe(l1!.dest); // one destination, one id
    expect(JSON.stringify(lines(w.log))).not.toMatch(/127\.0\.0\.1|SOME_KEY|elsewhere|\.cc-otel\.json/);
    const store = destinationStorePath(userDirs(w.ctx).state);
    expect(lookupDestination(readDestinationStore(store).store, l1!.dest)).toEqual({ dir: w.proj, config: join(w.proj, '.cc-otel.json'), env: { CC_OTEL_KEY: 'env:SOME_KEY' } });
    expect(r1?.id).not.toBe(r2?.id);
  });

  it('a destination store that cannot be written: the event is still recorded (without a destination), the problem logged', async () => {
    problems.length = 0;
    const w0 = world({ team: 'platform' });
    const w: World = { ...w0, ctx: { ...w0.ctx, env: { ...w0.ctx.env, XDG_STATE_HOME: join(w0.home, 'not-a-dir') } } };
    writeFileSync(join(w0.home, 'not-a-dir'), 'a file'); // where the state dir would go
    const r = await rec(w, 'stop', {});
    expect(lines(w.log)).toEqual([expect.objectContaining({ id: r!.id, event: 'Stop' })]);
    expect(lines(w.log)[0]).not.toHaveProperty('dest');
    expect(problems.join('\n')).toMatch(/cannot write the destination store .* not be shipped/);
  });

  it('unconfigured (no config file, no CC_OTEL_BACKEND): inert, nothing written', async () => {
    const w = world(undefined);
    expect(await rec(w, 'stop', { session_id: 's' })).toBeUndefined();
    expect(existsSync(w.log)).toBe(false);
    const w2 = world(undefined, { CC_OTEL_BACKEND: 'local', CC_OTEL_ENDPOINT: 'http://127.0.0.1:9', CC_OTEL_SIGNALS: 'metrics' });
    expect((await rec(w2, 'stop', {}))?.event).toBe('Stop'); // configured by environment: records
  });

  it('the event name comes from the input, else from the argument (unknown events too)', async () => {
    const w = world({});
    await rec(w, 'stop', { hook_event_name: 'Stop' });
    await rec(w, 'brand-new-event', {});
    await rec(w, 'x', { hook_event_name: 'not a name!' });
    expect(lines(w.log).map((l) => l.event)).toEqual(['Stop', 'BrandNewEvent', 'X']);
  });

  it('projectLog: the log goes under $CLAUDE_PROJECT_DIR/.claude/logs', async () => {
    const w = world({ events: { projectLog: true } });
    const r = await rec(w, 'stop', {});
    expect(r?.path).toBe(join(w.proj, '.claude', 'logs', 'hooks.jsonl'));
    expect(lines(r!.path)).toHaveLength(1);
  });

  it('a broken config still records the event (defaults) and reports the config', async () => {
    problems.length = 0;
    const w = world('{ not json');
    const r = await rec(w, 'stop', { session_id: 's' });
    expect(lines(w.log)).toEqual([expect.objectContaining({ id: r!.id, event: 'Stop', engineer: 'ada' })]);
    expect(problems.join('\n')).toMatch(/not valid JSON.*default settings/);
  });

  it('shipping on: starts the background shipper with the log, without OTEL_EXPORTER_OTLP_*', async () => {
    const w = world({ backend: 'local' }, { OTEL_EXPORTER_OTLP_HEADERS: 'x=y' });
    const r = await rec(w, 'pre-tool-use', {});
    expect(r?.shipper).toBe('started');
    // Wait for the whole file: the stand-in may still be writing it.
    const parsed = () => {
      try {
        return JSON.parse(readFileSync(w.spawned, 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    };
    expect(await waitFor(() => parsed() !== undefined)).toBe(true);
    expect(parsed()).toEqual({ argv: ['__ship', w.log], otel: null });
    expect(shipperEnv({ A: '1', OTEL_EXPORTER_OTLP_ENDPOINT: 'x', OTEL_RESOURCE_ATTRIBUTES: 'a=b' })).toEqual({ A: '1', OTEL_RESOURCE_ATTRIBUTES: 'a=b' });
  });

  it('no second shipper while one runs; none during back-off — except at SessionEnd', async () => {
    const w = world({ backend: 'local' });
    const paths = eventLogPaths(w.log);
    await rec(w, 'stop', {}); // creates the log dir
    await waitFor(() => existsSync(w.spawned));
    const lock = tryLock(paths.shipLock, Date.now(), 600_000, process.ppid)!;
    expect((await rec(w, 'stop', {}))?.shipper).toBe('running');
    unlinkSync(lock.path); // that shipper is done
    writeFileSync(paths.state, JSON.stringify({ v: 1, files: {}, failures: 1, retryAt: w.ctx.now() + 60_000 }));
    expect((await rec(w, 'stop', {}))?.shipper).toBe('backoff');
    expect((await rec(w, 'session-end', { hook_event_name: 'SessionEnd' }))?.shipper).toBe('started');
  });
});

describe('the starting marker', () => {
  it('a fresh marker (a hook is starting a shipper) → no second start; a stale one (its child died) → start', async () => {
    const w = world({ backend: 'local' });
    const paths = eventLogPaths(w.log);
    expect((await rec(w, 'stop', {}))?.shipper).toBe('started'); // the stand-in never takes the lock nor clears the marker
    expect(existsSync(paths.startMarker)).toBe(true);
    const fresh = new Date(w.ctx.now() - 1000); // the world's clock
    utimesSync(paths.startMarker, fresh, fresh);
    expect((await rec(w, 'stop', {}))?.shipper).toBe('starting');
    const old = new Date(w.ctx.now() - 31_000);
    utimesSync(paths.startMarker, old, old);
    expect((await rec(w, 'stop', {}))?.shipper).toBe('started');
  });
});

describe('runHook exit codes', () => {
  const run = async (w: World, event: string, strict: boolean, input = '{"session_id":"s"}') => {
    const f = join(w.home, 'stdin.json');
    writeFileSync(f, input);
    const fd = openSync(f, 'r');
    try {
      return await runHook({ ctx: w.ctx, event, strict, cliPath: w.cli, stdinFd: fd });
    } finally {
      closeSync(fd);
    }
  };

  it('records even when stdin is not JSON; --strict then fails — but never for PreToolUse/PermissionRequest', async () => {
    const w = world({});
    expect(await run(w, 'stop', false, 'garbage')).toBe(0);
    expect(await run(w, 'stop', true, 'garbage')).toBe(1);
    expect(await run(w, 'pre-tool-use', true, 'garbage')).toBe(0);
    expect(await run(w, 'permission-request', true, 'garbage')).toBe(0);
    expect(lines(w.log).map((l) => l.event)).toEqual(['Stop', 'Stop', 'PreToolUse', 'PermissionRequest']);
    expect(readErrorLog(userDirs(w.ctx).state).length).toBeGreaterThan(0);
  });

  it('takes the session id from $CLAUDE_CODE_SESSION_ID when the input has none', async () => {
    const w = world({}, { CLAUDE_CODE_SESSION_ID: 'from-env' });
    await run(w, 'stop', false, '{}');
    expect(lines(w.log)[0]).toMatchObject({ session_id: 'from-env' });
  });

  it('session-start records the event and still writes $CLAUDE_ENV_FILE', async () => {
    const w = world({ backend: 'local', events: { ship: false } });
    const envFile = join(w.home, 'env.sh');
    writeFileSync(envFile, '');
    const w2: World = { ...w, ctx: { ...w.ctx, env: { ...w.ctx.env, CLAUDE_ENV_FILE: envFile } } };
    expect(await run(w2, 'session-start', true, '{"session_id":"s","hook_event_name":"SessionStart","source":"startup"}')).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toMatch(/export OTEL_EXPORTER_OTLP_PROTOCOL=/);
    expect(lines(w.log)).toEqual([expect.objectContaining({ event: 'SessionStart', source: 'startup', session_id: 's' })]);
  });
});
