/**
 * What the user is told about a project file that did not fully apply (issue #11): one line for
 * `status`, `verify`, `env --explain`, the error log and the SessionStart notice. The hook logs it
 * once per file version, not per event (`<state>/notices.json` remembers which version was told).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { quoteArg } from '../claude/quote-arg.js';
import { printable } from './printable.js';

export interface ProjectNotice {
  path: string;
  /** one line, no secret (key names and references only) */
  message: string;
  /** the command that trusts the file */
  fix: string;
  /** which version of the file this is about (the hook tells each version once) */
  version: string;
}

const listed = (keys: readonly string[]): string => (keys.length > 6 ? `${keys.slice(0, 6).join(', ')} and ${keys.length - 6} more` : keys.join(', '));


export function projectNotice(loaded: Pick<LoadedConfig, 'project'>): ProjectNotice | undefined {
  const n = noticeOf(loaded);
  return n && { ...n, message: printable(n.message), fix: printable(n.fix) };
}

/** Is there anything to tell about the project file (keys not applied, or not readable as JSON)? Cheap: the hook asks first. */
export function hasProjectNotice(loaded: Pick<LoadedConfig, 'project'>): boolean {
  const p = loaded.project;
  return p !== undefined && (p.ignored.length > 0 || p.invalid !== undefined);
}

function noticeOf(loaded: Pick<LoadedConfig, 'project'>): ProjectNotice | undefined {
  const p = loaded.project;
  if (!p || !hasProjectNotice(loaded)) return undefined;
  const fix = `cc-otel trust ${quoteArg(dirname(p.path))}`;
  if (p.trust === 'trusted') return { path: p.path, version: p.version, fix: 'move them to ~/.config/cc-otel/config.json', message: `${p.path}: ${listed(p.ignored)} ignored (path settings come only from the user config, flags or CC_OTEL_* variables)` };
  const state = p.trust === 'changed' ? 'changed since you trusted it' : 'not trusted';
  const what = p.invalid ? `it is ${p.invalid}, so none of it applies` : `${listed(p.ignored)} ignored; only team and attributes apply`;
  return { path: p.path, version: p.version, fix, message: `${p.path} is ${state}: ${what}. To use it: ${fix}` };
}

const NOTICES_FILE = 'notices.json';

/** True the first time this version of the file is seen (and remembers it); false after. Best effort: never throws. */
export function firstNotice(stateDir: string, n: ProjectNotice): boolean {
  return firstTime(stateDir, n.path, n.version);
}

/**
 * True the first time `key` is seen at `version` (and remembers it in `<state>/notices.json`); false
 * after. For what the hook tells once rather than at every event: a project file's notice (key: its
 * path), a session start without $CLAUDE_ENV_FILE. Best effort: never throws. One small file read.
 */
export function firstTime(stateDir: string, key: string, version: string): boolean {
  const path = join(stateDir, NOTICES_FILE);
  let seen: Record<string, string> = {};
  try {
    if (statSync(path, { throwIfNoEntry: false })) {
      const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) seen = raw as Record<string, string>;
    }
  } catch {
    /* a torn file: start over */
  }
  if (seen[key] === version) return false;
  seen[key] = version;
  const keys = Object.keys(seen);
  // Bounded: the oldest entries go first (insertion order).
  for (const k of keys.slice(0, Math.max(0, keys.length - 500))) delete seen[k];
  try {
    writeFileAtomic(path, JSON.stringify(seen), { mode: 0o600, dirMode: 0o700 });
  } catch {
    /* told again next time: better than never */
  }
  return true;
}
