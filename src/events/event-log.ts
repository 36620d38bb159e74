/**
 * The local event log — the source of truth. Each line is one `write()` on an O_APPEND descriptor:
 * on a local filesystem the kernel positions and copies an append under the inode lock, so lines
 * from concurrent hooks never interleave (and a line is capped, record.ts MAX_LINE_BYTES). No fsync:
 * a hook must stay fast; the page cache survives our process, only a power cut can lose a line.
 *
 * One failed append loses at most its own record (issue #12): a write cut short (a full disk, a
 * file-size limit, a kill) leaves a line without its newline; the next append sees that last byte
 * (one 1-byte pread on the descriptor it holds) and starts its record on a new line, instead of
 * gluing it to the torn one. Nothing is truncated back — see appendPrivateFile for why; the reader
 * counts the torn line (log-reader.ts).
 *
 * Rotation by size, safe under concurrency: the appender that sees the file past `rotateBytes`
 * takes the rotate lock, re-checks that the file it wrote to is still the big current file (another
 * hook may have rotated it already), then shifts hooks.jsonl.(n) → .(n+1) and renames hooks.jsonl
 * → hooks.jsonl.1. A hook that opened the file before the rename finishes its write into what is now
 * hooks.jsonl.1 — still a log file the shipper reads (it tracks files by content, not by name).
 *
 * Retention: `keep` rotated files. While shipping is on, a file that would fall out of retention but
 * still holds unshipped events is kept (retention.ts tells), beyond `keep`, until all rotated files
 * together pass `capBytes` (default 10 × rotateBytes, with a warning while over `keep`); only then
 * is the oldest dropped, with the number of events lost logged.
 *
 * Files (issue #11, src/fs/private-file.ts): the log is appended to only when it is a regular file
 * of the user's that starts like a cc-otel log, in a directory nobody else can write (created 0700),
 * whose real path stays inside the allowed root (paths.ts). Rotation renames and deletes only such
 * files; anything else in the chain stops the rotation, untouched.
 */
import { readdirSync, readSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CcOtelError } from '../errors.js';
import { appendPrivateFile, checkOwnFile, ensurePrivateDirChecked, readHead, type DirScope, type IsOurs } from '../fs/private-file.js';
import { releaseLock, tryLock } from './lock.js';
import { DEFAULT_ROTATE_BYTES, ROTATED_KEEP, eventLogPaths } from './paths.js';
import { LINE_PREFIX_LENGTH, MAX_LINE_BYTES, hasLinePrefix, startsLikeEventLog } from './record.js';

export interface AppendOptions {
  rotateBytes?: number;
  keep?: number;
  now?: number;
  /** false: don't rotate here, report `rotateDue` (the caller rotates with retention.ts) */
  rotate?: boolean;
  /** the allowed root the log's directory must really be inside (eventLogLocation in paths.ts) */
  scope?: DirScope;
}

export interface AppendResult {
  /** size of the file after our write (at least: the size we found + our line; a concurrent hook may have added more) */
  size: number;
  rotated: boolean;
  /** the file passed rotateBytes and `rotate: false` was asked: what to rotate, with the defaults applied */
  rotateDue?: { ino: number; rotateBytes: number; keep: number };
}

/** Unshipped content of a rotated file (retention.ts); undefined or 0 bytes → may be deleted. */
export type UnshippedOf = (file: string) => { bytes: number; countEvents(): number } | undefined;

export interface RotateOptions {
  ino?: number;
  rotateBytes: number;
  keep: number;
  now: number;
  /** shipping is on: files with unshipped events are kept beyond `keep` */
  unshipped?: UnshippedOf;
  /** all rotated files together, when unshipped ones are kept (default 10 × rotateBytes) */
  capBytes?: number;
  /** a warning or a loss, for the error log */
  warn?: (message: string) => void;
}

/**
 * An existing log must start like one (record.ts LINE_PREFIX): one pread of a few bytes. Only a file
 * that fails it is read further, for a first line with reordered keys.
 */
export const isEventLog: IsOurs = (fd, size) => {
  const head = Buffer.allocUnsafe(LINE_PREFIX_LENGTH);
  if (readSync(fd, head, 0, LINE_PREFIX_LENGTH, 0) === LINE_PREFIX_LENGTH && hasLinePrefix(head)) return true;
  return size > LINE_PREFIX_LENGTH && startsLikeEventLog(readHead(fd, Math.min(size, MAX_LINE_BYTES + 1)));
};

const NOT_OURS_HINT = 'cc-otel appends only to its own event log; move that file away, or set "events": {"logFile": "~/.claude/logs/cc-otel-hooks.jsonl"}';

