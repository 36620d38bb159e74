import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Claude Code session manifest, `~/.claude/sessions/<pid>.json` (claude-code-facts.md §5).
 * The format is undocumented and has grown fields across versions, so only pid and sessionId are
 * required; everything else is optional and unknown extra fields are ignored.
 */
export interface SessionManifest {
  file: string;
  pid: number;
  sessionId: string;
  cwd?: string;
  startedAt?: number;
  procStart?: string;
  version?: string;
  kind?: string;
  entrypoint?: string;
  name?: string;
}

export type SkipReason = 'symlink' | 'not-a-file' | 'too-large' | 'not-json' | 'unknown-shape' | 'unreadable';

export interface ManifestScan {
  manifests: SessionManifest[];
  skipped: { file: string; reason: SkipReason }[];
}

const MAX_MANIFEST_BYTES = 64 * 1024;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Pure: text of one manifest → a manifest or the reason it was skipped. */
export function parseManifest(file: string, text: string): SessionManifest | { skip: SkipReason } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { skip: 'not-json' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { skip: 'unknown-shape' };
  const o = raw as Record<string, unknown>;
  const pid = typeof o.pid === 'number' ? o.pid : typeof o.pid === 'string' && /^\d+$/.test(o.pid) ? Number(o.pid) : NaN;
  const sessionId = str(o.sessionId);
  // The id names the transcript file read for the model: a token (Claude Code's are UUIDs), never a path.
  if (!Number.isInteger(pid) || pid <= 0 || sessionId === undefined || !/^[A-Za-z0-9_-]{1,128}$/.test(sessionId)) return { skip: 'unknown-shape' };
  const m: SessionManifest = { file, pid, sessionId };
  const cwd = str(o.cwd);
  if (cwd !== undefined) m.cwd = cwd;
  if (typeof o.startedAt === 'number' && Number.isFinite(o.startedAt)) m.startedAt = o.startedAt;
  const procStart = typeof o.procStart === 'number' ? String(o.procStart) : str(o.procStart);
  if (procStart !== undefined) m.procStart = procStart;
  for (const k of ['version', 'kind', 'entrypoint', 'name'] as const) {
    const v = str(o[k]);
    if (v !== undefined) m[k] = v;
  }
  return m;
}

/** Read one file without following a symlink (lstat + O_NOFOLLOW), read-only. */
function readNoFollow(path: string): string | SkipReason {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return 'symlink';
    if (!st.isFile()) return 'not-a-file';
    if (st.size > MAX_MANIFEST_BYTES) return 'too-large';
  } catch {
    return 'unreadable';
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink' : 'unreadable';
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'not-a-file';
    const buf = Buffer.alloc(Math.min(st.size, MAX_MANIFEST_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return 'unreadable';
  } finally {
    closeSync(fd);
  }
}

/** Scan `<homeDir>/.claude/sessions`. Never writes there; a missing dir is an empty scan. */
export function loadManifests(homeDir: string): ManifestScan {
  const dir = join(homeDir, '.claude', 'sessions');
  const scan: ManifestScan = { manifests: [], skipped: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return scan;
  }
  for (const name of names.sort()) {
    if (!name.endsWith('.json')) continue;
    const file = join(dir, name);
    const text = readNoFollow(file);
    if (text === 'symlink' || text === 'not-a-file' || text === 'too-large' || text === 'unreadable') {
      scan.skipped.push({ file, reason: text });
      continue;
    }
    const parsed = parseManifest(file, text);
    if ('skip' in parsed) scan.skipped.push({ file, reason: parsed.skip });
    else scan.manifests.push(parsed);
  }
  return scan;
}
