/**
 * A lock file: created with O_EXCL, holding `{"pid":…,"at":…}`. Node has no flock(), and a lock
 * file survives the holder's crash, so a lock whose pid is gone — or that is older than `staleMs`
 * (a hung holder; holders refresh it with touchLock) — is taken over.
 *
 * Taking over is a rename of the stale file to a private name followed by a check that what was
 * moved really is the stale lock (two processes may judge the same lock stale at once; the one that
 * moved a fresh lock by mistake puts it back with link(), which never overwrites). In the rare case
 * where two holders still result, each rechecks `holdsLock` before acting — and nothing built on
 * these locks needs them for correctness: the shipper's worst case is a batch sent twice.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { pidAlive } from '../process/pid.js';
import { readSmallFile } from '../fs/private-file.js';

export interface LockOwner {
  pid: number;
  at: number;
}

export interface Lock {
  path: string;
  /** the exact content we wrote (identifies our lock among successors) */
  token: string;
}

export function readLockOwner(path: string): { owner: LockOwner | undefined; raw: string; mtimeMs: number } | undefined {
  let raw: string;
  let mtimeMs: number;
  try {
    // No lock is the common case: find that out without an exception (the first fs error a process
    // throws costs ~0.7 ms, on the hot path of every hook).
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
    mtimeMs = st.mtimeMs;
    // Bounded, no symlink, no FIFO (a lock planted in a repository's .claude/logs: issue #11);
    // anything else reads as a foreign lock, which is stale below.
    raw = readSmallFile(path, 4096) ?? '';
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && typeof v.at === 'number') return { owner: { pid: v.pid, at: v.at }, raw, mtimeMs };
  } catch {
    /* half-written or foreign: treated as stale below */
  }
  return { owner: undefined, raw, mtimeMs };
}


/** Is the lock held by a live, recent holder? */
export function lockHeld(path: string, now: number, staleMs: number): LockOwner | undefined {
  const cur = readLockOwner(path);
  if (!cur?.owner) {
    // A lock being written right now has no content yet: count it as held for a moment.
    return cur && now - cur.mtimeMs < 2000 && cur.mtimeMs <= Date.now() + 60_000 ? { pid: 0, at: cur.mtimeMs } : undefined;
  }
  // A time in the future is not a live holder's (a planted lock must not stop shipping for good).
  const latest = Math.max(now, Date.now()) + 60_000;
  if (cur.owner.at > latest || cur.mtimeMs > latest) return undefined;
  if (now - Math.max(cur.mtimeMs, cur.owner.at) > staleMs) return undefined;
  return pidAlive(cur.owner.pid) ? cur.owner : undefined;
}

export function tryLock(path: string, now: number, staleMs: number, pid = process.pid): Lock | undefined {
  const token = JSON.stringify({ pid, at: now });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, token);
      } finally {
        closeSync(fd);
      }
      return { path, token };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const seen = readLockOwner(path);
    if (!seen) continue; // released meanwhile: try again
    if (lockHeld(path, now, staleMs)) return undefined;
    // Stale: move it aside, and make sure what we moved is the lock we judged stale.
    const aside = `${path}.${pid}.${now.toString(36)}.stale`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    let moved = '';
    try {
      moved = readFileSync(aside, 'utf8');
    } catch {
      /* gone */
    }
    if (moved !== seen.raw) {
      try {
        linkSync(aside, path); // someone's fresh lock: put it back (never overwrites)
      } catch {
        /* a third lock exists already: the owner we displaced notices via holdsLock */
      }
      try {
        unlinkSync(aside);
      } catch {
        /* ignore */
      }
      return undefined;
    }
    try {
      unlinkSync(aside);
    } catch {
      /* ignore */
    }
  }
  return undefined;
}

export function holdsLock(lock: Lock): boolean {
  try {
    return readFileSync(lock.path, 'utf8') === lock.token;
  } catch {
    return false;
  }
}

/** Refresh the lock's mtime: a long-running holder is not stale. */
export function touchLock(lock: Lock, now: number): void {
  try {
    const t = new Date(now);
    utimesSync(lock.path, t, t);
  } catch {
    /* lost it: holdsLock tells the caller */
  }
}

export function releaseLock(lock: Lock): void {
  if (!holdsLock(lock)) return;
  try {
    unlinkSync(lock.path);
  } catch {
    /* already gone */
  }
}
