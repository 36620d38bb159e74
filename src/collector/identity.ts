/**
 * Is the process in collector.pid really our collector? A pid alone is not enough: after a reboot
 * or a kill -9 the pid file stays, and its number may by now belong to any process — trusting it
 * makes `collect` refuse to start and `collect stop` SIGTERM a stranger.
 *
 * The pid file therefore holds the pid and, on Linux, the process's start time (/proc/<pid>/stat
 * field 22, clock ticks since boot: a reused pid has another one). Where there is no /proc, or for
 * a pid file without a start time, the recorded HTTP port is asked: every response of the
 * collector's receiver carries `x-cc-otel-collector: <pid>` (http-receiver.ts).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { pidAlive } from '../process/pid.js';

export const IDENTITY_HEADER = 'x-cc-otel-collector';

export interface PidFileOwner {
  pid: number;
  /** /proc start time, when the writer could read it */
  start?: string;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces). */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): field 22 is fields[19]
    const v = fields[19];
    return v && /^\d+$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function pidFileText(pid = process.pid): string {
  const start = processStartTime(pid);
  return `${pid}\n${start ? `start=${start}\n` : ''}`;
}

export function parsePidFile(text: string): PidFileOwner | undefined {
  const [first, ...rest] = text.split('\n');
  const pid = Number.parseInt(first ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const start = rest.map((l) => /^start=(\d+)$/.exec(l.trim())?.[1]).find(Boolean);
  return start ? { pid, start } : { pid };
}

/** true / false when the pid file's process can be told apart from a stranger without asking; undefined when not. */
function ownerAliveSync(owner: PidFileOwner): boolean | undefined {
  if (!pidAlive(owner.pid)) return false;
  if (owner.start === undefined) return undefined;
  const now = processStartTime(owner.pid);
  return now === undefined ? undefined : now === owner.start;
}

/** Does http://host:port answer as the collector with this pid? */
function askPort(host: string, port: number, pid: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.headers[IDENTITY_HEADER] === String(pid));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The pid file's process is our collector: start time, else the recorded port. */
export async function ownerAlive(owner: PidFileOwner, port: { host: string; httpPort: number } | undefined): Promise<boolean> {
  const sure = ownerAliveSync(owner);
  if (sure !== undefined) return sure;
  // Alive, no start time to compare and no port recorded yet: a collector still starting up looks
  // like this, so count it as running (only where /proc is missing, or for an old pid file).
  if (!port) return true;
  return askPort(port.host, port.httpPort, owner.pid);
}
