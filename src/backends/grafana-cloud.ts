import { ALL_SIGNALS, HTTP_ONLY, type Preset } from './types.js';
import { basicAuth } from '../otel/headers.js';

/**
 * Grafana Cloud OTLP gateway: base URL ends in /otlp; Basic base64(instanceId:token);
 * metrics MUST be cumulative — Mimir rejects delta with 400 "invalid temporality and type
 * combination" (anthropics/claude-code#3353). OTLP/HTTP only (gRPC support is contradictory).
 */
export const grafanaCloud: Preset = {
  name: 'grafana-cloud',
  title: 'Grafana Cloud (OTLP gateway)',
  docs: 'https://grafana.com/docs/grafana-cloud/send-data/otlp/send-data-otlp/',
  fields: [
    { name: 'endpoint', required: true, description: 'the gateway URL from the stack\'s OpenTelemetry tile, e.g. https://otlp-gateway-prod-eu-west-2.grafana.net/otlp' },
    { name: 'instanceId', required: true, description: 'the stack instance ID (numeric), the Basic-auth user' },
  ],
  protocols: HTTP_ONLY,
  signals: ALL_SIGNALS,
  temporality: 'cumulative',
  key: 'required',
  baseUrl: (cfg) => cfg.endpoint ?? '',
  authHeaders: (cfg, key) => ({ Authorization: basicAuth(cfg.instanceId ?? '', key) }),
  validate: (cfg) => {
    const out: string[] = [];
    // Only Grafana's own gateway is known to 404 without /otlp; any other host (a local test
    // receiver, a collector or proxy in front of Grafana) is the user's to shape (verify lints it).
    if (cfg.endpoint && isGrafanaHost(cfg.endpoint) && !/\/otlp\/?$/.test(new URL(cfg.endpoint).pathname))
      out.push(`endpoint must be the gateway base ending in /otlp (e.g. https://otlp-gateway-prod-us-east-0.grafana.net/otlp); "${cfg.endpoint}" would 404`);
    if (cfg.instanceId !== undefined && !/^\d+$/.test(cfg.instanceId)) out.push(`instanceId "${cfg.instanceId}" should be the numeric stack instance ID`);
    return out;
  },
};

/** Grafana Cloud's own hosts (grafana.net): where the /otlp path is a hard rule. */
export function isGrafanaHost(endpoint: string): boolean {
  return /(^|\.)grafana\.net$/i.test(new URL(endpoint).hostname);
}
