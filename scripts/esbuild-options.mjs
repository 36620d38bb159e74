// The esbuild options every bundle of cc-otel code shares: the CLI build (scripts/build.mjs), the
// benchmarks and the tests that run src/ code in a plain `node` child process.

/** Stay external: the SDKs read files through __dirname (the 1Password .wasm, google-gax's protos),
 *  and the OTel/gRPC packages are only ever loaded lazily. */
export const EXTERNAL = ['@1password/sdk', '@google-cloud/secret-manager', '@opentelemetry/*', '@grpc/grpc-js', 'otlp-proto', 'otlp-proto/*'];

/** commander/dotenv are CJS; an ESM bundle of CJS needs a real `require`. */
export const ESM_REQUIRE_BANNER = "import{createRequire as __ccr}from'node:module';const require=__ccr(import.meta.url);";

/** An ESM bundle for Node 20 with the shared externals and banner. */
export const NODE_ESM = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  banner: { js: ESM_REQUIRE_BANNER },
  logLevel: 'warning',
};
