/**
 * The destination store: where records go, kept in cc-otel's own state dir — never in the log.
 *
 * A record carries only `dest: "<id>"`, an opaque, unguessable id; this file maps the id to the
 * Destination (destination.ts: project dir, config file, CC_OTEL_* config variables) the hook that
 * wrote it ran with. The shipper resolves ids only here, so a log line cannot choose where it is
 * sent: a repository that commits `.claude/logs/hooks.jsonl` (with `events.projectLog`), or any
 * process that appends to a log, can forge records but not destinations (issue #11, case 4).
 * A record whose `dest` is not an id in this store is not shipped (shipper.ts: `unrecorded`).
 *
 *   <state>/destinations.json   {"v":1,"entries":{"<id>":{"dest":{…},"seen":<epoch ms>}}}
 *
 * 0600 in a 0700 dir, replaced atomically (fs/atomic-write.ts). A store that is not ours — another
 * owner, writable by group or others — is ignored like a corrupt one: treated as empty, and the next
 * hook rewrites it. Ids already in the log then no longer resolve: those records stay unshipped.
 *
 * The hook reads it on every event (one stat, one small read, JSON.parse; no exception when it is
 * missing). Adding is the rare branch — the first event of a destination on this machine: under a
 * lock file (lock.ts), re-read, add, write, release, then read once more and use whichever id for
 * the destination landed, so concurrent first hooks converge on one id. Entries not seen for
 * STORE_TTL_MS (90 days) are dropped when one is added, and at most STORE_MAX_ENTRIES are kept
 * (least recently seen dropped first). `seen` is refreshed at most once a day per destination.
 */
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { readSmallFile } from '../fs/private-file.js';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../fs/atomic-write.js';
import { destinationKey, parseDestination, type Destination } from './destination.js';
import { releaseLock, tryLock, type Lock } from './lock.js';

const DAY_MS = 24 * 60 * 60_000;
/** entries not seen by a hook for this long are dropped (when another one is added) */
export const STORE_TTL_MS = 90 * DAY_MS;
export const STORE_MAX_ENTRIES = 1000;
/** a hook rewrites an entry's `seen` when it is older than this: at most one write a day per destination */
const SEEN_REFRESH_MS = DAY_MS;
const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 500;
/** 128 random bits, hex */
const ID = /^[0-9a-f]{32}$/;

export interface StoredDestination {
  dest: Destination;
  /** epoch ms a hook last recorded under it (refreshed at most daily) */
  seen: number;
}

export interface DestinationStore {
  v: 1;
  entries: Record<string, StoredDestination>;
}

export interface LoadedStore {
  store: DestinationStore;
  /** why the file was treated as empty (unreadable, corrupt, not private); absent when fine or missing */
  problem?: string;
  /** identity of the file read (`dev:ino:size:mtimeMs`), '' when missing: has it changed since? */
  stamp: string;
}

/** stat that never throws: undefined when missing, the error when the path cannot be looked at (ENOTDIR, EACCES). */
function statOf(path: string): Stats | undefined | Error {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    return e as Error;
  }
}

/** Which version of the file was read: has it changed since? */
const stampOf = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;

export function destinationStorePath(stateDir: string): string {
  return join(stateDir, 'destinations.json');
}

const empty = (): DestinationStore => ({ v: 1, entries: Object.create(null) as Record<string, StoredDestination> });

/** The store as it is on disk; missing, corrupt or foreign → empty (with `problem` for the last two). */
export function readDestinationStore(path: string): LoadedStore {
  // Missing is the first run's case: found out without an exception (lock.ts explains the cost).
  const st = statOf(path);
  if (st instanceof Error) return { store: empty(), stamp: '', problem: `cannot read the destination store ${path}: ${(st as NodeJS.ErrnoException).code ?? String(st)}` };
  if (!st) return { store: empty(), stamp: '' };
  const stamp = stampOf(st);
  // Only a regular file this user owns, with one link, that nobody else can write, decides where
  // events go — read bounded, never through a symlink (private-file.ts, the rule of every file beside the log).
  const text = st.mode & 0o022 ? undefined : readSmallFile(path, 8 << 20);
  if (text === undefined) return { store: empty(), stamp, problem: `the destination store ${path} is not private (owner, mode, link or size changed): ignored` };
  const store = parseStore(text);
  return store ? { store, stamp } : { store: empty(), stamp, problem: `the destination store ${path} is corrupt: treated as empty` };
}

function parseStore(text: string): DestinationStore | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || (v as { v?: unknown }).v !== 1) return undefined;
  const raw = (v as { entries?: unknown }).entries;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const store = empty();
  for (const [id, e] of Object.entries(raw as Record<string, unknown>)) {
    if (!ID.test(id) || !e || typeof e !== 'object') continue;
    const dest = parseDestination((e as { dest?: unknown }).dest);
    const seen = (e as { seen?: unknown }).seen;
    if (dest) store.entries[id] = { dest, seen: typeof seen === 'number' && Number.isFinite(seen) ? seen : 0 };
  }
  return store;
}

/** The destination an id stands for; undefined for anything that is not an id in the store. */
export function lookupDestination(store: DestinationStore, id: unknown): Destination | undefined {
  return typeof id === 'string' && ID.test(id) && Object.hasOwn(store.entries, id) ? store.entries[id]!.dest : undefined;
}

/** The id under which `dest` (by destinationKey) is stored, if any. */
export function findDestinationId(store: DestinationStore, dest: Destination): string | undefined {
  const key = destinationKey(dest);
  for (const [id, e] of Object.entries(store.entries)) if (e.dest.dir === dest.dir && destinationKey(e.dest) === key) return id;
  return undefined;
}

