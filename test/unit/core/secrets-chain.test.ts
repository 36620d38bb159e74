// The key chain loop with fake sources injected through `loadSource`: skipped moves on, failed
// stops with its hint, a hanging source is cut at the deadline, the cache short-circuits slow
// sources (fresh / stale + onStale / expired), and every attempt is recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { refreshKey, resolveKey, type ChainOptions } from '../../../src/secrets/chain.js';
import { cacheFile, readCache, tryLock, writeCache, type CachePolicy } from '../../../src/secrets/cache.js';
import type { KeyRef, KeySource, SourceContext, SourceResult } from '../../../src/secrets/types.js';
import { makeContext, type Context } from '../../../src/context.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function tmp(): string {
  const d = makeTempDir('cc-otel-chain');
  dirs.push(d);
  return d.path;
}

type Behaviour = (ref: KeyRef, ctx: SourceContext) => Promise<SourceResult>;

interface FakeSource extends KeySource {
  calls: string[];
}

function fake(name: string, behaviour: Behaviour | Record<string, SourceResult>, opts: { cacheable?: boolean; timeoutMs?: number } = {}): FakeSource {
  const calls: string[] = [];
  return {
    name,
    cacheable: opts.cacheable ?? false,
    timeoutMs: opts.timeoutMs ?? 0,
    handles: () => true,
    calls,
    async resolve(ref, ctx) {
      calls.push(ref.raw);
      if (typeof behaviour === 'function') return behaviour(ref, ctx);
      return behaviour[ref.raw] ?? { status: 'skipped', reason: `${ref.raw} unknown to the fake` };
    },
  };
}

/** A fake clock: tests move time explicitly. */
function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

function ctxWith(now: () => number = Date.now, warnings: string[] = []): Context {
  return makeContext({ env: {}, homeDir: '/nonexistent-home', now, log: { warn: (m) => warnings.push(m), debug: () => {} } });
}

function opts(sources: Partial<Record<KeyRef['kind'], KeySource>>, o: Partial<ChainOptions> & { refs: string[] }): ChainOptions {
  return {
    deadlineMs: 5000,
    projectDir: undefined,
    userConfigDir: '/nonexistent-config',
    cache: { dir: '/nonexistent-cache', enabled: false },
    loadSource: async (kind) => {
      const s = sources[kind];
      if (!s) throw new Error(`no fake for ${kind}`);
      return s;
    },
    ...o,
  };
}

const found = (value: string): SourceResult => ({ status: 'found', value, detail: `fake ${value}` });
const skipped = (reason: string): SourceResult => ({ status: 'skipped', reason });
const failed = (reason: string, hint: string): SourceResult => ({ status: 'failed', reason, hint });

