import { pick, type Preset } from './types.js';

const SITES = {
  'datadoghq.com': 'https://otlp.datadoghq.com',
  'us3.datadoghq.com': 'https://otlp.us3.datadoghq.com',
  'us5.datadoghq.com': 'https://otlp.us5.datadoghq.com',
  'datadoghq.eu': 'https://otlp.datadoghq.eu',
  'ap1.datadoghq.com': 'https://otlp.ap1.datadoghq.com',
  'ap2.datadoghq.com': 'https://otlp.ap2.datadoghq.com',
};

/**
 * Datadog agentless OTLP intake: dd-api-key; metrics delta ONLY; logs protobuf only; traces are an
 * allow-listed preview needing dd-otlp-source, so logs + metrics. US1-FED is not supported.
 */
export const datadog: Preset = {
  name: 'datadog',
  title: 'Datadog (agentless OTLP intake)',
  docs: 'https://docs.datadoghq.com/opentelemetry/setup/otlp_ingest/',
  fields: [{ name: 'site', required: false, description: 'your Datadog site (default datadoghq.com)', choices: Object.keys(SITES) }],
  protocols: ['http/protobuf'],
  signals: ['metrics', 'logs'],
  temporality: 'delta',
  key: 'required',
  baseUrl: (cfg) => cfg.endpoint ?? pick(SITES, cfg.site, 'site', 'datadoghq.com'),
  authHeaders: (_cfg, key) => ({ 'dd-api-key': key }),
  // Some versions of Datadog's logs intake doc require dd-protocol=otlp; it is harmless where not.
  signalHeaders: () => ({ logs: { 'dd-protocol': 'otlp' } }),
};
