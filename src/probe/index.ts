/**
 * Public surface of the probe: `sendProbe()` (one real OTLP record, typed outcome) and the
 * read-back modules. Import this lazily from `verify` — it pulls no OpenTelemetry package until
 * `sendProbe()` runs.
 */
export { sendProbe, probeResource, DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_PROBE_MAX_ATTEMPTS, DEFAULT_PROBE_BACKOFF } from './send-probe.js';
export type {
  ProbeBackoff,
  ProbeOptions,
  ProbeOutcome,
  ProbeProtocol,
  ProbeStatus,
  ProbeTlsOptions,
  Signal,
  Temporality,
} from './types.js';
export { DEFAULT_PROBE_SERVICE_NAME, PROBE_ID_ATTRIBUTE, PROBE_RECORD_NAME, PROBE_SCOPE_NAME, SIGNALS } from './types.js';
export * from './readback/index.js';
