/**
 * `cc-otel collect`: an OTLP receiver (HTTP + gRPC) in front of the durable store. In-process and
 * port-0 friendly, so tests and e2e harnesses start it directly:
 *
 *   const c = await startCollector({ dataDir, httpPort: 0, grpcPort: 0 });
 *   … export to http://127.0.0.1:${c.httpPort} …
 *   await c.close();
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { unlinkSync } from 'node:fs';
import { CcOtelError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Signal } from '../otel/endpoint.js';
import { Admission, DEFAULT_INFLIGHT, type InflightLimits } from './admission.js';
import { startGrpcReceiver, type GrpcReceiver } from './grpc-receiver.js';
import { DEFAULT_LIMITS, type DecodeLimits } from './limits.js';
import { createHttpHandler, DEFAULT_MAX_BODY_BYTES } from './http-receiver.js';
import { STATE_FILE, Store } from './store.js';

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
  /** fdatasync before answering 200 (default true) */
  durable?: boolean;
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
}

export interface CollectorState {
  pid: number;
  host: string;
  httpPort: number;
  grpcPort: number | null;
  dataDir: string;
  startedAt: string;
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

  const store = await Store.open({ dataDir: opts.dataDir, maxSegmentBytes: opts.maxSegmentBytes, durable: opts.durable, now });
  const server = createServer({ keepAliveTimeout: 30_000 }, createHttpHandler(store, { maxBodyBytes, limits, admission, onRequest }));
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
    writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`);
  }

  let closing: Promise<void> | undefined;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    httpPort,
    grpcPort: grpc?.port,
    dataDir: opts.dataDir,
    httpUrl: `http://${urlHost}:${httpPort}`,
    stats: () => ({ ...stats, bySignal: { ...stats.bySignal }, bytes: store.stats.bytes, segment: store.stats.segment }),
    close: () =>
      (closing ??= (async () => {
        // Stop taking requests, let the ones in flight finish (their data is then on disk), close.
        const httpClosed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        await Promise.all([httpClosed, grpc?.close()]);
        clearTimeout(force);
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
