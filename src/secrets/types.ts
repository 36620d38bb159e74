/**
 * The key chain: an ordered list of references, each handled by one source. A source is a
 * small object; the chain (chain.ts) is a loop over them.
 *
 *  - `skipped`  "not configured here" (env var unset, no .env, no OP token and no `op` binary):
 *               the chain moves on.
 *  - `found`    the value, and where it came from.
 *  - `failed`   "configured but broken" (signed out, permission denied, not found, timeout):
 *               the chain stops and reports, with a hint naming the fix.
 */
import type { Context } from '../context.js';

export type KeyRef =
  | { kind: 'env'; name: string; raw: string }
  | { kind: 'dotenv'; name: string; raw: string }
  | { kind: 'op'; ref: string; raw: string }
  | { kind: 'gcp-sm'; project: string; secret: string; version: string; raw: string };

export type SourceResult =
  | { status: 'found'; value: string; detail: string }
  | { status: 'skipped'; reason: string; /** what would make this reference yield the key (the chain's hint leads with the first one's) */ hint?: string }
  | { status: 'failed'; reason: string; hint: string; timedOut?: boolean };

export interface SourceContext extends Context {
  /** aborted at the source's own timeout or the chain deadline, whichever is first */
  signal: AbortSignal;
  /** milliseconds this source may take */
  timeoutMs: number;
  /** directory of the nearest project config (for the project .env) */
  projectDir: string | undefined;
  /** user config dir (for the user .env) */
  userConfigDir: string;
}

export interface KeySource {
  /** e.g. 'env', 'dotenv', '1password', 'gcp-secret-manager' */
  readonly name: string;
  /** slow sources are cached on disk; env and .env never are */
  readonly cacheable: boolean;
  /** default timeout in ms */
  readonly timeoutMs: number;
  handles(ref: KeyRef): boolean;
  resolve(ref: KeyRef, ctx: SourceContext): Promise<SourceResult>;
}

export interface Attempt {
  ref: string;
  source: string;
  result: SourceResult['status'] | 'cached' | 'stale';
  detail: string;
  ms: number;
  /** a slow source (cacheable: 1Password, Secret Manager) was really asked (found or failed), not answered from the cache */
  slow?: true;
  /** skipped or failed: what would make this reference yield the key */
  fix?: string;
}
