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
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
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
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<TrustStore>;
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

/** Read a file through one descriptor, with fstat before and after: the bytes judged are the bytes used. */
export function snapshotFile(path: string): FileSnapshot {
  const realPath = realpathSync.native(path);
  const fd = openSync(realPath, 'r');
  try {
    const before = fstatSync(fd);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.max(4096, before.size + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, total);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    const after = fstatSync(fd);
    const t0 = statTuple(before);
    const t1 = statTuple(after);
    return { realPath, bytes: Buffer.concat(chunks, total), tuple: sameTuple(t0, t1) && total === after.size ? t1 : undefined, stats: after };
  } finally {
    closeSync(fd);
  }
}

/**
 * Is this version of the file trusted? Hashes only when the recorded tuple does not match; a match
 * by hash records the new tuple, so the next run does not hash again.
 */
export function trustVerdict(stateDir: string, kind: TrustKind, snap: FileSnapshot, store: TrustStore = readTrustStore(stateDir)): TrustVerdict {
  const entry = Object.hasOwn(store.files, snap.realPath) ? store.files[snap.realPath] : undefined;
  if (!entry || entry.kind !== kind || typeof entry.sha256 !== 'string') return 'untrusted';
  if (snap.tuple && sameTuple(entry.stat, snap.tuple)) return 'trusted';
  if (sha256Hex(snap.bytes) !== entry.sha256) return 'changed';
  if (snap.tuple) {
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
  const entry: TrustEntry = { kind, sha256: sha256Hex(snap.bytes), stat: snap.tuple ?? statTuple(snap.stats), trustedAt: isoTime(now) };
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
