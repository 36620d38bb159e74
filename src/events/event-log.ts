/**
 * The local event log — the source of truth. Each line is one `write()` on an O_APPEND descriptor:
 * on a local filesystem the kernel positions and copies an append under the inode lock, so lines
 * from concurrent hooks never interleave (and a line is capped, record.ts MAX_LINE_BYTES). No fsync:
 * a hook must stay fast; the page cache survives our process, only a power cut can lose a line.
 *
 * Rotation by size, safe under concurrency: the appender that sees the file past `rotateBytes`
 * takes the rotate lock, re-checks that the file it wrote to is still the big current file (another
 * hook may have rotated it already), then shifts hooks.jsonl.(n) → .(n+1) and renames hooks.jsonl
 * → hooks.jsonl.1. A hook that opened the file before the rename finishes its write into what is now
 * hooks.jsonl.1 — still a log file the shipper reads (it tracks files by content, not by name).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { releaseLock, tryLock } from './lock.js';
import { DEFAULT_ROTATE_BYTES, ROTATED_KEEP, eventLogPaths } from './paths.js';

export interface AppendOptions {
  rotateBytes?: number;
  keep?: number;
  now?: number;
}

export interface AppendResult {
  /** size of the file after our write */
  size: number;
  rotated: boolean;
}

function openAppend(path: string): number {
  try {
    return openSync(path, 'a', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // First event in this place: create the directories (the log may hold prompts: private).
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return openSync(path, 'a', 0o600);
  }
}

export function appendEventLine(path: string, line: string, opts: AppendOptions = {}): AppendResult {
  const buf = Buffer.from(line, 'utf8');
  const fd = openAppend(path);
  let size: number;
  let ino: number;
  try {
    let off = 0;
    // One write() for the line. A short write only happens on a full disk or a signal; finishing
    // it keeps our line whole, at the cost of possibly splitting it around another hook's line.
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    const st = fstatSync(fd);
    size = st.size;
    ino = st.ino;
  } finally {
    closeSync(fd);
  }
  const rotateBytes = opts.rotateBytes ?? DEFAULT_ROTATE_BYTES;
  const rotated = size >= rotateBytes ? rotateLog(path, { ino, rotateBytes, keep: opts.keep ?? ROTATED_KEEP, now: opts.now ?? Date.now() }) : false;
  return { size, rotated };
}

/** Rotate `path` if it is still the file (inode `ino`) that grew past `rotateBytes`. */
export function rotateLog(path: string, o: { ino?: number; rotateBytes: number; keep: number; now: number }): boolean {
  const lock = tryLock(eventLogPaths(path).rotateLock, o.now, 10_000);
  if (!lock) return false; // another hook is rotating
  try {
    let st;
    try {
      st = statSync(path);
    } catch {
      return false;
    }
    if ((o.ino !== undefined && st.ino !== o.ino) || st.size < o.rotateBytes) return false; // done by someone else
    try {
      unlinkSync(`${path}.${o.keep}`);
    } catch {
      /* fewer files so far */
    }
    for (let n = o.keep - 1; n >= 1; n--) {
      try {
        renameSync(`${path}.${n}`, `${path}.${n + 1}`);
      } catch {
        /* gap */
      }
    }
    renameSync(path, `${path}.1`);
    return true;
  } finally {
    releaseLock(lock);
  }
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
