/**
 * `cc-otel collect`: an OTLP receiver (HTTP + gRPC) in front of the durable store. In-process and
 * port-0 friendly, so tests and e2e harnesses start it directly:
 *
 *   const c = await startCollector({ dataDir, httpPort: 0, grpcPort: 0 });
 *   … export to http://127.0.0.1:${c.httpPort} …
 *   await c.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { existsSync, unlinkSync } from 'node:fs';
import { CcOtelError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Signal } from '../otel/endpoint.js';
import { Admission, DEFAULT_INFLIGHT, type InflightLimits } from './admission.js';
import { startGrpcReceiver, type GrpcReceiver } from './grpc-receiver.js';
import { DEFAULT_LIMITS, type DecodeLimits } from './limits.js';
import { createHttpHandler, DEFAULT_MAX_BODY_BYTES } from './http-receiver.js';
import { JsonDecoder } from './json-decoder.js';
import { listSegments, segmentBytes, STATE_FILE, Store, type DiskState, type StoreEvent } from './store.js';
import { defaultMaxDisk, formatBytes, formatDuration, freeBytes } from './disk-budget.js';
import { createMetricsEndpoint, METRICS_PATH } from '../metrics/endpoint.js';
import { createDashboardRoutes } from '../dashboard/server.js';

export const DEFAULT_HTTP_PORT = 4318;
export const DEFAULT_GRPC_PORT = 4317;
export const DEFAULT_HOST = '127.0.0.1';

export interface CollectorOptions {
  dataDir: string;
  /** listen address (default 127.0.0.1) */
  host?: string;
  /** a non-loopback host is refused unless this is set (`--listen <addr>` given explicitly) */
  allowNonLoopback?: boolean;
  /** default 4318; 0 picks a free port */
  httpPort?: number;
  /** default 4317; 0 picks a free port; null disables gRPC */
  grpcPort?: number | null;
  /** per-request limit, compressed and decompressed (default 64 MiB, the spec's recommendation) */
  maxBodyBytes?: number;
  /** decode caps per request (limits.ts; default DEFAULT_LIMITS): over one → 413 / RESOURCE_EXHAUSTED */
  limits?: Partial<DecodeLimits>;
  /** in-flight budget (admission.ts; default DEFAULT_INFLIGHT): over it → 503 + Retry-After / UNAVAILABLE */
  inflight?: Partial<InflightLimits>;
  maxSegmentBytes?: number;
  /**
   * cap on the bytes of the data dir's segments; appends past it are refused with 503 / UNAVAILABLE
   * (default: disk-budget.ts defaultMaxDisk — 5 GiB, at most what is there plus half the free
   * space); null: no cap (the filesystem's own end is still answered with 503, never a crash)
   */
  maxDiskBytes?: number | null;
  /** drop whole segments older than this, at start and every `sweepIntervalMs` (default: keep everything) */
  retainMs?: number;
  /** how often to apply retention and re-measure the data dir (default 10 minutes) */
  sweepIntervalMs?: number;
  /** the collector's log (collector.log when detached): one line per notable event; must not throw */
  log?: (line: string) => void;
  /** fdatasync before answering 200 (default true) */
  durable?: boolean;
  /** `GET /metrics` (src/metrics/endpoint.ts): labels to leave out (`session.id`), gauge expiry */
  metrics?: { dropLabels?: readonly string[]; gaugeMaxAgeMs?: number };
  /** write <dataDir>/collector.json for `collect status` (default true) */
  writeState?: boolean;
  now?: () => number;
}

export interface CollectorStats {
  requests: number;
  records: number;
  rejected: number;
  bySignal: Record<Signal, number>;
  bytes: number;
  segment: number;
  lastRequestAt: number | undefined;
  disk: DiskState;
  /** OTLP/JSON requests converted on the decoder thread (json-decoder.ts) */
  jsonOffThread: number;
}

export interface CollectorState {
  pid: number;
  host: string;
  httpPort: number;
  grpcPort: number | null;
  dataDir: string;
  startedAt: string;
  /** as of the last change (refusing / accepting again / segments dropped); status re-measures the bytes */
  disk?: DiskState;
}

