import { ANY_PROTOCOL, ALL_SIGNALS, pick, type Preset } from './types.js';

const REGIONS = { us: 'https://api.honeycomb.io', eu: 'https://api.eu1.honeycomb.io' };

/** Honeycomb: x-honeycomb-team; metrics need x-honeycomb-dataset or they land in unknown_metrics. */
export const honeycomb: Preset = {
  name: 'honeycomb',
  title: 'Honeycomb',
  docs: 'https://docs.honeycomb.io/send-data/opentelemetry',
  fields: [
    { name: 'region', required: false, description: 'us (default) or eu', choices: Object.keys(REGIONS) },
    { name: 'dataset', required: false, description: 'dataset for metrics (default claude-code-metrics)' },
  ],
  protocols: ANY_PROTOCOL,
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'required',
  baseUrl: (cfg, protocol) => cfg.endpoint ?? pick(REGIONS, cfg.region, 'region', 'us') + (protocol === 'grpc' ? ':443' : ''),
  authHeaders: (_cfg, key) => ({ 'x-honeycomb-team': key }),
  signalHeaders: (cfg) => ({ metrics: { 'x-honeycomb-dataset': cfg.dataset ?? 'claude-code-metrics' } }),
};
