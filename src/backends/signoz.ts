import { ANY_PROTOCOL, ALL_SIGNALS, pick, type Preset } from './types.js';

const REGIONS = { us: 'https://ingest.us.signoz.cloud:443', eu: 'https://ingest.eu.signoz.cloud:443', in: 'https://ingest.in.signoz.cloud:443' };

/** SigNoz Cloud: port 443 for HTTP and gRPC; `signoz-ingestion-key` (the old signoz-access-token is deprecated). */
export const signozCloud: Preset = {
  name: 'signoz-cloud',
  title: 'SigNoz Cloud',
  docs: 'https://signoz.io/docs/ingestion/signoz-cloud/overview/',
  fields: [{ name: 'region', required: true, description: 'SigNoz Cloud region', choices: Object.keys(REGIONS) }],
  protocols: ANY_PROTOCOL,
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'required',
  baseUrl: (cfg) => cfg.endpoint ?? pick(REGIONS, cfg.region, 'region', 'us'),
  authHeaders: (_cfg, key) => ({ 'signoz-ingestion-key': key }),
};

/** Self-hosted SigNoz: its collector on 4318 (HTTP) / 4317 (gRPC); a key only behind an auth proxy. */
export const signoz: Preset = {
  name: 'signoz',
  title: 'SigNoz (self-hosted)',
  docs: 'https://signoz.io/docs/ingestion/self-hosted/overview',
  fields: [{ name: 'endpoint', required: true, description: 'your SigNoz collector, e.g. http://signoz.internal:4318' }],
  protocols: ANY_PROTOCOL,
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'optional',
  baseUrl: (cfg) => cfg.endpoint ?? '',
  authHeaders: (_cfg, key) => ({ 'signoz-ingestion-key': key }),
};
