// One bundler (esbuild), two outputs:
//  - dist/hot.cjs: `hook` and `headers`, run by Claude Code at every session start — one file, no
//    chunk fan-out (each chunk costs a read + module link on the hot path).
//  - dist/cli.js + dist/chunks/: everything else, commands loaded lazily.
// commander and dotenv are bundled (startup cost); the heavy SDKs stay external and are only
// reached through `await import()` (the 1Password SDK reads its .wasm and google-gax its protos
// through __dirname, so they cannot be bundled — ../shared/docs/secrets-and-startup.md §2.4).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
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
await build({ ...common, entryPoints: { hot: 'src/hot.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, banner: {}, splitting: false });
await build({ ...common, entryPoints: { cli: 'src/cli.ts' }, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
