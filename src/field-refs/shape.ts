/**
 * Preset fields from the secret store (issue #17). Any string preset field — `endpoint`,
 * `instanceId`, `publicKey`, `region`, `site`, `dataset`, `datasets.<signal>`, `header`,
 * `headerValue`, `ingestionVersion` — may be, instead of its value:
 *
 *   { "ref": "gcp-sm://projects/P/secrets/S", "json": "grpc" }     one reference
 *   [ { "ref": "gcp-sm://…", "json": "grpc" }, "env:OTLP_ENDPOINT" ]  a chain, like "key"
 *
 * `ref` is any key-chain reference (env:, dotenv:, op://, gcp-sm://); `json` (optional) picks a
 * field of a JSON value, dotted for nesting. In a list, a bare string is a reference (as in "key"),
 * never a literal value. This file is the shape alone (no I/O): validation at load time and the
 * normal form every layer is merged in — a list, so a higher layer replaces it whole.
 */
import { refProblem, tryParseKeyRef } from '../secrets/refs.js';

export interface FieldRef {
  ref: string;
  /** dotted path into a JSON value ("grpc", "otlp.http") */
  json?: string;
}

/** The normal form of a field set from references: the chain, tried in order. */
export type FieldRefChain = readonly FieldRef[];

/** A preset field as a config file may hold it: its value, or where to fetch it. */
export type Refable = string | FieldRefChain;

/** The preset fields that may be references (top-level keys; `datasets` per signal). */
export const REFABLE_FIELDS: readonly string[] = ['endpoint', 'region', 'site', 'instanceId', 'dataset', 'publicKey', 'ingestionVersion', 'header', 'headerValue'];

/**
 * Fields whose value goes into an auth header or may carry a credential: an error about them never
 * shows the value (it reaches stderr, the error log and `env --explain`).
 */
export const SECRET_LIKE_FIELDS: ReadonlySet<string> = new Set(['instanceId', 'publicKey', 'headerValue']);

export const isSecretLikeField = (field: string): boolean => SECRET_LIKE_FIELDS.has(field);

const JSON_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

export function isFieldRefChain(v: unknown): v is FieldRefChain {
  return Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && typeof (x as FieldRef).ref === 'string');
}

/**
 * `v` (a field's raw value in a file) as a chain, with its problems; `undefined` when `v` is not
 * reference-shaped at all (a plain string, a number: the field's own type check handles it).
 * Problems never echo a string that is not a reference: it may be a secret pasted there.
 */
export function normalizeFieldRefs(v: unknown): { chain: FieldRef[]; problems: string[] } | undefined {
  const entries = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? [v] : undefined;
  if (!entries) return undefined;
  const problems: string[] = [];
  const chain: FieldRef[] = [];
  if (!entries.length) problems.push('an empty list: give at least one reference, e.g. {"ref": "gcp-sm://projects/P/secrets/S", "json": "grpc"}');
  entries.forEach((e, i) => {
    const which = entries.length > 1 ? `entry ${i + 1}: ` : '';
    if (typeof e === 'string') {
      if (tryParseKeyRef(e)) chain.push({ ref: e.trim() });
      else problems.push(`${which}${refProblem(e)} (in a list every string is a reference; a literal value is written without a list)`);
      return;
    }
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return void problems.push(`${which}must be a reference string or {"ref": …, "json": …}, got ${e === null ? 'null' : Array.isArray(e) ? 'a list' : typeof e}`);
    const o = e as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'ref' && k !== 'json');
    if (extra.length) problems.push(`${which}unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; allowed: ref, json`);
    if (typeof o.ref !== 'string') return void problems.push(`${which}"ref" must be a key reference string (env:NAME, dotenv:NAME, op://…, gcp-sm://…)`);
    if (!tryParseKeyRef(o.ref)) return void problems.push(`${which}"ref": ${refProblem(o.ref)}`);
    if (o.json !== undefined && (typeof o.json !== 'string' || !JSON_PATH.test(o.json)))
      return void problems.push(`${which}"json" must be a dotted field name such as "grpc" or "otlp.http", got ${typeof o.json === 'string' ? JSON.stringify(o.json.slice(0, 60)) : typeof o.json}`);
    chain.push({ ref: o.ref.trim(), ...(o.json !== undefined ? { json: o.json as string } : {}) });
  });
  return { chain, problems };
}

/** How a chain reads in messages and `--explain`: `gcp-sm://projects/p/secrets/s json "grpc"`. */
export function describeFieldRef(r: FieldRef): string {
  return `${r.ref}${r.json !== undefined ? ` json "${r.json}"` : ''}`;
}

/** Every refable field path a config sets from references: "endpoint", "datasets.traces", … */
export function refFieldPaths(config: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const f of REFABLE_FIELDS) if (isFieldRefChain(config[f])) out.push(f);
  const ds = config.datasets;
  if (typeof ds === 'object' && ds !== null && !Array.isArray(ds))
    for (const [k, v] of Object.entries(ds)) if (isFieldRefChain(v)) out.push(`datasets.${k}`);
  return out;
}
