// A temp-dir world for `verify`: HOME with ~/.claude settings, a project with .cc-otel.json and
// .claude/settings*.json, a managed-settings dir — all passed in (env, cwd, managedDir), nothing global.
import { join } from 'node:path';
import { makeContext, type Context } from '../../../src/context.js';
import { loadConfig } from '../../../src/config/load.js';
import { buildTelemetry, settingsEnv } from '../../../src/otel/build-env.js';
import { runVerify, type RunVerifyOptions } from '../../../src/verify/index.js';
import type { CheckResult, VerifyDeps, VerifyReport } from '../../../src/verify/index.js';
import { makeTempDir, writeTree, type TreeEntry } from '../../helpers/tmp.js';
import { trustProject } from '../../helpers/trust.js';

export const KEY = 'sk-verify-test-9f8e7d6c5b4a';

export interface World {
  root: string;
  home: string;
  proj: string;
  managed: string;
  env: Record<string, string | undefined>;
  ctx(extraEnv?: Record<string, string | undefined>): Context;
  write(tree: Record<string, TreeEntry>): void;
  /** the env block `cc-otel install` would write for this world's config */
  installEnv(extraEnv?: Record<string, string | undefined>): Record<string, string>;
  verify(opts?: RunVerifyOptions & { env?: Record<string, string | undefined> }, deps?: VerifyDeps): Promise<VerifyReport>;
}

const dirs: Array<{ cleanup(): void }> = [];
export function cleanupWorlds(): void {
  for (const d of dirs.splice(0)) d.cleanup();
}

export function makeWorld(config: Record<string, unknown> | null, files: Record<string, TreeEntry> = {}, env: Record<string, string | undefined> = {}): World {
  const dir = makeTempDir('cc-otel-verify');
  dirs.push(dir);
  const root = dir.path;
  writeTree(root, {
    'home/.keep': '',
    'managed/.keep': '',
    'proj/README.md': 'a project\n',
    ...(config === null ? {} : { 'proj/.cc-otel.json': JSON.stringify(config, null, 2) }),
    ...files,
  });
  const home = join(root, 'home');
  const proj = join(root, 'proj');
  const managed = join(root, 'managed');
  const baseEnv: Record<string, string | undefined> = { HOME: home, PATH: process.env.PATH, USER: 'ada', TEST_KEY: KEY, CC_OTEL_NO_CACHE: '1', ...env };
  const ctx = (extra: Record<string, string | undefined> = {}) => makeContext({ env: { ...baseEnv, ...extra }, cwd: proj, homeDir: home, user: 'ada' });
  // The user trusts the project's .cc-otel.json (`cc-otel trust`), in this world's state dir.
  if (config !== null) trustProject(proj, ctx());
  return {
    root,
    home,
    proj,
    managed,
    env: baseEnv,
    ctx,
    write: (tree) => void writeTree(root, tree),
    installEnv(extra = {}) {
      const c = ctx(extra);
      return settingsEnv(buildTelemetry(loadConfig(c), { env: c.env, user: 'ada' }));
    },
    verify(opts = {}, deps = {}) {
      const { env: extra, ...rest } = opts;
      return runVerify(ctx(extra), { managedDir: managed, timeoutMs: 20_000, ...rest }, deps);
    },
  };
}

export function byId(report: VerifyReport, id: string): CheckResult {
  const r = report.checks.find((c) => c.id === id);
  if (!r) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return r;
}

/** "id status" lines, for readable assertions. */
export function statuses(report: VerifyReport, prefix = ''): Record<string, string> {
  return Object.fromEntries(report.checks.filter((c) => c.id.startsWith(prefix)).map((c) => [c.id, c.status]));
}

/** A result's value and problem lines as one text, for matching. */
export function textOf(r: CheckResult): string {
  return [r.value ?? '', ...(r.problems ?? [])].join('\n');
}
