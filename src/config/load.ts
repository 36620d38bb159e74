/**
 * Configuration precedence, highest first (README "Configuration"), implemented as ONE ordered
 * merge that remembers where every value came from:
 *
 *   1. command-line flags
 *   2. CC_OTEL_* environment variables
 *   3. project file  .cc-otel.json (nearest, from $CLAUDE_PROJECT_DIR or the cwd upward)
 *   4. user file     $XDG_CONFIG_HOME/cc-otel/config.json (~/.config/cc-otel/config.json)
 *   5. defaults (the backend preset's)
 *
 * CC_OTEL_CONFIG=<path> replaces 3 and 4 with that one file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { userDirs } from './dirs.js';
import { validateConfig, type Config, type ValidationProblem } from './schema.js';
import { CC_OTEL_INPUTS } from '../otel/vars.js';

export type SourceKind = 'flag' | 'env' | 'project' | 'user' | 'file' | 'default';
export interface Source {
  kind: SourceKind;
  /** the flag, variable or file path */
  detail: string;
}

export interface ConfigFile {
  kind: 'project' | 'user' | 'file';
  path: string;
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
}

export const PROJECT_FILE = '.cc-otel.json';

export function findProjectFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, PROJECT_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
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

export function loadConfig(ctx: Pick<Context, 'env' | 'cwd' | 'homeDir' | 'platform'>, flags: Config = {}, flagNames: Record<string, string> = {}): LoadedConfig {
  const dirs = userDirs(ctx);
  const files: ConfigFile[] = [];
  const layers: Array<{ config: Config; source: Source; perKey?: Record<string, Source> }> = [];
  const explicit = ctx.env.CC_OTEL_CONFIG;
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
    const projectPath = findProjectFile(startDir);
    if (projectPath) {
      layers.push({ config: readConfigFile(projectPath), source: { kind: 'project', detail: projectPath } });
      files.push({ kind: 'project', path: projectPath });
      projectDir = dirname(projectPath);
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
  return {
    config,
    sources,
    files,
    configured: config.backend !== undefined || files.length > 0,
    projectDir: projectDir ?? ctx.cwd,
    userConfigDir: dirs.config,
  };
}
