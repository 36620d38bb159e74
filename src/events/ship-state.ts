/**
 * The shipper's memory, one small JSON file beside the log (paths.ts), replaced atomically after
 * every acknowledged batch: how far each log file has been shipped, and the back-off after failures.
 *
 * A file is known by a fingerprint of its first line — which holds a unique event id — not by its
 * name (rotation renames files) nor by its inode (a deleted file's inode is reused by new files,
 * which would then inherit an offset into somebody else's data).
 */
import { readSmallFile } from '../fs/private-file.js';

export interface FileProgress {
  /** bytes shipped (always at a line boundary) */
  offset: number;
  /** last name it was seen under (for humans) */
  name: string;
}

export interface ShipState {
  v: 1;
  files: Record<string, FileProgress>;
  /** consecutive failed attempts */
  failures: number;
  /** epoch ms before which hooks don't start a shipper (SessionEnd and `flush` ignore it) */
  retryAt?: number;
  lastError?: string;
  lastSuccessAt?: number;
  lastAttemptAt?: number;
}

export function emptyState(): ShipState {
  return { v: 1, files: {}, failures: 0 };
}

export function readShipState(path: string): ShipState {
  // Bounded, no symlink, no FIFO: the file may sit in a repository's .claude/logs (issue #11).
  const raw = readSmallFile(path);
  if (raw === undefined) return emptyState();
  try {
    const v = JSON.parse(raw) as Partial<ShipState>;
    if (v && v.v === 1 && v.files && typeof v.files === 'object') {
      const files: Record<string, FileProgress> = {};
      for (const [k, f] of Object.entries(v.files)) if (f && Number.isInteger(f.offset) && f.offset >= 0) files[k] = { offset: f.offset, name: String(f.name ?? '') };
      return { ...emptyState(), ...v, files, failures: Number.isInteger(v.failures) ? (v.failures as number) : 0 };
    }
  } catch {
    /* corrupt: start over (at-least-once: re-sending is allowed, skipping is not) */
  }
  return emptyState();
}

/** Back-off after `failures` consecutive failures: 10 s, 20 s, 40 s … capped at 10 min. */
/** The longest back-off the shipper sets: a later `retryAt` was not written by it (ship-trigger.ts ignores one). */
export const MAX_BACKOFF_MS = 600_000;

export function backoffMs(failures: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
}
