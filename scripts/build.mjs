// One bundler (esbuild), two outputs:
//  - dist/hot.cjs: `hook` and `headers`, run by Claude Code at every session start — one file, no
//    chunk fan-out (each chunk costs a read + module link on the hot path).
//  - dist/cli.js + dist/chunks/: everything else, commands loaded lazily.
// commander and dotenv are bundled (startup cost); the heavy SDKs stay external and are only
// reached through `await import()` (the 1Password SDK reads its .wasm and google-gax its protos
// through __dirname, so they cannot be bundled — ../shared/docs/secrets-and-startup.md §2.4).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { NODE_ESM } from './esbuild-options.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const common = {
  ...NODE_ESM,
  minify: process.env.CC_OTEL_NO_MINIFY !== '1',
  outdir: 'dist',
  define: { __CC_OTEL_VERSION__: JSON.stringify(pkg.version) },
};

// CommonJS: a CJS entry + bundle starts ~6 ms faster than ESM (measured; bin/package.json).
// Stamped on its first line with a content hash: the key of its V8 code cache (bin/cc-otel.js).
const hot = await build({ ...common, entryPoints: { hot: 'src/hot.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, banner: {}, splitting: false, write: false,
  // import() → require(): the bundle runs from a V8 code cache, and V8 loses the dynamic-import
  // callback of functions compiled lazily after a cache hit (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
  supported: { 'dynamic-import': false } });
const hotJs = hot.outputFiles.find((f) => f.path.endsWith('hot.cjs'));
if (/\bimport\(/.test(hotJs.text)) throw new Error('dist/hot.cjs must not contain import(): see bin/cc-otel.js');
mkdirSync('dist', { recursive: true });
writeFileSync('dist/hot.cjs', `//cc-otel-build:${createHash('sha256').update(hotJs.contents).digest('hex').slice(0, 16)}\n${hotJs.text}`);
// The OTLP/JSON decoder thread (src/collector/json-decoder.ts) is an entry of its own: a Worker runs a file.
await build({ ...common, entryPoints: { cli: 'src/cli.ts', 'chunks/json-worker': 'src/collector/json-worker.ts' }, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
// The dashboard page (src/dashboard/): one script and one style sheet for the browser, uPlot
// bundled in (never a CDN: it works offline), next to the page's HTML; served by the collector.
await build({ entryPoints: { 'dashboard/dashboard': 'src/dashboard/page/main.ts' }, bundle: true, format: 'esm', platform: 'browser', target: 'es2020',
  minify: common.minify, outdir: 'dist', logLevel: 'warning', legalComments: 'eof' });
copyFileSync('src/dashboard/page/index.html', 'dist/dashboard/index.html');