export function appendEventLine(path: string, line: string, opts: AppendOptions = {}): AppendResult {
  // The log may hold prompts: a private directory (created 0700), nobody else's to write in.
  ensurePrivateDirChecked(dirname(path), 'the event log', opts.scope);
  // One write() for the line. A short write only happens on a full disk or a signal; finishing
  // it keeps our line whole, at the cost of possibly splitting it around another hook's line.
  // When finishing fails too, the next append resyncs on a new line (`resync`).
  const { size, ino } = appendPrivateFile(path, line, { what: 'the event log', isOurs: isEventLog, notOursHint: NOT_OURS_HINT, resync: true });
  const rotateBytes = opts.rotateBytes ?? DEFAULT_ROTATE_BYTES;
  if (size < rotateBytes) return { size, rotated: false };
  const keep = opts.keep ?? ROTATED_KEEP;
  if (opts.rotate === false) return { size, rotated: false, rotateDue: { ino, rotateBytes, keep } };
  return { size, rotated: rotateLog(path, { ino, rotateBytes, keep, now: opts.now ?? Date.now() }) };
}

const CAP_FACTOR = 10;

/** Rotate `path` if it is still the file (inode `ino`) that grew past `rotateBytes`. */
export function rotateLog(path: string, o: RotateOptions): boolean {
  const lock = tryLock(eventLogPaths(path).rotateLock, o.now, 10_000);
  if (!lock) return false; // another hook is rotating
  try {
    // Only files cc-otel wrote are renamed or deleted (not a symlink, not someone else's file).
    const st = checkOwnFile(path, isEventLog);
    if (!st.ok) {
      if (st.missing) return false;
      throw refusal(path, st.problem);
    }
    if ((o.ino !== undefined && st.ino !== o.ino) || st.size < o.rotateBytes) return false; // done by someone else
    // Oldest first. After the shift, file n becomes n + 1: n ≥ keep falls out of retention.
    // All checked before anything moves: a foreign file in the chain would be deleted or renamed over.
    const rotated = listRotated(path);
    const kept: Array<{ n: number; file: string; size: number; countEvents(): number }> = [];
    for (const f of rotated) {
      const u = f.n >= o.keep ? o.unshipped?.(f.file) : { bytes: f.size, countEvents: () => 0 };
      if (!u || u.bytes <= 0) remove(f.file);
      else kept.push({ ...f, countEvents: u.countEvents });
    }
    const cap = o.capBytes ?? CAP_FACTOR * o.rotateBytes;
    let total = st.size + kept.reduce((a, f) => a + f.size, 0);
    while (total > cap && kept.length && kept[0]!.n >= o.keep) {
      const oldest = kept.shift()!;
      total -= oldest.size;
      const events = oldest.countEvents(); // before the file goes
      remove(oldest.file);
      o.warn?.(`event log retention: dropped ${basename(oldest.file)} with ${events} unshipped event${events === 1 ? '' : 's'} (rotated logs over ${mib(cap)}); those events are lost to the backend`);
    }
    const beyond = kept.filter((f) => f.n >= o.keep);
    if (beyond.length)
      o.warn?.(`event log retention: keeping ${beyond.length} rotated file${beyond.length === 1 ? '' : 's'} beyond the ${o.keep} kept (${mib(total)} of ${mib(cap)}), they hold unshipped events; the backend may be down — \`cc-otel flush\``);
    // Shift the oldest first, so no rename lands on a file not yet moved.
    for (const f of [...kept].sort((a, b) => b.n - a.n)) {
      try {
        renameSync(f.file, `${path}.${f.n + 1}`);
      } catch {
        /* gone meanwhile */
      }
    }
    renameSync(path, `${path}.1`);
    return true;
  } finally {
    releaseLock(lock);
  }
}

const mib = (b: number): string => `${Math.round((b / (1 << 20)) * 10) / 10} MiB`;

function remove(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** hooks.jsonl.N files, oldest (largest N) first, with their sizes. */
function listRotated(path: string): Array<{ n: number; file: string; size: number }> {
  const out: Array<{ n: number; file: string; size: number }> = [];
  for (const file of listLogFiles(path)) {
    if (file === path) continue;
    const n = Number(file.slice(path.length + 1));
    const st = checkOwnFile(file, isEventLog);
    if (st.ok) out.push({ n, file, size: st.size });
    else if (!st.missing) throw refusal(file, st.problem); // else rotated away meanwhile
  }
  return out; // listLogFiles: oldest first
}

function refusal(file: string, problem: string): CcOtelError {
  return new CcOtelError('UNSAFE_FILE', `event log rotation refused: ${file} ${problem}; nothing was renamed or deleted`, {
    hint: `cc-otel rotates only the log files it wrote; move ${file} out of ${dirname(file)}`,
  });
}

/** Every log file, oldest first: hooks.jsonl.N … hooks.jsonl.1, then hooks.jsonl. */
export function listLogFiles(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const rotated: Array<{ n: number; file: string }> = [];
  let current = false;
  for (const e of entries) {
    if (e === name) current = true;
    else if (e.startsWith(`${name}.`)) {
      const rest = e.slice(name.length + 1);
      if (/^\d{1,4}$/.test(rest)) rotated.push({ n: Number(rest), file: join(dir, e) });
    }
  }
  rotated.sort((a, b) => b.n - a.n);
  return [...rotated.map((r) => r.file), ...(current ? [path] : [])];
}
