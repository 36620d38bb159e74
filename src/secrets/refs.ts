/** Key references: `env:NAME`, `dotenv:NAME`, `op://vault/item[/section]/field`, `gcp-sm://projects/P/secrets/S[/versions/V]`. */
import { CcOtelError } from '../errors.js';
import type { KeyRef } from './types.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GCP = /^gcp-sm:\/\/projects\/([^/]+)\/secrets\/([^/]+)(?:\/versions\/([^/]+))?$/;
const SCHEMES = ['env:', 'dotenv:', 'op://', 'gcp-sm://'] as const;

export const REF_FORMS = 'env:NAME, dotenv:NAME, op://vault/item/field, gcp-sm://projects/P/secrets/S[/versions/V]';

/**
 * What an error may say about a string that is not a valid reference. Never the string itself: the
 * commonest mistake is pasting the key where its reference belongs, and the message reaches
 * stderr, the error log and `env --explain`. A known scheme is named; otherwise at most the first
 * 4 characters (only of a string long enough that they give little away), and the length.
 */
export function describeUnparsedRef(raw: string): string {
  const s = raw.trim();
  const n = `${s.length} char${s.length === 1 ? '' : 's'}`;
  const scheme = SCHEMES.find((p) => s.startsWith(p));
  if (scheme) return `"${scheme}…" (${n})`;
  return s.length >= 12 ? `"${s.slice(0, 4)}…" (${n})` : `(${n})`;
}

export function tryParseKeyRef(raw: string): KeyRef | undefined {
  const s = raw.trim();
  if (s.startsWith('env:') && ENV_NAME.test(s.slice(4))) return { kind: 'env', name: s.slice(4), raw: s };
  if (s.startsWith('dotenv:') && ENV_NAME.test(s.slice(7))) return { kind: 'dotenv', name: s.slice(7), raw: s };
  if (s.startsWith('op://')) return { kind: 'op', ref: s, raw: s };
  const m = GCP.exec(s);
  if (m) return { kind: 'gcp-sm', project: m[1] ?? '', secret: m[2] ?? '', version: m[3] ?? 'latest', raw: s };
  return undefined;
}

/** The problem with a string that is not a reference, for config validation (no echo of it). */
export function refProblem(raw: string): string {
  return `${describeUnparsedRef(raw)} is not a key reference; allowed: ${REF_FORMS} — a key itself belongs in an env var or .env, referenced as env:NAME or dotenv:NAME`;
}

export function parseKeyRef(raw: string): KeyRef {
  const ref = tryParseKeyRef(raw);
  if (ref) return ref;
  throw new CcOtelError('CONFIG_INVALID', `key reference ${describeUnparsedRef(raw)} is not understood`, {
    hint: `use one of: ${REF_FORMS} (a key itself belongs in an env var or .env, referenced as env:NAME or dotenv:NAME)`,
  });
}
