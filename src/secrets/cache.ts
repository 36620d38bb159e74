/**
 * The key cache for slow sources (1Password, Secret Manager). A Claude Code session whose headers
 * helper is slow loses ALL its telemetry (claude-code-facts §2), so the common path must be a
 * ~15 µs file read.
 *
 *  - one file per sha256(source + ref) under the user cache dir (0700), each 0600, written
 *    atomically (temp + rename: concurrent writers leave one whole entry, readers never see half)
 *  - age < ttl                → fresh: use it
 *  - ttl ≤ age < maxAge       → stale: use it NOW and refresh in the background
 *  - age ≥ maxAge             → must fetch; if the source is down, fail
 *  - refresh failure          → keep the last good value, log the failure
 *
 * The key is stored in plaintext at rest, like a .env file (docs/security.md).
 */
import { closeSync, openSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../fs/atomic-write.js';

export interface CacheEntry {
  v: 1;
  source: string;
  ref: string;
  value: string;
  fetchedAt: number;
}

export interface CachePolicy {
  ttlMs: number;
  maxAgeMs: number;
}

export const DEFAULT_POLICY: CachePolicy = { ttlMs: 3600_000, maxAgeMs: 86_400_000 };

export type CacheLookup =
  | { state: 'fresh'; entry: CacheEntry; ageMs: number }
  | { state: 'stale'; entry: CacheEntry; ageMs: number }
  | { state: 'expired'; entry: CacheEntry; ageMs: number }
  | { state: 'miss' };

/**
 * File name for an entry: FNV-1a (64-bit) of source + ref. Not a security boundary (refs are not
 * secret; the directory is 0700) — just a stable, filesystem-safe name without loading node:crypto
 * on the hot path.
 */
export function cacheFile(dir: string, source: string, ref: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(`${source}\0${ref}`, 'utf8')) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return join(dir, `${source}-${h.toString(16).padStart(16, '0')}.json`);
}

export function readCache(dir: string, source: string, ref: string, now: number, policy: CachePolicy): CacheLookup {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(cacheFile(dir, source, ref), 'utf8')) as CacheEntry;
  } catch {
    return { state: 'miss' };
  }
  if (entry?.v !== 1 || typeof entry.value !== 'string' || entry.ref !== ref || typeof entry.fetchedAt !== 'number') return { state: 'miss' };
  const ageMs = Math.max(0, now - entry.fetchedAt);
  if (ageMs < policy.ttlMs) return { state: 'fresh', entry, ageMs };
  if (ageMs < policy.maxAgeMs) return { state: 'stale', entry, ageMs };
  return { state: 'expired', entry, ageMs };
}

export function writeCache(dir: string, entry: CacheEntry): void {
  ensurePrivateDir(dir);
  writeFileAtomic(cacheFile(dir, entry.source, entry.ref), JSON.stringify(entry), { mode: 0o600, dirMode: 0o700 });
}

/**
 * At most one background refresh per entry at a time: an O_EXCL lock file, considered abandoned
 * after `staleMs` (a refresher that died must not block refreshes forever).
 */
export function tryLock(dir: string, source: string, ref: string, now: number, staleMs = 60_000): (() => void) | undefined {
  ensurePrivateDir(dir);
  const lock = `${cacheFile(dir, source, ref)}.lock`;
  for (let i = 0; i < 2; i++) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      return () => {
        try {
          unlinkSync(lock);
        } catch {
          /* gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
      try {
        if (now - statSync(lock).mtimeMs < staleMs) return undefined;
        unlinkSync(lock);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function clearCache(dir: string): number {
  let n = 0;
  try {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.json') && !f.endsWith('.lock') && !f.endsWith('.tmp')) continue;
      rmSync(join(dir, f), { force: true });
      if (f.endsWith('.json')) n++;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return n;
}
