/**
 * Local collector read-back: the cc-otel local stack's collector writes what it receives under a
 * data directory; a finder (provided by src/collector/, injected here so this module doesn't
 * depend on its file format) looks for records carrying the probe id.
 */
import { describeError } from '../../errors.js';
import type { Signal } from '../types.js';
import { PROBE_ID_ATTRIBUTE } from '../types.js';
import type { ReadbackModule, ReadbackQuery, ReadbackResult } from './types.js';

export interface LocalProbeHit {
  signal: Signal;
  /** where it was found (file path), for the report */
  file?: string;
  /** when the collector wrote/observed it, epoch ms */
  observedAtMs?: number;
}

/** `findProbe(dataDir, probeId)` from src/collector/: every record carrying the probe id. */
export type LocalProbeFinder = (dataDir: string, probeId: string) => Promise<readonly LocalProbeHit[]>;

export interface LocalReadbackOptions extends ReadbackQuery {
  dataDir: string;
  findProbe: LocalProbeFinder;
}

export const localReadback: ReadbackModule<LocalReadbackOptions> = {
  id: 'local',
  title: 'local collector data directory',
  async query(q): Promise<ReadbackResult> {
    let hits: readonly LocalProbeHit[];
    try {
      hits = await q.findProbe(q.dataDir, q.probeId);
    } catch (e) {
      return {
        status: 'error',
        message: `could not read the local collector's data in ${q.dataDir}: ${describeError(e)}`,
        hint: 'is the local stack set up (cc-otel local up)? Check the directory exists and is readable.',
      };
    }
    const mine = hits.filter((h) => h.signal === q.signal);
    const details: Record<string, unknown> = { dataDir: q.dataDir, hits: mine.length };
    if (mine.length > 0) {
      const files = [...new Set(mine.map((h) => h.file).filter((f): f is string => typeof f === 'string'))];
      if (files.length) details.files = files;
      return { status: 'found', message: `the local collector wrote the ${q.signal} probe (${PROBE_ID_ATTRIBUTE}=${q.probeId})`, details };
    }
    const other = hits.map((h) => h.signal).filter((s) => s !== q.signal);
    return {
      status: 'not_found',
      message:
        `no ${q.signal} record with ${PROBE_ID_ATTRIBUTE}=${q.probeId} in ${q.dataDir}` +
        (other.length ? ` (found as ${[...new Set(other)].join(', ')} only)` : ''),
      hint: 'the collector may still be flushing (file exporter) — retry; else check the collector pipeline enables this signal.',
      details,
    };
  },
};
