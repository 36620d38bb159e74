/**
 * `cc-otel report`'s "live now": the Claude Code sessions running on this machine (manifests,
 * src/sessions) and, for each, whether its telemetry reached this collector (the bridge's silent
 * question, asked of the same data dir).
 */
import { claudeCodeSessionIds } from '../collector/reader.js';
import { loadSessions } from './index.js';
import { projectOf } from './points.js';

export interface LiveNowRow {
  sessionId: string;
  pid: number;
  project: string;
  model: string | null;
  version: string | null;
  ageSeconds: number | null;
  /** has Claude Code telemetry with this session.id been stored in the data dir? */
  telemetry: boolean;
}

export function liveNow(homeDir: string, dataDir: string, nowMs: number): { live: LiveNowRow[]; stale: number } {
  const { sessions } = loadSessions(homeDir);
  const live = sessions.filter((s) => s.liveness === 'alive');
  const seen = live.length ? claudeCodeSessionIds(dataDir) : new Set<string>();
  return {
    stale: sessions.length - live.length,
    live: live.map((s) => ({
      sessionId: s.sessionId,
      pid: s.pid,
      project: projectOf(s.cwd),
      model: s.model ?? null,
      version: s.version ?? null,
      ageSeconds: s.startedAt === undefined ? null : Math.max(0, Math.round((nowMs - s.startedAt) / 1000)),
      telemetry: seen.has(s.sessionId),
    })),
  };
}

export function renderLiveNow(n: { live: LiveNowRow[]; stale: number }): string {
  const age = (s: number | null) => (s === null ? '?' : s < 3600 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`);
  let out = `\nLive now on this machine: ${n.live.length === 0 ? 'no Claude Code session' : `${n.live.length} session${n.live.length === 1 ? '' : 's'}`}${n.stale ? ` (${n.stale} stale manifest${n.stale === 1 ? '' : 's'}: crashed)` : ''}\n`;
  for (const r of n.live)
    out += `  ${r.sessionId}  ${r.project}  ${r.model ?? '-'}  age ${age(r.ageSeconds)}  ${r.telemetry ? 'telemetry arriving' : 'no telemetry stored yet'}\n`;
  return out;
}
