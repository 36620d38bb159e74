import { existsSync } from 'node:fs';
import { loadManifests, type ManifestScan } from './manifest.js';
import { livenessOf, pidExists, readProcStart } from './liveness.js';
import { readTranscriptModel, transcriptPath } from './transcript.js';
import type { Session } from './points.js';

export * from './manifest.js';
export * from './liveness.js';
export * from './transcript.js';
export * from './points.js';

/** Scan manifests, decide liveness, read each live session's model from its transcript tail. */
export function loadSessions(homeDir: string): { sessions: Session[]; skipped: ManifestScan['skipped'] } {
  const scan = loadManifests(homeDir);
  const hasProc = existsSync('/proc/self/stat');
  const sessions = scan.manifests.map((m): Session => {
    const s: Session = { ...m, liveness: livenessOf(m, { pidExists, procStart: readProcStart, hasProc }) };
    if (s.liveness === 'alive' && m.cwd !== undefined) {
      const model = readTranscriptModel(transcriptPath(homeDir, m.cwd, m.sessionId));
      if (model !== undefined) s.model = model;
    }
    return s;
  });
  return { sessions, skipped: scan.skipped };
}
