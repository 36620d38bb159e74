import { existsSync } from 'node:fs';
import { loadManifests, type ManifestScan } from './manifest.js';
import { livenessOf, pidExists, psStartTimes, readProcStart } from './liveness.js';
import { readTranscriptModel, transcriptPath, type TranscriptCache } from './transcript.js';
import type { Session } from './points.js';

export * from './manifest.js';
export * from './liveness.js';
export * from './transcript.js';
export * from './points.js';

/** Scan manifests, decide liveness, read each live session's model from its transcript tail (a
 * long-running caller passes a cache: only what a transcript gained since is read). */
export function loadSessions(homeDir: string, transcripts?: TranscriptCache): { sessions: Session[]; skipped: ManifestScan['skipped'] } {
  const scan = loadManifests(homeDir);
  const hasProc = existsSync('/proc/self/stat');
  // No /proc (macOS): one `ps` for the start times of every pid that still exists.
  const ps = hasProc ? undefined : psStartTimes(scan.manifests.map((m) => m.pid).filter(pidExists));
  const startMs = ps ? (pid: number) => ps.get(pid) : undefined;
  const sessions = scan.manifests.map((m): Session => {
    const s: Session = { ...m, liveness: livenessOf(m, { pidExists, procStart: readProcStart, hasProc, ...(startMs ? { startMs } : {}) }) };
    if (s.liveness === 'alive' && m.cwd !== undefined) {
      const model = readTranscriptModel(transcriptPath(homeDir, m.cwd, m.sessionId), undefined, transcripts);
      if (model !== undefined) s.model = model;
    }
    return s;
  });
  if (transcripts) {
    // forget transcripts of sessions no longer live
    const live = new Set(sessions.filter((s) => s.liveness === 'alive' && s.cwd !== undefined).map((s) => transcriptPath(homeDir, s.cwd!, s.sessionId)));
    for (const k of transcripts.keys()) if (!live.has(k)) transcripts.delete(k);
  }
  return { sessions, skipped: scan.skipped };
}
