/**
 * Resolve the preset fields a config takes from the secret store (issue #17), through the key
 * chain's own code (src/secrets/chain.ts): the same sources, deadline, cache and background
 * refresh. On a warm cache that is one small file read per reference — no SDK is loaded (the hot
 * path: `hook session-start`, `headers`).
 *
 * After resolution each value is checked by the rules of the field written in the file
 * (schema.ts fieldValueProblems); an endpoint without a scheme gets one first (endpointScheme).
 * Errors name the field, the reference, its source and the file that set it — never the value of
 * a secret-like field (shape.ts SECRET_LIKE_FIELDS).
 */
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import type { LoadedConfig, Source } from '../config/load.js';
import { fieldValueProblems, type Config } from '../config/schema.js';
import { resolveKey, type ChainOptions, type ChainResult } from '../secrets/chain.js';
import type { SourceResult } from '../secrets/types.js';
import { redact } from '../secrets/redact.js';
import { getPreset } from '../backends/index.js';
import type { Protocol } from '../otel/endpoint.js';
import { describeFieldRef, isFieldRefChain, isSecretLikeField, refFieldPaths, type FieldRefChain } from './shape.js';

export interface FieldResolution {
  /** "endpoint", "datasets.traces" */
  field: string;
  chain: FieldRefChain;
  /** the chain's attempts, value (when found) and error */
  result: ChainResult;
  /** what was done to the value after resolution (a scheme added) */
  note?: string;
}

/** The fields' attempts behind an error of resolveFieldRefs (for `env --explain`), or undefined. */
export function fieldsOfError(e: unknown): FieldResolution[] | undefined {
  const c = e instanceof CcOtelError ? (e.cause as { fieldRefs?: FieldResolution[] } | undefined) : undefined;
  return Array.isArray(c?.fieldRefs) ? c.fieldRefs : undefined;
}

/** `env --explain`'s section for the fields: each field's chain, attempt by attempt. */
export function renderFieldAttempts(fields: readonly FieldResolution[]): string {
  let out = '\npreset fields from the secret store:\n';
  for (const f of fields) {
    out += `  ${f.field}:\n`;
    for (const a of f.result.attempts) out += `    ${a.ref.padEnd(38)} ${a.result.padEnd(8)} ${a.detail} (${a.ms} ms)\n`;
    if (f.note) out += `    ${f.note}\n`;
  }
  return out;
}

export interface ResolvedFields {
  /** the config with every reference replaced by its value (the input itself when there were none) */
  loaded: LoadedConfig;
  fields: FieldResolution[];
  /** the first field that could not be resolved or whose value is invalid */
  error: CcOtelError | undefined;
  /** values of secret-like fields: masked in any later error message */
  secrets: string[];
}

/**
 * A bare `host:port`, as the SigNoz seed keeps it (`jq -r .grpc` → `<ip>:4317`), becomes a URL:
 * `https://` on port 443, else `http://` — for grpc that is the plaintext channel
 * (OTEL_EXPORTER_OTLP_INSECURE=true, build-env.ts), for HTTP a plain collector port.
 */
export function endpointScheme(value: string, protocol: Protocol): { value: string; note?: string } {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return { value };
  const scheme = /:443(\/|$)/.test(value) ? 'https' : 'http';
  return { value: `${scheme}://${value}`, note: `no scheme in the value: ${scheme}:// added (protocol ${protocol}${scheme === 'https' ? ', port 443' : ''})` };
}

function setPath(config: Record<string, unknown>, path: string, value: string): void {
  const [head, sub] = path.split('.') as [string, string | undefined];
  if (sub === undefined) config[head] = value;
  else config[head] = { ...(config[head] as Record<string, unknown>), [sub]: value };
}

const whereSet = (s: Source | undefined): string =>
  !s ? '' : s.kind === 'flag' ? `flag ${s.detail}` : s.kind === 'env' ? `env ${s.detail}` : `${s.kind} config ${s.detail}`;

export async function resolveFieldRefs(
  ctx: Context,
  loaded: LoadedConfig,
  base: Omit<ChainOptions, 'refs' | 'subject'>,
): Promise<ResolvedFields> {
  const paths = refFieldPaths(loaded.config as Record<string, unknown>);
  if (!paths.length) return { loaded, fields: [], error: undefined, secrets: [] };
  const inflight = base.inflight ?? new Map<string, Promise<SourceResult>>();
  const chainOf = (path: string): FieldRefChain => {
    const [head, sub] = path.split('.') as [string, string | undefined];
    const v = (loaded.config as Record<string, unknown>)[head];
    const c = sub === undefined ? v : (v as Record<string, unknown>)[sub];
    return isFieldRefChain(c) ? c : [];
  };
  const fields: FieldResolution[] = await Promise.all(
    paths.map(async (field) => {
      const chain = chainOf(field);
      const result = await resolveKey(ctx, { ...base, inflight, refs: chain, subject: { name: field, field: true } });
      return { field, chain, result };
    }),
  );
  const config = { ...(loaded.config as Record<string, unknown>) } as Record<string, unknown>;
  const sources = { ...loaded.sources };
  const secrets: string[] = [];
  const backend = typeof loaded.config.backend === 'string' ? getPreset(loaded.config.backend) : undefined;
  const protocol: Protocol = loaded.config.protocol ?? backend?.protocols[0] ?? 'http/protobuf';
  let error: CcOtelError | undefined;
  for (const f of fields) {
    const set = whereSet(loaded.sources[f.field]);
    const from = set ? ` (set in ${set})` : '';
    if (!f.result.key) {
      const e = f.result.error;
      error ??= new CcOtelError(e?.code ?? 'KEY_NOT_FOUND', `${e?.message ?? `no value for "${f.field}"`}${from}`, { hint: e?.hint ?? `check the references of "${f.field}"` });
      continue;
    }
    const used = [...f.result.attempts].reverse().find((a) => a.result === 'found' || a.result === 'cached' || a.result === 'stale');
    let value = f.result.key.value.trim();
    const secretLike = isSecretLikeField(f.field);
    if (secretLike && value) secrets.push(value);
    if (f.field === 'endpoint' && value) {
      const s = endpointScheme(value, protocol);
      value = s.value;
      if (s.note) f.note = s.note;
    }
    const via = `${used?.ref ?? f.chain.map(describeFieldRef).join(', ')} (${used?.source ?? '?'}: ${used?.detail ?? f.result.key.detail})`;
    const problems = value === '' ? ['is empty'] : fieldValueProblems(f.field, value);
    if (problems.length) {
      const shown = problems.map((p) => (secretLike ? redact(p, [value, f.result.key?.value ?? ''], '<value from the secret store>') : p)).join('; ');
      error ??= new CcOtelError('CONFIG_INVALID', `"${f.field}" from ${via}${from}: ${shown}`, {
        hint: `fix the value stored at ${used?.ref ?? 'the reference'}${f.chain.some((r) => r.json !== undefined) ? ' (or the "json" field name)' : ''}, or write "${f.field}" itself in the config`,
      });
      continue;
    }
    setPath(config, f.field, value);
    const orig = loaded.sources[f.field];
    sources[f.field] = { kind: orig?.kind ?? 'default', detail: orig?.detail ?? '', ref: `${via}${f.note ? `; ${f.note}` : ''}` };
  }
  if (error) error = new CcOtelError(error.code, error.message, { ...(error.hint !== undefined ? { hint: error.hint } : {}), cause: { fieldRefs: fields } });
  return { loaded: { ...loaded, config: config as Config, sources }, fields, error, secrets };
}
