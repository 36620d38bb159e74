/**
 * Every append cc-otel does — the event log, the error log, the dead-letter file, $CLAUDE_ENV_FILE —
 * goes through here (issue #11). The hook runs in every directory Claude Code opens, hostile
 * repositories included, and other local users may plant files; so a name is not trusted to be the
 * file we think it is:
 *
 *   - open(O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0600) — O_RDWR instead of
 *     O_WRONLY when the head is to be checked: a symlink at the name is refused (ELOOP) instead of
 *     followed; a FIFO fails at once (ENXIO, no reader) or is refused after fstat — it never blocks;
 *   - fstat of the descriptor (the file we hold, not the name): a regular file, owned by the current
 *     user, with one link (a hard link to someone's file has two);
 *   - an existing non-empty file must pass `isOurs` (an event log must start like one);
 *   - only then fchmod 0600 when the mode is wider: a planted file is never chmod'ed.
 *
 * Directories (`ensurePrivateDirChecked`): one cc-otel creates is 0700 (chmod'ed: the umask can't
 * widen it); an existing one must not be writable by group or others and must belong to the user or
 * root — anyone else could swap the file under us.
 *
 * The common path throws nothing: stat with `throwIfNoEntry: false`, and exceptions only on the
 * refusal paths (the first fs exception of a process costs ~0.7 ms). Windows: no O_NOFOLLOW (an
 * lstat first instead), no uid, no meaningful mode bits — those checks are skipped there.
 */
import { currentUid, ownershipProblem } from '../trust/ownership.js';
import { chmodSync, closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { CcOtelError } from '../errors.js';
import { writeAll } from './write-all.js';

const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK: number = constants.O_NONBLOCK ?? 0;
const APPEND_FLAGS = constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW | O_NONBLOCK;
/** For readers of files beside the log (rotated logs): a planted FIFO or symlink is not opened through. */
export const READ_FLAGS: number = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const WINDOWS = process.platform === 'win32';


/** Does an existing, non-empty file (open on `fd`, `size` bytes) hold what we are about to append to? */
export type IsOurs = (fd: number, size: number) => boolean;

export interface PrivateAppendOptions {
  /** what the file is, for messages: "the event log", "$CLAUDE_ENV_FILE" */
  what: string;
  /** an existing non-empty file must pass this, else it is refused as not ours */
  isOurs?: IsOurs;
  /** the hint for "not ours" */
  notOursHint?: string;
  /**
   * A line-oriented file (JSONL): when it does not end with "\n" — an earlier append was cut short
   * (a full disk, a file-size limit, a kill mid-write) — start `data` on a new line, so the torn
   * line costs only its own record, not ours too (appendPrivateFile).
   */
  resync?: boolean;
}

export interface AppendedFile {
  /** size after our write (another appender may have added more meanwhile) */
  size: number;
  ino: number;
}

const unsafe = (message: string, hint: string) => new CcOtelError('UNSAFE_FILE', message, { hint });

/**
 * Why `st` (of `path`) is not a file cc-otel may write to or remove, or undefined when it is:
 * a regular file, owned by the current user, one link.
 */
export function fileProblem(st: Stats, uid: number | undefined = currentUid()): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isFile()) return st.isFIFO() ? 'is a FIFO' : st.isSocket() ? 'is a socket' : st.isDirectory() ? 'is a directory' : 'is not a regular file';
  if (uid !== undefined && st.uid !== uid) return `belongs to uid ${st.uid}, not to you (uid ${uid})`;
  if (st.nlink > 1) return `has ${st.nlink} hard links (a hard link to another file)`;
  return undefined;
}

/**
 * Open `path` for appending, safely (see the top of this file). The descriptor is the caller's to
 * close. Throws CcOtelError UNSAFE_FILE on a refusal; other errors (ENOENT, EACCES, EISDIR) as they are.
 */
