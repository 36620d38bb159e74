/**
 * Configuration precedence, highest first (README "Configuration"), implemented as ONE ordered
 * merge that remembers where every value came from:
 *
 *   1. command-line flags
 *   2. CC_OTEL_* environment variables
 *   3. project file  .cc-otel.json (nearest, from $CLAUDE_PROJECT_DIR or the cwd upward: project-file.ts)
 *   4. user file     $XDG_CONFIG_HOME/cc-otel/config.json (~/.config/cc-otel/config.json)
 *   5. defaults (the backend preset's)
 *
 * CC_OTEL_CONFIG=<path> replaces 3 and 4 with that one file.
 *
 * The project file is a stranger's until the user trusts it (issue #11, trust/store.ts): untrusted,
 * it keeps only `team` and `attributes` (trust/project-keys.ts) and cannot fail the load; trusted,
 * it sets everything but path settings. CC_OTEL_PROJECT_CONFIG=ignore (a fleet's managed `env`)
 * ignores project files altogether.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findProjectFile, PROJECT_FILE, type SkippedFile } from './project-file.js';
import { readTrustStore, snapshotFile, statTuple, trustKey, trustVerdict, type TrustVerdict } from '../trust/store.js';
import { untrustedView, withoutUserOnlyKeys } from '../trust/project-keys.js';
import type { Context } from '../context.js';
import { CcOtelError, isCcOtelError } from '../errors.js';
import { userDirs } from './dirs.js';
import { validateConfig, type Config, type ValidationProblem } from './schema.js';
import { CC_OTEL_INPUTS } from '../otel/vars.js';
import { readLocalCollector, type LocalCollector } from '../backends/local.js';

export type SourceKind = 'flag' | 'env' | 'project' | 'user' | 'file' | 'default';
export interface Source {
  kind: SourceKind;
  /** the flag, variable or file path */
  detail: string;
  /** a preset field read from the secret store: the reference that gave the value, how (src/field-refs/) */
  ref?: string;
}

export interface ConfigFile {
  kind: 'project' | 'user' | 'file';
  path: string;
  /** a project file that is not trusted: only its harmless keys applied */
  untrusted?: true;
}

/** How project files are treated: `CC_OTEL_PROJECT_CONFIG` (default `trusted`: trusted files apply). */
export type ProjectPolicy = 'trusted' | 'ignore';

/** The project file found, and what of it applied. */
export interface ProjectFileState {
  path: string;
  /** the real path: what `cc-otel trust` records */
  realPath: string;
  trust: TrustVerdict;
  /** dotted keys the file sets that were not applied */
  ignored: string[];
  /** this version of the file ([dev, ino, size, mtime, ctime]): the hook reports an untrusted file once per version */
  version: string;
  /** an untrusted file that is not valid JSON (ignored whole) */
  invalid?: string;
}

export interface LoadedConfig {
  config: Config;
  /** dotted leaf path ("team", "privacy.prompts", "attributes.cost_center") → where it came from */
  sources: Record<string, Source>;
  files: ConfigFile[];
  /** false → cc-otel is inert (no file, no CC_OTEL_BACKEND, no flag) */
  configured: boolean;
  /** where the project .env is looked up */
  projectDir: string | undefined;
  userConfigDir: string;
  /** the project file, when one was found and not skipped */
  project?: ProjectFileState;
  /** project files seen but not read (another owner, group/world-writable), with the reason */
  skipped?: SkippedFile[];
  projectPolicy?: ProjectPolicy;
  /** CC_OTEL_PROJECT_CONFIG held something else than trusted/ignore (treated as ignore) */
  policyProblem?: string;
  /** backend local without an endpoint: the running `cc-otel collect` of the data dir, when there is one */
  localCollector?: LocalCollector;
}

export { PROJECT_FILE };

