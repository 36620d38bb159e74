/**
 * `cc-otel init` as values (style: the core returns a plan, the command writes it): which file,
 * what goes in it, and what to run next. The preset-field flags are derived from the presets
 * (backends/*.ts) and typed by the config schema, so a new preset field is a new flag with no
 * second list to keep. What init writes is checked with the loader's own validation
 * (parseConfigText) and the telemetry build (buildTelemetry): a file init wrote always loads.
 */
import { lstatSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Context } from '../context.js';
import { CcOtelError, isCcOtelError } from '../errors.js';
import { getPreset, PRESET_NAMES, type Preset, type PresetConfig } from '../backends/index.js';
import { INIT_FIELD_FLAGS, kebab } from './init-flags.js';
import type { PresetField } from '../backends/types.js';
import { buildTelemetry, DEFAULT_KEY_REFS } from '../otel/build-env.js';
import { describeUnparsedRef, REF_FORMS, tryParseKeyRef } from '../secrets/refs.js';
import { quoteArg } from '../claude/quote-arg.js';
import { userDirs } from './dirs.js';
import { parseConfigText, type LoadedConfig, type Source } from './load.js';
import { PROJECT_FILE } from './project-file.js';
import { CONFIG_FIELDS, validateConfig, type Config } from './schema.js';
import { CC_OTEL_INPUTS } from '../otel/vars.js';

export type InitScope = 'user' | 'project';
export { INIT_FIELD_FLAGS, type InitFieldFlag } from './init-flags.js';

const flagOf = (field: string): string => INIT_FIELD_FLAGS.find((f) => f.field === field)?.flag ?? `--${kebab(field)}`;

/** How a field's value is written on the command line, for a usage error or a prompt. */
function fieldFormat(f: PresetField): string {
  if (f.choices) return `one of ${f.choices.join(', ')}`;
  if (CONFIG_FIELDS[f.name]?.type === 'stringMap') return `SIGNAL=NAME pairs, comma-separated (${f.description})`;
  return f.description;
}

/** What `init` was asked for: flags, and the answers given on a TTY. */
export interface InitInput {
  backend?: string | undefined;
  /** raw preset-field values as given (datasets as "traces=a,logs=b") */
  fields?: Partial<Record<keyof PresetConfig, string>>;
  protocol?: string | undefined;
  key?: readonly string[] | undefined;
  engineer?: string | undefined;
  team?: string | undefined;
  org?: string | undefined;
}

export interface InitTarget {
  scope: InitScope;
  /** the file to write */
  path: string;
  /** something is at that path already */
  exists: boolean;
  /** the user config dir (where a key's .env goes) */
  userConfigDir: string;
  /** where init runs: a project file above it needs install's --project-dir */
  cwd?: string;
}

export interface InitPlan {
  scope: InitScope;
  path: string;
  backend: string;
  config: Config;
  /** the file's bytes: the config as 2-space JSON with a trailing newline */
  content: string;
  /** 0600 for the user config (cc-otel's own dir is 0700); 0644 for a project file (it is committed) */
  mode: number;
  dirMode: number;
  /** an existing file is replaced (--force) */
  overwrite: boolean;
  /** project scope: the written file is trusted for the user (as install --scope project does) */
  trust: boolean;
  /** the commands to run next, in order */
  next: string[];
  /** what to know (where the key goes, what teammates run) */
  notes: string[];
}

/** The preset's required fields that `input` leaves unset. */
export function missingFields(preset: Preset, input: InitInput): PresetField[] {
  return preset.fields.filter((f) => f.required && !input.fields?.[f.name]);
}

/** A usage error for an unknown or absent --backend. */
function backendError(name: string | undefined): CcOtelError {
  return new CcOtelError('USAGE', name === undefined ? 'init needs --backend (not asked: stdin or stdout is not a terminal)' : `unknown backend "${name}"`, {
    hint: `--backend one of ${PRESET_NAMES.join(', ')} (the zero-account one is local, for \`cc-otel collect\`)`,
  });
}

export function requireInitPreset(name: string | undefined): Preset {
  const preset = name === undefined ? undefined : getPreset(name);
  if (!preset) throw backendError(name);
  return preset;
}

/**
 * A `--key` entry that is not a reference is most likely the key itself: refused without echoing
 * it (refs.ts describeUnparsedRef), with where the key goes instead.
 */
