/**
 * What a project file may set (issue #11). A project's `.cc-otel.json` is written by whoever wrote
 * the repository, so until the user trusts it (trust/store.ts) it keeps only keys that tag the
 * telemetry — nothing that decides where data goes, which credential is used, what content is
 * captured, or which file is written. A trusted file sets everything but path settings, which come
 * only from the user's own config, flags or environment.
 *
 * Untrusted content must not be able to break cc-otel either (the helper failing means Claude Code
 * exports nothing): an untrusted file that is not JSON, or a kept key with a bad value, is ignored,
 * never an error.
 */
import type { Config } from '../config/schema.js';
import { attributeProblems } from '../otel/resource-attributes.js';
import { printable } from './printable.js';

/** Kept from an untrusted project file. */
export const HARMLESS_KEYS: readonly string[] = ['team', 'attributes'];

/** Never taken from a project file, trusted or not: they name files cc-otel writes or reads. */
export const USER_ONLY_KEYS: readonly string[] = ['events.logFile', 'verify.local.dataDir'];

/**
 * Resource attributes an untrusted file may set: plain names only (`cost_center`, `repo`) — an
 * allowlist, because the namespaced ones are identity or provenance somebody keys on: Claude
 * Code's own (`user.*`, `session.*`, `organization.*`, `app.*`, `terminal.*`), cc-otel's detectors
 * (`vcs.*`, `cicd.*`, `enduser.*`), the OTel semantic conventions (`service.*`, `host.*`, `cloud.*`,
 * `k8s.*`, …). Nor the identity cc-otel stamps, nor a bare word that reads as one. The user's own
 * attributes of the same name win (config/load.ts).
 */
const ALLOWED_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const RESERVED_WORDS = new Set(['engineer', 'org', 'team', 'organization', 'service', 'user', 'enduser', 'session', 'host', 'app', 'terminal', 'account', 'email', 'cc_otel']);
const harmlessAttribute = (k: string): boolean => ALLOWED_ATTRIBUTE.test(k) && !RESERVED_WORDS.has(k.toLowerCase());

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Dotted leaf paths of the keys `raw` sets (objects one level deep, as the schema nests them). */
function leafKeys(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (k === '$schema') continue;
    // {"ref": …} is one value (a preset field from the secret store), not a section
    if (isPlainObject(v) && k !== 'attributes' && k !== 'datasets' && !Object.hasOwn(v, 'ref')) for (const sub of Object.keys(v)) out.push(`${k}.${sub}`);
    else out.push(k);
  }
  return out;
}

/** The part of an untrusted project file that applies, and every key that does not. Never throws. */
export function untrustedView(raw: unknown): { config: Config; ignored: string[] } {
  if (!isPlainObject(raw)) return { config: {}, ignored: ['(the whole file: not a JSON object)'] };
  const config: Config = {};
  const ignored = leafKeys(raw).filter((k) => !HARMLESS_KEYS.includes(k)).map(printable);
  if (raw.team !== undefined) {
    if (typeof raw.team === 'string' && raw.team !== '' && !/[\u0000-\u001f\u007f-\u009f]/.test(raw.team) && !attributeProblems({ team: raw.team }).length) config.team = raw.team;
    else ignored.push('team');
  }
  if (raw.attributes !== undefined) {
    if (!isPlainObject(raw.attributes)) ignored.push('attributes');
    else {
      const attrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.attributes)) {
        if (typeof v === 'string' && harmlessAttribute(k) && !/[\u0000-\u001f\u007f-\u009f]/.test(v) && !attributeProblems({ [k]: v }).length) attrs[k] = v;
        else ignored.push(printable(`attributes.${k}`));
      }
      if (Object.keys(attrs).length) config.attributes = attrs;
    }
  }
  return { config, ignored };
}

/** A trusted project file without the user-only keys; the keys dropped. */
export function withoutUserOnlyKeys(config: Config): { config: Config; ignored: string[] } {
  const ignored: string[] = [];
  let out = config as Record<string, unknown>;
  for (const dotted of USER_ONLY_KEYS) {
    const [head, ...rest] = dotted.split('.') as [string, ...string[]];
    const dropped = without(out[head], rest);
    if (dropped === undefined) continue;
    out = { ...out, [head]: dropped };
    ignored.push(dotted);
  }
  return { config: out as Config, ignored };
}

/** `v` less the key at `path` (copied along the path), or undefined when `v` has no such key. */
function without(v: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  if (!isPlainObject(v) || !path.length) return undefined;
  const [k, ...rest] = path as [string, ...string[]];
  if (!Object.hasOwn(v, k)) return undefined;
  if (!rest.length) {
    const { [k]: _drop, ...kept } = v;
    return kept;
  }
  const inner = without(v[k], rest);
  return inner === undefined ? undefined : { ...v, [k]: inner };
}