/** CC_OTEL_PROJECT_CONFIG: `ignore`, or `trusted` (the default); anything else fails closed (ignore). */
export function projectPolicyOf(env: Context['env']): { policy: ProjectPolicy; problem?: string } {
  const v = env.CC_OTEL_PROJECT_CONFIG;
  if (v === undefined || v === '' || v === 'trusted') return { policy: 'trusted' };
  if (v === 'ignore') return { policy: 'ignore' };
  return { policy: 'ignore', problem: `CC_OTEL_PROJECT_CONFIG=${JSON.stringify(v).slice(0, 40)} is neither "trusted" nor "ignore": project files are ignored` };
}

/**
 * Index of the first character a JSON parser rejects (text.length for a premature end), or -1.
 * Only a fallback for V8 messages that carry no position ("Unexpected token 'x', … is not valid
 * JSON", "Unexpected end of JSON input" — Node 20 gives none for a bare word or an empty file).
 */
export function jsonErrorIndex(t: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r') i++;
  };
  const expect = (c: string) => (t[i] === c ? i++ : fail());
  const str = () => {
    expect('"');
    for (;;) {
      const c = t[i];
      if (c === undefined || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c === '\\') {
        if (t[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++) /[0-9a-fA-F]/.test(t[i] ?? '') ? i++ : fail();
        } else if ('"\\/bfnrt'.includes(t[i] ?? 'x')) i++;
        else fail();
      }
    }
  };
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (t[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          str();
          ws();
          expect(':');
        }
        value();
        ws();
        if (t[i] === ',') i++;
        else return void expect(close);
      }
    }
    if (c === '"') return str();
    for (const word of ['true', 'false', 'null']) if (t.startsWith(word, i)) return void (i += word.length);
    if (c !== '-' && !/[0-9]/.test(c ?? '')) fail();
    const digits = () => {
      if (!/[0-9]/.test(t[i] ?? '')) fail();
      while (/[0-9]/.test(t[i] ?? '')) i++;
    };
    if (t[i] === '-') i++;
    if (t[i] === '0') i++;
    else digits();
    if (t[i] === '.') (i++, digits());
    if (t[i] === 'e' || t[i] === 'E') {
      i++;
      if (t[i] === '+' || t[i] === '-') i++;
      digits();
    }
  };
  try {
    value();
    ws();
    return i < t.length ? i : -1;
  } catch (pos) {
    return pos as number;
  }
}

/** Line and column of a JSON.parse error, from V8's "… at position N" message (or jsonErrorIndex). */
export function jsonErrorLocation(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  const pos = m ? Number(m[1]) : jsonErrorIndex(text);
  if (pos < 0) return '';
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` (line ${line}, column ${col})`;
}

function problemsError(where: string, problems: ValidationProblem[], hint: string): CcOtelError {
  const lines = problems.map((p) => `  ${p.key}: ${p.message}`).join('\n');
  return new CcOtelError('CONFIG_INVALID', `invalid configuration in ${where}:\n${lines}`, { hint });
}