export interface RunningCollector {
  host: string;
  httpPort: number;
  /** undefined when gRPC is disabled */
  grpcPort: number | undefined;
  dataDir: string;
  /** http://host:port, the OTLP/HTTP base URL */
  httpUrl: string;
  stats(): CollectorStats;
  /** apply retention and re-measure now (it also runs at start and every sweepIntervalMs) */
  sweep(): { segments: number[]; bytes: number };
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

function listenHttp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function bindError(e: unknown, what: string, host: string, port: number): CcOtelError {
  const code = (e as NodeJS.ErrnoException).code;
  const inUse = code === 'EADDRINUSE' || /address already in use|No address added/i.test(String((e as Error).message));
  return new CcOtelError('IO', `cannot listen for ${what} on ${host}:${port}: ${inUse ? 'address already in use' : (e as Error).message}`, {
    hint: inUse ? 'is a collector already running? `cc-otel collect status`; or pick another port' : undefined,
    cause: e,
  });
}

/** The options actually given (a flag left out arrives as `undefined` and must not erase the default). */
function given<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function startCollector(opts: CollectorOptions): Promise<RunningCollector> {
  const host = opts.host ?? DEFAULT_HOST;
  if (!isLoopback(host) && !opts.allowNonLoopback) {
    throw new CcOtelError('USAGE', `refusing to listen on non-loopback address ${host}`, {
      hint: 'the collector has no authentication; pass --listen <addr> explicitly to expose it on a network',
    });
  }
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits: DecodeLimits = { ...DEFAULT_LIMITS, ...given(opts.limits) };
  const admission = new Admission({ ...DEFAULT_INFLIGHT, ...given(opts.inflight) });
  const stats: CollectorStats = {
    requests: 0,
    records: 0,
    rejected: 0,
    bySignal: { traces: 0, metrics: 0, logs: 0 },
    bytes: 0,
    segment: 0,
    lastRequestAt: undefined,
    disk: { usedBytes: 0, maxDiskBytes: undefined, retainMs: undefined, full: undefined, dropped: { segments: 0, bytes: 0, lastAt: undefined } },
    jsonOffThread: 0,
  };
  const now = opts.now ?? Date.now;
  const onRequest = (e: { signal: Signal | undefined; status: number; records: number }) => {
    stats.requests++;
    stats.lastRequestAt = now();
    if (e.status === 200) {
      stats.records += e.records;
      if (e.signal) stats.bySignal[e.signal] += e.records;
    } else stats.rejected++;
  };

  const log = opts.log ?? (() => undefined);
  const maxDiskBytes = opts.maxDiskBytes === undefined ? defaultMaxDiskFor(opts.dataDir) : (opts.maxDiskBytes ?? undefined);
  let writeStateNow = () => undefined as void;
  // collector.json follows the store's state at most once a second (near the cap it can flip per request).
  let stateTimer: NodeJS.Timeout | undefined;
  let stateWrittenAt = -Infinity;
  const scheduleState = () => {
    if (stateTimer) return;
    const wait = Math.max(0, stateWrittenAt + 1000 - Date.now());
    stateTimer = setTimeout(() => {
      stateTimer = undefined;
      stateWrittenAt = Date.now();
      writeStateNow();
    }, wait);
    stateTimer.unref();
  };
  const onEvent = (e: StoreEvent) => {
    if (e.kind !== 'state') log(eventLine(e, opts.dataDir, now()));
    scheduleState();
  };
  const store = await Store.open({
    dataDir: opts.dataDir,
    maxSegmentBytes: opts.maxSegmentBytes,
    maxDiskBytes,
    retainMs: opts.retainMs,
    durable: opts.durable,
    now,
    onEvent,
  });
  log(
    `disk: ${formatBytes(store.usedBytes())} in ${opts.dataDir}, cap ${maxDiskBytes === undefined ? 'none' : formatBytes(maxDiskBytes)}` +
      (opts.maxDiskBytes === undefined ? ' (default)' : '') +
      `, retention ${opts.retainMs === undefined ? 'keep everything' : formatDuration(opts.retainMs)}`,
  );
  if (maxDiskBytes !== undefined && store.usedBytes() >= maxDiskBytes) {
    log(`the data dir already holds its --max-disk cap: every request gets 503 / UNAVAILABLE until there is room (raise --max-disk, set --retain, or remove old segments)`);
  }
  const json = new JsonDecoder(log);
  const metrics = createMetricsEndpoint({ dataDir: opts.dataDir, listenHost: host, now, ...opts.metrics });
  const routes = [
    (req: IncomingMessage, res: ServerResponse): boolean => ((req.url ?? '/').split('?')[0] === METRICS_PATH ? (metrics(req, res), true) : false),
    createDashboardRoutes({ dataDir: opts.dataDir, now }),
  ];
  const server = createServer({ keepAliveTimeout: 30_000 }, createHttpHandler(store, { maxBodyBytes, limits, admission, json, onRequest, routes }));
  let grpc: GrpcReceiver | undefined;
  let httpPort: number;
  const wanted = opts.httpPort ?? DEFAULT_HTTP_PORT;
  try {
    try {
      httpPort = await listenHttp(server, host, wanted);
    } catch (e) {
      throw bindError(e, 'OTLP/HTTP', host, wanted);
    }
    const grpcWanted = opts.grpcPort === undefined ? DEFAULT_GRPC_PORT : opts.grpcPort;
    if (grpcWanted !== null) {
      try {
        grpc = await startGrpcReceiver(store, { host, port: grpcWanted, maxBodyBytes, limits, admission, onRequest });
      } catch (e) {
        throw bindError(e, 'OTLP/gRPC', host, grpcWanted);
      }
    }
  } catch (e) {
    await new Promise<void>((r) => server.close(() => r()));
    await store.close();
    throw e;
  }

  const statePath = join(opts.dataDir, STATE_FILE);
  if (opts.writeState !== false) {
    const state: CollectorState = {
      pid: process.pid,
      host,
      httpPort,
      grpcPort: grpc?.port ?? null,
      dataDir: opts.dataDir,
      startedAt: new Date(now()).toISOString(),
    };
    writeStateNow = () => {
      try {
        writeFileAtomic(statePath, `${JSON.stringify({ ...state, disk: store.diskState() }, null, 2)}\n`, { mode: 0o600 });
      } catch (e) {
        // On a full disk this write fails too: status then measures the disk itself (daemon.ts).
        log(`cannot update ${statePath}: ${(e as Error).message}`);
      }
    };
    writeStateNow();
  }
  const sweepTimer = setInterval(() => store.sweep(), opts.sweepIntervalMs ?? 10 * 60_000);
  sweepTimer.unref();

  let closing: Promise<void> | undefined;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    httpPort,
    grpcPort: grpc?.port,
    dataDir: opts.dataDir,
    httpUrl: `http://${urlHost}:${httpPort}`,
    stats: () => ({ ...stats, bySignal: { ...stats.bySignal }, bytes: store.stats.bytes, segment: store.stats.segment, disk: store.diskState(), jsonOffThread: json.offThread }),
    sweep: () => store.sweep(),
    close: () =>
      (closing ??= (async () => {
        // Stop taking requests, let the ones in flight finish (their data is then on disk), close.
        clearInterval(sweepTimer);
        clearTimeout(stateTimer);
        const httpClosed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        await Promise.all([httpClosed, grpc?.close()]);
        clearTimeout(force);
        await json.close();
        await store.close();
        if (opts.writeState !== false) {
          try {
            unlinkSync(statePath);
          } catch {
            /* already gone */
          }
        }
      })()),
  };
}

/** The default cap for a data dir: disk-budget.ts defaultMaxDisk over what its segments hold now and the free space. */
function defaultMaxDiskFor(dataDir: string): number {
  let used = 0;
  for (const s of listSegments(dataDir)) used += segmentBytes(s);
  let dir = dataDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return defaultMaxDisk(used, freeBytes(dir));
}

function eventLine(e: Exclude<StoreEvent, { kind: 'state' }>, dataDir: string, nowMs: number): string {
  const at = new Date(nowMs).toISOString();
  if (e.kind === 'full') return `${at} refusing data (503 / UNAVAILABLE, clients retry): ${e.message}`;
  if (e.kind === 'accepting') return `${at} accepting data again after ${Math.round(e.fullForMs / 1000)} s; ${e.refused} request(s) refused meanwhile`;
  return `${at} retention: dropped ${e.segments.length} segment(s) (${e.segments.join(', ')}; ${formatBytes(e.bytes)}) older than ${formatDuration(e.olderThanMs)} from ${dataDir}`;
}
