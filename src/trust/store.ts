/**
 * The trust store (issue #11), modelled on `direnv allow` / `mise trust`. A project's inputs — its
 * `.cc-otel.json` and its `.env` — come from whoever wrote the repository, so they steer cc-otel
 * only once the user trusted them, by content: `cc-otel trust [DIR]` records each file's real path
 * and sha256 in `<state>/trust.json` (0600 in a 0700 directory). A file whose content changed since
 * is untrusted again.
 *
 * The hot path (hook, headers) must not hash, nor load node:crypto, when nothing changed: every
 * record also holds the file's stat tuple (device, inode, size, mtime, ctime) as it was when its
 * content was last checked. A file whose fstat still gives that tuple is that version — ctime
 * cannot be set back by a write, a `touch -d`, a checkout or a rename over it. Only a changed tuple
 * costs a hash; when the content still matches, the new tuple is recorded (best effort).
 */
import { closeSync, fstatSync, openSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CcOtelError } from '../errors.js';
import { READ_FLAGS, readHead, readSmallFile } from '../fs/private-file.js';
import type * as Crypto from 'node:crypto';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { isoTime } from '../log/iso-time.js';

export const TRUST_FILE = 'trust.json';

export type TrustKind = 'config' | 'dotenv';
/** [dev, ino, size, mtimeMs, ctimeMs] */
export type StatTuple = [number, number, number, number, number];

export interface TrustEntry {
  kind: TrustKind;
  sha256: string;
  stat: StatTuple;
  trustedAt: string;
}

export interface TrustStore {
  v: 1;
  /** real path → entry */
  files: Record<string, TrustEntry>;
}

/** trusted: this content was trusted; changed: another content was (the file changed since); untrusted: never trusted. */
export type TrustVerdict = 'trusted' | 'changed' | 'untrusted';

export const trustStorePath = (stateDir: string): string => join(stateDir, TRUST_FILE);

export function statTuple(st: Stats): StatTuple {
  return [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs];
}

const sameTuple = (a: readonly number[] | undefined, b: StatTuple): boolean =>
  Array.isArray(a) && a.length === 5 && a.every((x, i) => x === b[i]);

/** The store as it is on disk; missing or unreadable → empty (trusts nothing). Never throws. */
export function readTrustStore(stateDir: string): TrustStore {
  const path = trustStorePath(stateDir);
  // No exception on the common path (no store yet): the first one a process throws costs ~0.7 ms.
  if (!statSync(path, { throwIfNoEntry: false })) return { v: 1, files: {} };
  try {
    // The user's own regular file only (no symlink, bounded): another user must not plant trust.
    const raw = JSON.parse(readSmallFile(path, 8 << 20) ?? '') as Partial<TrustStore>;
    if (raw && raw.v === 1 && raw.files && typeof raw.files === 'object' && !Array.isArray(raw.files)) return { v: 1, files: raw.files };
  } catch {
    /* a torn or foreign file trusts nothing */
  }
  return { v: 1, files: {} };
}

