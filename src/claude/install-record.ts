/**
 * The install record: a file in cc-otel's state dir (settings-paths.ts stateRecordPath; cc-otel 0.1
 * wrote it beside the settings file, installRecordPath, which is still read) saying what cc-otel
 * owns in a settings file and what to put back on uninstall.
 *
 * - env keys: owned only when cc-otel wrote them. `previous` is the exact JSON text the key had before
 *   (null: it did not exist), so uninstall puts back the same bytes, not a re-serialisation.
 * - otelHeadersHelper: the same; a cc-otel helper found without a record is still cc-otel's (marker).
 * - hooks are owned by marker (hook-entries.ts) and need no record.
 * - `original`: the whole file before cc-otel first touched it (null: no file). When the file minus
 *   cc-otel's entries is the same JSON as this, uninstall writes these bytes back verbatim.
 * - `createdDirs` / `createdContainers`: what install created, so uninstall removes those (and only
 *   those) once empty.
 *
 * Written atomically, mode 0600 (it holds a copy of the file).
 */
export interface OwnedValue {
  /** the value cc-otel wrote */
  value: string;
  /** the exact JSON text it replaced, or null when there was none */
  previous: string | null;
}

export interface InstallRecord {
  version: 1;
  /** the settings file this record is for (records in the state dir; a sidecar's is its neighbour) */
  target?: string;
  original: string | null;
  createdDirs: string[];
  createdContainers: string[][];
  env: Record<string, OwnedValue>;
  otelHeadersHelper: OwnedValue | null;
}

export function emptyRecord(original: string | null, createdDirs: string[]): InstallRecord {
  return { version: 1, original, createdDirs, createdContainers: [], env: {}, otelHeadersHelper: null };
}

/** One key order whatever built the record, so an unchanged record serialises to the same bytes. */
export function serializeRecord(r: InstallRecord): string {
  const { version, target, original, createdDirs, createdContainers, env, otelHeadersHelper } = r;
  return `${JSON.stringify({ version, ...(target !== undefined ? { target } : {}), original, createdDirs, createdContainers, env, otelHeadersHelper }, null, 2)}\n`;
}

/** A record that can't be read as one is treated as absent (the marker rules still apply). */
export function parseRecord(text: string): InstallRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v) || v.version !== 1) return null;
  const original = v.original;
  if (original !== null && typeof original !== 'string') return null;
  const createdDirs = Array.isArray(v.createdDirs) ? v.createdDirs.filter((d): d is string => typeof d === 'string') : [];
  const createdContainers = Array.isArray(v.createdContainers)
    ? v.createdContainers.filter((p): p is string[] => Array.isArray(p) && p.every((s) => typeof s === 'string'))
    : [];
  const env: Record<string, OwnedValue> = {};
  if (isObject(v.env)) for (const [k, o] of Object.entries(v.env)) if (isOwned(o)) env[k] = { value: o.value, previous: o.previous };
  const helper = isOwned(v.otelHeadersHelper) ? { value: v.otelHeadersHelper.value, previous: v.otelHeadersHelper.previous } : null;
  return { version: 1, ...(typeof v.target === 'string' ? { target: v.target } : {}), original, createdDirs, createdContainers, env, otelHeadersHelper: helper };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isOwned(v: unknown): v is OwnedValue {
  return isObject(v) && typeof v.value === 'string' && (v.previous === null || typeof v.previous === 'string');
}
