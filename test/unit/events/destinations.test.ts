// One log shared by two projects with two backends (the default ~/.claude/logs/hooks.jsonl):
// every record ships to the backend of the project it was recorded in (its `dest` id, resolved in
// the user's destination store), whichever project's shipper (or flush) runs — and records whose
// project can no longer be shipped to are counted, logged and stepped over, never sent elsewhere.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, type Context } from '../../../src/context.js';
import { recordHookEvent } from '../../../src/events/hook-recorder.js';
import { runShipper } from '../../../src/events/shipper.js';
import { contextFor, destinationKey, destinationOf, parseDestination } from '../../../src/events/destination.js';
import { eventLogPaths } from '../../../src/events/paths.js';
import { readShipState } from '../../../src/events/ship-state.js';
import { countPending } from '../../../src/events/log-reader.js';
import { readErrorLog } from '../../../src/log/error-log.js';
import { userDirs } from '../../../src/config/dirs.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../helpers/otlp-receiver.js';
import { trustProject } from '../../helpers/trust.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
let rxA: OtlpReceiver;
let rxB: OtlpReceiver;
beforeAll(async () => {
  [rxA, rxB] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
});
afterAll(async () => {
  await Promise.all([rxA.close(), rxB.close()]);
});

interface Machine {
  home: string;
  log: string;
  cli: string;
  project(name: string, config: unknown, env?: Record<string, string>): { dir: string; ctx: Context };
}

function machine(): Machine {
  const d = makeTempDir('cc-otel-dest');
  dirs.push(d);
  const home = join(d.path, 'home');
  mkdirSync(home, { recursive: true });
  const cli = join(d.path, 'no-op-cli.cjs'); // the hooks' background shipper: the test ships itself
  writeFileSync(cli, '');
  return {
    home,
    cli,
    log: join(home, '.claude', 'logs', 'hooks.jsonl'),
    project(name, config, env = {}) {
      const dir = join(d.path, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '.cc-otel.json'), JSON.stringify(config));
      const ctx = makeContext({ env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: dir, ...env }, cwd: dir, homeDir: home });
      trustProject(dir, ctx); // the user trusts each project's .cc-otel.json
      return { dir, ctx };
    },
  };
}

const problems: string[] = [];
async function hook(ctx: Context, cli: string, i: number): Promise<string> {
  const r = await recordHookEvent({
    ctx,
    arg: 'post-tool-use',
    input: { hook_event_name: 'PostToolUse', session_id: 's', tool_name: 'Bash', tool_use_id: `t${i}` },
    startedAt: Date.now(),
    cliPath: cli,
    log: (m) => void problems.push(m),
  });
  return r!.id;
}
const uids = (rx: OtlpReceiver) => rx.logs().map((l) => String(l.attributes['log.record.uid'])).sort();

describe('a log shared by projects with different backends', () => {
  it('each record reaches only the backend of the project it was recorded in, whoever ships', async () => {
    rxA.reset();
    rxB.reset();
    const m = machine();
    const a = m.project('proj-a', { backend: 'local', endpoint: rxA.url, team: 'alpha' });
    const b = m.project('proj-b', { backend: 'local', endpoint: rxB.url, team: 'beta' });
    const idsA: string[] = [];
    const idsB: string[] = [];
    for (let i = 0; i < 6; i++) {
      idsA.push(await hook(a.ctx, m.cli, i));
      idsB.push(await hook(b.ctx, m.cli, i));
    }
    // B's hook started the shipper: it runs in B's directory with B's environment.
    const r = await runShipper({ ctx: b.ctx, log: m.log, mode: 'background', timeoutMs: 2000, limits: { maxRecords: 4, maxBytes: 1 << 20 } });
    expect(r).toMatchObject({ status: 'ok', sent: 12, unroutable: 0, deadLettered: 0 });
    expect(uids(rxA)).toEqual([...idsA].sort());
    expect(uids(rxB)).toEqual([...idsB].sort());
    // …each with its own project's resource.
    expect(rxA.logs().every((l) => l.resource.team === 'alpha')).toBe(true);
    expect(rxB.logs().every((l) => l.resource.team === 'beta')).toBe(true);
    expect(rxA.logs()[0]!.attributes).not.toHaveProperty('dest'); // local bookkeeping, not shipped

    // `flush` from project A: same routing.
    const moreB = await hook(b.ctx, m.cli, 99);
    const f = await runShipper({ ctx: a.ctx, log: m.log, mode: 'flush', timeoutMs: 2000 });
    expect(f).toMatchObject({ status: 'ok', sent: 1, pending: 0 });
    expect(uids(rxA)).toEqual([...idsA].sort());
    expect(uids(rxB)).toEqual([...idsB, moreB].sort());
  });

  it('CC_OTEL_* config variables of the recording hook are part of its destination', async () => {
    rxA.reset();
    rxB.reset();
    const m = machine();
    // Project A gets its endpoint from Claude Code's per-project env, not from a file.
    const a = m.project('proj-a', { backend: 'local' }, { CC_OTEL_ENDPOINT: rxA.url });
    const b = m.project('proj-b', { backend: 'local', endpoint: rxB.url });
    const idA = await hook(a.ctx, m.cli, 1);
    const idB = await hook(b.ctx, m.cli, 2);
    expect(await runShipper({ ctx: b.ctx, log: m.log, mode: 'flush', timeoutMs: 2000 })).toMatchObject({ status: 'ok', sent: 2 });
    expect(uids(rxA)).toEqual([idA]);
    expect(uids(rxB)).toEqual([idB]);
  });

  it('a project whose config is gone, or that switched shipping off: counted, logged, left in the log, never sent elsewhere', async () => {
    rxA.reset();
    rxB.reset();
    const m = machine();
    const a = m.project('proj-a', { backend: 'local', endpoint: rxA.url });
    const b = m.project('proj-b', { backend: 'local', endpoint: rxB.url });
    const c = m.project('proj-c', { backend: 'local', endpoint: rxA.url });
    const idA = await hook(a.ctx, m.cli, 1);
    await hook(c.ctx, m.cli, 2);
    const idB = await hook(b.ctx, m.cli, 3);
    rmSync(join(a.dir, '.cc-otel.json')); // A: deleted (a user config would now apply there)
    writeFileSync(join(c.dir, '.cc-otel.json'), JSON.stringify({ backend: 'local', endpoint: rxA.url, events: { ship: false } }));
    trustProject(c.dir, c.ctx); // the edit is the user's own: trusted again
    const r = await runShipper({ ctx: b.ctx, log: m.log, mode: 'flush', timeoutMs: 2000 });
    expect(r).toMatchObject({ status: 'ok', sent: 1, unroutable: 2, pending: 0 });
    expect(uids(rxB)).toEqual([idB]);
    expect(uids(rxA)).toEqual([]);
    expect(uids(rxB)).not.toContain(idA);
    // the cursor moved past them (permanently unshippable, logged); they are still in the local log
    expect(countPending(m.log, readShipState(eventLogPaths(m.log).state))).toBe(0);
    expect(readFileSync(m.log, 'utf8')).toContain(idA);
    const errors = readErrorLog(userDirs(b.ctx).state).map((e) => e.message);
    expect(errors.some((e) => e.includes('proj-a') && e.includes('config is gone'))).toBe(true);
    expect(errors.some((e) => e.includes('proj-c') && e.includes('events.ship'))).toBe(true);
  });

  it('a config that cannot be read right now is a failure (back-off), not a reason to skip', async () => {
    rxB.reset();
    const m = machine();
    const a = m.project('proj-a', { backend: 'local', endpoint: rxA.url });
    const b = m.project('proj-b', { backend: 'local', endpoint: rxB.url });
    await hook(a.ctx, m.cli, 1);
    await hook(b.ctx, m.cli, 2);
    writeFileSync(join(a.dir, '.cc-otel.json'), '{ "backend": '); // being edited
    const r = await runShipper({ ctx: b.ctx, log: m.log, mode: 'flush', timeoutMs: 2000 });
    expect(r.status).toBe('failed');
    expect(r.pending).toBe(2);
    expect(r.error?.code).toBe('CONFIG_INVALID');
  });
});