export function readConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CcOtelError('CONFIG_NOT_FOUND', `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, {
      hint: 'check the path (CC_OTEL_CONFIG or the file cc-otel found) and its permissions',
      cause: e,
    });
  }
  return parseConfigText(path, text);
}

export function parseConfigText(path: string, text: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CcOtelError('CONFIG_INVALID', `${path} is not valid JSON${jsonErrorLocation(text, e)}: ${(e as Error).message}`, {
      hint: 'fix the JSON syntax (comments and trailing commas are not allowed)',
      cause: e,
    });
  }
  const { config, problems } = validateConfig(raw);
  if (problems.length) throw problemsError(path, problems, 'see "Configuration" in the README for every key and its allowed values');
  return config;
}

/** Read CC_OTEL_* inputs that map onto config keys (see CC_OTEL_INPUTS in otel/vars.ts). */
export function configFromEnv(env: Context['env']): { config: Config; sources: Record<string, Source> } {
  const raw: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const input of CC_OTEL_INPUTS) {
    if (!input.configKey) continue;
    const v = env[input.name];
    if (v === undefined || v === '') continue;
    const parsed = input.parse ? input.parse(v) : v;
    const [head, sub] = input.configKey.split('.');
    if (!head) continue;
    if (sub) raw[head] = { ...((raw[head] as object) ?? {}), [sub]: parsed };
    else raw[head] = parsed;
    sources[input.configKey] = { kind: 'env', detail: input.name };
  }
  const { config, problems } = validateConfig(raw);
  if (problems.length) {
    const byName = (key: string) => CC_OTEL_INPUTS.find((i) => i.configKey === key.split('.').slice(0, 2).join('.') || i.configKey === key.split('.')[0])?.name ?? key;
    throw problemsError(
      'environment variables',
      problems.map((p) => ({ key: byName(p.key), message: p.message })),
      'fix or unset the CC_OTEL_* variable',
    );
  }
  return { config, sources };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merge `layer` onto `into`; objects merge per key, everything else replaces. */
function mergeLayer(into: Record<string, unknown>, layer: Record<string, unknown>, source: Source, sources: Record<string, Source>, prefix = ''): void {
  for (const [k, v] of Object.entries(layer)) {
    if (v === undefined) continue;
    const path = `${prefix}${k}`;
    if (isPlainObject(v)) {
      const target = isPlainObject(into[k]) ? (into[k] as Record<string, unknown>) : {};
      into[k] = target;
      mergeLayer(target, v, source, sources, `${path}.`);
    } else {
      into[k] = v;
      sources[path] = source;
    }
  }
}

export interface LoadOptions {
  /** treat the project file found as trusted (install --scope project, which then trusts it) */
  trustProject?: boolean;
}

export function loadConfig(ctx: Pick<Context, 'env' | 'cwd' | 'homeDir' | 'platform'>, flags: Config = {}, flagNames: Record<string, string> = {}, opts: LoadOptions = {}): LoadedConfig {
  const dirs = userDirs(ctx);
  const files: ConfigFile[] = [];
  const layers: Array<{ config: Config; source: Source; perKey?: Record<string, Source> }> = [];
  const explicit = ctx.env.CC_OTEL_CONFIG;
  const policy = projectPolicyOf(ctx.env);
  let skipped: SkippedFile[] = [];
  let project: ProjectFileState | undefined;
  const startDir = ctx.env.CLAUDE_PROJECT_DIR || ctx.cwd;
  let projectDir: string | undefined = ctx.env.CLAUDE_PROJECT_DIR || undefined;

  if (explicit) {
    const path = resolve(ctx.cwd, explicit);
    layers.push({ config: readConfigFile(path), source: { kind: 'file', detail: path } });
    files.push({ kind: 'file', path });
    projectDir ??= dirname(path);
  } else {
    const userPath = join(dirs.config, 'config.json');
    if (existsSync(userPath)) {
      layers.push({ config: readConfigFile(userPath), source: { kind: 'user', detail: userPath } });
      files.push({ kind: 'user', path: userPath });
    }
    if (policy.policy === 'trusted') {
      const search = findProjectFile(startDir, ctx.homeDir);
      skipped = search.skipped;
      if (search.found) {
        const p = loadProjectFile(search.found, dirs.state, opts.trustProject === true);
        project = p.state;
        // An untrusted file only adds attributes: the user's own of the same name win.
        const userAttrs = layers.find((l) => l.source.kind === 'user')?.config.attributes;
        if (p.state.trust !== 'trusted' && p.config.attributes && userAttrs) {
          const kept = Object.fromEntries(Object.entries(p.config.attributes).filter(([k]) => !Object.hasOwn(userAttrs, k)));
          for (const k of Object.keys(p.config.attributes)) if (!(k in kept)) p.state.ignored.push(`attributes.${k}`);
          p.config.attributes = kept;
        }
        layers.push({ config: p.config, source: { kind: 'project', detail: search.found } });
        files.push({ kind: 'project', path: search.found, ...(p.state.trust === 'trusted' ? {} : { untrusted: true as const }) });
        projectDir = dirname(search.found);
      }
    }
  }
  const fromEnv = configFromEnv(ctx.env);
  layers.push({ config: fromEnv.config, source: { kind: 'env', detail: 'CC_OTEL_*' }, perKey: fromEnv.sources });

  const flagLayer = validateConfig(flags);
  if (flagLayer.problems.length) {
    throw new CcOtelError(
      'USAGE',
      flagLayer.problems.map((p) => `${flagNames[p.key] ?? `--${p.key}`}: ${p.message}`).join('\n'),
      { hint: 'see --help' },
    );
  }
  layers.push({ config: flagLayer.config, source: { kind: 'flag', detail: 'command line' } });

  const merged: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const layer of layers) {
    const layerSources: Record<string, Source> = {};
    mergeLayer(merged, layer.config as Record<string, unknown>, layer.source, layerSources);
    for (const [path, src] of Object.entries(layerSources)) {
      const specific = layer.perKey?.[path] ?? layer.perKey?.[path.split('.')[0] ?? ''];
      const flagName = layer.source.kind === 'flag' ? flagNames[path] : undefined;
      sources[path] = specific ?? (flagName ? { kind: 'flag', detail: flagName } : src);
    }
  }
  const config = merged as Config;
  // The local preset follows the collector's real ports (one small file read, only for it).
  const localCollector = config.backend === 'local' && config.endpoint === undefined ? readLocalCollector(config.verify?.local?.dataDir ?? ctx.env.CC_OTEL_DATA_DIR ?? dirs.data) : undefined;
  return {
    config,
    sources,
    files,
    // An untrusted project file alone does not switch cc-otel on: it only tags what the user set up.
    configured: config.backend !== undefined || files.some((f) => !f.untrusted),
    projectDir: projectDir ?? ctx.cwd,
    userConfigDir: dirs.config,
    ...(project ? { project } : {}),
    skipped,
    projectPolicy: policy.policy,
    ...(policy.problem ? { policyProblem: policy.problem } : {}),
    ...(localCollector ? { localCollector } : {}),
  };
}

/**
 * Read the project file once (the bytes judged are the bytes used) and apply the trust rules: a
 * trusted file is validated like any config (its errors are the user's to fix) less its path
 * settings; an untrusted one keeps its harmless keys and never throws.
 */
function loadProjectFile(path: string, stateDir: string, assumeTrusted: boolean): { config: Config; state: ProjectFileState } {
  // Nothing recorded for this path: untrusted before a byte is read, and then nothing about the
  // file — unreadable, too large, not JSON — may fail the load (the helper failing would cost the
  // user all their telemetry).
  const store = readTrustStore(stateDir);
  let key: string;
  try {
    key = trustKey(path);
  } catch {
    key = path;
  }
  const known = assumeTrusted || Object.hasOwn(store.files, key);
  let snap;
  try {
    snap = snapshotFile(path, undefined, key);
  } catch (e) {
    const why = isCcOtelError(e) ? e.message : `cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`;
    if (!known) return { config: {}, state: { path, realPath: key, trust: 'untrusted', ignored: [], version: `unreadable:${why}`, invalid: why } };
    throw new CcOtelError('CONFIG_NOT_FOUND', `cannot read config file ${path}: ${why}`, { hint: 'check the file and its permissions', cause: e });
  }
  const version = (snap.tuple ?? statTuple(snap.stats)).join(':');
  const trust = assumeTrusted ? 'trusted' : known ? trustVerdict(stateDir, 'config', snap, store) : 'untrusted';
  const text = snap.bytes.toString('utf8');
  if (trust === 'trusted') {
    const { config, ignored } = withoutUserOnlyKeys(parseConfigText(path, text));
    return { config, state: { path, realPath: snap.realPath, trust, ignored, version } };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { config: {}, state: { path, realPath: snap.realPath, trust, ignored: [], version, invalid: `not valid JSON${jsonErrorLocation(text, e)}` } };
  }
  const { config, ignored } = untrustedView(raw);
  return { config, state: { path, realPath: snap.realPath, trust, ignored, version } };
}
