/**
 * The `local` preset: a collector on this machine, `cc-otel collect` by default. Without an
 * `endpoint` it points at the ports the running collector announced in its collector.json (so
 * `collect --detach --port 14318` needs no config change), else at the OTLP defaults 4318 / 4317.
 */
import { join } from 'node:path';
import { readSmallFile } from '../fs/private-file.js';
import { pidAlive } from '../process/pid.js';
import type { Protocol } from '../otel/endpoint.js';
import { ANY_PROTOCOL, ALL_SIGNALS, type LocalCollector, type Preset, type PresetConfig } from './types.js';

export type { LocalCollector };

/** The collector's state file in its data dir (src/collector/store.ts STATE_FILE; not imported: the hot path). */
const STATE_FILE = 'collector.json';

const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535;

/**
 * The collector running for `dataDir`, from its collector.json — read on the hot path (`hook
 * session-start`, `headers`), so one small bounded read (private-file.ts: no symlink, FIFO or
 * stranger's file) and a signal-0 test of its pid, nothing more. undefined: no file, not one
 * cc-otel wrote, or its process is gone (a collector that crashed leaves the file behind).
 */
export function readLocalCollector(dataDir: string): LocalCollector | undefined {
  const stateFile = join(dataDir, STATE_FILE);
  const text = readSmallFile(stateFile, 64 * 1024);
  if (text === undefined) return undefined;
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!s || typeof s !== 'object' || typeof s.host !== 'string' || !isPort(s.httpPort) || typeof s.pid !== 'number') return undefined;
  if (!pidAlive(s.pid)) return undefined;
  return { stateFile, pid: s.pid, host: s.host, httpPort: s.httpPort, grpcPort: isPort(s.grpcPort) ? s.grpcPort : null };
}

/** A host a client can connect to: a wildcard listen address means this machine's loopback. */
function connectHost(host: string): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === '0.0.0.0' || h === '') return '127.0.0.1';
  if (h === '::' || h === '0:0:0:0:0:0:0:0') return '[::1]';
  return h.includes(':') ? `[${h}]` : h;
}

/** The collector's URL for `protocol`, or undefined when it does not listen for it (no gRPC). */
export function collectorUrl(c: LocalCollector, protocol: Protocol): string | undefined {
  const port = protocol === 'grpc' ? c.grpcPort : c.httpPort;
  return port === null ? undefined : `http://${connectHost(c.host)}:${port}`;
}

const defaultUrl = (protocol: Protocol) => (protocol === 'grpc' ? 'http://127.0.0.1:4317' : 'http://127.0.0.1:4318');

/** A collector on this machine — `cc-otel collect` by default — no auth. */
export const local: Preset = {
  name: 'local',
  title: 'Local collector (cc-otel collect, or any OTLP collector on localhost)',
  docs: 'docs/collect.md',
  fields: [{ name: 'endpoint', required: false, description: "defaults to the running `cc-otel collect`'s ports (its collector.json), else http://127.0.0.1:4318 (http) or :4317 (grpc)" }],
  protocols: ANY_PROTOCOL,
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'none',
  baseUrl: (cfg: PresetConfig, protocol, world) => cfg.endpoint ?? (world?.localCollector && collectorUrl(world.localCollector, protocol)) ?? defaultUrl(protocol),
  authHeaders: () => ({}),
};
