import { ALL_SIGNALS, type Preset } from './types.js';

/** Dynatrace: Authorization: Api-Token; OTLP/HTTP protobuf only (JSON → 415); metrics delta only. */
export const dynatrace: Preset = {
  name: 'dynatrace',
  title: 'Dynatrace',
  docs: 'https://docs.dynatrace.com/docs/shortlink/otel-getstarted-otlpexport',
  fields: [{ name: 'endpoint', required: true, description: 'e.g. https://{env-id}.live.dynatrace.com/api/v2/otlp' }],
  protocols: ['http/protobuf'],
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'required',
  baseUrl: (cfg) => cfg.endpoint ?? '',
  authHeaders: (_cfg, key) => ({ Authorization: `Api-Token ${key}` }),
  // Only Dynatrace's own hosts are known to 404 without /api/v2/otlp; an ActiveGate or Managed
  // domain, a collector or a local test receiver is the user's to shape (verify lints it).
  validate: (cfg) =>
    cfg.endpoint && isDynatraceHost(cfg.endpoint) && !/\/api\/v2\/otlp\/?$/.test(new URL(cfg.endpoint).pathname)
      ? [`endpoint should end in /api/v2/otlp (e.g. https://abc12345.live.dynatrace.com/api/v2/otlp); "${cfg.endpoint}" would 404`]
      : [],
};

/** Dynatrace SaaS hosts ({env}.live.dynatrace.com, …dynatrace.com, …dynatracelabs.com). */
export function isDynatraceHost(endpoint: string): boolean {
  return /(^|\.)dynatrace(labs)?\.com$/i.test(new URL(endpoint).hostname);
}
