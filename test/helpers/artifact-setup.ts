// vitest globalSetup of the `artifact` project (vitest.config.ts: test/cli and test/e2e): once per
// run, what ships — `npm pack` (its prepack builds dist/), the tarball installed into a temp prefix
// as a user installs it (`npm install -g`) — and the installed bin handed to the tests through
// `provide` (test/helpers/cc-otel.ts injects it). Nothing is kept between runs: a fresh pack, a fresh
// prefix, removed at teardown (kept with CC_OTEL_KEEP_TMP=1). A failed pack or install fails the run:
// there is no fallback to the sources, which would hide exactly the slips this is for (a file left
// out of `files`, a bundling mistake only the installed layout shows).
//
// Dependencies come from the npm cache that the repo's own `npm install` filled (--prefer-offline):
// ~6 s and ~150 MB on the 2-core machine, paid only by runs that include a CLI or e2e file (a
// project's globalSetup runs only when the project has test files in the run; `vitest run test/unit`
// never packs).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT } from './claude.js';

export interface InstalledArtifact {
  /** the tarball `npm pack` wrote */
  tarball: string;
  /** the files in it, as `npm pack --json` lists them (paths relative to the package root) */
  files: string[];
  /** the temp prefix it was installed into (`npm install -g --prefix`) */
  prefix: string;
  /** `<prefix>/bin/cc-otel`: the link npm made, what a user's PATH finds */
  bin: string;
  /** the installed package (`<prefix>/lib/node_modules/cc-otel`), real path */
  packageDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    ccOtelArtifact: InstalledArtifact;
  }
}

/** npm's own child environment leaks the outer npm's prefix and lifecycle into ours under `npm test`. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(lifecycle|package)_|^npm_config_(prefix|global_prefix|local_prefix)$/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function npm(args: string[], cwd: string): string {
  const started = performance.now();
  const r = spawnSync('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
  const ms = Math.round(performance.now() - started);
  if (r.error || r.status !== 0) {
    throw new Error(
      `cc-otel artifact: \`npm ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}, ${ms} ms) — the CLI and e2e tests run the installed package and cannot run without it\n--- stdout ---\n${r.stdout ?? ''}\n--- stderr ---\n${r.stderr ?? ''}`,
    );
  }
  process.stderr.write(`cc-otel artifact: npm ${args[0]} ${ms} ms\n`);
  return r.stdout;
}

export function packAndInstall(root = REPO_ROOT): { artifact: InstalledArtifact; cleanup(): void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cc-otel-artifact-')));
  // Readable by everyone, as a global prefix is (/usr, /usr/local): a test runs it as `nobody`.
  chmodSync(dir, 0o755);
  const cleanup = () => {
    if (process.env.CC_OTEL_KEEP_TMP !== '1') rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  };
  try {
    // --json: lifecycle output (the prepack build) goes to stderr; stdout is the JSON report.
    const out = npm(['pack', '--json', '--pack-destination', dir], root);
    const report = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const packed = report[0];
    if (!packed) throw new Error(`cc-otel artifact: npm pack reported no package:\n${out}`);
    const tarball = join(dir, packed.filename);
    const prefix = join(dir, 'prefix');
    npm(['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], dir);
    const bin = join(prefix, 'bin', 'cc-otel');
    const packageDir = join(prefix, 'lib', 'node_modules', 'cc-otel');
    if (!existsSync(bin) || !existsSync(join(packageDir, 'dist', 'cli.js'))) throw new Error(`cc-otel artifact: installed into ${prefix}, but ${bin} or ${packageDir}/dist/cli.js is missing`);
    return { artifact: { tarball, files: packed.files.map((f) => f.path).sort(), prefix, bin, packageDir: realpathSync(packageDir) }, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

export default function setup(project: TestProject): () => void {
  const { artifact, cleanup } = packAndInstall();
  project.provide('ccOtelArtifact', artifact);
  return cleanup;
}