describe('destination identity', () => {
  it('leaves out a CC_OTEL_KEY that is not key references (a pasted key)', () => {
    const env = { HOME: '/h', CLAUDE_PROJECT_DIR: '/p', CC_OTEL_KEY: 'env:K,sk-live-SECRET123' };
    const d = destinationOf(undefined, makeContext({ env, cwd: '/p', homeDir: '/h' }));
    expect(d).toEqual({ dir: '/p' });
    expect(destinationOf(undefined, makeContext({ env: { ...env, CC_OTEL_KEY: 'env:K, op://V/I/f' }, cwd: '/p', homeDir: '/h' })).env).toEqual({ CC_OTEL_KEY: 'env:K, op://V/I/f' });
  });

  it('is the project dir, its config file and the CC_OTEL_* config variables — never a key', () => {
    const ctx = makeContext({ env: { HOME: '/h', CLAUDE_PROJECT_DIR: '/p', CC_OTEL_ENDPOINT: 'http://x', CC_OTEL_API_KEY: 'sekrit', CC_OTEL_KEY: 'env:K' }, cwd: '/p', homeDir: '/h' });
    const d = destinationOf({ projectDir: '/p', files: [{ kind: 'user', path: '/h/.config/cc-otel/config.json' }, { kind: 'project', path: '/p/.cc-otel.json' }] }, ctx);
    expect(d).toEqual({ dir: '/p', config: '/p/.cc-otel.json', env: { CC_OTEL_ENDPOINT: 'http://x', CC_OTEL_KEY: 'env:K' } });
    expect(JSON.stringify(d)).not.toContain('sekrit');
    // as kept in the destination store: read back the same, only CC_OTEL_* config variables survive
    expect(parseDestination(JSON.parse(JSON.stringify(d)))).toEqual(d);
    expect(parseDestination({ ...d, env: { ...d.env, PATH: '/evil', CC_OTEL_API_KEY: 'x' } })).toEqual(d);
    expect(destinationKey(d)).toBe(destinationKey({ ...d, env: { CC_OTEL_KEY: 'env:K', CC_OTEL_ENDPOINT: 'http://x' } }));
    // Shipping for it: the shipper's world, the recorded project and variables — not the shipper's.
    const shipper = makeContext({ env: { HOME: '/h', CLAUDE_PROJECT_DIR: '/q', CC_OTEL_BACKEND: 'honeycomb', K: 'v' }, cwd: '/q', homeDir: '/h' });
    const c = contextFor(d, shipper);
    expect(c.cwd).toBe('/p');
    expect(c.env).toEqual({ HOME: '/h', K: 'v', CLAUDE_PROJECT_DIR: '/p', CC_OTEL_ENDPOINT: 'http://x', CC_OTEL_KEY: 'env:K' });
    expect(parseDestination({ dir: 5 })).toBeUndefined();
  });
});
