/**
 * Where the event log lives, and the small files the shipper keeps beside it. Pure.
 *
 *   1. `events.logFile` (a leading `~/` is the home dir, `${CLAUDE_PROJECT_DIR}` is expanded,
 *      relative paths are relative to the project dir) — inside an allowed root only (eventLogLocation)
 *   2. `events.projectLog: true` → `${CLAUDE_PROJECT_DIR}/.claude/logs/hooks.jsonl`
 *      (outside a Claude Code hook: the directory of .cc-otel.json, else the cwd)
 *   3. `~/.claude/logs/hooks.jsonl` (`$CLAUDE_CONFIG_DIR/logs/hooks.jsonl` when Claude Code's
 *      config dir is relocated)
 *
 * The bookkeeping sits next to the log, so each log (user-wide or per project) has its own cursor.
 */
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { userDirs } from '../config/dirs.js';
import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import type { DirScope } from '../fs/private-file.js';

export const DEFAULT_ROTATE_BYTES = 10 * 1024 * 1024;
/** rotated files kept: hooks.jsonl.1 (newest) … hooks.jsonl.5 (oldest); more while they hold unshipped events (event-log.ts) */
export const ROTATED_KEEP = 5;

export interface EventLogPaths {
  log: string;
  dir: string;
  /** shipper progress and back-off (JSON, written atomically) */
  state: string;
  /** held by the one running shipper */
  shipLock: string;
  /** held while hooks.jsonl is being rotated */
  rotateLock: string;
  /** a hook is starting a shipper (ship-trigger.ts): other hooks don't start one */
  startMarker: string;
  /** records the backend refused for good (400/413), one JSON line each, 0600 */
  deadLetter: string;
}

export interface EventLogLocation {
  log: string;
  /** the allowed directory it is inside, and the part of it trusted as it is (private-file.ts DirScope) */
  scope: DirScope;
}

/**
 * Where the event log goes, and the allowed root it must stay inside (issue #11): cc-otel's own
 * directories (config, cache, state, data), Claude Code's logs dir, or — for a path derived from the
 * project (`projectLog`, `${CLAUDE_PROJECT_DIR}`, a relative path) — `<project>/.claude/logs/`.
 * Lexical, after resolve(); appendEventLine checks the real path once the directory exists. Pure.
 * Throws CcOtelError CONFIG_INVALID for a logFile anywhere else (`~/.bashrc`).
 */
export function eventLogLocation(config: Config, ctx: LocationContext, projectDir?: string): EventLogLocation {
  const project = resolve(ctx.cwd, ctx.env.CLAUDE_PROJECT_DIR || projectDir || ctx.cwd);
  const projectLogs = join(project, '.claude', 'logs');
  const claudeLogs = join(resolve(ctx.cwd, ctx.env.CLAUDE_CONFIG_DIR || join(ctx.homeDir, '.claude')), 'logs');
  const custom = config.events?.logFile;
  if (!custom) {
    if (config.events?.projectLog) return { log: join(projectLogs, 'hooks.jsonl'), scope: { root: projectLogs, anchor: project } };
    return { log: join(claudeLogs, 'hooks.jsonl'), scope: { root: claudeLogs, anchor: claudeLogs } };
  }
  let p = custom.replace(/\$\{CLAUDE_PROJECT_DIR\}|\$CLAUDE_PROJECT_DIR\b/g, project);
  const fromProject = p !== custom || !(p === '~' || p.startsWith('~/') || isAbsolute(p));
  if (p === '~' || p.startsWith('~/')) p = join(ctx.homeDir, p.slice(1));
  const log = isAbsolute(p) ? resolve(p) : resolve(project, p);
  const dirs = userDirs({ env: ctx.env, homeDir: ctx.homeDir, platform: ctx.platform ?? process.platform });
  const roots = [claudeLogs, dirs.config, dirs.cache, dirs.state, dirs.data].map((r) => resolve(ctx.cwd, r));
  for (const root of roots) if (strictlyInside(log, root)) return { log, scope: { root, anchor: root } };
  if (fromProject && strictlyInside(log, projectLogs)) return { log, scope: { root: projectLogs, anchor: project } };
  const allowed = [...roots, ...(fromProject ? [projectLogs] : [])];
  throw new CcOtelError('CONFIG_INVALID', `"events": {"logFile": ${JSON.stringify(custom)}} resolves to ${log}, outside the directories cc-otel writes its event log in (${allowed.join(', ')})`, {
    hint: `put the log under one of them, e.g. "~/.claude/logs/hooks.jsonl" (the default: remove "logFile"), or use "events": {"projectLog": true} for <project>/.claude/logs/hooks.jsonl`,
  });
}

/** The event log's path (eventLogLocation); throws CcOtelError CONFIG_INVALID for a logFile outside the allowed roots. */
export function eventLogFile(config: Config, ctx: LocationContext, projectDir?: string): string {
  return eventLogLocation(config, ctx, projectDir).log;
}

type LocationContext = Pick<Context, 'env' | 'homeDir' | 'cwd'> & Partial<Pick<Context, 'platform'>>;

/** `p` is below `root` (not `root` itself). */
function strictlyInside(p: string, root: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export function eventLogPaths(log: string): EventLogPaths {
  const dir = dirname(log);
  const name = basename(log);
  return {
    log,
    dir,
    state: join(dir, `.${name}.ship-state.json`),
    shipLock: join(dir, `.${name}.ship.lock`),
    rotateLock: join(dir, `.${name}.rotate.lock`),
    startMarker: join(dir, `.${name}.ship.starting`),
    deadLetter: join(dir, `${name}.rejected`),
  };
}

/** Is shipping on? `events.ship` decides; by default, whenever a backend is configured. */
export function shipEnabled(config: Config, configured: boolean): boolean {
  if (config.events?.ship !== undefined) return config.events.ship;
  return configured && config.backend !== undefined;
}
