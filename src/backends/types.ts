/**
 * A backend preset knows: its endpoint form, the protocols and signals it accepts, the auth header
 * and how the key goes into it, and the metrics temporality it needs. Facts and sources:
 * ../shared/docs/backends.md. Every preset also accepts `endpoint` and `protocol` overrides.
 */
import type { Protocol, Signal } from '../otel/endpoint.js';

export type Temporality = 'delta' | 'cumulative';

/** The preset-relevant part of the resolved config. */
export interface PresetConfig {
  endpoint?: string | undefined;
  region?: string | undefined;
  site?: string | undefined;
  instanceId?: string | undefined;
  dataset?: string | undefined;
  datasets?: Partial<Record<Signal, string>> | undefined;
  publicKey?: string | undefined;
  ingestionVersion?: string | undefined;
  header?: string | undefined;
  headerValue?: string | undefined;
}

/** The running `cc-otel collect` the `local` preset points at, from its collector.json (src/backends/local.ts). */
export interface LocalCollector {
  /** where it was read */
  stateFile: string;
  pid: number;
  host: string;
  httpPort: number;
  /** null: it does not listen for gRPC */
  grpcPort: number | null;
}

/** What loadConfig found on this machine for a preset (nothing but the local collector, so far). */
export interface PresetWorld {
  /** the running `cc-otel collect` (backend local without an endpoint) */
  localCollector?: LocalCollector | undefined;
}

export interface PresetField {
  name: keyof PresetConfig;
  required: boolean;
  description: string;
  choices?: readonly string[];
}

export interface Preset {
  name: string;
  title: string;
  docs: string;
  fields: readonly PresetField[];
  /** protocols the backend accepts; the first is the default */
  protocols: readonly Protocol[];
  signals: readonly Signal[];
  temporality: Temporality;
  /** 'required': no key → config error; 'optional': auth header only when a key resolves; 'none' */
  key: 'required' | 'optional' | 'none';
  /** base URL (HTTP: v1/<signal> is appended; gRPC: used as is), from the config (and, for local, the running collector) */
  baseUrl(cfg: PresetConfig, protocol: Protocol, world?: PresetWorld): string;
  /** signals this configuration can send (e.g. Axiom: only those with a dataset) */
  availableSignals?(cfg: PresetConfig): Signal[];
  /** secret auth headers, built from the key */
  authHeaders(cfg: PresetConfig, key: string): Record<string, string>;
  /** non-secret headers for every signal */
  staticHeaders?(cfg: PresetConfig): Record<string, string>;
  /** non-secret per-signal headers (datasets), written as OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS */
  signalHeaders?(cfg: PresetConfig): Partial<Record<Signal, Record<string, string>>>;
  /** extra validation beyond required fields; each string is one problem (with its fix) */
  validate?(cfg: PresetConfig): string[];
}

export const ALL_SIGNALS: readonly Signal[] = ['metrics', 'logs', 'traces'];
export const HTTP_ONLY: readonly Protocol[] = ['http/protobuf', 'http/json'];
export const ANY_PROTOCOL: readonly Protocol[] = ['http/protobuf', 'http/json', 'grpc'];

export function pick(map: Readonly<Record<string, string>>, value: string | undefined, field: string, fallback: string): string {
  const v = value ?? fallback;
  const hit = map[v];
  if (hit === undefined) throw new Error(`${field} "${v}" is not one of ${Object.keys(map).join(', ')}`);
  return hit;
}
