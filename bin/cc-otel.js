#!/usr/bin/env node
'use strict';
/**
 * The entry point. `hook …` and `headers` (run by Claude Code at every session start and hook
 * event) load dist/hot.cjs through a V8 code cache; everything else loads the ESM CLI (dist/cli.js).
 *
 * CommonJS on purpose (bin/package.json): a CJS entry + CJS bundle start ~6 ms faster than ESM.
 * The code-cache loader lives here, in the entry file itself, and uses this file's `require`:
 * a separate loader module cost ~1 ms (resolve, realpath, read, compile) and node:module's
 * createRequire another ~0.5 ms, on a path whose whole budget is ~12 ms (`npm run bench`).
 *
 * The code cache: compiling the ~100 KB bundle from source is about a third of what `hook`/`headers`
 * add to a bare `node` start; with the cache V8 deserialises the bytecode instead. It lives in the
 * user cache dir (`v8/` under it), one file per bundle build × Node version × arch, written when
 * the first run exits (or when V8 rejects it, e.g. other V8 flags), so it holds every function that
 * run compiled — and only when cc-otel is configured (an unconfigured cc-otel is inert and writes
 * nothing). The build stamps the bundle's first line with a content hash, so a cache never meets a
 * bundle it was not made from (V8 itself checks only the source length). Anything unexpected — no
 * cache dir, an unwritable one, a foreign file — falls back to a plain `require`: the cache may only
 * ever make the hot path faster. Writing one removes the others (older builds, other Node
 * versions): one file, ~140 KB, stays. The bundle has no `import()` (the build turns them into
 * `require`): a script compiled from a code cache loses its dynamic-import callback in functions
 * V8 compiles lazily afterwards.
 */
const fs = require('node:fs');
const path = require('node:path');

/** First line of a stamped bundle: `//cc-otel-build:<hash>` (scripts/build.mjs). */
const BUILD_STAMP = '//cc-otel-build:';

/** Is this invocation for the hot path? (`--help` and unknown shapes go to the full CLI.) */
function isHot(argv) {
  if (argv.includes('--help') || argv.includes('-h')) return false;
  if (argv[0] === 'headers') return argv.length === 1;
  return argv[0] === 'hook' && argv[1] !== undefined && !argv[1].startsWith('-');
}

/** @param {string} source @returns {string | undefined} */
function buildIdOf(source) {
  if (!source.startsWith(BUILD_STAMP)) return undefined;
  const end = source.indexOf('\n');
  const id = source.slice(BUILD_STAMP.length, end < 0 ? undefined : end);
  return /^[0-9a-f]{8,64}$/.test(id) ? id : undefined;
}

function codeCachePath(cacheDir, buildId) {
  return path.join(cacheDir, 'v8', `hot-${buildId}-${process.version}-${process.arch}.bin`);
}

/**
 * The user cache dir: the `cache` of userDirs() in src/config/dirs.ts, which this must match
 * (test/unit/config/dirs.test.ts checks it does, platform by platform). Written out here because it
 * is needed before any bundle is loaded. $HOME is what os.homedir() returns on POSIX when it is
 * set; node:os loads only without it.
 * @returns {string | undefined}
 */
function cacheDirOf(env = process.env, platform = process.platform, homeDir = undefined) {
  try {
    const home = homeDir ?? (env.HOME || require('node:os').homedir());
    const xdg = env.XDG_CACHE_HOME;
    if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'cc-otel', 'cache');
    if (xdg && xdg.startsWith('/')) return path.join(xdg, 'cc-otel');
    return platform === 'darwin' ? path.join(home, 'Library', 'Caches', 'cc-otel') : path.join(home, '.cache', 'cc-otel');
  } catch {
    return undefined;
  }
}

/**
 * @param {string} bundlePath
 * @returns {{ mod: { runHot(argv: string[], cliPath: string): Promise<void>, codeCacheWanted?(): boolean }, cache: 'hit' | 'miss' | 'rejected' | 'off' }}
 *   cache — 'hit': compiled from the cache; 'miss': no cache yet (one is written at exit);
 *   'rejected': V8 refused it (rewritten at exit); 'off': plain require
 */
function loadHot(bundlePath, cacheDir = cacheDirOf()) {
  const fallback = () => ({ mod: require(bundlePath), cache: 'off' });
  let source;
  try {
    source = fs.readFileSync(bundlePath, 'utf8');
  } catch {
    return fallback();
  }
  const id = buildIdOf(source);
  if (!id || !cacheDir) return fallback();
  const file = codeCachePath(cacheDir, id);
  let cachedData;
  try {
    cachedData = fs.readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  let script;
  let mod;
  try {
    const { Script } = require('node:vm');
    script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
      filename: bundlePath,
      ...(cachedData ? { cachedData } : {}),
    });
    mod = { exports: {} };
    // This file's require (the bundle needs node: builtins and, lazily, packages from the same
    // node_modules), memoised: the bundle asks for node:fs and node:path once per source module,
    // ~20 calls at ~20 µs each through Module._load.
    const loaded = new Map();
    const req = (id) => {
      let m = loaded.get(id);
      if (m === undefined) loaded.set(id, (m = require(id)));
      return m;
    };
    req.resolve = require.resolve;
    script.runInThisContext()(mod.exports, req, mod, bundlePath, path.dirname(bundlePath));
  } catch {
    return fallback();
  }
  const state = cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  const hot = mod.exports;
  if (state !== 'hit') process.once('exit', () => hot.codeCacheWanted?.() === true && writeCache(file, script));
  return { mod: hot, cache: state };
}

/** At exit, so the cache holds every function this run compiled. Atomic; best effort. */
function writeCache(file, script) {
  try {
    const data = script.createCachedData();
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
    // Caches of other builds (an upgrade, a rebuild) or Node versions are dead weight: one stays.
    for (const f of fs.readdirSync(dir)) if (f.startsWith('hot-') && f.endsWith('.bin') && path.join(dir, f) !== file) fs.unlinkSync(path.join(dir, f));
  } catch {
    /* a read-only home, a full disk: the next run compiles from source again */
  }
}

module.exports = { BUILD_STAMP, buildIdOf, codeCachePath, cacheDirOf, isHot, loadHot };

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (isHot(argv)) loadHot(path.join(__dirname, '..', 'dist', 'hot.cjs')).mod.runHot(argv, __filename);
  else import('../dist/cli.js');
}
