/**
 * The key chain: a loop over references. "Not configured here" (skipped) moves on; "configured
 * but broken" (failed) stops and is reported with its fix; every attempt is kept for
 * `env --explain`, `verify` and `status`. Slow sources go through the cache (cache.ts).
 *
 * Deadlines: each source has its own timeout and the whole chain a deadline; both abort the
 * source's signal. Some SDKs keep the process alive after an abort (the 1Password SDK's fetch for
 * ~10 s), so the commands on the hot path also end the process at their deadline (src/cli.ts).
 */
import type { Context } from '../context.js';
import { CcOtelError, describeError } from '../errors.js';
import type { ResolvedKey } from '../otel/build-env.js';
import { describeUnparsedRef, parseKeyRef, REF_FORMS } from './refs.js';
import { readCache, tryLock, writeCache, DEFAULT_POLICY, type CachePolicy } from './cache.js';
import type { Attempt, KeyRef, KeySource, SourceResult } from './types.js';
import { fromEnv } from './sources/env.js';
import { fromDotenv } from './sources/dotenv.js';

/** Slow sources are loaded only when a reference needs them (their modules load SDKs lazily too). */
const SOURCE_LOADERS: Record<KeyRef['kind'], () => Promise<KeySource>> = {
  env: async () => fromEnv,
  dotenv: async () => fromDotenv,
  op: async () => (await import('./sources/onepassword.js')).fromOnePassword,
  'gcp-sm': async () => (await import('./sources/gcp-secret-manager.js')).fromGcpSecretManager,
};

export interface ChainOptions {
  refs: readonly string[];
  deadlineMs: number;
  projectDir: string | undefined;
  userConfigDir: string;
  cache: { dir: string; enabled: boolean; policy?: CachePolicy };
  /** a stale cache entry was served: refresh it off the critical path */
  onStale?: (ref: string) => void;
  /** override the source registry (tests of the chain logic itself) */
  loadSource?: (kind: KeyRef['kind']) => Promise<KeySource>;
}

export interface ChainResult {
  key: ResolvedKey | undefined;
  attempts: Attempt[];
  error: CcOtelError | undefined;
}

function ago(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? 'just now' : m < 120 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}

