import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Field 22 (starttime, clock ticks since boot) of /proc/<pid>/stat, or undefined when the process
 * does not exist. The comm field (2) may hold spaces and parens, so split after the last ')'.
 */
export function parseProcStatStart(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = stat.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); field 22 is rest[19].
  return rest[19];
}

export type ProcStartReader = (pid: number) => string | undefined;

/** Linux: read /proc (macOS has no /proc: see psStartTimes). */
export const readProcStart: ProcStartReader = (pid) => {
  try {
    return parseProcStatStart(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
};

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}


/**
 * macOS (no /proc): each pid's start time from `ps -o pid=,lstart= -p <pids>` — one ps for all
 * pids, bounded by a timeout; second resolution, local time (ps and node share TZ). Empty when ps
 * cannot answer.
 */
export function psStartTimes(pids: readonly number[], env: NodeJS.ProcessEnv = process.env): Map<number, number> {
  const out = new Map<number, number>();
  if (pids.length === 0) return out;
  try {
    const text = execFileSync('ps', ['-o', 'pid=,lstart=', '-p', [...new Set(pids)].join(',')], { env: { ...env, LC_ALL: 'C' }, timeout: 3000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return parsePsStartTimes(text);
  } catch (e) {
    // ps exits 1 when one of the pids is gone but still prints the others
    const stdout = (e as { stdout?: unknown }).stdout;
    return typeof stdout === 'string' ? parsePsStartTimes(stdout) : out;
  }
}

/** Pure: `  501 Fri Dec  4 20:49:41 2026` lines → pid → ms since the epoch. */
export function parsePsStartTimes(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\S.*\S)\s*$/.exec(line);
    if (!m) continue;
    const t = Date.parse(m[2]!);
    if (Number.isFinite(t)) out.set(Number(m[1]), t);
  }
  return out;
}

export type Liveness = 'alive' | 'dead' | 'pid-reused';

/** ps's start time has second resolution; Claude Code writes startedAt after its process started. */
const START_SLACK_MS = 2000;

/**
 * Pure given its readers: a session is alive when its pid exists AND its process is the one that
 * wrote the manifest — where /proc is available and the manifest has procStart, the start times in
 * clock ticks are equal; else, where the process start time is known (`startMs`, ps on macOS) and
 * the manifest has startedAt, the process started no later than the session (a reused pid belongs
 * to a process started after the session's own died). With neither, the pid alone decides.
 */
export function livenessOf(
  m: { pid: number; procStart?: string; startedAt?: number },
  io: { pidExists: (pid: number) => boolean; procStart: ProcStartReader; hasProc: boolean; startMs?: (pid: number) => number | undefined },
): Liveness {
  if (!io.pidExists(m.pid)) return 'dead';
  if (io.hasProc && m.procStart !== undefined) {
    const now = io.procStart(m.pid);
    if (now === undefined) return 'dead';
    return now === m.procStart ? 'alive' : 'pid-reused';
  }
  const started = io.startMs?.(m.pid);
  if (started === undefined || m.startedAt === undefined) return 'alive';
  return started <= m.startedAt + START_SLACK_MS ? 'alive' : 'pid-reused';
}
