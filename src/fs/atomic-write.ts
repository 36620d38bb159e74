/**
 * Atomic file writes: temp sibling → fsync → rename. A reader never sees half a file and two
 * concurrent writers leave one whole version. `mode` is applied with chmod too, because the
 * mode argument of open() only applies when the file is created (and is masked by umask).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, chmodSync } from 'node:fs';
import { writeAll } from './write-all.js';
import { dirname, basename, join } from 'node:path';

export interface AtomicWriteOptions {
  mode?: number;
  /** mode for directories created on the way (default 0o700 for private files, else 0o755) */
  dirMode?: number;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const mode = opts.mode ?? 0o644;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? (mode & 0o077 ? 0o755 : 0o700) });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      chmodSync(tmp, mode);
      writeAll(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  // Make the rename itself durable (best effort: not every platform lets us open a dir).
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* ignore */
  }
}

/** Create (or tighten) a private directory: 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    /* not ours to chmod: reading still works */
  }
}
