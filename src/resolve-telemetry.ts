/**
 * Config + key chain + pure builder, in one call shared by every command. Returns values; the
 * caller decides what to print or write.
 */
import type { Context } from './context.js';
import { userDirs, type Dirs } from './config/dirs.js';
import { loadConfig, type LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { buildTelemetry, keyRefs, needsKey, type TelemetryPlan } from './otel/build-env.js';
import { resolveKey, type ChainResult } from './secrets/chain.js';
import { DEFAULT_POLICY } from './secrets/cache.js';
import type { SourceResult } from './secrets/types.js';
import { resolveFieldRefs, type FieldResolution } from './field-refs/resolve.js';
import { redact } from './secrets/redact.js';
import { CcOtelError, isCcOtelError } from './errors.js';
import { getPreset } from './backends/index.js';

export const DEFAULT_DEADLINE_MS = 5000;

export interface ResolveOptions {
  flags?: Config;
  flagNames?: Record<string, string>;
  /** 'never': don't touch the key chain; 'if-needed': resolve when the backend takes a key */
  key: 'never' | 'if-needed';
  sessionId?: string | undefined;
  /** a stale cached key was served */
  onStale?: (ref: string) => void;
  noCache?: boolean;
  /** an already loaded config (the hook loads it once for the event record and the env file) */
  loaded?: LoadedConfig;
  /** when the process's deadline started (ctx.now() at its start): the chain gets what is left of it */
  startedAt?: number;
}

export type Resolved =
  | { inert: true; loaded: LoadedConfig; dirs: Dirs }
  | { inert: false; loaded: LoadedConfig; dirs: Dirs; plan: TelemetryPlan; chain: ChainResult | undefined; fields: FieldResolution[] };

export function deadlineOf(loaded: LoadedConfig | undefined, env: Context['env']): number {
  const fromEnv = Number(env.CC_OTEL_DEADLINE_MS);
  return loaded?.config.deadlineMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_DEADLINE_MS);
}

/** Is the key cache used? (config cache.enabled, CC_OTEL_NO_CACHE=1, a --no-cache flag) */
export function cacheEnabled(loaded: LoadedConfig, env: Context['env'], noCache = false): boolean {
  return loaded.config.cache?.enabled !== false && !noCache && env.CC_OTEL_NO_CACHE !== '1';
}

export function chainOptions(ctx: Context, loaded: LoadedConfig, dirs: Dirs, opts: Pick<ResolveOptions, 'onStale' | 'noCache'>, deadlineMs: number) {
  const c = loaded.config.cache ?? {};
  return {
    refs: keyRefs(loaded),
    deadlineMs,
    projectDir: loaded.projectDir,
    userConfigDir: loaded.userConfigDir,
    cache: {
      dir: dirs.cache,
      enabled: cacheEnabled(loaded, ctx.env, opts.noCache),
      policy: {
        ttlMs: (c.ttlSeconds ?? DEFAULT_POLICY.ttlMs / 1000) * 1000,
        maxAgeMs: (c.maxAgeSeconds ?? DEFAULT_POLICY.maxAgeMs / 1000) * 1000,
      },
    },
    ...(opts.onStale ? { onStale: opts.onStale } : {}),
  };
}

export async function resolveTelemetry(ctx: Context, opts: ResolveOptions): Promise<Resolved> {
  const dirs = userDirs(ctx);
  const raw = opts.loaded ?? loadConfig(ctx, opts.flags, opts.flagNames);
  if (!raw.configured) return { inert: true, loaded: raw, dirs };
  // Leave ~10% of the deadline to build, print and exit — of the process's deadline, when it has one
  // (hook, headers): what went before (reading stdin, recording the event) is not the chain's.
  const spent = opts.startedAt === undefined ? 0 : Math.max(0, ctx.now() - opts.startedAt);
  const deadline = Math.max(1, Math.floor(deadlineOf(raw, ctx.env) * 0.9) - spent);
  // Preset fields from the secret store and the key, side by side within the one deadline (a cold
  // Secret Manager read each); one fetch per reference between them.
  const inflight = new Map<string, Promise<SourceResult>>();
  const keyEarly = opts.key !== 'never' && keyLikelyNeeded(raw);
  const early = keyEarly ? resolveKey(ctx, { ...chainOptions(ctx, raw, dirs, opts, deadline), inflight }) : undefined;
  const refs = await resolveFieldRefs(ctx, raw, { ...chainOptions(ctx, raw, dirs, opts, deadline), inflight });
  if (refs.error) {
    await early;
    throw refs.error;
  }
  const loaded = refs.loaded;
  const fields = refs.fields;
  const build = (key?: ChainResult['key']) => masked(refs.secrets, () => buildTelemetry(loaded, { env: ctx.env, user: ctx.user, sessionId: opts.sessionId, ...(key ? { key } : {}) }));
  const base = build();
  if (opts.key === 'never' || !needsKey(base)) return { inert: false, loaded, dirs, plan: base, chain: undefined, fields };
  const chain = (await early) ?? (await resolveKey(ctx, { ...chainOptions(ctx, loaded, dirs, opts, deadline), inflight }));
  if (!chain.key) return { inert: false, loaded, dirs, plan: base, chain, fields };
  const plan = build(chain.key);
  return { inert: false, loaded, dirs, plan, chain, fields };
}

/** Will the plan want the key? (needsKey before the plan exists: the generic otlp preset only with a "header".) */
function keyLikelyNeeded(loaded: LoadedConfig): boolean {
  const preset = typeof loaded.config.backend === 'string' ? getPreset(loaded.config.backend) : undefined;
  if (!preset) return false;
  return preset.name === 'otlp' ? loaded.config.header !== undefined : preset.key !== 'none';
}

/** A config error about a secret-like field read from the secret store never shows its value. */
export function masked<T>(secrets: readonly string[], fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!secrets.length || !isCcOtelError(e)) throw e;
    const mask = '<value from the secret store>';
    throw new CcOtelError(e.code, redact(e.message, secrets, mask), { ...(e.hint !== undefined ? { hint: redact(e.hint, secrets, mask) } : {}), cause: e.cause });
  }
}
