/**
 * How much of the disk the collector may use, and for how long it keeps data (issue #12):
 * `--max-disk <size>` and `--retain <duration>`, parsed here; the store enforces them (store.ts).
 */
import { statfsSync } from 'node:fs';
import { CcOtelError } from '../errors.js';

/**
 * The cap when `--max-disk` is not given: 5 GiB, but never more than what the segments hold at
 * start plus half the space then free on their filesystem. Claude Code sends a few MB a day per
 * engineer (docs/collect.md#bounded-disk), so 5 GiB is years of one user's telemetry and months of
 * a team's — while a nearly full disk keeps its other half for everything else on the machine.
 */
export const DEFAULT_MAX_DISK_BYTES = 5 * 1024 ** 3;
export const DEFAULT_FREE_FRACTION = 0.5;

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "2GiB", "500MB", "1.5 GB", "4096" (bytes) → bytes. MB is 1000², MiB 1024². */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new CcOtelError('USAGE', `"${text}" is not a size`, { hint: 'write it like 500MB, 2GiB or 1073741824 (bytes)' });
  }
  const n = Math.floor(Number(m[1]) * unit);
  if (n <= 0) throw new CcOtelError('USAGE', `--max-disk must be more than 0 (got "${text}")`);
  return n;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "90d", "12h", "30m", "2w", "45s" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  const unit = m ? DURATION_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new CcOtelError('USAGE', `"${text}" is not a duration`, { hint: 'write it like 90d, 12h, 30m or 2w' });
  }
  const ms = Math.floor(Number(m[1]) * unit);
  if (ms <= 0) throw new CcOtelError('USAGE', `--retain must be more than 0 (got "${text}")`);
  return ms;
}

/** Free bytes for an unprivileged writer on the filesystem holding `dir`; undefined where statfs is unavailable. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** The default cap (DEFAULT_MAX_DISK_BYTES), lowered to `usedBytes` + half the free space. */
export function defaultMaxDisk(usedBytes: number, free: number | undefined): number {
  if (free === undefined) return DEFAULT_MAX_DISK_BYTES;
  return Math.min(DEFAULT_MAX_DISK_BYTES, usedBytes + Math.floor(free * DEFAULT_FREE_FRACTION));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(ms: number): string {
  for (const [u, f] of [['w', DURATION_UNITS.w!], ['d', DURATION_UNITS.d!], ['h', DURATION_UNITS.h!], ['m', DURATION_UNITS.m!]] as const) {
    if (ms >= f && ms % f === 0) return `${ms / f}${u}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

/** The filesystem is out of space (or quota): as retryable as the cap. */
export function isNoSpace(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
