/**
 * Where the event log lives, and the small files the shipper keeps beside it. Pure.
 *
 *   1. `events.logFile` (a leading `~/` is the home dir, `${CLAUDE_PROJECT_DIR}` is expanded,
 *      relative paths are relative to the project dir)
 *   2. `events.projectLog: true` → `${CLAUDE_PROJECT_DIR}/.claude/logs/hooks.jsonl`
 *      (outside a Claude Code hook: the directory of .cc-otel.json, else the cwd)
 *   3. `~/.claude/logs/hooks.jsonl` (`$CLAUDE_CONFIG_DIR/logs/hooks.jsonl` when Claude Code's
 *      config dir is relocated)
 *
 * The bookkeeping sits next to the log, so each log (user-wide or per project) has its own cursor.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';

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

export function eventLogFile(config: Config, ctx: Pick<Context, 'env' | 'homeDir' | 'cwd'>, projectDir?: string): string {
  const project = ctx.env.CLAUDE_PROJECT_DIR || projectDir || ctx.cwd;
  const custom = config.events?.logFile;
  if (custom) {
    let p = custom.replace(/\$\{CLAUDE_PROJECT_DIR\}|\$CLAUDE_PROJECT_DIR\b/g, project);
    if (p === '~' || p.startsWith('~/')) p = join(ctx.homeDir, p.slice(1));
    return isAbsolute(p) ? resolve(p) : resolve(project, p);
  }
  if (config.events?.projectLog) return join(project, '.claude', 'logs', 'hooks.jsonl');
  const claudeDir = ctx.env.CLAUDE_CONFIG_DIR || join(ctx.homeDir, '.claude');
  return join(claudeDir, 'logs', 'hooks.jsonl');
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
