import { ANY_PROTOCOL, ALL_SIGNALS, type Preset } from './types.js';
import { isValidHeaderName } from '../otel/headers.js';

/** Any OTLP endpoint: `header` names the auth header, `headerValue` its template ({key} = the key). */
export const otlp: Preset = {
  name: 'otlp',
  title: 'Generic OTLP endpoint',
  docs: 'https://opentelemetry.io/docs/specs/otel/protocol/exporter/',
  fields: [
    { name: 'endpoint', required: true, description: 'base URL, e.g. https://otlp.example.com:4318' },
    { name: 'header', required: false, description: 'auth header name, e.g. authorization' },
    { name: 'headerValue', required: false, description: 'auth header template, default "{key}", e.g. "Bearer {key}"' },
  ],
  protocols: ANY_PROTOCOL,
  signals: ALL_SIGNALS,
  temporality: 'delta',
  key: 'optional',
  baseUrl: (cfg) => cfg.endpoint ?? '',
  authHeaders: (cfg, key) => (cfg.header ? { [cfg.header]: (cfg.headerValue ?? '{key}').split('{key}').join(key) } : {}),
  validate: (cfg) => {
    const out: string[] = [];
    if (cfg.header !== undefined && !isValidHeaderName(cfg.header)) out.push(`header "${cfg.header}" is not a valid HTTP header name`);
    if (cfg.headerValue !== undefined && !cfg.headerValue.includes('{key}')) out.push('headerValue must contain {key} where the key goes');
    if (cfg.headerValue !== undefined && cfg.header === undefined) out.push('headerValue is set but header (the header name) is not');
    return out;
  },
};