export function keyRefProblems(key: readonly string[], userConfigDir: string): CcOtelError | undefined {
  const bad = key.map((k, i) => ({ k, i })).filter(({ k }) => !tryParseKeyRef(k));
  if (!bad.length) return undefined;
  const which = bad.map(({ k, i }) => `${key.length > 1 ? `entry ${i + 1} ` : ''}${describeUnparsedRef(k)}`).join(', ');
  return new CcOtelError('USAGE', `--key ${which} is not a key reference (${REF_FORMS}); a key itself is never written into a config file`, {
    hint: `put the key in ${join(userConfigDir, '.env')} (chmod 600) as CC_OTEL_API_KEY=<key>, or export it, and pass --key dotenv:CC_OTEL_API_KEY (or env:NAME, op://…, gcp-sm://…)`,
  });
}

function parseMap(flag: string, raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new CcOtelError('USAGE', `${flag}: "${part}" is not NAME=VALUE`, { hint: `e.g. ${flag} traces=cc-traces,logs=cc-logs,metrics=cc-metrics` });
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Which `--flag` set a config key (for errors about the assembled config). */
function flagForKey(key: string): string {
  const head = key.split('.')[0] ?? key;
  if (head === 'key' || head === 'engineer' || head === 'team' || head === 'org' || head === 'protocol' || head === 'backend') return `--${head}`;
  return flagOf(head);
}

/**
 * The config `init` writes for `input`, validated as the loader would validate it. Throws a USAGE
 * error naming the flag for anything missing or wrong.
 */
export function buildInitConfig(input: InitInput, userConfigDir: string): { preset: Preset; config: Config } {
  const preset = requireInitPreset(input.backend);
  const given = Object.entries(input.fields ?? {}).filter(([, v]) => v !== undefined) as Array<[keyof PresetConfig, string]>;
  // endpoint is every preset's override (backends/types.ts); any other field belongs to its presets.
  const foreign = given.filter(([k]) => k !== 'endpoint' && !preset.fields.some((f) => f.name === k));
  if (foreign.length)
    throw new CcOtelError('USAGE', `${foreign.map(([k]) => flagOf(k)).join(', ')} ${foreign.length > 1 ? 'are not fields' : 'is not a field'} of backend ${preset.name}`, {
      hint: preset.fields.length ? `${preset.name} takes ${preset.fields.map((f) => flagOf(f.name)).join(', ')} (and --endpoint, --protocol)` : `${preset.name} takes --endpoint and --protocol only`,
    });
  const missing = missingFields(preset, input);
  if (missing.length)
    throw new CcOtelError('USAGE', `backend ${preset.name} needs ${missing.map((f) => `${flagOf(f.name)} (${fieldFormat(f)})`).join('; ')}`, {
      hint: `e.g. cc-otel init --backend ${preset.name} ${missing.map((f) => `${flagOf(f.name)} ${f.choices?.[0] ?? '…'}`).join(' ')}; on a terminal, init asks for them`,
    });
  if (input.key?.length && preset.key === 'none')
    throw new CcOtelError('USAGE', `--key: backend ${preset.name} sends no key`, { hint: `leave --key out (to authenticate to an OTLP endpoint, use --backend otlp --header authorization --header-value "Bearer {key}" --key …)` });
  if (input.key) {
    const problem = keyRefProblems(input.key, userConfigDir);
    if (problem) throw problem;
  }

  // Key order: backend, its fields in the preset's order, then the rest (as configs/*.json).
  const raw: Record<string, unknown> = { backend: preset.name };
  const fieldOrder = [...preset.fields.map((f) => f.name), 'endpoint' as const];
  for (const name of fieldOrder) {
    const v = input.fields?.[name];
    if (v === undefined || Object.hasOwn(raw, name)) continue;
    raw[name] = CONFIG_FIELDS[name]?.type === 'stringMap' ? parseMap(flagOf(name), v) : v;
  }
  if (input.protocol !== undefined) raw.protocol = input.protocol;
  if (input.key?.length) raw.key = input.key.map((k) => k.trim());
  for (const k of ['engineer', 'team', 'org'] as const) if (input[k] !== undefined) raw[k] = input[k];

  // The loader's own check of the file's text (types, enums, URLs, key references)…
  let config: Config;
  try {
    config = parseConfigText('the config init would write', JSON.stringify(raw));
  } catch (e) {
    if (!isCcOtelError(e)) throw e;
    const lines = e.message
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/^ {2}([\w.]+):/, (_m, k: string) => `  ${flagForKey(k)}${k.includes('.') ? ` (${k})` : ''}:`));
    throw new CcOtelError('USAGE', `init cannot write that config:\n${lines.join('\n')}`, { hint: 'fix the flag named (see cc-otel init --help)' });
  }
  // …and the preset's (required fields, choices, endpoint shape, protocols), as env/status/the hook run it.
  const sources: Record<string, Source> = {};
  for (const k of Object.keys(raw)) sources[k] = { kind: 'flag', detail: flagForKey(k) };
  const loaded: LoadedConfig = { config, sources, files: [], configured: true, projectDir: undefined, userConfigDir, skipped: [] };
  try {
    buildTelemetry(loaded, { env: {}, user: 'init', ...(preset.key === 'none' ? {} : { key: { value: 'init-check', detail: 'init' } }) });
  } catch (e) {
    if (!isCcOtelError(e)) throw e;
    throw new CcOtelError('USAGE', e.message, { hint: e.hint ?? 'see cc-otel init --help' });
  }
  return { preset, config: raw as Config };
}

