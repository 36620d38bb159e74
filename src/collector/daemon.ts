/**
 * `collect --detach`, `collect status`, `collect stop`: a background collector is a normal
 * foreground one started detached, with its output in <dataDir>/collector.log. It announces itself
 * through <dataDir>/collector.pid (the writer lock) and <dataDir>/collector.json (ports, start time).
 */
import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CcOtelError } from '../errors.js';
import { ensurePrivateDir } from '../fs/atomic-write.js';
import type { CollectorState } from './collector.js';
import { listSegments, LOCK_FILE, readCollectorState, segmentBytes, type DiskState } from './store.js';
import { openPrivateAppend } from '../fs/private-file.js';
import { freeBytes } from './disk-budget.js';
import { pidAlive } from '../process/pid.js';
import { ownerAlive, parsePidFile, type PidFileOwner } from './identity.js';

export const LOG_FILE = 'collector.log';

export interface CollectorStatus {
  dataDir: string;
  running: boolean;
  pid: number | undefined;
  /** a pid file whose process is gone, or is another process by now (crashed, killed, rebooted; the next start replaces it) */
  stale: boolean;
  state: CollectorState | undefined;
  segments: number;
  bytesOnDisk: number;
  /** free bytes on the data dir's filesystem (undefined where statfs is unavailable) */
  freeBytes: number | undefined;
  /** the running collector's cap (undefined: not running, or no cap) */
  maxDiskBytes: number | undefined;
  retainMs: number | undefined;
  /**
   * appends are being refused (503 / UNAVAILABLE): as the collector last wrote it, or — the
   * collector cannot write its state on a full filesystem — "enospc" when there is no free space
   */
  full: DiskState['full'];
  /** segments dropped by retention since the collector started */
  dropped: DiskState['dropped'] | undefined;
}

function readOwner(dataDir: string): PidFileOwner | undefined {
  try {
    return parsePidFile(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The pid file's process, if it is really the collector (identity.ts): never trust the pid alone. */
async function liveCollector(dataDir: string, state = readCollectorState(dataDir)): Promise<{ pid: number | undefined; running: boolean }> {
  const owner = readOwner(dataDir);
  if (!owner) return { pid: undefined, running: false };
  return { pid: owner.pid, running: await ownerAlive(owner, state) };
}

export async function readCollectorStatus(dataDir: string): Promise<CollectorStatus> {
  const state = readCollectorState(dataDir);
  const { pid, running } = await liveCollector(dataDir, state);
  const segs = listSegments(dataDir);
  let bytes = 0;
  for (const s of segs) bytes += segmentBytes(s);
  const mine = running && state?.pid === pid ? state : undefined;
  const free = freeBytes(dataDir);
  let full = mine?.disk?.full;
  // A small free space, not 0: ext4 and others keep blocks back from unprivileged writers.
  if (!full && running && free !== undefined && free < 64 * 1024) {
    full = { reason: 'enospc', since: 'unknown', refused: 0, message: `the filesystem holding ${dataDir} is full (${free} bytes free)` };
  }
  return {
    dataDir,
    running,
    pid,
    stale: pid !== undefined && !running,
    state: mine,
    segments: segs.length,
    bytesOnDisk: bytes,
    freeBytes: free,
    maxDiskBytes: mine?.disk?.maxDiskBytes,
    retainMs: mine?.disk?.retainMs,
    full,
    dropped: mine?.disk?.dropped,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StopResult {
  wasRunning: boolean;
  pid: number | undefined;
}

/** SIGTERM the collector writing `dataDir` and wait until it has exited (it drains first). */
export async function stopCollector(dataDir: string, opts: { timeoutMs?: number } = {}): Promise<StopResult> {
  const { pid, running } = await liveCollector(dataDir);
  if (pid === undefined || !running) return { wasRunning: false, pid };
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    throw new CcOtelError('IO', `cannot signal the collector (pid ${pid}): ${(e as Error).message}`, { cause: e });
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return { wasRunning: true, pid };
    await sleep(50);
  }
  throw new CcOtelError('IO', `the collector (pid ${pid}) did not exit within ${Math.round((opts.timeoutMs ?? 15_000) / 1000)} s`, {
    hint: `kill -9 ${pid} is safe: everything it acknowledged is already on disk`,
  });
}

/**
 * V8 flags for the background collector: 32 MB young-generation semi-spaces instead of 16. A
 * request's decoded objects live across the fdatasync of its group commit; with the default they
 * are promoted to the old generation and left to full mark-compacts. Measured with
 * bench/collect.mjs (which runs its collector with these flags, as `collect --detach` does): about
 * +10 % records/s, peak RSS ~200 MB over a million points (64 MB semi-spaces gained no more and
 * took ~300 MB). A flag the user already gave node wins.
 */
export const COLLECTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** `execArgv` plus the collector's flags that it does not set already. */
export function collectorNodeArgs(execArgv: readonly string[]): string[] {
  const name = (f: string) => f.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(execArgv.map(name));
  return [...execArgv, ...COLLECTOR_NODE_FLAGS.filter((f) => !given.has(name(f)))];
}

export interface DetachOptions {
  dataDir: string;
  /** how to run this CLI: [node, script] (the command passes process.execPath and process.argv[1]) */
  entry: readonly string[];
  /** arguments after `collect`, without --detach */
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function logTail(dataDir: string): string {
  try {
    const text = readFileSync(join(dataDir, LOG_FILE), 'utf8').trim().split('\n');
    return text.slice(-5).join('\n');
  } catch {
    return '';
  }
}

/** Start a collector in the background and wait until it listens; returns its state. */
export async function spawnDetached(opts: DetachOptions): Promise<CollectorState> {
  const running = await readCollectorStatus(opts.dataDir);
  if (running.running) {
    throw new CcOtelError('IO', `a collector (pid ${running.pid}) is already running for ${opts.dataDir}`, { hint: '`cc-otel collect status`, or `cc-otel collect stop`' });
  }
  ensurePrivateDir(opts.dataDir);
  const [cmd, ...pre] = opts.entry;
  if (!cmd) throw new CcOtelError('IO', 'cannot tell how to start cc-otel in the background');
  // 0600 (issue #12), and never through a planted symlink or FIFO (private-file.ts).
  const log = openPrivateAppend(join(opts.dataDir, LOG_FILE), { what: 'the collector log' }).fd;
  let exited: number | null | undefined;
  let child;
  try {
    child = spawn(cmd, [...pre, 'collect', ...opts.args], { detached: true, stdio: ['ignore', log, log], env: opts.env });
  } finally {
    closeSync(log);
  }
  child.on('exit', (code) => (exited = code));
  child.unref();
  const pid = child.pid;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    const state = readCollectorState(opts.dataDir);
    if (state && state.pid === pid) return state;
    await sleep(50);
  }
  const tail = logTail(opts.dataDir);
  throw new CcOtelError('IO', exited !== undefined ? `the background collector exited (code ${exited})` : 'the background collector did not start in time', {
    hint: tail ? `${join(opts.dataDir, LOG_FILE)} says:\n${tail}` : `see ${join(opts.dataDir, LOG_FILE)}`,
  });
}
