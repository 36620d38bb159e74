/** Key references: `env:NAME`, `dotenv:NAME`, `op://vault/item[/section]/field`, `gcp-sm://projects/P/secrets/S[/versions/V]`. */
import { CcOtelError } from '../errors.js';
import type { KeyRef } from './types.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GCP = /^gcp-sm:\/\/projects\/([^/]+)\/secrets\/([^/]+)(?:\/versions\/([^/]+))?$/;

export const REF_FORMS = 'env:NAME, dotenv:NAME, op://vault/item/field, gcp-sm://projects/P/secrets/S[/versions/V]';

export function parseKeyRef(raw: string): KeyRef {
  const s = raw.trim();
  if (s.startsWith('env:') && ENV_NAME.test(s.slice(4))) return { kind: 'env', name: s.slice(4), raw: s };
  if (s.startsWith('dotenv:') && ENV_NAME.test(s.slice(7))) return { kind: 'dotenv', name: s.slice(7), raw: s };
  if (s.startsWith('op://')) return { kind: 'op', ref: s, raw: s };
  const m = GCP.exec(s);
  if (m) return { kind: 'gcp-sm', project: m[1] ?? '', secret: m[2] ?? '', version: m[3] ?? 'latest', raw: s };
  throw new CcOtelError('CONFIG_INVALID', `key reference "${raw}" is not understood`, { hint: `use one of: ${REF_FORMS}` });
}
