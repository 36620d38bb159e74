import { HTTP_ONLY, pick, type Preset } from './types.js';
import { basicAuth } from '../otel/headers.js';

const REGIONS = {
  eu: 'https://cloud.langfuse.com/api/public/otel',
  us: 'https://us.cloud.langfuse.com/api/public/otel',
  jp: 'https://jp.cloud.langfuse.com/api/public/otel',
  hipaa: 'https://hipaa.cloud.langfuse.com/api/public/otel',
};

/**
 * Langfuse: traces only; Basic base64(publicKey:secretKey); OTLP/HTTP only. Optionally
 * x-langfuse-ingestion-version: 4 for real-time ingestion on Langfuse Cloud v4 (backends.md §4f).
 */
export const langfuse: Preset = {
  name: 'langfuse',
  title: 'Langfuse (traces only)',
  docs: 'https://langfuse.com/integrations/native/opentelemetry',
  fields: [
    { name: 'publicKey', required: true, description: 'the project public key (pk-lf-…); the key chain supplies the secret key (sk-lf-…)' },
    { name: 'region', required: false, description: 'eu (default), us, jp or hipaa; or set endpoint for self-hosted …/api/public/otel', choices: Object.keys(REGIONS) },
    { name: 'ingestionVersion', required: false, description: '"4": send x-langfuse-ingestion-version: 4 (real-time ingestion, Langfuse Cloud v4)', choices: ['4'] },
  ],
  protocols: HTTP_ONLY,
  signals: ['traces'],
  temporality: 'delta',
  key: 'required',
  baseUrl: (cfg) => cfg.endpoint ?? pick(REGIONS, cfg.region, 'region', 'eu'),
  authHeaders: (cfg, key) => ({ Authorization: basicAuth(cfg.publicKey ?? '', key) }),
  staticHeaders: (cfg): Record<string, string> => (cfg.ingestionVersion ? { 'x-langfuse-ingestion-version': cfg.ingestionVersion } : {}),
};
