/**
 * `cc-otel trust` as values (style: the core returns a plan, the command prints it): which files a
 * directory's trust covers — the project file the hook would find from there (config/project-file.ts,
 * same rules) and the `.env` beside it — and what each would let the project decide.
 */
import { lstatSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { userDirs } from '../config/dirs.js';
import { findProjectFile, PROJECT_FILE } from '../config/project-file.js';
import { parseConfigText } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ownershipProblem } from './ownership.js';
import { printable } from './printable.js';
import { readTrustStore, revokePaths, snapshotFile, trustKey, trustSnapshot, trustVerdict, type TrustKind, type TrustVerdict } from './store.js';

export interface TrustTarget {
  kind: TrustKind;
  path: string;
  realPath: string;
  /** what trusting it hands the project (keys that decide destination, credential, content, files) */
  grants: string[];
  verdict: TrustVerdict;
}

/** Keys worth naming before the user trusts a file: they decide where data goes and what it holds. */
const POWERFUL = ['backend', 'endpoint', 'protocol', 'region', 'site', 'instanceId', 'header', 'headerValue', 'key', 'privacy', 'sessionEnv', 'events', 'verify', 'signals'];

function grantsOf(config: Config): string[] {
  const out: string[] = [];
  const c = config as Record<string, unknown>;
  for (const k of POWERFUL) {
    const v = c[k];
    if (v === undefined) continue;
    if (k === 'key') out.push(`key ${(v as string[]).join(', ')}`);
    else if (k === 'privacy' || k === 'sessionEnv' || k === 'events') {
      const on = Object.entries(v as Record<string, unknown>).filter(([, x]) => x === true || typeof x === 'string' || typeof x === 'number');
      if (on.length) out.push(on.map(([sub, x]) => `${k}.${sub}${x === true ? '' : `=${String(x)}`}`).join(', '));
    } else if (k === 'verify') out.push(`verify (${Object.keys(v as object).join(', ')})`);
    else out.push(`${k} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  return out;
}

/** The files `cc-otel trust DIR` covers, as they are now. Throws when there is nothing to trust. */
export function trustTargets(ctx: Pick<Context, 'cwd' | 'homeDir' | 'env' | 'platform'>, dirArg: string | undefined): { dir: string; targets: TrustTarget[]; skipped: Array<{ path: string; reason: string }> } {
  const dir = resolve(ctx.cwd, dirArg ?? '.');
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CcOtelError('USAGE', `${dir} is not a directory`, { hint: 'pass the project directory: cc-otel trust <dir>' });
  const stateDir = userDirs(ctx).state;
  const store = readTrustStore(stateDir);
  const search = findProjectFile(dir, ctx.homeDir);
  const targets: TrustTarget[] = [];
  if (search.found) {
    const snap = snapshotFile(search.found);
    let config: Config;
    try {
      config = parseConfigText(search.found, snap.bytes.toString('utf8'));
    } catch (e) {
      throw new CcOtelError('CONFIG_INVALID', `will not trust ${search.found}: ${(e as Error).message}`, { hint: 'fix the file first: a trusted file that does not load stops cc-otel in this project' });
    }
    targets.push({ kind: 'config', path: search.found, realPath: snap.realPath, grants: grantsOf(config), verdict: trustVerdict(stateDir, 'config', snap, store) });
  }
  const projectDir = search.found ? dirname(search.found) : dir;
  const env = join(projectDir, '.env');
  const envSt = lstatSync(env, { throwIfNoEntry: false });
  const skipped = [...search.skipped];
  if (envSt) {
    const owner = ownershipProblem(envSt);
    const problem = envSt.isSymbolicLink() ? 'a symbolic link (cc-otel reads only a regular file there)' : !envSt.isFile() ? 'not a regular file' : owner && `the file ${owner}`;
    if (problem) skipped.push({ path: env, reason: problem });
    else {
      const snap = snapshotFile(env);
      targets.push({ kind: 'dotenv', path: env, realPath: snap.realPath, grants: ['its variables, for dotenv: key references'], verdict: trustVerdict(stateDir, 'dotenv', snap, store) });
    }
  }
  if (!targets.length) {
    const why = skipped.length ? `: ${printable(skipped.map((s) => `${s.path} is skipped (${s.reason})`).join('; '))}` : '';
    throw new CcOtelError('CONFIG_NOT_FOUND', `nothing to trust in ${printable(dir)}: no ${PROJECT_FILE} from there up to the git root or $HOME, and no .env${why}`, {
      hint: skipped.length ? 'make the file your own and not writable by others (chown, chmod go-w), then trust it' : 'create the project file (see the README, "Configuration") and run cc-otel trust again',
    });
  }
  return { dir, targets, skipped };
}

/** Record every target as trusted, as it is now. */
export function trustTargetsNow(ctx: Pick<Context, 'env' | 'homeDir' | 'platform' | 'now'>, targets: readonly TrustTarget[]): Array<TrustTarget & { sha256: string }> {
  const stateDir = userDirs(ctx).state;
  return targets.map((t) => {
    const entry = trustSnapshot(stateDir, t.kind, snapshotFile(t.path), ctx.now());
    return { ...t, verdict: 'trusted' as const, sha256: entry.sha256 };
  });
}

/** Trust one file (install --scope project: the file it tells the installer to commit). */
export function trustFile(ctx: Pick<Context, 'env' | 'homeDir' | 'platform' | 'now'>, path: string, kind: TrustKind = 'config'): string {
  return trustSnapshot(userDirs(ctx).state, kind, snapshotFile(path), ctx.now()).sha256;
}

/**
 * Forget what trust DIR recorded: the project file and .env of DIR (and of the project the search
 * finds from there), found or not — a deleted file can be revoked too. DIR may also name one
 * trusted file. Keys are the directory's real path and the file's name: never a link's target.
 */
export function revokeDir(ctx: Pick<Context, 'cwd' | 'homeDir' | 'env' | 'platform'>, dirArg: string | undefined): { dir: string; removed: string[] } {
  const dir = resolve(ctx.cwd, dirArg ?? '.');
  const stateDir = userDirs(ctx).state;
  const key = (p: string) => {
    try {
      return trustKey(p);
    } catch {
      return resolve(p);
    }
  };
  const candidates = new Set<string>([resolve(dir), key(dir)]);
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== false) {
    for (const name of [PROJECT_FILE, '.env']) candidates.add(key(join(dir, name)));
    const search = findProjectFile(dir, ctx.homeDir);
    if (search.found) for (const name of [PROJECT_FILE, '.env']) candidates.add(key(join(dirname(search.found), name)));
  }
  return { dir, removed: revokePaths(stateDir, [...candidates]) };
}

/** Forget every entry whose file is gone (a project moved or deleted). */
export function pruneMissing(ctx: Pick<Context, 'env' | 'homeDir' | 'platform'>): string[] {
  const gone = listTrusted(ctx).filter((e) => e.state === 'missing').map((e) => e.path);
  return revokePaths(userDirs(ctx).state, gone);
}

export interface TrustListEntry {
  path: string;
  kind: TrustKind;
  trustedAt: string;
  /** ok: the file is as trusted; changed: its content differs (untrusted until trusted again); missing: gone */
  state: 'ok' | 'changed' | 'missing';
}

export function listTrusted(ctx: Pick<Context, 'env' | 'homeDir' | 'platform'>): TrustListEntry[] {
  const stateDir = userDirs(ctx).state;
  const store = readTrustStore(stateDir);
  return Object.entries(store.files).map(([path, e]) => {
    let state: TrustListEntry['state'] = 'missing';
    try {
      state = trustVerdict(stateDir, e.kind, snapshotFile(path), store) === 'trusted' ? 'ok' : 'changed';
    } catch {
      /* gone */
    }
    return { path, kind: e.kind, trustedAt: e.trustedAt, state };
  });
}
