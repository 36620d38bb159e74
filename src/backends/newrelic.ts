import { ANY_PROTOCOL, ALL_SIGNALS, pick, type Preset } from './types.js';

const REGIONS = { us: 'https://otlp.nr-data.net', eu: 'https://otlp.eu01.nr-data.net', fedramp: 'https://gov-otlp.nr-data.net' };

/** New Relic: api-key = an Ingest License key; delta recommended; 1 MB payload limit. */
export const newrelic: Preset = {
  name: 'newrelic',
  title: 'New Relic',
  docs: 'https://docs.newrelic.com/docs/opentelemetry/best-practices/opentelemetry-otlp/',
  fields: [{ name: 'region', required: false, description: 'us (default), eu or fedramp', choices: Object.keys(REGIONS) }],
  protocols: ANY_PROTOCOL,
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'required',
  baseUrl: (cfg) => cfg.endpoint ?? pick(REGIONS, cfg.region, 'region', 'us'),
  authHeaders: (_cfg, key) => ({ 'api-key': key }),
};