/** The commands to run after init, and what to know. */
function nextSteps(preset: Preset, config: Config, target: InitTarget): { next: string[]; notes: string[] } {
  const next: string[] = [];
  const notes: string[] = [];
  const project = target.scope === 'project';
  if (preset.name === 'local') next.push('cc-otel collect --detach');
  const needsKey = preset.key === 'required' || (preset.name === 'otlp' && config.header !== undefined) || (preset.key === 'optional' && preset.name !== 'otlp' && config.key !== undefined);
  if (needsKey) {
    const refs = config.key ?? [...DEFAULT_KEY_REFS];
    notes.push(
      config.key
        ? `the key is read at run time from ${refs.join(', ')} (first that yields one wins)`
        : `the key is read at run time from ${refs.join(', ')}: export CC_OTEL_API_KEY, or put CC_OTEL_API_KEY=<key> in ${join(target.userConfigDir, '.env')} (chmod 600)`,
    );
  }
  const root = dirname(target.path);
  const away = project && target.cwd !== undefined && resolve(target.cwd) !== root;
  next.push(project ? `cc-otel install --scope project${away ? ` --project-dir ${quoteArg(root)}` : ''}` : 'cc-otel install');
  next.push('cc-otel verify');
  if (project) notes.push(`commit ${PROJECT_FILE} with .claude/settings.json; teammates run \`cc-otel trust\` once after cloning (you need not: init trusted it for you)`);
  return { next, notes };
}

/** An existing file is replaced only with --force. */
export function refuseOverwrite(target: InitTarget, force: boolean): void {
  if (target.exists && !force)
    throw new CcOtelError('USAGE', `refusing to overwrite ${target.path}: it exists`, {
      hint: 'edit it, or rerun with --force to replace it (`cc-otel status` shows what it sets now)',
    });
}

/** The whole plan: the file, its bytes and modes, and what comes next. */
export function planInit(input: InitInput, target: InitTarget, opts: { force?: boolean } = {}): InitPlan {
  const { preset, config } = buildInitConfig(input, target.userConfigDir);
  refuseOverwrite(target, opts.force === true);
  const { next, notes } = nextSteps(preset, config, target);
  const user = target.scope === 'user';
  return {
    scope: target.scope,
    path: target.path,
    backend: preset.name,
    config,
    content: `${JSON.stringify(config, null, 2)}\n`,
    mode: user ? 0o600 : 0o644,
    dirMode: user ? 0o700 : 0o755,
    overwrite: target.exists,
    trust: !user,
    next,
    notes,
  };
}

/**
 * The git root above `cwd` (the directory holding `.git`), searched as config/project-file.ts
 * searches — never $HOME or above it — or undefined.
 */
