/**
 * The key chain: a loop over references. "Not configured here" (skipped) moves on; "configured
 * but broken" (failed) stops and is reported with its fix; every attempt is kept for
 * `env --explain`, `verify` and `status`. Slow sources go through the cache (cache.ts).
 *
 * The same loop resolves preset fields given as references (issue #17, src/field-refs/): an entry
 * may be `{ ref, json }`, the field of a JSON value. The cache holds what the source returned (the
 * whole secret), so two fields of one JSON secret share one entry, one fetch and one refresh.
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
import type { FieldRef } from '../field-refs/shape.js';
import { pickJson } from '../field-refs/json-pick.js';
import { fromEnv } from './sources/env.js';
import { fromDotenv } from './sources/dotenv.js';

/** Slow sources are loaded only when a reference needs them (their modules load SDKs lazily too). */
const SOURCE_LOADERS: Record<KeyRef['kind'], () => Promise<KeySource>> = {
  env: async () => fromEnv,
  dotenv: async () => fromDotenv,
  op: async () => (await import('./sources/onepassword.js')).fromOnePassword,
  'gcp-sm': async () => (await import('./sources/gcp-secret-manager.js')).fromGcpSecretManager,
};

/** A reference, or (a preset field) a reference and the JSON field of its value. */
export type ChainEntry = string | FieldRef;

/** What the chain resolves, for its messages: the key (default), or a preset field. */
export interface ChainSubject {
  /** "key", or the field's config path ("endpoint", "datasets.traces") */
  name: string;
  /** a preset field, not the key */
  field?: true;
}

export interface ChainOptions {
  refs: readonly ChainEntry[];
  subject?: ChainSubject;
  /** one fetch per reference within a run: fields read from the same secret share it */
  inflight?: Map<string, Promise<SourceResult>>;
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
  /** the value (the key, or the field's) and where it came from */
  key: ResolvedKey | undefined;
  attempts: Attempt[];
  error: CcOtelError | undefined;
}

const refOf = (e: ChainEntry): string => (typeof e === 'string' ? e : e.ref);
const jsonOf = (e: ChainEntry): string | undefined => (typeof e === 'string' ? undefined : e.json);

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
  const subject = opts.subject ?? { name: 'key' };
  const what = subject.field ? `"${subject.name}"` : 'key';

  for (const entry of opts.refs) {
    const raw = refOf(entry);
    const json = jsonOf(entry);
    const shown = json === undefined ? raw : `${raw} json "${json}"`;
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
    // A value from the source (or the cache), narrowed to its JSON field when one is asked for.
    const picked = (value: string, detail: string): ChainResult | { problem: string; hint: string } => {
      if (json === undefined) return { key: { value, detail }, attempts, error: undefined };
      const p = pickJson(value, json);
      return p.ok ? { key: { value: p.value, detail: `${detail}, json "${json}"` }, attempts, error: undefined } : p;
    };
    const pickFailed = (p: { problem: string; hint: string }, ms: number): ChainResult => {
      attempts.push({ ref: shown, source: source.name, result: 'failed', detail: p.problem, ms, fix: p.hint });
      return fail(new CcOtelError('KEY_SOURCE_FAILED', `${what} from ${shown} (${source.name}): ${p.problem}`, { hint: p.hint }));
    };
    const cached = source.cacheable && opts.cache.enabled ? readCache(opts.cache.dir, source.name, ref.raw, ctx.now(), policy) : { state: 'miss' as const };
    if (cached.state === 'fresh' || cached.state === 'stale') {
      const fresh = cached.state === 'fresh';
      const r = picked(cached.entry.value, `${raw} (cached ${ago(cached.ageMs)}${fresh ? '' : ', refreshing'})`);
      if (!('key' in r)) return pickFailed(r, ctx.now() - t0);
      attempts.push({ ref: shown, source: source.name, result: fresh ? 'cached' : 'stale', detail: `cached ${ago(cached.ageMs)}${fresh ? '' : ', refreshing in the background'}`, ms: ctx.now() - t0 });
      if (!fresh) opts.onStale?.(raw);
      return r;
    }
    const remaining = opts.deadlineMs - (ctx.now() - started);
    if (remaining <= 0) {
      attempts.push({ ref: shown, source: source.name, result: 'failed', detail: 'chain deadline reached before this source', ms: 0 });
      return fail(new CcOtelError('KEY_TIMEOUT', `no ${what} within the ${opts.deadlineMs} ms deadline`, { hint: 'raise deadlineMs or put a faster source first' }));
    }
    const flightKey = `${source.name}\0${ref.raw}`;
    // The chain that starts a fetch writes its value to the cache; one that shares it does not again.
    const shared = opts.inflight?.get(flightKey);
    const flight = shared ?? runSource(source, ref, ctx, opts, remaining);
    if (!shared) opts.inflight?.set(flightKey, flight);
    const r = await flight;
    const ms = ctx.now() - t0;
    const asked = source.cacheable ? { slow: true as const } : {};
    if (r.status === 'found') {
      if (source.cacheable && opts.cache.enabled && !shared) {
        try {
          writeCache(opts.cache.dir, { v: 1, source: source.name, ref: ref.raw, value: r.value, fetchedAt: ctx.now() });
        } catch (e) {
          ctx.log.warn(`could not write the key cache: ${describeError(e)}`);
        }
      }
      const out = picked(r.value, r.detail);
      if (!('key' in out)) return pickFailed(out, ms);
      attempts.push({ ref: shown, source: source.name, result: 'found', detail: r.detail, ms, ...asked });
      return out;
    }
    if (r.status === 'skipped') {
      attempts.push({ ref: shown, source: source.name, result: 'skipped', detail: r.reason, ms, ...(r.hint ? { fix: r.hint } : {}) });
      continue;
    }
    attempts.push({ ref: shown, source: source.name, result: 'failed', detail: r.reason, ms, ...asked, fix: r.hint });
    return fail(new CcOtelError(r.timedOut ? 'KEY_TIMEOUT' : 'KEY_SOURCE_FAILED', `${subject.field ? `${what}: ` : 'key '}source ${shown} failed: ${r.reason}`, { hint: chainHint(attempts) ?? r.hint }));
  }
  const tried = attempts.map((a) => `  ${a.ref}: ${a.detail}`).join('\n');
  return fail(
    new CcOtelError('KEY_NOT_FOUND', `no ${what} found; tried:\n${tried}`, {
      hint: subject.field
        ? `${chainHint(attempts) ?? 'set one of them'}; or write the value of "${subject.name}" itself in the config`
        : `${chainHint(attempts) ?? 'set one of them'}; or configure "key" (${REF_FORMS})`,
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
