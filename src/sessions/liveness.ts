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

/** Linux: read /proc. TODO(macOS): `ps -o lstart= -p <pid>` compared with startedAt; until then
 * macOS falls back to pid-alive only (see isAlive). */
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

export type Liveness = 'alive' | 'dead' | 'pid-reused';

/**
 * Pure given its readers: a session is alive when its pid exists AND (where /proc is available and
 * the manifest has procStart) the process start time equals the manifest's procStart.
 */
export function livenessOf(
  m: { pid: number; procStart?: string },
  io: { pidExists: (pid: number) => boolean; procStart: ProcStartReader; hasProc: boolean },
): Liveness {
  if (!io.pidExists(m.pid)) return 'dead';
  if (!io.hasProc || m.procStart === undefined) return 'alive';
  const now = io.procStart(m.pid);
  if (now === undefined) return 'dead';
  return now === m.procStart ? 'alive' : 'pid-reused';
}
