/**
 * Which session ids the bridge has already counted in `cc.session.started`, kept across runs (a
 * `bridge --once` from cron, a restarted service) in the state dir: `bridge-sessions.json`, 0600.
 * An unreadable or foreign file starts the count afresh (never fatal).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readSmallFile } from '../fs/private-file.js';

export const SEEN_FILE = 'bridge-sessions.json';
/** forget an id this long after its manifest was last seen (it will not come back) */
export const SEEN_RETENTION_MS = 30 * 24 * 3600 * 1000;
const MAX_IDS = 20_000;

export interface SeenSessions {
  /** every session id counted since the file was created */
  startedTotal: number;
  /** id → when its manifest was last seen (ms) */
  ids: Record<string, number>;
}

export const seenPath = (stateDir: string): string => join(stateDir, SEEN_FILE);

export function readSeen(path: string): SeenSessions {
  const text = readSmallFile(path, 4 << 20);
  if (text === undefined) return { startedTotal: 0, ids: {} };
  try {
    const o = JSON.parse(text) as Partial<SeenSessions>;
    const ids: Record<string, number> = {};
    if (o.ids && typeof o.ids === 'object') for (const [k, v] of Object.entries(o.ids)) if (typeof v === 'number') ids[k] = v;
    const startedTotal = typeof o.startedTotal === 'number' && o.startedTotal >= 0 ? o.startedTotal : Object.keys(ids).length;
    return { startedTotal, ids };
  } catch {
    return { startedTotal: 0, ids: {} };
  }
}

/** Pure: the ids not counted yet, and the next state (seen ids refreshed, old ones forgotten). */
export function markSeen(prev: SeenSessions, sessionIds: readonly string[], nowMs: number): { fresh: string[]; next: SeenSessions } {
  const ids: Record<string, number> = {};
  for (const [k, v] of Object.entries(prev.ids)) if (nowMs - v < SEEN_RETENTION_MS) ids[k] = v;
  const fresh: string[] = [];
  for (const id of new Set(sessionIds)) {
    if (!(id in prev.ids)) fresh.push(id);
    ids[id] = nowMs;
  }
  const keys = Object.keys(ids);
  if (keys.length > MAX_IDS) for (const k of keys.sort((a, b) => (ids[a] ?? 0) - (ids[b] ?? 0)).slice(0, keys.length - MAX_IDS)) delete ids[k];
  return { fresh, next: { startedTotal: prev.startedTotal + fresh.length, ids } };
}

export function writeSeen(path: string, s: SeenSessions): void {
  writeFileAtomic(path, JSON.stringify(s) + '\n', { mode: 0o600 });
}
