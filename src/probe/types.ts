/**
 * Types shared by the OTLP probe (send-probe.ts) and its callers (`cc-otel verify`).
 *
 * The probe sends ONE real, non-empty record for one signal, exactly the way Claude Code will
 * (protocol, endpoint, headers, metrics temporality), and reports what the backend said as a
 * typed outcome. It never throws for network results: every failure is a `ProbeOutcome`.
 */

export type Signal = 'traces' | 'metrics' | 'logs';
export type ProbeProtocol = 'grpc' | 'http/protobuf' | 'http/json';
/** `lowmemory` is the spec's third preference (delta for counters, like `delta`). */
export type Temporality = 'delta' | 'cumulative' | 'lowmemory';

export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** The attribute (resource AND record) that marks a probe record; read-back modules filter on it. */
export const PROBE_ID_ATTRIBUTE = 'cc_otel.probe_id';
/** Name of the probe span, metric (a monotonic counter) and the log record's event name. */
export const PROBE_RECORD_NAME = 'cc_otel.probe';
/** Instrumentation scope of every probe record. */
export const PROBE_SCOPE_NAME = 'cc-otel';
/**
 * Default `service.name` of the probe. Deliberately Claude Code's own: backends route on it
 * (Honeycomb dataset, Loki `service_name` label, Datadog `service`, Grafana `job`), so a probe
 * under this name proves the path Claude Code's data will take. The record names
 * (`cc_otel.probe`) keep it out of Claude Code's own metrics/events.
 */
export const DEFAULT_PROBE_SERVICE_NAME = 'claude-code';

export interface ProbeTlsOptions {
  /** PEM CA bundle to trust (what NODE_EXTRA_CA_CERTS / OTEL_EXPORTER_OTLP_CERTIFICATE would add). */
  ca?: string | Buffer;
  /** PEM client certificate and key for mTLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface ProbeBackoff {
  /** first retry delay when the server gives no Retry-After (default 1000 ms, as the OTel JS exporter) */
  initialMs: number;
  /** cap on one delay (default 5000 ms) */
  maxMs: number;
  /** growth per retry (default 1.5) */
  multiplier: number;
}

export interface ProbeOptions {
  signal: Signal;
  protocol: ProbeProtocol;
  /**
   * HTTP: the full per-signal URL, used as-is (e.g. `https://otlp-gateway-…/otlp/v1/metrics`).
   * gRPC: the base URL (`https://host:443`); `http://` means plaintext, `https://` TLS, no scheme
   * means TLS unless `insecure`.
   */
  endpoint: string;
  /** Raw header values (already decoded, e.g. `{ authorization: 'Basic abc=' }`). */
  headers?: Record<string, string>;
  /** Metrics only. Default `delta` — Claude Code's default (which differs from the spec's). */
  temporality?: Temporality;
  /** Default: a random UUID. */
  probeId?: string;
  /** Default {@link DEFAULT_PROBE_SERVICE_NAME}; wins over `resourceAttributes['service.name']`. */
  serviceName?: string;
  /** Extra resource attributes (e.g. the parsed OTEL_RESOURCE_ATTRIBUTES cc-otel will write). */
  resourceAttributes?: Record<string, string>;
  /** Overall budget for all attempts and waits. Default (and for ≤ 0) 10000 ms, the spec's OTLP timeout. */
  timeoutMs?: number;
  /** Default 5 (first try + 4 retries), as the OTel JS exporter. */
  maxAttempts?: number;
  backoff?: Partial<ProbeBackoff>;
  /** Default `none`. */
  compression?: 'gzip' | 'none';
  tls?: ProbeTlsOptions;
  /** gRPC only, for an endpoint without a scheme (OTEL_EXPORTER_OTLP_INSECURE). */
  insecure?: boolean;
  /** Cancels the probe (reported as `timeout`, message "aborted"). */
  abortSignal?: AbortSignal;
  now?: () => number;
}

export type ProbeStatus =
  | 'accepted'
  | 'partial'
  | 'auth'
  | 'not_found'
  | 'protocol'
  | 'too_large'
  | 'transient'
  | 'bad_request'
  | 'dns'
  | 'tls'
  | 'refused'
  | 'timeout'
  | 'error';

export interface ProbeOutcome {
  signal: Signal;
  status: ProbeStatus;
  /** the record was taken: `accepted`, or `partial` with nothing rejected (a warning, backends.md §5.5) */
  ok: boolean;
  httpStatus?: number;
  /** numeric gRPC status code (16 UNAUTHENTICATED, 14 UNAVAILABLE, …) */
  grpcCode?: number;
  /** gRPC status name, e.g. `UNAUTHENTICATED` */
  grpcStatusName?: string;
  /** one line: what happened, including the backend's own message when it sent one */
  message: string;
  /** what to do about it (empty for `accepted`) */
  hint: string;
  /** number of requests sent (or tried) */
  attempts: number;
  /** the server's last Retry-After, in ms */
  retryAfterMs?: number;
  /** partial_success.rejected_{spans,data_points,log_records} */
  rejected?: number;
  durationMs: number;
  probeId: string;
  /** epoch ms just before the first attempt; read-back queries start here */
  sentAtMs: number;
  protocol: ProbeProtocol;
  endpoint: string;
  /** metrics only */
  temporality?: Temporality;
  /** names (never values) of the headers sent, lower-cased */
  headerNames: string[];
  /** the resource attributes the probe carried (includes service.name and the probe id) */
  resource: Record<string, string>;
}
