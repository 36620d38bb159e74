/**
 * Where a record goes: the identity of the config it was recorded under, so that a log shared by
 * several projects (the default ~/.claude/logs/hooks.jsonl) ships each record with the config of
 * the project it came from — not with the config of whichever project's hook started the shipper.
 * The identity lives in the user's destination store (destination-store.ts); a record carries only
 * its id (`dest`), so no log line can say where it is sent (issue #11).
 *
 * The identity is what decides the backend, and nothing secret:
 *  - `dir`: the project dir the config was loaded for (where .cc-otel.json and the project .env are
 *    looked up);
 *  - `config`: the project file (or the CC_OTEL_CONFIG file) that was in force, so a config that
 *    has gone since is noticed instead of silently falling back to another one;
 *  - `env`: the CC_OTEL_* variables that are config layers (backend, endpoint, key *references*, …;
 *    vars.ts CC_OTEL_INPUTS with a configKey), as Claude Code's per-project `env` may set them.
 * The user config file is shared by every project and is read as it is when shipping.
 */
import type { Context, Env } from '../context.js';
import type { LoadedConfig } from '../config/load.js';
import { CC_OTEL_INPUTS } from '../otel/vars.js';
import { tryParseKeyRef } from '../secrets/refs.js';

export interface Destination {
  dir: string;
  config?: string;
  /** `config` came from CC_OTEL_CONFIG (replaces discovery) rather than being found */
  explicit?: true;
  env?: Record<string, string>;
}

const CONFIG_VARS: readonly string[] = CC_OTEL_INPUTS.filter((i) => i.configKey).map((i) => i.name);

export function destinationOf(loaded: Pick<LoadedConfig, 'files' | 'projectDir'> | undefined, ctx: Pick<Context, 'env' | 'cwd'>): Destination {
  const dir = loaded?.projectDir ?? (ctx.env.CLAUDE_PROJECT_DIR || ctx.cwd);
  const d: Destination = { dir };
  const own = loaded?.files.find((f) => f.kind !== 'user');
  if (own) {
    d.config = own.path;
    if (own.kind === 'file') d.explicit = true;
  }
  let env: Record<string, string> | undefined;
  for (const name of CONFIG_VARS) {
    const v = ctx.env[name];
    if (v && recordable(name, v)) (env ??= {})[name] = v;
  }
  if (env) d.env = env;
  return d;
}

/**
 * CC_OTEL_KEY holds key *references* — unless someone pasted the key itself there (the config then
 * fails to load, and says so without echoing it). Such a value never reaches the log.
 */
function recordable(name: string, v: string): boolean {
  return name !== 'CC_OTEL_KEY' || v.split(',').every((ref) => ref.trim() === '' || tryParseKeyRef(ref) !== undefined);
}

/**
 * A well-formed destination object, as kept in the destination store; only CC_OTEL_* config
 * variables survive. Records never carry one: a record's `dest` is an id into the store.
 */
export function parseDestination(v: unknown): Destination | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.dir !== 'string' || !o.dir) return undefined;
  const d: Destination = { dir: o.dir };
  if (typeof o.config === 'string') d.config = o.config;
  if (o.explicit === true) d.explicit = true;
  if (o.env && typeof o.env === 'object') {
    const env: Record<string, string> = {};
    for (const [k, val] of Object.entries(o.env as Record<string, unknown>)) if (CONFIG_VARS.includes(k) && typeof val === 'string') env[k] = val;
    if (Object.keys(env).length) d.env = env;
  }
  return d;
}

/** Equal identities, equal keys (the shipper groups records by it). */
export function destinationKey(d: Destination): string {
  const env = d.env ? Object.fromEntries(Object.entries(d.env).sort(([a], [b]) => (a < b ? -1 : 1))) : undefined;
  return JSON.stringify([d.dir, d.config ?? null, d.explicit ?? false, env ?? null]);
}

/**
 * The context the record was recorded in, as far as config goes: the shipper's own world (HOME,
 * the key sources' variables) with the project dir, the config file and the CC_OTEL_* config
 * variables put back as they were.
 */
export function contextFor(d: Destination, ctx: Context): Context {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (!CONFIG_VARS.includes(k) && k !== 'CC_OTEL_CONFIG' && k !== 'CLAUDE_PROJECT_DIR') env[k] = v;
  env.CLAUDE_PROJECT_DIR = d.dir;
  if (d.explicit && d.config) env.CC_OTEL_CONFIG = d.config;
  Object.assign(env, d.env ?? {});
  return { ...ctx, env: env as Env, cwd: d.dir };
}

/** Does the config loaded for `d` still come from the file the record was recorded under? */
export function sameConfigFile(d: Destination, loaded: Pick<LoadedConfig, 'files'>): boolean {
  if (!d.config) return !loaded.files.some((f) => f.kind !== 'user');
  return loaded.files.some((f) => f.kind !== 'user' && f.path === d.config);
}
