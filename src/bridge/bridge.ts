/**
 * The session bridge (issue #14): each tick reads Claude Code's session manifests (src/sessions,
 * read-only), turns them into points (sessionPoints, pure) and exports them through the OTel
 * metrics SDK (exporter.ts):
 *   cc.sessions.active  gauge   live sessions by version, entrypoint, kind, project, model
 *   cc.sessions.stale   gauge   manifests whose pid is dead or reused
 *   cc.session.started  counter once per new session id (ids persisted, seen-sessions.ts)
 *   cc.sessions.silent  gauge   only when the backend is the embedded collector: live past the
 *                               grace period with no Claude Code telemetry for its session.id
 *   cc.session.alive    gauge   elsewhere: 1 per live session with session.id, for an alert to join
 * Prometheus: cc_sessions_active, cc_sessions_stale, cc_session_started_total, cc_sessions_silent,
 * cc_session_alive (unit `{session}` adds no suffix).
 */
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import type { ExportOutcome } from '../events/exporter.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import { loadSessions, sessionPoints, type MetricPoint, type Session, type TranscriptCache } from '../sessions/index.js';
import { BRIDGE_SCOPE, createMetricsPipeline, type MetricsPipeline } from './exporter.js';
import { markSeen, readSeen, writeSeen } from './seen-sessions.js';

export const DEFAULT_GRACE_MS = 5 * 60 * 1000;

export interface BridgeOptions {
  homeDir: string;
  /** bridge-sessions.json */
  seenFile: string;
  version: string;
  timeoutMs: number;
  graceMs?: number;
  /** the embedded collector's data dir, when the backend is the embedded collector (silent rule) */
  collectorDataDir?: string | undefined;
  now?: () => number;
}

export interface TickResult {
  at: string;
  live: number;
  stale: number;
  skipped: number;
  started: string[];
  /** undefined when the backend cannot be asked (not the embedded collector) */
  silent: number | undefined;
  points: MetricPoint[];
  export: ExportOutcome;
}

export interface Bridge {
  endpoint: string;
  protocol: string;
  temporality: string;
  tick(): Promise<TickResult>;
  shutdown(): Promise<void>;
}

/** Pure: which session ids go into cc.session.started — every manifest's id (a crash between two ticks still started). */
export const sessionIdsOf = (sessions: readonly Session[]): string[] => sessions.map((s) => s.sessionId);

export async function createBridge(plan: TelemetryPlan, opts: BridgeOptions): Promise<Bridge> {
  const now = opts.now ?? Date.now;
  const pipeline: MetricsPipeline = await createMetricsPipeline(plan, { timeoutMs: opts.timeoutMs, version: opts.version });
  const meter = pipeline.provider.getMeter(BRIDGE_SCOPE, opts.version);
  let current: MetricPoint[] = [];
  const observe = (name: MetricPoint['name']) => (r: ObservableResult<Attributes>) => {
    for (const p of current) if (p.name === name) r.observe(p.value, p.attributes);
  };
  const gauge = (name: MetricPoint['name'], description: string) => meter.createObservableGauge(name, { unit: '{session}', description }).addCallback(observe(name));
  gauge('cc.sessions.active', 'Claude Code sessions running now (their manifest exists and its pid is that process)');
  gauge('cc.sessions.stale', 'Claude Code session manifests left behind by a crash (pid dead or reused)');
  gauge('cc.sessions.silent', 'live Claude Code sessions past the grace period with no Claude Code telemetry for their session.id');
  gauge('cc.session.alive', '1 per live Claude Code session, by session.id: join with Claude Code’s own series to find silent ones');

  // cc.session.started: a delta counter adds this tick's new ids; a cumulative one reports the
  // persisted total, so a restart (or each `--once`) does not start the count from 0.
  const startedDesc = { unit: '{session}', description: 'Claude Code sessions seen starting (once per session id)' };
  // The counted ids: read once, kept in memory, written when a start was counted (and hourly, so
  // the last-seen times that drive retention stay roughly true) — not every tick.
  let seen = readSeen(opts.seenFile);
  let writtenAt = now();
  let startedTotal = seen.startedTotal;
  const transcripts: TranscriptCache = new Map();
  const deltaCounter = plan.temporality === 'cumulative' ? undefined : meter.createCounter('cc.session.started', startedDesc);
  if (!deltaCounter) meter.createObservableCounter('cc.session.started', startedDesc).addCallback((r) => r.observe(startedTotal));

  return {
    endpoint: pipeline.endpoint,
    protocol: pipeline.protocol,
    temporality: pipeline.temporality,
    tick: async () => {
      const t = now();
      const { sessions, skipped } = loadSessions(opts.homeDir, transcripts);
      let seenIds: Set<string> | undefined;
      if (opts.collectorDataDir !== undefined) {
        try {
          const { claudeCodeSessionIds } = await import('../collector/reader.js');
          seenIds = claudeCodeSessionIds(opts.collectorDataDir);
        } catch {
          seenIds = undefined; // the data dir cannot be read: fall back to cc.session.alive
        }
      }
      current = sessionPoints(sessions, { nowMs: t, graceMs: opts.graceMs ?? DEFAULT_GRACE_MS, ...(seenIds ? { seenSessionIds: seenIds } : {}) });
      const prev = seen;
      const { fresh, next } = markSeen(prev, sessionIdsOf(sessions), t);
      startedTotal = next.startedTotal;
      if (deltaCounter && fresh.length > 0) deltaCounter.add(fresh.length);
      const outcome = await pipeline.exportOnce();
      // Count a start as delivered only once it was exported: a failed tick counts it again next time.
      if (outcome.ok) {
        seen = next;
        if (fresh.length > 0 || t - writtenAt > 3_600_000) {
          writeSeen(opts.seenFile, next);
          writtenAt = t;
        }
      } else startedTotal = prev.startedTotal;
      const live = sessions.filter((s) => s.liveness === 'alive').length;
      return {
        at: new Date(t).toISOString(),
        live,
        stale: sessions.length - live,
        skipped: skipped.length,
        started: fresh,
        silent: seenIds === undefined ? undefined : (current.find((p) => p.name === 'cc.sessions.silent')?.value ?? 0),
        points: current,
        export: outcome,
      };
    },
    shutdown: () => pipeline.shutdown(),
  };
}