describe('the chain loop', () => {
  it('skipped moves on; the first found wins; later refs are not tried', async () => {
    const env = fake('env', { 'env:A': skipped('A is not set'), 'env:B': found('bee'), 'env:C': found('sea') });
    const r = await resolveKey(ctxWith(), opts({ env }, { refs: ['env:A', 'env:B', 'env:C'] }));
    expect(r.error).toBeUndefined();
    expect(r.key).toEqual({ value: 'bee', detail: 'fake bee' });
    expect(env.calls).toEqual(['env:A', 'env:B']);
    expect(r.attempts.map((a) => [a.ref, a.source, a.result, a.detail])).toEqual([
      ['env:A', 'env', 'skipped', 'A is not set'],
      ['env:B', 'env', 'found', 'fake bee'],
    ]);
  });

  it('failed stops the chain and carries the hint', async () => {
    const op = fake('1password', { 'op://v/i/f': failed('not signed in', 'run `op signin`') });
    const env = fake('env', { 'env:B': found('never') });
    const r = await resolveKey(ctxWith(), opts({ op, env }, { refs: ['op://v/i/f', 'env:B'] }));
    expect(r.key).toBeUndefined();
    expect(r.error?.code).toBe('KEY_SOURCE_FAILED');
    expect(r.error?.message).toBe('key source op://v/i/f failed: not signed in');
    expect(r.error?.hint).toBe('run `op signin`');
    expect(env.calls).toEqual([]);
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0]).toMatchObject({ ref: 'op://v/i/f', source: '1password', result: 'failed', detail: 'not signed in' });
  });

  it("a failure after skipped references: the hint leads with the first reference's fix, then the others in chain order", async () => {
    const env = fake('env', { 'env:A': { status: 'skipped', reason: 'A is not set', hint: 'set A' } });
    const op = fake('1password', { 'op://v/i/f': { status: 'skipped', reason: 'no op', hint: 'install op' } });
    const gcp = fake('gcp-secret-manager', { 'gcp-sm://projects/p/secrets/s': failed('gcloud is not signed in', 'run `gcloud auth login`') });
    const r = await resolveKey(ctxWith(), opts({ env, op, 'gcp-sm': gcp }, { refs: ['env:A', 'op://v/i/f', 'gcp-sm://projects/p/secrets/s'] }));
    expect(r.error?.code).toBe('KEY_SOURCE_FAILED');
    expect(r.error?.message).toBe('key source gcp-sm://projects/p/secrets/s failed: gcloud is not signed in');
    expect(r.error?.hint).toBe('set A (env:A, first in the chain); or install op (op://v/i/f); or run `gcloud auth login` (gcp-sm://projects/p/secrets/s)');
    expect(r.attempts.map((a) => a.fix)).toEqual(['set A', 'install op', 'run `gcloud auth login`']);
  });

  it('all skipped → KEY_NOT_FOUND listing every attempt', async () => {
    const env = fake('env', {});
    const dotenv = fake('dotenv', { 'dotenv:B': skipped('no .env in /p/.env') });
    const r = await resolveKey(ctxWith(), opts({ env, dotenv }, { refs: ['env:A', 'dotenv:B'] }));
    expect(r.error?.code).toBe('KEY_NOT_FOUND');
    expect(r.error?.message).toMatch(/env:A: env:A unknown to the fake\n\s+dotenv:B: no \.env in \/p\/\.env/);
    expect(r.attempts.map((a) => a.result)).toEqual(['skipped', 'skipped']);
  });

  it('an invalid reference stops with CONFIG_INVALID before any source runs', async () => {
    const env = fake('env', { 'env:A': found('a') });
    const r = await resolveKey(ctxWith(), opts({ env }, { refs: ['vault://x', 'env:A'] }));
    expect(r.error?.code).toBe('CONFIG_INVALID');
    expect(r.attempts).toEqual([expect.objectContaining({ ref: '(9 chars)', source: '?', result: 'failed' })]);
    expect(env.calls).toEqual([]);
  });

  it('an invalid reference is never echoed (it may be the key itself): not in the attempt, the error or its hint', async () => {
    const r = await resolveKey(ctxWith(), opts({}, { refs: ['sk-live-SECRET123'] }));
    expect(r.error?.code).toBe('CONFIG_INVALID');
    expect(JSON.stringify([r.attempts, r.error?.message, r.error?.hint])).not.toContain('SECRET123');
    expect(r.attempts[0]?.ref).toBe('"sk-l…" (17 chars)');
  });

  it('a source that throws is a failure, not a crash', async () => {
    const env = fake('env', async () => {
      throw new Error('boom\nstack');
    });
    const r = await resolveKey(ctxWith(), opts({ env }, { refs: ['env:A'] }));
    expect(r.error?.code).toBe('KEY_SOURCE_FAILED');
    expect(r.attempts[0]).toMatchObject({ result: 'failed', detail: 'boom' });
  });

  it('the source context carries the project and user dirs, an abort signal and its time budget', async () => {
    let seen: SourceContext | undefined;
    const env = fake('env', async (_ref, c) => {
      seen = c;
      return found('x');
    });
    await resolveKey(ctxWith(), opts({ env }, { refs: ['env:A'], projectDir: '/p', userConfigDir: '/u', deadlineMs: 1234 }));
    expect(seen?.projectDir).toBe('/p');
    expect(seen?.userConfigDir).toBe('/u');
    expect(seen?.signal.aborted).toBe(false);
    expect(seen?.timeoutMs).toBeGreaterThan(1100);
    expect(seen?.timeoutMs).toBeLessThanOrEqual(1234);
  });
});

