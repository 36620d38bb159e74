import { basename } from 'node:path';
import type { SessionManifest } from './manifest.js';
import type { Liveness } from './liveness.js';

export interface Session extends SessionManifest {
  liveness: Liveness;
  model?: string;
}

export interface MetricPoint {
  name: 'cc.sessions.active' | 'cc.sessions.stale' | 'cc.sessions.silent' | 'cc.session.alive';
  value: number;
  attributes: Record<string, string>;
}

export function projectOf(cwd: string | undefined): string {
  return cwd ? basename(cwd) || cwd : 'unknown';
}

/**
 * The silent rule: a live session older than `graceMs` for which no Claude Code telemetry with its
 * session.id has arrived. `seen` is undefined when the backend cannot be asked (not the embedded
 * collector): then nothing is called silent and cc.session.alive carries the join instead.
 */
export function isSilent(s: Session, nowMs: number, graceMs: number, seen: ReadonlySet<string> | undefined): boolean {
  if (seen === undefined || s.liveness !== 'alive') return false;
  if (s.startedAt === undefined || nowMs - s.startedAt < graceMs) return false;
  return !seen.has(s.sessionId);
}

/** Pure: sessions → the bridge's gauge points (cc.session.started is counted by the caller from new ids). */
export function sessionPoints(
  sessions: readonly Session[],
  opts: { nowMs: number; graceMs: number; seenSessionIds?: ReadonlySet<string> },
): MetricPoint[] {
  const active = new Map<string, MetricPoint>();
  let stale = 0;
  let silent = 0;
  const alive: MetricPoint[] = [];
  for (const s of sessions) {
    if (s.liveness !== 'alive') {
      stale++;
      continue;
    }
    const attributes: Record<string, string> = {
      version: s.version ?? 'unknown',
      entrypoint: s.entrypoint ?? 'unknown',
      kind: s.kind ?? 'unknown',
      project: projectOf(s.cwd),
    };
    if (s.model !== undefined) attributes.model = s.model;
    const key = JSON.stringify(attributes);
    const p = active.get(key);
    if (p) p.value++;
    else active.set(key, { name: 'cc.sessions.active', value: 1, attributes });
    if (isSilent(s, opts.nowMs, opts.graceMs, opts.seenSessionIds)) silent++;
    if (opts.seenSessionIds === undefined) alive.push({ name: 'cc.session.alive', value: 1, attributes: { 'session.id': s.sessionId } });
  }
  const out: MetricPoint[] = [...active.values()];
  if (out.length === 0) out.push({ name: 'cc.sessions.active', value: 0, attributes: {} });
  out.push({ name: 'cc.sessions.stale', value: stale, attributes: {} });
  if (opts.seenSessionIds !== undefined) out.push({ name: 'cc.sessions.silent', value: silent, attributes: {} });
  return [...out, ...alive];
}
