/**
 * Loads the hot bundle (dist/hot.cjs) with a V8 code cache. Compiling the ~90 KB bundle from source
 * is about a third of what `hook`/`headers` add to a bare `node` start; with the cache V8
 * deserialises the bytecode instead (`npm run bench` measures both).
 *
 * The cache lives in the user cache dir (`v8/` under it), one file per bundle build × Node version
 * × arch, written on the first run (or when V8 rejects it, e.g. other V8 flags) when the process
 * exits, so it holds every function that run compiled — and only when cc-otel is configured (an
 * unconfigured cc-otel is inert and writes nothing). The build stamps the bundle's first line
 * with a content hash, so a cache never meets a bundle it was not made from (V8 itself checks only
 * the source length). Anything unexpected — no cache dir, an unwritable one, a foreign file —
 * falls back to a plain `require`: the cache may only ever make the hot path faster. Writing one
 * removes the others (older builds, other Node versions): one file, ~120 KB, stays. The bundle has
 * no `import()` (the build turns them into `require`): a script compiled from a code cache loses
 * its dynamic-import callback in functions V8 compiles lazily afterwards.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { userDirs } from './config/dirs.js';

export interface HotModule {
  runHot(argv: string[], cliPath: string): Promise<void>;
  /** false when cc-otel is not configured: then it writes nothing, not even this cache */
  codeCacheWanted?(): boolean;
}

/** First line of a stamped bundle: `//cc-otel-build:<hash>` (scripts/build.mjs). */
export const BUILD_STAMP = '//cc-otel-build:';

export function buildIdOf(source: string): string | undefined {
  if (!source.startsWith(BUILD_STAMP)) return undefined;
  const end = source.indexOf('\n');
  const id = source.slice(BUILD_STAMP.length, end < 0 ? undefined : end);
  return /^[0-9a-f]{8,64}$/.test(id) ? id : undefined;
}

export function codeCachePath(cacheDir: string, buildId: string): string {
  return join(cacheDir, 'v8', `hot-${buildId}-${process.version}-${process.arch}.bin`);
}

export interface LoadResult {
  mod: HotModule;
  /** 'hit': compiled from the cache; 'miss': no cache yet (one is written at exit); 'rejected': V8 refused it (rewritten at exit); 'off': plain require */
  cache: 'hit' | 'miss' | 'rejected' | 'off';
}

export function loadHot(bundlePath: string, cacheDir = cacheDirOf()): LoadResult {
  const fallback = (): LoadResult => ({ mod: createRequire(bundlePath)(bundlePath) as HotModule, cache: 'off' });
  let source: string;
  try {
    source = readFileSync(bundlePath, 'utf8');
  } catch {
    return fallback();
  }
  const id = buildIdOf(source);
  if (!id || !cacheDir) return fallback();
  const file = codeCachePath(cacheDir, id);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  let script: Script;
  let mod: { exports: unknown };
  try {
    script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
      filename: bundlePath,
      ...(cachedData ? { cachedData } : {}),
    });
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
    mod = { exports: {} };
    wrapper(mod.exports, createRequire(bundlePath), mod, bundlePath, dirname(bundlePath));
  } catch {
    return fallback();
  }
  const state = cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  const hot = mod.exports as HotModule;
  if (state !== 'hit') process.once('exit', () => hot.codeCacheWanted?.() === true && writeCache(file, script));
  return { mod: hot, cache: state };
}

function cacheDirOf(): string | undefined {
  try {
    // $HOME is what os.homedir() returns on POSIX when set; node:os loads only without it.
    const homeDir = process.env.HOME || (process.getBuiltinModule('node:os') as typeof import('node:os')).homedir();
    return userDirs({ env: process.env, homeDir, platform: process.platform }).cache;
  } catch {
    return undefined;
  }
}

/** At exit, so the cache holds every function this run compiled. Atomic; best effort. */
function writeCache(file: string, script: Script): void {
  try {
    const data = script.createCachedData();
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
    // Caches of other builds (an upgrade, a rebuild) or Node versions are dead weight: one stays.
    const dir = dirname(file);
    for (const f of readdirSync(dir)) if (f.startsWith('hot-') && f.endsWith('.bin') && join(dir, f) !== file) unlinkSync(join(dir, f));
  } catch {
    /* a read-only home, a full disk: the next run compiles from source again */
  }
}