describe('deadlines', () => {
  const hanging = (state: { aborted: boolean }): Behaviour =>
    (_ref, c) =>
      new Promise<SourceResult>(() => {
        c.signal.addEventListener('abort', () => {
          state.aborted = true;
        });
      });

  it('a hanging source is cut at the chain deadline: settles near it, KEY_TIMEOUT, signal aborted', async () => {
    const state = { aborted: false };
    const op = fake('1password', hanging(state));
    const t0 = performance.now();
    const r = await resolveKey(ctxWith(), opts({ op }, { refs: ['op://v/i/f'], deadlineMs: 150 }));
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(1000); // generous: a loaded 2-CPU box
    expect(r.error?.code).toBe('KEY_TIMEOUT');
    expect(r.error?.hint).toMatch(/deadlineMs/);
    expect(state.aborted).toBe(true);
    // The source gets what is LEFT of the chain deadline (less on a loaded machine, never more).
    expect(r.attempts).toEqual([expect.objectContaining({ ref: 'op://v/i/f', result: 'failed', detail: expect.stringMatching(/did not answer within \d+ ms/) })]);
    const given = Number(/within (\d+) ms/.exec(r.attempts[0]?.detail ?? '')?.[1]);
    expect(given).toBeGreaterThan(0);
    expect(given).toBeLessThanOrEqual(150);
    expect(r.attempts[0]?.ms).toBeGreaterThanOrEqual(given - 5);
  });

  it("a source's own shorter timeout applies, and a timeout stops the chain", async () => {
    const state = { aborted: false };
    const op = fake('1password', hanging(state), { timeoutMs: 80 });
    const env = fake('env', { 'env:B': found('b') });
    const t0 = performance.now();
    const r = await resolveKey(ctxWith(), opts({ op, env }, { refs: ['op://v/i/f', 'env:B'], deadlineMs: 5000 }));
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(75);
    expect(ms).toBeLessThan(1000);
    expect(r.error?.code).toBe('KEY_TIMEOUT');
    expect(r.attempts[0]?.detail).toBe('1password did not answer within 80 ms');
    expect(env.calls).toEqual([]);
  });

  it('the deadline is shared: a later source gets only what is left', async () => {
    const c = clock();
    let budget = 0;
    const env = fake('env', async (ref, sc) => {
      if (ref.raw === 'env:A') {
        c.t += 700; // the first source took 700 ms
        return skipped('A is not set');
      }
      budget = sc.timeoutMs;
      return found('b');
    });
    const r = await resolveKey(ctxWith(c.now), opts({ env }, { refs: ['env:A', 'env:B'], deadlineMs: 1000 }));
    expect(r.key?.value).toBe('b');
    expect(budget).toBe(300);
    expect(r.attempts.map((a) => a.ms)).toEqual([700, 0]);
  });

  it('deadline already spent before a source → KEY_TIMEOUT without calling it', async () => {
    const c = clock();
    const env = fake('env', async (ref) => {
      c.t += 2000;
      return skipped(`${ref.raw} not set`);
    });
    const r = await resolveKey(ctxWith(c.now), opts({ env }, { refs: ['env:A', 'env:B'], deadlineMs: 1000 }));
    expect(r.error?.code).toBe('KEY_TIMEOUT');
    expect(env.calls).toEqual(['env:A']);
    expect(r.attempts.map((a) => [a.ref, a.result, a.detail])).toEqual([
      ['env:A', 'skipped', 'env:A not set'],
      ['env:B', 'failed', 'chain deadline reached before this source'],
    ]);
  });
});

