import { ANY_PROTOCOL, ALL_SIGNALS, type Preset } from './types.js';

/** A collector on this machine — `cc-otel collect` by default — no auth. */
export const local: Preset = {
  name: 'local',
  title: 'Local collector (cc-otel collect, or any OTLP collector on localhost)',
  docs: 'docs/collect.md',
  fields: [{ name: 'endpoint', required: false, description: 'defaults to http://127.0.0.1:4318 (http) or :4317 (grpc)' }],
  protocols: ANY_PROTOCOL,
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'none',
  baseUrl: (cfg, protocol) => cfg.endpoint ?? (protocol === 'grpc' ? 'http://127.0.0.1:4317' : 'http://127.0.0.1:4318'),
  authHeaders: () => ({}),
};