export function gitRoot(cwd: string, homeDir: string): string | undefined {
  const home = resolve(homeDir);
  for (let dir = resolve(cwd); dir !== home; ) {
    if (statSync(join(dir, '.git'), { throwIfNoEntry: false })) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/**
 * Where init writes: the user config file (dirs.ts), or `.cc-otel.json` at the git root (else the
 * current directory) — where the hook's search from the project finds it.
 */
export function initTarget(ctx: Pick<Context, 'env' | 'cwd' | 'homeDir' | 'platform'>, scope: InitScope): InitTarget {
  const userConfigDir = userDirs(ctx).config;
  let path: string;
  if (scope === 'user') path = join(userConfigDir, 'config.json');
  else {
    const cwd = resolve(ctx.cwd);
    if (cwd === resolve(ctx.homeDir))
      throw new CcOtelError('USAGE', `${PROJECT_FILE} in $HOME is never read (the project search stops below $HOME)`, {
        hint: 'run init --scope project in the project directory, or use --scope user for your own config',
      });
    path = join(gitRoot(cwd, ctx.homeDir) ?? cwd, PROJECT_FILE);
  }
  return { scope, path, exists: lstatSync(path, { throwIfNoEntry: false }) !== undefined, userConfigDir, cwd: ctx.cwd };
}

/** On a terminal: what init asks for when a flag is missing (the backend, then its required fields). */
export type Ask = (question: string) => Promise<string>;

/**
 * What is wrong with `answer` for `field` (with the answers so far), or undefined: the schema's
 * check of the value, the field's choices, and the preset's own checks that name that field
 * (grafana-cloud's numeric instanceId, its /otlp endpoint). Everything else is planInit's.
 */
function answerProblem(preset: Preset, f: PresetField, answer: string, soFar: InitInput): string | undefined {
  if (f.choices && !f.choices.includes(answer)) return `"${answer}" is not one of ${f.choices.join(', ')}`;
  let value: unknown = answer;
  if (CONFIG_FIELDS[f.name]?.type === 'stringMap') {
    try {
      value = parseMap(flagOf(f.name), answer);
    } catch (e) {
      return (e as Error).message;
    }
  }
  const schema = validateConfig({ [f.name]: value }).problems[0];
  if (schema) return `${schema.key}: ${schema.message}`;
  const pcfg = { ...(soFar.fields ?? {}), [f.name]: value } as PresetConfig;
  try {
    return (preset.validate?.(pcfg) ?? []).find((p) => p.startsWith(f.name) || p.startsWith(`"${f.name}"`));
  } catch {
    return undefined; // another field (a flag) is malformed: planInit names it
  }
}

/**
 * Fill `input` by asking (a TTY only: the command decides). Re-asks, saying why, after an answer
 * that is not a choice or not a valid value; three tries per question.
 */
export async function askMissing(input: InitInput, ask: Ask): Promise<InitInput> {
  const out: InitInput = { ...input, fields: { ...input.fields } };
  const askUntil = async (question: string, problem: (a: string) => string | undefined): Promise<string> => {
    let why: string | undefined;
    for (let tries = 0; tries < 3; tries++) {
      const a = (await ask(why ? `${why}\n${question}` : question)).trim();
      why = a ? problem(a) : 'an answer is needed';
      if (!why) return a;
    }
    throw new CcOtelError('USAGE', `no valid answer to: ${question.trim()}${why ? ` (${why})` : ''}`, { hint: 'pass it as a flag instead (see cc-otel init --help)' });
  };
  if (out.backend === undefined) out.backend = await askUntil(`backend (${PRESET_NAMES.join(', ')}): `, (a) => (getPreset(a) ? undefined : `unknown backend "${a}"`));
  const preset = requireInitPreset(out.backend);
  for (const f of missingFields(preset, out)) {
    const v = await askUntil(`${preset.name} ${f.name} — ${fieldFormat(f)}: `, (a) => answerProblem(preset, f, a, out));
    out.fields = { ...out.fields, [f.name]: v };
  }
  return out;
}

/** CC_OTEL_* variables set here that override what the file sets (precedence 2 over 3 and 4). */
export function envOverrides(env: Context['env'], config: Config): string[] {
  return CC_OTEL_INPUTS.filter((i) => i.configKey && env[i.name] && Object.hasOwn(config, i.configKey.split('.')[0] ?? '')).map(
    (i) => `${i.name} is set in this environment and overrides the file's "${i.configKey}" wherever it is set`,
  );
}
