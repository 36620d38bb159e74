import { execFile } from 'node:child_process';
import { projectOf, type Session } from './points.js';

export interface SessionRow {
  sessionId: string;
  pid: number;
  cwd: string | null;
  project: string;
  version: string | null;
  kind: string | null;
  entrypoint: string | null;
  startedAt: string | null;
  ageSeconds: number | null;
  model: string | null;
  liveness: Session['liveness'];
}

export function sessionRow(s: Session, nowMs: number): SessionRow {
  return {
    sessionId: s.sessionId,
    pid: s.pid,
    cwd: s.cwd ?? null,
    project: projectOf(s.cwd),
    version: s.version ?? null,
    kind: s.kind ?? null,
    entrypoint: s.entrypoint ?? null,
    startedAt: s.startedAt === undefined ? null : new Date(s.startedAt).toISOString(),
    ageSeconds: s.startedAt === undefined ? null : Math.max(0, Math.round((nowMs - s.startedAt) / 1000)),
    model: s.model ?? null,
    liveness: s.liveness,
  };
}

export type CrossCheck =
  | { ran: false; reason: string }
  | { ran: true; agreed: boolean; onlyInAgents: string[]; onlyInManifests: string[] };

/** Pure: compare live manifest session ids with `claude agents --json` output. */
export function compareWithAgents(live: readonly Session[], agentsJson: string): CrossCheck {
  let list: unknown;
  try {
    list = JSON.parse(agentsJson);
  } catch {
    return { ran: false, reason: 'claude agents --json did not print JSON' };
  }
  if (!Array.isArray(list)) return { ran: false, reason: 'claude agents --json did not print a list' };
  const agents = new Set(list.map((a) => (a && typeof a === 'object' ? (a as { sessionId?: unknown }).sessionId : undefined)).filter((x): x is string => typeof x === 'string'));
  const mine = new Set(live.map((s) => s.sessionId));
  const onlyInAgents = [...agents].filter((id) => !mine.has(id));
  const onlyInManifests = [...mine].filter((id) => !agents.has(id));
  return { ran: true, agreed: onlyInAgents.length === 0 && onlyInManifests.length === 0, onlyInAgents, onlyInManifests };
}

/** Run `claude agents --json` bounded by a timeout; never throws. */
export function runClaudeAgents(env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<string | { error: string }> {
  return new Promise((resolve) => {
    execFile('claude', ['agents', '--json'], { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        resolve({ error: e.code === 'ENOENT' ? 'claude is not on PATH' : e.killed ? `claude agents timed out after ${timeoutMs} ms` : `claude agents failed: ${e.message.split('\n')[0]}` });
      } else resolve(stdout);
    });
  });
}