export function writeTrustStore(stateDir: string, store: TrustStore): void {
  writeFileAtomic(trustStorePath(stateDir), `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
}

export function sha256Hex(bytes: Uint8Array): string {
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof Crypto;
  return createHash('sha256').update(bytes).digest('hex');
}

/** A file read once: its bytes and the stat tuple that goes with them (unknown when it changed during the read). */
export interface FileSnapshot {
  realPath: string;
  bytes: Buffer;
  /** undefined: the file changed while it was read (only the hash can tell then) */
  tuple: StatTuple | undefined;
  stats: Stats;
}

/** Project files are small: anything larger is not one (and is not read into memory). */
export const MAX_PROJECT_FILE_BYTES = 1 << 20;

/**
 * The key a project file is trusted under: the real path of its directory and its own name. The
 * file itself is never followed through a symlink (the search skips one, and the read below opens
 * with O_NOFOLLOW): a repository must not point its `.cc-otel.json` or `.env` at a file the user
 * trusted elsewhere and inherit that trust (or its key).
 */
export function trustKey(path: string): string {
  return join(realpathSync.native(dirname(path)), basename(path));
}

/**
 * Read a file through one descriptor, with fstat before and after: the bytes judged are the bytes
 * used. No final symlink, no FIFO or device (O_NONBLOCK: never blocks), at most `maxBytes`: a
 * stranger's `/dev/zero` must not be read without end on the hot path.
 */
export function snapshotFile(path: string, maxBytes = MAX_PROJECT_FILE_BYTES, realPath = trustKey(path)): FileSnapshot {
  const fd = openSync(realPath, READ_FLAGS);
  try {
    const before = fstatSync(fd);
    if (!before.isFile()) throw new CcOtelError('UNSAFE_FILE', `${path} is not a regular file`, { hint: 'cc-otel reads only a regular file there' });
    // One byte more than fstat said: a file that grew meanwhile shows, and its tuple is not trusted.
    const bytes = readHead(fd, Math.min(before.size, maxBytes) + 1);
    if (bytes.length > maxBytes) throw new CcOtelError('UNSAFE_FILE', `${path} is larger than ${maxBytes} bytes`, { hint: 'a project file is a small JSON or .env file' });
    const after = fstatSync(fd);
    const t1 = statTuple(after);
    return { realPath, bytes, tuple: sameTuple(statTuple(before), t1) && bytes.length === after.size ? t1 : undefined, stats: after };
  } finally {
    closeSync(fd);
  }
}

/**
 * A stat tuple is evidence only once its timestamps can no longer move within the same tick: a
 * file rewritten (same size) within one timestamp tick of being checked keeps its mtime and ctime
 * (git's "racy clean" problem). Such a tuple is not recorded: the next check hashes. A tick is a
 * few ms on Linux's fine-grained filesystems; on one with whole-second timestamps (ext3, HFS+, FAT,
 * some NFS) it is up to 2 s.
 */
const settled = (t: StatTuple, now: number): boolean => {
  const coarse = t[3] % 1000 === 0 && t[4] % 1000 === 0;
  return now - Math.max(t[3], t[4]) >= (coarse ? 2000 : 100);
};
const NO_TUPLE: StatTuple = [0, 0, 0, 0, 0];

/**
 * Is this version of the file trusted? Hashes only when the recorded tuple does not match; a match
 * by hash records the new tuple, so the next run does not hash again.
 */
export function trustVerdict(stateDir: string, kind: TrustKind, snap: FileSnapshot, store: TrustStore = readTrustStore(stateDir), now = Date.now()): TrustVerdict {
  const entry = Object.hasOwn(store.files, snap.realPath) ? store.files[snap.realPath] : undefined;
  if (!entry || entry.kind !== kind || typeof entry.sha256 !== 'string') return 'untrusted';
  if (snap.tuple && sameTuple(entry.stat, snap.tuple)) return 'trusted';
  if (sha256Hex(snap.bytes) !== entry.sha256) return 'changed';
  if (snap.tuple && settled(snap.tuple, now)) {
    try {
      const fresh = readTrustStore(stateDir);
      const e = fresh.files[snap.realPath];
      if (e && e.sha256 === entry.sha256) {
        e.stat = snap.tuple;
        writeTrustStore(stateDir, fresh);
      }
    } catch {
      /* best effort: the next run hashes again */
    }
  }
  return 'trusted';
}

/** Record `snap` as trusted (replacing what was recorded for its path). Returns the entry. */
export function trustSnapshot(stateDir: string, kind: TrustKind, snap: FileSnapshot, now: number): TrustEntry {
  const store = readTrustStore(stateDir);
  const tuple = snap.tuple && settled(snap.tuple, Date.now()) ? snap.tuple : NO_TUPLE; // now: the clock, not the caller's (a test's fixed) time
  const entry: TrustEntry = { kind, sha256: sha256Hex(snap.bytes), stat: tuple, trustedAt: isoTime(now) };
  store.files[snap.realPath] = entry;
  writeTrustStore(stateDir, store);
  return entry;
}

/** Forget the records of these real paths; returns the ones that were there. */
export function revokePaths(stateDir: string, realPaths: readonly string[]): string[] {
  const store = readTrustStore(stateDir);
  const removed = realPaths.filter((p) => Object.hasOwn(store.files, p));
  if (!removed.length) return [];
  for (const p of removed) delete store.files[p];
  writeTrustStore(stateDir, store);
  return removed;
}
