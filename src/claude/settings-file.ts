/**
 * The file layer under settings edits: read a settings file (through symlinks, strictly as UTF-8 and
 * JSON) and carry out a list of file operations safely.
 *
 * Writing rules (style.md habit 10):
 * - the real file behind a symlink is written; the link stays a link;
 * - writes are atomic (temp sibling, fsync, rename: src/fs/atomic-write.ts) and keep the file's mode
 *   (and its owner, when we run as root);
 * - before anything is written every operation is checked, so a read-only file or directory fails
 *   the whole edit with nothing half done;
 * - a file whose mode has no write bit at all (e.g. 0444) is refused even for root: replacing it by
 *   rename would go straight past the protection its owner put on it.
 */
import type { Stats } from 'node:fs';
import { accessSync, chownSync, closeSync, constants, fsyncSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CcOtelError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { JsonSyntaxError, nodeValue, parseJson } from './settings-json.js';
import type { JsonObjectNode } from './settings-json.js';
import { backupPath, installRecordPath, stateRecordPath } from './settings-paths.js';

export type SettingsFileRead =
  | { status: 'missing'; path: string; target: string }
  | { status: 'ok'; path: string; target: string; text: string; root: JsonObjectNode; settings: Record<string, unknown> }
  | { status: 'invalid'; path: string; target: string; text: string; error: SettingsProblem }
  | { status: 'unreadable'; path: string; target: string; error: SettingsProblem };

export interface SettingsProblem {
  message: string;
  /** 1-based, when the problem has a place in the file */
  line?: number;
  column?: number;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Follow symlinks to the file that would be read or written; a dangling link gives its target. */
export function resolveTarget(path: string): string {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(p).isSymbolicLink();
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return p;
      throw e;
    }
    if (!isLink) return realpathSync(p);
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw new CcOtelError('SETTINGS_INVALID', `${path}: too many levels of symbolic links`, { hint: 'check the link does not point back to itself' });
}

// ignoreBOM: keep a leading BOM in the text (the JSON parser tolerates it), so the backup, the
// record's `original` and an uninstall give back the file's exact bytes.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `target`, or null when there is no file. Throws the raw fs error otherwise. */
export function readText(target: string): string | null {
  let buf: Buffer;
  try {
    buf = readFileSync(target);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return null;
    throw e;
  }
  return utf8.decode(buf); // fatal: a file we cannot decode exactly, we must not rewrite
}

/** Read and parse a settings file; never throws (a broken scope is reported, not fatal). */
export function readSettingsFile(path: string): SettingsFileRead {
  let target = resolve(path);
  let text: string | null;
  try {
    target = resolveTarget(path);
    text = readText(target);
  } catch (e) {
    return { status: 'unreadable', path, target, error: { message: readProblem(e) } };
  }
  if (text === null) return { status: 'missing', path, target };
  const parsed = parseSettingsText(text);
  if ('error' in parsed) return { status: 'invalid', path, target, text, error: parsed.error };
  return { status: 'ok', path, target, text, root: parsed.root, settings: nodeValue(parsed.root) as Record<string, unknown> };
}

/** Parse settings JSON: the top level must be an object. */
export function parseSettingsText(text: string): { root: JsonObjectNode } | { error: SettingsProblem } {
  try {
    const root = parseJson(text);
    if (root.type !== 'object') return { error: { message: `the top level is ${root.type === 'array' ? 'an array' : `a ${root.type}`}, not an object`, line: 1, column: 1 } };
    return { root };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { error: { message: e.message, line: e.line, column: e.column } };
    throw e;
  }
}

function readProblem(e: unknown): string {
  if (e instanceof CcOtelError) return e.message;
  if (e instanceof TypeError) return 'not valid UTF-8 text';
  switch (errnoOf(e)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return (e as Error).message;
  }
}

/** The error for a file cc-otel was asked to edit but cannot read. */
export function unreadableError(path: string, e: unknown): CcOtelError {
  if (e instanceof CcOtelError) return e;
  const problem = readProblem(e);
  const code = e instanceof TypeError || errnoOf(e) === 'EISDIR' ? 'SETTINGS_INVALID' : 'SETTINGS_WRITE';
  return new CcOtelError(code, `cannot read ${path}: ${problem}`, {
    hint: code === 'SETTINGS_INVALID' ? 'cc-otel edits only UTF-8 JSON files; fix or move the file and run again' : 'run as a user who can read and write it, or choose another --scope',
    cause: e,
  });
}

/** The error for a settings file that is not valid JSON: where it breaks, and that nothing changed. */
export function invalidSettingsError(path: string, problem: SettingsProblem): CcOtelError {
  return new CcOtelError('SETTINGS_INVALID', `${path} is not valid JSON: ${problem.message}`, {
    hint: 'fix the file (or move it away) and run again; cc-otel changed nothing',
  });
}

/** Everything an edit plan needs to know about a settings file and its sidecars. */
export interface SettingsFileSnapshot {
  /** as asked for */
  path: string;
  /** after following symlinks: the file that is read and written */
  target: string;
  /** null: no file */
  text: string | null;
  meta: FileMeta | null;
  /** the install record's text (at recordPath, or the legacy sidecar), null when there is none */
  recordText: string | null;
  /** where the record is written (default: the legacy sidecar beside the file, installRecordPath) */
  recordPath?: string;
  /** an old sidecar record beside the file, when records live elsewhere: read, then deleted on the next write */
  legacyRecordPath?: string | null;
  /** where recordText was read (recordPath, or legacyRecordPath when only that one exists); default recordPath */
  recordFrom?: string;
  /** the backup's text (backupPath), null when there is none */
  backupText: string | null;
  /** directories that writing `target` would create, deepest first */
  missingDirs: string[];
}

/**
 * Read a settings file and its sidecars for planning an edit. Reads only. With `recordDir` the
 * install record lives there (stateRecordPath); an old one beside the file is still found.
 */
export function readForEdit(path: string, opts: { recordDir?: string } = {}): SettingsFileSnapshot {
  let target: string;
  let text: string | null;
  try {
    target = resolveTarget(path);
    text = readText(target);
  } catch (e) {
    throw unreadableError(path, e);
  }
  const sidecar = (p: string): string | null => {
    try {
      return readText(p);
    } catch (e) {
      throw unreadableError(p, e);
    }
  };
  const missingDirs: string[] = [];
  if (text === null) {
    for (let d = dirname(target); ; ) {
      if (existsAsAnything(d)) break;
      missingDirs.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  const legacy = installRecordPath(target);
  let recordText: string | null;
  let record: Pick<SettingsFileSnapshot, 'recordPath' | 'legacyRecordPath' | 'recordFrom'> = {};
  if (opts.recordDir === undefined) recordText = sidecar(legacy);
  else {
    const recordPath = stateRecordPath(opts.recordDir, target);
    const stateText = sidecar(recordPath);
    const legacyText = sidecar(legacy);
    recordText = stateText ?? legacyText;
    record = { recordPath, legacyRecordPath: legacyText === null ? null : legacy, recordFrom: stateText === null && legacyText !== null ? legacy : recordPath };
  }
  return { path, target, text, meta: fileMeta(target), recordText, ...record, backupText: sidecar(backupPath(target)), missingDirs };
}

function existsAsAnything(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch (e) {
    return errnoOf(e) !== 'ENOENT';
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

export type FileOp =
  | {
      op: 'write';
      path: string;
      content: string;
      /** permission bits for the file */
      mode: number;
      /** keep this owner (applied only when running as root) */
      owner?: { uid: number; gid: number } | null;
      /** create only: skip silently when the file already exists (the backup is taken once) */
      onlyIfAbsent?: boolean;
      /** mode of directories created for it (default 0755) */
      dirMode?: number;
    }
  | { op: 'delete'; path: string }
  /** remove a directory if it is empty (it is left alone otherwise) */
  | { op: 'rmdir'; path: string };

export interface FileMeta {
  mode: number;
  uid: number;
  gid: number;
}

export function fileMeta(target: string): FileMeta | null {
  try {
    const st = statSync(target);
    return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch {
    return null;
  }
}

/** Check every operation can be done, then do them in order. */
export function applyFileOps(ops: readonly FileOp[]): { wrote: string[]; removed: string[] } {
  for (const o of ops) if (o.op !== 'rmdir') preflight(o.path, o.op === 'write' && !o.onlyIfAbsent);
  const wrote: string[] = [];
  const removed: string[] = [];
  for (const o of ops) {
    try {
      if (o.op === 'write') {
        if (o.onlyIfAbsent) {
          if (writeIfAbsent(o.path, o.content, o.mode)) wrote.push(o.path);
          else continue;
        } else {
          writeFileAtomic(o.path, o.content, { mode: o.mode, dirMode: o.dirMode ?? 0o755 });
          wrote.push(o.path);
        }
        if (o.owner && process.getuid?.() === 0 && (o.owner.uid !== 0 || o.owner.gid !== 0)) {
          try {
            chownSync(o.path, o.owner.uid, o.owner.gid);
          } catch {
            /* best effort: the content is right either way */
          }
        }
      } else if (o.op === 'delete') {
        try {
          unlinkSync(o.path);
          removed.push(o.path);
        } catch (e) {
          if (errnoOf(e) !== 'ENOENT') throw e;
        }
      } else {
        try {
          rmdirSync(o.path);
          removed.push(o.path);
        } catch {
          /* not empty, or already gone: either way not ours to remove */
        }
      }
    } catch (e) {
      throw writeError(o.path, e);
    }
  }
  return { wrote, removed };
}

function writeIfAbsent(path: string, content: string, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (e) {
    if (errnoOf(e) === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, Buffer.from(content, 'utf8'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Fail early, with the reason, for a file or directory we could not write. */
function preflight(path: string, replacing: boolean): void {
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT' && errnoOf(e) !== 'ENOTDIR') throw writeError(path, e);
  }
  if (st) {
    if (st.isDirectory()) throw writeError(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
    if (replacing && (st.mode & 0o222) === 0)
      throw new CcOtelError('SETTINGS_WRITE', `${path} is read-only (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); cc-otel will not replace it`, {
        hint: `make it writable (chmod u+w '${path}') if cc-otel should edit it, or choose another --scope`,
      });
    if (replacing)
      try {
        accessSync(path, constants.W_OK);
      } catch (e) {
        throw writeError(path, e);
      }
  }
  // The directory gets a temp file and a rename; the first existing ancestor must be a writable dir.
  let dir = dirname(path);
  for (;;) {
    let dst: Stats | undefined;
    try {
      dst = statSync(dir);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT' && errnoOf(e) !== 'ENOTDIR') throw writeError(path, e);
    }
    if (dst) {
      if (!dst.isDirectory()) throw writeError(path, Object.assign(new Error('not a directory'), { code: 'ENOTDIR', path: dir }));
      try {
        accessSync(dir, constants.W_OK);
      } catch (e) {
        throw writeError(path, Object.assign(e as Error, { path: dir }));
      }
      return;
    }
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

export function writeError(path: string, e: unknown): CcOtelError {
  if (e instanceof CcOtelError) return e;
  const where = (e as NodeJS.ErrnoException).path ?? path;
  switch (errnoOf(e)) {
    case 'EACCES':
    case 'EPERM':
      return new CcOtelError('SETTINGS_WRITE', `cannot write ${path}: permission denied on ${where}`, {
        hint: 'make it writable for you, or run as a user who can (managed settings need root / Administrator), or choose another --scope',
        cause: e,
      });
    case 'EROFS':
      return new CcOtelError('SETTINGS_WRITE', `cannot write ${path}: read-only file system`, { hint: 'choose another --scope, or write an --output file and install it from there', cause: e });
    case 'ENOTDIR':
      return new CcOtelError('SETTINGS_WRITE', `cannot write ${path}: ${where} is a file, not a directory`, { hint: `move ${where} out of the way, or choose another --scope`, cause: e });
    case 'EISDIR':
      return new CcOtelError('SETTINGS_WRITE', `cannot write ${path}: it is a directory`, { hint: 'move the directory out of the way, or choose another --scope', cause: e });
    case 'ENOSPC':
    case 'EDQUOT':
      return new CcOtelError('SETTINGS_WRITE', `cannot write ${path}: no space left`, { hint: 'free some space and run again', cause: e });
    default:
      return new CcOtelError('SETTINGS_WRITE', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}