export interface RegisteredDestination {
  /** the id to stamp on the record; absent when the store could not be written */
  id?: string;
  /** for the error log: the store was corrupt or foreign, or could not be written */
  problem?: string;
}

/**
 * The hook's side: the id of `dest`, added with a new random id when it is not in the store yet.
 * Never throws; without an id (the store can't be written) the record goes unstamped and stays
 * unshipped, and `problem` says why.
 */
export function registerDestination(path: string, dest: Destination, now: number): RegisteredDestination {
  const loaded = readDestinationStore(path);
  const id = findDestinationId(loaded.store, dest);
  if (id) {
    if (now - loaded.store.entries[id]!.seen > SEEN_REFRESH_MS) refreshSeen(path, id, now);
    return { id };
  }
  try {
    return addDestination(path, dest, now, loaded.problem);
  } catch (e) {
    const why = `cannot write the destination store ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; the event is recorded without a destination and will not be shipped`;
    return { problem: loaded.problem ? `${loaded.problem}; ${why}` : why };
  }
}

function addDestination(path: string, dest: Destination, now: number, problem: string | undefined): RegisteredDestination {
  const out = (id: string): RegisteredDestination => (problem ? { id, problem } : { id });
  ensurePrivateDir(dirname(path));
  for (let attempt = 0; attempt < 3; attempt++) {
    const lock = waitForLock(path, now);
    try {
      const cur = readDestinationStore(path);
      if (!findDestinationId(cur.store, dest)) {
        const entries = pruned(cur.store.entries, now);
        entries[newDestinationId()] = { dest, seen: now };
        writeStore(path, entries);
      }
    } finally {
      if (lock) releaseLock(lock);
    }
    // Whichever id landed: ours, or that of a writer that could not take the lock (which may also
    // have replaced our entry — then add again).
    const landed = findDestinationId(readDestinationStore(path).store, dest);
    if (landed) return out(landed);
  }
  throw Object.assign(new Error('concurrent writers kept replacing it'), { code: 'ECONFLICT' });
}

/** Best effort, never waits: another hook holding the lock is writing the store right now. */
function refreshSeen(path: string, id: string, now: number): void {
  try {
    const lock = tryLock(lockPath(path), now, LOCK_STALE_MS);
    if (!lock) return;
    try {
      const cur = readDestinationStore(path);
      const e = cur.store.entries[id];
      if (!cur.problem && e) {
        e.seen = now;
        writeStore(path, cur.store.entries);
      }
    } finally {
      releaseLock(lock);
    }
  } catch {
    /* seen only feeds pruning: the next event tries again */
  }
}

/** Entries seen within STORE_TTL_MS, at most STORE_MAX_ENTRIES − 1 (room for one more), newest kept. */
function pruned(entries: Record<string, StoredDestination>, now: number): Record<string, StoredDestination> {
  const kept = Object.entries(entries)
    .filter(([, e]) => now - e.seen <= STORE_TTL_MS)
    .sort(([, a], [, b]) => b.seen - a.seen)
    .slice(0, STORE_MAX_ENTRIES - 1);
  const out = Object.create(null) as Record<string, StoredDestination>;
  for (const [id, e] of kept) out[id] = e;
  return out;
}

function writeStore(path: string, entries: Record<string, StoredDestination>): void {
  const store: DestinationStore = { v: 1, entries };
  writeFileAtomic(path, `${JSON.stringify(store)}\n`, { mode: 0o600, dirMode: 0o700 });
}

const lockPath = (path: string): string => join(dirname(path), '.destinations.json.lock');

/** The store lock, waiting up to LOCK_WAIT_MS (its holders hold it for one small write); undefined if it stays busy. */
function waitForLock(path: string, now: number): Lock | undefined {
  const slot = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 20) {
    const lock = tryLock(lockPath(path), now + waited, LOCK_STALE_MS);
    if (lock || waited >= LOCK_WAIT_MS) return lock;
    Atomics.wait(slot, 0, 0, 20); // a synchronous sleep: the hook has nothing else to do meanwhile
  }
}

/**
 * 128 random bits as hex. Unguessable matters here (a forged line must not hit a real id), so not
 * Math.random. /dev/urandom costs ~0.3 ms; loading node:crypto or globalThis.crypto ~5 ms (both
 * measured on Node 20): crypto only where there is no /dev/urandom (Windows).
 */
export function newDestinationId(): string {
  const bytes = new Uint8Array(16);
  let got = 0;
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      while (got < bytes.length) {
        const n = readSync(fd, bytes, got, bytes.length - got, null);
        if (n <= 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    got = 0;
  }
  if (got < bytes.length) globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('hex');
}

/**
 * The shipper's side: ids → destinations, read once and re-read when an id is not found and the
 * file changed since (a hook adds its destination before it appends the record, so a genuine id is
 * always in the store by the time the shipper reads the line).
 */
export interface DestinationResolver {
  path: string;
  lookup(id: unknown): Destination | undefined;
  /** the last read's problem (corrupt, not private), for the error log */
  problem(): string | undefined;
}

export function destinationResolver(path: string): DestinationResolver {
  let loaded: LoadedStore | undefined;
  return {
    path,
    lookup(id) {
      loaded ??= readDestinationStore(path);
      const found = lookupDestination(loaded.store, id);
      if (found || typeof id !== 'string' || !ID.test(id)) return found;
      const st = statOf(path);
      if ((st && !(st instanceof Error) ? stampOf(st) : '') === loaded.stamp) return undefined;
      loaded = readDestinationStore(path);
      return lookupDestination(loaded.store, id);
    },
    problem: () => loaded?.problem,
  };
}