async function runSource(source: KeySource, ref: KeyRef, ctx: Context, opts: ChainOptions, remainingMs: number): Promise<SourceResult> {
  const timeoutMs = Math.max(1, Math.min(source.timeoutMs || remainingMs, remainingMs));
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<SourceResult>((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new Error('timeout'));
      resolve({
        status: 'failed',
        reason: `${source.name} did not answer within ${timeoutMs} ms`,
        hint: `check that ${source.name} is reachable, or raise deadlineMs; a cached key is used when there is one`,
        timedOut: true,
      });
    }, timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([
      source
        .resolve(ref, { ...ctx, signal: ac.signal, timeoutMs, projectDir: opts.projectDir, userConfigDir: opts.userConfigDir })
        .catch((e): SourceResult => ({ status: 'failed', reason: describeError(e), hint: `unexpected error from ${source.name}; run with CC_OTEL_DEBUG=1` })),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function resolveKey(ctx: Context, opts: ChainOptions): Promise<ChainResult> {
  const attempts: Attempt[] = [];
  const started = ctx.now();
  const policy = opts.cache.policy ?? DEFAULT_POLICY;
  const load = opts.loadSource ?? ((k: KeyRef['kind']) => SOURCE_LOADERS[k]());
  const fail = (error: CcOtelError): ChainResult => ({ key: undefined, attempts, error });

  for (const raw of opts.refs) {
    const t0 = ctx.now();
    let ref: KeyRef;
    try {
      ref = parseKeyRef(raw);
    } catch (e) {
      // Never the raw string: it may be the key itself, pasted where its reference belongs.
      attempts.push({ ref: describeUnparsedRef(raw), source: '?', result: 'failed', detail: describeError(e), ms: 0 });
      return fail(e as CcOtelError);
    }
    const source = await load(ref.kind);
    const cached = source.cacheable && opts.cache.enabled ? readCache(opts.cache.dir, source.name, ref.raw, ctx.now(), policy) : { state: 'miss' as const };
    if (cached.state === 'fresh') {
      attempts.push({ ref: raw, source: source.name, result: 'cached', detail: `cached ${ago(cached.ageMs)}`, ms: ctx.now() - t0 });
      return { key: { value: cached.entry.value, detail: `${raw} (cached ${ago(cached.ageMs)})` }, attempts, error: undefined };
    }
    if (cached.state === 'stale') {
      attempts.push({ ref: raw, source: source.name, result: 'stale', detail: `cached ${ago(cached.ageMs)}, refreshing in the background`, ms: ctx.now() - t0 });
      opts.onStale?.(raw);
      return { key: { value: cached.entry.value, detail: `${raw} (cached ${ago(cached.ageMs)}, refreshing)` }, attempts, error: undefined };
    }
    const remaining = opts.deadlineMs - (ctx.now() - started);
    if (remaining <= 0) {
      attempts.push({ ref: raw, source: source.name, result: 'failed', detail: 'chain deadline reached before this source', ms: 0 });
      return fail(new CcOtelError('KEY_TIMEOUT', `no key within the ${opts.deadlineMs} ms deadline`, { hint: 'raise deadlineMs or put a faster source first' }));
    }
    const r = await runSource(source, ref, ctx, opts, remaining);
    const ms = ctx.now() - t0;
    const asked = source.cacheable ? { slow: true as const } : {};
    if (r.status === 'found') {
      attempts.push({ ref: raw, source: source.name, result: 'found', detail: r.detail, ms, ...asked });
      if (source.cacheable && opts.cache.enabled) {
        try {
          writeCache(opts.cache.dir, { v: 1, source: source.name, ref: ref.raw, value: r.value, fetchedAt: ctx.now() });
        } catch (e) {
          ctx.log.warn(`could not write the key cache: ${describeError(e)}`);
        }
      }
      return { key: { value: r.value, detail: r.detail }, attempts, error: undefined };
    }
    if (r.status === 'skipped') {
      attempts.push({ ref: raw, source: source.name, result: 'skipped', detail: r.reason, ms, ...(r.hint ? { fix: r.hint } : {}) });
      continue;
    }
    attempts.push({ ref: raw, source: source.name, result: 'failed', detail: r.reason, ms, ...asked, fix: r.hint });
    return fail(new CcOtelError(r.timedOut ? 'KEY_TIMEOUT' : 'KEY_SOURCE_FAILED', `key source ${raw} failed: ${r.reason}`, { hint: chainHint(attempts) ?? r.hint }));
  }
  const tried = attempts.map((a) => `  ${a.ref}: ${a.detail}`).join('\n');
  return fail(
    new CcOtelError('KEY_NOT_FOUND', `no key found; tried:\n${tried}`, {
      hint: `${chainHint(attempts) ?? 'set one of them'}; or configure "key" (${REF_FORMS})`,
    }),
  );
}

/**
 * The fix of a chain that gave no key, in chain order: the first reference that could have worked
 * leads (with `["env:SIGNOZ_KEY", "op://…", "gcp-sm://…"]` and gcloud signed out that is "set
 * SIGNOZ_KEY", not "run gcloud auth login"), then the others. A single reference: its own fix alone.
 */
export function chainHint(attempts: readonly Attempt[]): string | undefined {
  const fixes = attempts.filter((a) => a.fix);
  if (!fixes.length) return undefined;
  if (attempts.length === 1) return fixes[0]?.fix;
  return fixes.map((a, i) => `${i === 0 ? '' : 'or '}${a.fix} (${a.ref}${a === attempts[0] ? ', first in the chain' : ''})`).join('; ');
}

/**
 * Background refresh of one cached reference (run in a detached child process). Keeps the last
 * good value when the source fails; only one refresher per entry at a time.
 */
export async function refreshKey(ctx: Context, raw: string, opts: Omit<ChainOptions, 'refs' | 'onStale'>): Promise<SourceResult['status'] | 'locked'> {
  const ref = parseKeyRef(raw);
  const source = await (opts.loadSource ?? ((k: KeyRef['kind']) => SOURCE_LOADERS[k]()))(ref.kind);
  const unlock = tryLock(opts.cache.dir, source.name, ref.raw, ctx.now());
  if (!unlock) return 'locked';
  try {
    const r = await runSource(source, ref, ctx, { ...opts, refs: [] }, opts.deadlineMs);
    if (r.status === 'found') writeCache(opts.cache.dir, { v: 1, source: source.name, ref: ref.raw, value: r.value, fetchedAt: ctx.now() });
    else if (r.status === 'failed') ctx.log.warn(`background refresh of ${raw} failed (keeping the cached key): ${r.reason}`);
    return r.status;
  } finally {
    unlock();
  }
}
