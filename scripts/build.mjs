// One bundler, one output: dist/cli.js (ESM) plus lazily loaded chunks.
// commander and dotenv are bundled (startup cost); the heavy SDKs stay external and are only
// reached through `await import()` (the 1Password SDK reads its .wasm and google-gax its protos
// through __dirname, so they cannot be bundled — ../shared/docs/secrets-and-startup.md §2.4).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  chunkNames: 'chunks/[name]-[hash]',
  external: [
    '@1password/sdk',
    '@google-cloud/secret-manager',
    '@opentelemetry/*',
    '@grpc/grpc-js',
    'otlp-proto',
    'otlp-proto/*',
  ],
  // commander/dotenv are CJS; an ESM bundle of CJS needs a real `require`.
  banner: { js: "import{createRequire as __ccr}from'node:module';const require=__ccr(import.meta.url);" },
  define: { __CC_OTEL_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
