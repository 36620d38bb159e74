// Trust a project's files the way a user does with `cc-otel trust` (issue #11): through the real
// trust store (src/trust/project.ts trustFile → trust/store.ts), in the state dir the code under test
// will look in. That dir comes from the env and HOME the test gives that code: for an in-process
// test its Context (XDG_STATE_HOME, homeDir, platform); for a CLI test the child's env (HOME,
// XDG_STATE_HOME). Trust is by content: call again after a test rewrites a trusted file.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Env } from '../../src/context.js';
import { PROJECT_FILE } from '../../src/config/project-file.js';
import { trustFile } from '../../src/trust/project.js';
import type { TrustKind } from '../../src/trust/store.js';

/** Whose trust: a Context (or the part of one that names the state dir), or a child process's env (HOME from it). */
export type TrustWho = Env | (Partial<Pick<Context, 'homeDir' | 'platform' | 'now'>> & { env: Env });

function contextOf(who: TrustWho): Pick<Context, 'env' | 'homeDir' | 'platform' | 'now'> {
  const c = typeof (who as { env?: unknown }).env === 'object' && (who as { env?: unknown }).env !== null ? (who as { env: Env; homeDir?: string; platform?: NodeJS.Platform; now?: () => number }) : { env: who as Env };
  const homeDir = c.homeDir ?? c.env.HOME;
  if (!homeDir) throw new Error('trust helper: no homeDir and no HOME in the env: cannot tell where the trust store is');
  return { env: c.env, homeDir, platform: c.platform ?? process.platform, now: c.now ?? Date.now };
}

/** Trust one file (`kind` 'config' for a .cc-otel.json, 'dotenv' for a project .env) as it is now. Returns its sha256. */
export function trustFileFor(path: string, who: TrustWho, kind: TrustKind = 'config'): string {
  return trustFile(contextOf(who), path, kind);
}

/**
 * Trust the project in `dir`: its `.cc-otel.json` and its `.env`, whichever exist as regular files
 * (what `cc-otel trust DIR` covers when the project file is in DIR). Returns the paths trusted.
 */
export function trustProject(dir: string, who: TrustWho): string[] {
  const trusted: string[] = [];
  for (const [name, kind] of [[PROJECT_FILE, 'config'], ['.env', 'dotenv']] as const) {
    const path = join(dir, name);
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) continue;
    trustFileFor(path, who, kind);
    trusted.push(path);
  }
  if (!trusted.length) throw new Error(`trustProject: neither ${PROJECT_FILE} nor .env in ${dir}`);
  return trusted;
}
