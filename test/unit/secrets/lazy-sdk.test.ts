// The heavy SDKs must not load unless their source is actually used (they cost +85–270 ms and
// 30–40 MB: ../../../../shared/docs/secrets-and-startup.md §2.1). Checked on what ships: the two
// source modules are bundled with esbuild the way scripts/build.mjs does (SDKs external), then a
// fresh `node` imports them and lists the CommonJS modules it has loaded — before use, after the
// CLI/skip paths, and after the SDK paths (the positive control proving the probe sees them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { NODE_ESM } from '../../../scripts/esbuild-options.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installFakeOp, type FakeOp } from '../../helpers/fake-op/index.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const PROBE = `
import Module from 'node:module';
const HEAVY = /[\\\\/]node_modules[\\\\/]((?:@1password|@google-cloud|@grpc)[\\\\/][^\\\\/]+|google-gax|google-auth-library|protobufjs)[\\\\/]/;
const heavy = () => [...new Set(Object.keys(Module._cache).map((k) => HEAVY.exec(k)?.[1]).filter(Boolean))].sort();
const ctx = (env) => ({
  env, cwd: process.cwd(), homeDir: '/nonexistent', platform: process.platform, now: Date.now,
  log: { warn() {}, debug() {} }, signal: new AbortController().signal, timeoutMs: 3000,
  projectDir: undefined, userConfigDir: '/nonexistent',
});
const opRef = { kind: 'op', ref: 'op://Engineering/otel-ingest/credential', raw: 'op://Engineering/otel-ingest/credential' };
const gcpRef = { kind: 'gcp-sm', project: 'my-proj', secret: 'cc-otel-key', version: 'latest', raw: 'gcp-sm://projects/my-proj/secrets/cc-otel-key' };
const out = {};
const { fromOnePassword } = await import('./onepassword.js');
const { fromGcpSecretManager } = await import('./gcp-secret-manager.js');
out.afterImport = heavy();
const empty = process.env.PROBE_EMPTY_PATH;
out.cliPaths = [
  (await fromOnePassword.resolve(opRef, ctx(JSON.parse(process.env.PROBE_OP_ENV)))).status,
  (await fromOnePassword.resolve(opRef, ctx({ PATH: empty }))).status,
  (await fromGcpSecretManager.resolve(gcpRef, ctx({ PATH: empty }))).status,
];
out.afterCliPaths = heavy();
out.sdkPaths = [
  (await fromOnePassword.resolve(opRef, ctx({ PATH: empty, OP_SERVICE_ACCOUNT_TOKEN: 'ops_not-a-real-token' }))).status,
  (await fromGcpSecretManager.resolve(gcpRef, ctx({ PATH: empty, CC_OTEL_GCP_SM_ENDPOINT: '127.0.0.1:1' }))).status,
];
out.afterSdkPaths = heavy();
console.log(JSON.stringify(out));
process.exit(0);
`;

describe.skipIf(process.platform === 'win32')('SDKs load lazily', () => {
  let outdir: string;
  let op: FakeOp;
  let empty: TempDir;

  beforeAll(async () => {
    // Inside the project so the external SDK imports resolve from node_modules (.tmp is ignored).
    mkdirSync(join(root, '.tmp'), { recursive: true });
    outdir = mkdtempSync(join(root, '.tmp', 'lazy-sdk-'));
    await build({
      absWorkingDir: root,
      entryPoints: {
        onepassword: 'src/secrets/sources/onepassword.ts',
        'gcp-secret-manager': 'src/secrets/sources/gcp-secret-manager.ts',
      },
      outdir,
      ...NODE_ESM, // the same externals as scripts/build.mjs
      splitting: true,
      logLevel: 'silent',
    });
    writeFileSync(join(outdir, 'probe.mjs'), PROBE);
    op = installFakeOp();
    empty = makeTempDir('cc-otel-empty-path');
  });
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    op.cleanup();
    empty.cleanup();
  });

  it('importing the sources, and the op-CLI / skipped paths, load no SDK; the SDK paths do', () => {
    const stdout = execFileSync(process.execPath, [join(outdir, 'probe.mjs')], {
      env: { PATH: process.env.PATH, PROBE_EMPTY_PATH: empty.path, PROBE_OP_ENV: JSON.stringify(op.env('success')) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string[]>;
    expect(out.afterImport).toEqual([]);
    expect(out.cliPaths).toEqual(['found', 'skipped', 'skipped']);
    expect(out.afterCliPaths).toEqual([]);
    // Positive control: the probe does see the SDKs once their paths run.
    expect(out.sdkPaths).toEqual(['failed', 'failed']);
    expect(out.afterSdkPaths).toEqual(expect.arrayContaining(['@1password/sdk', '@google-cloud/secret-manager', 'google-gax', '@grpc/grpc-js']));
  });
});