export function openPrivateAppend(path: string, o: PrivateAppendOptions): { fd: number; size: number; ino: number } {
  if (!O_NOFOLLOW) {
    const l = lstatSync(path, { throwIfNoEntry: false });
    if (l?.isSymbolicLink()) throw unsafe(`refusing to write ${o.what} ${path}: it is a symbolic link`, `remove the link; cc-otel writes only files it owns`);
  }
  let fd: number;
  try {
    // Read access only to check the head (`isOurs`) or the last byte (`resync`); every write still goes to the end (O_APPEND).
    fd = openSync(path, APPEND_FLAGS | (o.isOurs || o.resync ? constants.O_RDWR : constants.O_WRONLY), 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw unsafe(`refusing to write ${o.what} ${path}: it is a symbolic link (cc-otel never writes through one)`, `remove the link (\`rm ${path}\`); cc-otel writes only files it owns`);
    if (code === 'ENXIO') throw unsafe(`refusing to write ${o.what} ${path}: it is a FIFO or socket, not a file`, `remove it (\`rm ${path}\`)`);
    throw e;
  }
  try {
    const st = fstatSync(fd);
    const problem = fileProblem(st);
    if (problem) throw unsafe(`refusing to write ${o.what} ${path}: it ${problem}`, `cc-otel writes only regular files of yours with one link; remove or move ${path}`);
    if (st.size > 0 && o.isOurs && !o.isOurs(fd, st.size))
      throw unsafe(`refusing to append to ${path}: it is not ${o.what} (its first line is not one cc-otel writes)`, o.notOursHint ?? `move ${path} away or point cc-otel at another file`);
    // Tightened only now: a file that failed a check above is not ours to chmod.
    if (!WINDOWS && (st.mode & 0o7777) !== 0o600) fchmodSync(fd, 0o600);
    return { fd, size: st.size, ino: st.ino };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

const lastByte = Buffer.alloc(1);
const NEWLINE = Buffer.from('\n');

/**
 * Append `data` to `path` (openPrivateAppend, one write, close).
 *
 * `resync` (issue #12): one pread of the last byte, on the descriptor already open; when it is not
 * "\n", a "\n" goes first, in the same write(). Why not truncate back after a short write instead:
 * the size we would truncate to is known only from our fstat, and with O_APPEND another hook may
 * have appended a whole line after our fstat or after our partial write — truncating would cut
 * *its* acknowledged record to clean up our lost one. Resyncing never removes a byte. What it
 * leaves: the torn line itself (the reader counts it, log-reader.ts), and, when a concurrent hook
 * appends between our pread and our write, a spurious empty line (skipped by the reader) — or,
 * when another append is cut short in that same window, our line glued to it (the reader still
 * finds our record in it: log-reader.ts recoverRecord).
 */
export function appendPrivateFile(path: string, data: string | Uint8Array, o: PrivateAppendOptions): AppendedFile {
  const { fd, size, ino } = openPrivateAppend(path, o);
  try {
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (o.resync && size > 0 && readSync(fd, lastByte, 0, 1, size - 1) === 1 && lastByte[0] !== 0x0a) buf = Buffer.concat([NEWLINE, buf]);
    writeAll(fd, buf);
    return { size: size + buf.length, ino };
  } finally {
    closeSync(fd);
  }
}

/**
 * Why `dir` (its stat) may not hold cc-otel's files, or undefined: a directory, not writable by group
 * or others, owned by the user or by root (a root-owned directory others can't write is as safe).
 */
export function dirProblem(st: Stats, uid: number | undefined = currentUid()): string | undefined {
  if (!st.isDirectory()) return 'is not a directory';
  if (WINDOWS) return undefined;
  return ownershipProblem(st, uid);
}

export interface DirScope {
  /** the allowed root the directory must stay inside, e.g. `<project>/.claude/logs` */
  root: string;
  /** the part of `root` that is trusted as it is — its symlinks are the user's own: the project dir, or `root` itself */
  anchor: string;
}

/**
 * Make sure `dir` exists and is safe to hold `what`: created 0700 (every directory created on the way,
 * chmod'ed) or, when it exists, checked (dirProblem). With `scope`, the real path must stay where the
 * name says: a symlink below `scope.anchor` that leads out of `scope.root` (a repository's `.claude`
 * pointing at your home) is refused, before anything is created through it.
 */
export function ensurePrivateDirChecked(dir: string, what: string, scope?: DirScope): void {
  let st = statSync(dir, { throwIfNoEntry: false });
  if (scope) checkRealPath(st ? dir : existingAncestor(dir), what, scope);
  if (!st) {
    const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mode is masked by the umask: chmod each directory we created, from the first down to `dir`
    // (walked down from `first`, so nothing above it is ever touched).
    const below = first === undefined ? '' : relative(first, dir);
    if (first !== undefined && !WINDOWS && !below.startsWith('..') && !isAbsolute(below)) {
      let d = first;
      chmodSync(d, 0o700);
      for (const part of below.split(sep)) if (part) chmodSync((d = join(d, part)), 0o700);
    }
    st = statSync(dir);
  }
  const problem = dirProblem(st);
  if (problem)
    throw unsafe(
      `refusing to write ${what} in ${dir}: the directory ${problem}`,
      problem.startsWith('belongs') ? `it is not yours: point cc-otel at a directory of your own` : `\`chmod 700 ${dir}\` if it is yours; anyone who can write there could replace the file`,
    );
}

function existingAncestor(dir: string): string {
  for (let d = dirname(dir); ; d = dirname(d)) if (statSync(d, { throwIfNoEntry: false }) || dirname(d) === d) return d;
}

const inside = (child: string, parent: string): boolean => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/** `p` exists. Between anchor and root its real path must be exactly anchor's + the rest; at or below root, inside root's real path. */
function checkRealPath(p: string, what: string, scope: DirScope): void {
  // The trusted root itself (the default log's directory): nothing below it to resolve. Compared as
  // strings first — path.relative's first call costs ~60 µs on the hook's path.
  if (p === scope.root && scope.root === scope.anchor) return;
  if (!inside(p, scope.anchor)) return; // above the anchor: not ours to judge
  const realAnchor = realpathSync.native(scope.anchor);
  const realRoot = join(realAnchor, relative(scope.anchor, scope.root));
  const real = realpathSync.native(p);
  const ok = inside(p, scope.root) ? inside(real, realRoot) : real === join(realAnchor, relative(scope.anchor, p));
  if (!ok)
    throw unsafe(`refusing to write ${what} under ${p}: its real path is ${real}, outside ${realRoot} (a symbolic link leads out)`, `cc-otel writes only inside ${scope.root}; remove the link, or set "events": {"logFile": …} to a path under ~/.claude/logs`);
}

/**
 * May cc-otel rename or delete `path` (rotation, retention)? Only a regular file (not a symlink) of the
 * user's, one link, and — with `isOurs` — one that starts like what cc-otel writes there.
 * `missing` when there is nothing at the name; otherwise the problem, or ok with the file's size.
 */
export function checkOwnFile(path: string, isOurs?: IsOurs): { ok: true; size: number; ino: number } | { ok: false; missing: boolean; problem: string } {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return { ok: false, missing: true, problem: 'does not exist' };
  const problem = fileProblem(st);
  if (problem) return { ok: false, missing: false, problem };
  if (isOurs) {
    let fd: number;
    try {
      fd = openSync(path, READ_FLAGS);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? { ok: false, missing: true, problem: 'does not exist' } : { ok: false, missing: false, problem: `cannot be read (${code})` };
    }
    try {
      const fst = fstatSync(fd);
      if (fst.ino !== st.ino || fst.dev !== st.dev) return { ok: false, missing: false, problem: 'changed while being checked' };
      if (fst.size === 0 || !isOurs(fd, fst.size)) return { ok: false, missing: false, problem: 'is not a file cc-otel wrote' };
      return { ok: true, size: fst.size, ino: fst.ino };
    } finally {
      closeSync(fd);
    }
  }
  return { ok: true, size: st.size, ino: st.ino };
}

/** Read up to `len` bytes at `pos` (one pread, then more only if the kernel returned fewer). */
export function readHead(fd: number, len: number, pos = 0): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * Read a small bookkeeping file (ship state, a lock, the trust or destination store) as text —
 * undefined when it is absent, not a regular file of the user's own with one link, or larger than
 * `maxBytes`. Never follows a final symlink and never blocks on a FIFO: a repository can plant
 * `/dev/zero` or a FIFO beside a project log (issue #11), and a plain readFileSync would read it
 * without end on the hook's hot path, where no timer can interrupt a synchronous read.
 */
export function readSmallFile(path: string, maxBytes = 1 << 20): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (fileProblem(st) || st.size > maxBytes) return undefined;
    return readHead(fd, st.size).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