describe('the cache inside the chain', () => {
  const POLICY: CachePolicy = { ttlMs: 60_000, maxAgeMs: 3_600_000 };
  const REF = 'op://Eng/otel/credential';

  function setup(results: SourceResult[]) {
    const dir = join(tmp(), 'cache');
    const c = clock();
    const stale: string[] = [];
    let i = 0;
    const op = fake('1password', async () => results[Math.min(i++, results.length - 1)] ?? skipped('none'), { cacheable: true });
    const run = () => resolveKey(ctxWith(c.now), opts({ op }, { refs: [REF], cache: { dir, enabled: true, policy: POLICY }, onStale: (r) => stale.push(r) }));
    return { dir, c, op, stale, run };
  }

  it('found → written to the cache (0600 in a 0700 dir); next run within ttl is served from it', async () => {
    const s = setup([found('k1'), found('k2')]);
    expect((await s.run()).key?.value).toBe('k1');
    const file = cacheFile(s.dir, '1password', REF);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(s.dir).mode & 0o777).toBe(0o700);
    s.c.t += POLICY.ttlMs - 1;
    const r = await s.run();
    expect(r.key).toEqual({ value: 'k1', detail: `${REF} (cached 1 min ago)` });
    expect(r.attempts).toEqual([expect.objectContaining({ result: 'cached', source: '1password' })]);
    expect(s.op.calls).toHaveLength(1);
    expect(s.stale).toEqual([]);
  });

  it('stale → served at once, onStale called, source not called', async () => {
    const s = setup([found('k1'), found('k2')]);
    await s.run();
    s.c.t += POLICY.ttlMs;
    const r = await s.run();
    expect(r.key?.value).toBe('k1');
    expect(r.key?.detail).toMatch(/refreshing/);
    expect(r.attempts[0]?.result).toBe('stale');
    expect(s.stale).toEqual([REF]);
    expect(s.op.calls).toHaveLength(1);
  });

  it('expired + failing source → the error, not the old key', async () => {
    const s = setup([found('k1'), failed('signed out', 'sign in')]);
    await s.run();
    s.c.t += POLICY.maxAgeMs;
    const r = await s.run();
    expect(r.key).toBeUndefined();
    expect(r.error?.code).toBe('KEY_SOURCE_FAILED');
    expect(s.op.calls).toHaveLength(2);
  });

  it('expired + working source → fetched again and re-cached', async () => {
    const s = setup([found('k1'), found('k2')]);
    await s.run();
    s.c.t += POLICY.maxAgeMs + 5;
    expect((await s.run()).key?.value).toBe('k2');
    const again = readCache(s.dir, '1password', REF, s.c.t, POLICY);
    expect(again.state === 'fresh' && again.entry.value).toBe('k2');
  });

  it('cache disabled → the source every time, no file', async () => {
    const dir = join(tmp(), 'cache');
    const op = fake('1password', { [REF]: found('k') }, { cacheable: true });
    const o = opts({ op }, { refs: [REF], cache: { dir, enabled: false } });
    await resolveKey(ctxWith(), o);
    await resolveKey(ctxWith(), o);
    expect(op.calls).toHaveLength(2);
    expect(existsSync(dir)).toBe(false);
  });

  it('a non-cacheable source is never cached even with the cache on', async () => {
    const dir = join(tmp(), 'cache');
    const env = fake('env', { 'env:K': found('k') });
    await resolveKey(ctxWith(), opts({ env }, { refs: ['env:K'], cache: { dir, enabled: true } }));
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('a cache write failure is a warning, the key is still returned', async () => {
    const parent = tmp();
    const dir = join(parent, 'file-not-dir');
    writeFileSync(dir, 'I am a file'); // the cache "dir" is a file: mkdir fails
    const warnings: string[] = [];
    const op = fake('1password', { [REF]: found('k') }, { cacheable: true });
    const r = await resolveKey(ctxWith(Date.now, warnings), opts({ op }, { refs: [REF], cache: { dir, enabled: true } }));
    expect(r.key?.value).toBe('k');
    expect(warnings.join()).toMatch(/could not write the key cache/);
  });
});

describe('refreshKey (background refresh of one entry)', () => {
  const REF = 'op://Eng/otel/credential';

  it('found → cache rewritten; failure → last good value kept and logged; lock held → locked', async () => {
    const dir = join(tmp(), 'cache');
    const c = clock();
    writeCache(dir, { v: 1, source: '1password', ref: REF, value: 'old', fetchedAt: c.t - 10_000_000 });
    const warnings: string[] = [];
    const base = { deadlineMs: 1000, projectDir: undefined, userConfigDir: '/u', cache: { dir, enabled: true } };

    const bad = fake('1password', async () => failed('down', 'later'), { cacheable: true });
    expect(await refreshKey(ctxWith(c.now, warnings), REF, { ...base, loadSource: async () => bad })).toBe('failed');
    expect(readCache(dir, '1password', REF, c.t, { ttlMs: 1e12, maxAgeMs: 1e12 })).toMatchObject({ entry: { value: 'old' } });
    expect(warnings.join()).toMatch(/keeping the cached key/);

    const unlock = tryLock(dir, '1password', REF, Date.now());
    expect(unlock).toBeTypeOf('function');
    const good = fake('1password', async () => found('new'), { cacheable: true });
    expect(await refreshKey(ctxWith(c.now), REF, { ...base, loadSource: async () => good })).toBe('locked');
    expect(good.calls).toEqual([]);
    unlock?.();

    expect(await refreshKey(ctxWith(c.now), REF, { ...base, loadSource: async () => good })).toBe('found');
    expect(readCache(dir, '1password', REF, c.t, { ttlMs: 1000, maxAgeMs: 2000 })).toMatchObject({ state: 'fresh', entry: { value: 'new' } });
    expect(existsSync(`${cacheFile(dir, '1password', REF)}.lock`)).toBe(false);
  });
});
