// loadConfig: flag > CC_OTEL_* env > project .cc-otel.json > user config.json > defaults, one
// ordered merge that remembers where every leaf came from. Temp trees, env passed in.
import { afterEach, describe, expect, it } from 'vitest';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { makeContext } from '../../../src/context.js';
import { findProjectFile } from '../../../src/config/project-file.js';
import { configFromEnv, jsonErrorIndex, jsonErrorLocation, loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import { userDirs } from '../../../src/config/dirs.js';
import { validateConfig, type Config } from '../../../src/config/schema.js';
import { buildTelemetry } from '../../../src/otel/build-env.js';
import { deadlineOf, resolveTelemetry, chainOptions } from '../../../src/resolve-telemetry.js';
import { CcOtelError } from '../../../src/errors.js';
import { makeTempDir, writeTree, type TempDir } from '../../helpers/tmp.js';
import { trustFileFor } from '../../helpers/trust.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

interface World {
  root: string;
  home: string;
  xdg: string;
  proj: string;
  cwd: string;
  userFile: string;
  projectFile: string;
}

/** root/{home, xdg/cc-otel/config.json, proj/.cc-otel.json, proj/sub/deep (cwd)} — files only when given. */
function world(files: { user?: unknown; project?: unknown; extra?: Record<string, string> } = {}): World {
  const d = makeTempDir('cc-otel-config');
  dirs.push(d);
  const root = d.path;
  const tree: Record<string, string> = { 'home/.keep': '', 'proj/sub/deep/.keep': '', 'elsewhere/.keep': '', ...(files.extra ?? {}) };
  if (files.user !== undefined) tree['xdg/cc-otel/config.json'] = typeof files.user === 'string' ? files.user : JSON.stringify(files.user);
  if (files.project !== undefined) tree['proj/.cc-otel.json'] = typeof files.project === 'string' ? files.project : JSON.stringify(files.project, null, 2);
  const written = writeTree(root, tree);
  // The user trusts the project files this world writes (`cc-otel trust`): the trust store is in
  // the state dir of the context load() builds (HOME root/home, no XDG_STATE_HOME).
  const who = { env: {}, homeDir: join(root, 'home'), platform: 'linux' as const };
  for (const path of written.filter((p) => p.startsWith(join(root, 'proj') + '/'))) {
    if (basename(path) === '.cc-otel.json') trustFileFor(path, who, 'config');
    else if (basename(path) === '.env') trustFileFor(path, who, 'dotenv');
  }
  return {
    root,
    home: join(root, 'home'),
    xdg: join(root, 'xdg'),
    proj: join(root, 'proj'),
    cwd: join(root, 'proj', 'sub', 'deep'),
    userFile: join(root, 'xdg', 'cc-otel', 'config.json'),
    projectFile: join(root, 'proj', '.cc-otel.json'),
  };
}

function load(w: World, env: Record<string, string> = {}, flags: Config = {}, flagNames: Record<string, string> = {}, cwd = w.cwd): LoadedConfig {
  const ctx = makeContext({ env: { XDG_CONFIG_HOME: w.xdg, ...env }, cwd, homeDir: w.home, platform: 'linux' });
  return loadConfig(ctx, flags, flagNames);
}

function loadError(w: World, env: Record<string, string> = {}, flags: Config = {}, flagNames: Record<string, string> = {}): CcOtelError {
  try {
    load(w, env, flags, flagNames);
  } catch (e) {
    expect(e).toBeInstanceOf(CcOtelError);
    return e as CcOtelError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('precedence with provenance', () => {
  // which layers set `team` → the winner
  it.each<[string, { user?: boolean; project?: boolean; env?: boolean; flag?: boolean }, string | undefined, string | undefined]>([
    ['nothing', {}, undefined, undefined],
    ['user only', { user: true }, 'u', 'user'],
    ['project beats user', { user: true, project: true }, 'p', 'project'],
    ['env beats project', { user: true, project: true, env: true }, 'e', 'env'],
    ['flag beats env', { user: true, project: true, env: true, flag: true }, 'f', 'flag'],
    ['flag beats user', { user: true, flag: true }, 'f', 'flag'],
    ['env beats user', { user: true, env: true }, 'e', 'env'],
  ])('%s', (_n, set, value, kind) => {
    const w = world({
      user: { backend: 'local', ...(set.user ? { team: 'u' } : {}) },
      project: set.project ? { team: 'p' } : undefined,
    });
    const r = load(w, set.env ? { CC_OTEL_TEAM: 'e' } : {}, set.flag ? { team: 'f' } : {}, { team: '--team' });
    expect(r.config.team).toBe(value);
    expect(r.sources.team?.kind).toBe(kind);
    const detail = { user: w.userFile, project: w.projectFile, env: 'CC_OTEL_TEAM', flag: '--team' }[kind ?? 'x' as 'user'];
    expect(r.sources.team?.detail).toBe(kind ? detail : undefined);
    // backend always comes from the user file
    expect(r.sources.backend).toEqual({ kind: 'user', detail: w.userFile });
  });

  it('nested objects merge per key, and each leaf keeps its own source', () => {
    const w = world({
      user: { backend: 'local', privacy: { prompts: true, toolDetails: true }, attributes: { a: 'u', b: 'u' }, intervals: { metricsMs: 5000 } },
      project: { privacy: { prompts: false }, attributes: { b: 'p', c: 'p' } },
    });
    const r = load(w, {}, { attributes: { c: 'f' } }, { 'attributes.c': '--attr c=f' });
    expect(r.config.privacy).toEqual({ prompts: false, toolDetails: true });
    expect(r.config.attributes).toEqual({ a: 'u', b: 'p', c: 'f' });
    expect(r.config.intervals).toEqual({ metricsMs: 5000 });
    expect(r.sources['privacy.prompts']).toEqual({ kind: 'project', detail: w.projectFile });
    expect(r.sources['privacy.toolDetails']).toEqual({ kind: 'user', detail: w.userFile });
    expect(r.sources['attributes.a']?.kind).toBe('user');
    expect(r.sources['attributes.b']?.kind).toBe('project');
    expect(r.sources['attributes.c']).toEqual({ kind: 'flag', detail: '--attr c=f' });
    expect(r.sources['intervals.metricsMs']?.kind).toBe('user');
    expect(r.sources.privacy).toBeUndefined(); // leaves only
    expect(r.files).toEqual([
      { kind: 'user', path: w.userFile },
      { kind: 'project', path: w.projectFile },
    ]);
  });

  it('arrays replace, they do not merge', () => {
    const w = world({ user: { backend: 'local', key: ['env:A', 'env:B'], signals: ['metrics', 'logs'] }, project: { key: 'op://v/i/f' } });
    const r = load(w);
    expect(r.config.key).toEqual(['op://v/i/f']); // a single string is normalised to a list
    expect(r.sources.key?.kind).toBe('project');
    expect(r.config.signals).toEqual(['metrics', 'logs']);
  });

  it('the sources flow into the built variables', () => {
    const w = world({ user: { backend: 'local', privacy: { prompts: true } }, project: { protocol: 'http/json' } });
    const plan = buildTelemetry(load(w, { CC_OTEL_SIGNALS: 'metrics,logs' }), { env: {} });
    const src = Object.fromEntries(plan.vars.map((v) => [v.name, v.source]));
    expect(src.OTEL_LOG_USER_PROMPTS).toBe(`user config ${w.userFile}`);
    expect(src.OTEL_EXPORTER_OTLP_PROTOCOL).toBe(`project config ${w.projectFile}`);
    expect(src.OTEL_METRICS_EXPORTER).toBe('env CC_OTEL_SIGNALS');
    expect(plan.signals).toEqual(['metrics', 'logs']);
  });
});

describe('preset problems name where the offending key was set', () => {
  const buildError = (loaded: LoadedConfig): CcOtelError => {
    try {
      buildTelemetry(loaded, { env: {} });
    } catch (e) {
      expect(e).toBeInstanceOf(CcOtelError);
      return e as CcOtelError;
    }
    throw new Error('expected buildTelemetry to throw');
  };

  it('CC_OTEL_REGION=mars over a file: the variable is named, not the file', () => {
    const w = world({ project: { backend: 'signoz-cloud', region: 'eu', key: ['env:K'] } });
    const e = buildError(load(w, { CC_OTEL_REGION: 'mars' }));
    expect(e.message).toMatch(/"region" must be one of .*got "mars" \(from env CC_OTEL_REGION\)/);
    expect(e.hint).toMatch(/^fix env CC_OTEL_REGION; backend reference:/);
    expect(e.hint).not.toContain(w.projectFile);
  });

  it('a problem with a key from a file names that file; a flag names the flag', () => {
    const w = world({ user: { backend: 'honeycomb' }, project: { region: 'mars' } });
    const e = buildError(load(w));
    expect(e.message).toContain(`(from project config ${w.projectFile})`);
    expect(e.hint).toContain(w.projectFile);
    expect(e.hint).not.toContain(w.userFile);
    const f = buildError(load(w, {}, { region: 'pluto' }, { region: '--region' }));
    expect(f.message).toMatch(/got "pluto" \(from flag --region\)/);
    expect(f.hint).toMatch(/^fix flag --region;/);
  });

  it('a free-text preset problem (grafana endpoint path) is traced to its key', () => {
    const w = world({ project: { backend: 'grafana-cloud', instanceId: '1' } });
    const e = buildError(load(w, { CC_OTEL_ENDPOINT: 'https://otlp-gateway-prod-eu-west-2.grafana.net/' }));
    expect(e.message).toContain('(from env CC_OTEL_ENDPOINT)');
    expect(e.hint).toMatch(/^fix env CC_OTEL_ENDPOINT;/);
  });

  it('a required key nobody set: the hint says where it can go', () => {
    const w = world({ project: { backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp' } });
    const e = buildError(load(w));
    expect(e.message).toMatch(/"instanceId" is required/);
    expect(e.hint).toContain(w.projectFile);
  });
});

describe('discovery', () => {
  it('the project file is found upward from the cwd', () => {
    const w = world({ project: { backend: 'local' } });
    const r = load(w);
    expect(r.files).toEqual([{ kind: 'project', path: w.projectFile }]);
    expect(r.projectDir).toBe(w.proj);
    expect(findProjectFile(w.cwd, w.home).found).toBe(w.projectFile);
  });

  it('CLAUDE_PROJECT_DIR beats the cwd as the starting point', () => {
    const w = world({ project: { backend: 'local' } });
    const fromElsewhere = load(w, {}, {}, {}, join(w.root, 'elsewhere'));
    expect(fromElsewhere.files.map((f) => f.kind)).not.toContain('project');
    const r = load(w, { CLAUDE_PROJECT_DIR: join(w.proj, 'sub') }, {}, {}, join(w.root, 'elsewhere'));
    expect(r.files).toEqual([{ kind: 'project', path: w.projectFile }]);
    expect(r.projectDir).toBe(w.proj);
  });

  it('the nearest project file wins', () => {
    const w = world({ project: { backend: 'local', team: 'outer' }, extra: { 'proj/sub/.cc-otel.json': '{"team":"inner"}' } });
    const r = load(w);
    expect(r.config.team).toBe('inner');
    expect(r.config.backend).toBeUndefined();
    expect(r.files).toEqual([{ kind: 'project', path: join(w.proj, 'sub', '.cc-otel.json') }]);
  });

  it('CC_OTEL_CONFIG replaces discovery (relative to the cwd)', () => {
    const w = world({ user: { backend: 'local', team: 'u' }, project: { team: 'p' }, extra: { 'proj/sub/deep/only.json': '{"backend":"honeycomb","org":"o"}' } });
    const r = load(w, { CC_OTEL_CONFIG: 'only.json' });
    const path = join(w.cwd, 'only.json');
    expect(r.files).toEqual([{ kind: 'file', path }]);
    expect(r.config).toEqual({ backend: 'honeycomb', org: 'o' });
    expect(r.sources.backend).toEqual({ kind: 'file', detail: path });
    expect(r.projectDir).toBe(w.cwd);
  });

  it('CC_OTEL_CONFIG pointing nowhere → CONFIG_NOT_FOUND naming the path', () => {
    const w = world();
    const e = loadError(w, { CC_OTEL_CONFIG: join(w.root, 'missing.json') });
    expect(e.code).toBe('CONFIG_NOT_FOUND');
    expect(e.message).toContain(join(w.root, 'missing.json'));
    expect(e.message).toMatch(/ENOENT/);
  });

  it('no config anywhere → configured false (inert)', () => {
    const w = world();
    const r = load(w);
    expect(r.configured).toBe(false);
    expect(r.files).toEqual([]);
    expect(r.config).toEqual({});
    expect(r.sources).toEqual({});
  });

  it('CC_OTEL_BACKEND alone configures; other CC_OTEL_* alone do not', () => {
    const w = world();
    expect(load(w, { CC_OTEL_BACKEND: 'local' }).configured).toBe(true);
    expect(load(w, { CC_OTEL_TEAM: 't' }).configured).toBe(false);
    expect(load(w, {}, { backend: 'local' }).configured).toBe(true);
  });

  it('the user file follows XDG_CONFIG_HOME; a relative XDG path is ignored', () => {
    const w = world({ extra: { 'home/.config/cc-otel/config.json': '{"backend":"local","team":"home"}', 'xdg/cc-otel/config.json': '{"backend":"local","team":"xdg"}' } });
    expect(load(w).config.team).toBe('xdg');
    expect(load(w, { XDG_CONFIG_HOME: 'relative/xdg' }).config.team).toBe('home');
    const ctx = makeContext({ env: {}, homeDir: '/h', platform: 'linux' });
    expect(userDirs(ctx)).toEqual({ config: '/h/.config/cc-otel', cache: '/h/.cache/cc-otel', state: '/h/.local/state/cc-otel', data: '/h/.local/share/cc-otel' });
    expect(userDirs({ ...ctx, platform: 'darwin' }).cache).toBe('/h/Library/Caches/cc-otel');
  });

  // bin/cc-otel.js finds the V8 code cache before any bundle is loaded, with its own copy of the
  // cache-dir rule: it must agree with userDirs() everywhere.
  it.each([
    ['linux', {}],
    ['linux', { XDG_CACHE_HOME: '/x/cache' }],
    ['linux', { XDG_CACHE_HOME: 'relative' }],
    ['darwin', {}],
    ['darwin', { XDG_CACHE_HOME: '/x/cache' }],
    ['win32', {}],
    ['win32', { LOCALAPPDATA: '/w/local', XDG_CACHE_HOME: '/x/cache' }],
  ] as const)('the loader\'s cache dir is userDirs().cache (%s, %j)', (platform, env) => {
    const loader = createRequire(import.meta.url)('../../../bin/cc-otel.js') as { cacheDirOf(env: object, platform: string, home: string): string };
    expect(loader.cacheDirOf(env, platform, '/h')).toBe(userDirs(makeContext({ env, homeDir: '/h', platform })).cache);
  });
});

describe('environment variables', () => {
  it('CC_OTEL_KEY is a comma list (spaces and empty items dropped)', () => {
    const w = world();
    const r = load(w, { CC_OTEL_BACKEND: 'local', CC_OTEL_KEY: ' env:A , op://Eng/Item/field,,dotenv:B ' });
    expect(r.config.key).toEqual(['env:A', 'op://Eng/Item/field', 'dotenv:B']);
    expect(r.sources.key).toEqual({ kind: 'env', detail: 'CC_OTEL_KEY' });
  });

  it('CC_OTEL_SIGNALS is a comma list of signals', () => {
    expect(configFromEnv({ CC_OTEL_SIGNALS: 'metrics, logs' }).config.signals).toEqual(['metrics', 'logs']);
  });

  it.each([
    ['CC_OTEL_SIGNALS', 'metrics,spans', /CC_OTEL_SIGNALS: must be an array of metrics \| logs \| traces/],
    ['CC_OTEL_BACKEND', 'splunk', /CC_OTEL_BACKEND: must be one of local, otlp/],
    ['CC_OTEL_PROTOCOL', 'http', /CC_OTEL_PROTOCOL: must be one of http\/protobuf, http\/json, grpc/],
    ['CC_OTEL_ENDPOINT', 'otlp.example.com', /CC_OTEL_ENDPOINT: must be an http\(s\) URL, got "otlp.example.com"/],
    ['CC_OTEL_DEADLINE_MS', 'soon', /CC_OTEL_DEADLINE_MS: must be an integer from 200 to 60000/],
    ['CC_OTEL_DEADLINE_MS', '10', /CC_OTEL_DEADLINE_MS: must be an integer/],
  ])('%s=%j → CONFIG_INVALID naming the variable', (name, value, re) => {
    const e = loadError(world(), { [name]: value });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/environment variables/);
    expect(e.message).toMatch(re);
  });

  it('CC_OTEL_DEADLINE_MS is an integer; empty variables are ignored', () => {
    const r = load(world(), { CC_OTEL_DEADLINE_MS: '3000', CC_OTEL_TEAM: '' });
    expect(r.config.deadlineMs).toBe(3000);
    expect(r.config.team).toBeUndefined();
  });

  it('a bad flag → USAGE naming the flag', () => {
    const e = loadError(world(), {}, { protocol: 'tcp' as never }, { protocol: '--protocol' });
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(/--protocol: must be one of/);
  });
});

describe('invalid files', () => {
  it.each([
    ['missing comma', '{\n  "backend": "local"\n  "team": "x"\n}', 3, 3],
    ['trailing comma', '{\n  "backend": "local",\n}', 3, 1],
    ['a comment', '{\n  // my config\n  "backend": "local"\n}', 2, 3],
    ['a bare word', '{\n  "backend": local\n}', 2, 14],
    ['truncated', '{\n  "backend": "local"', 2, 21], // one past the last character
    ['Python-style True', '{\n  "privacy": {"prompts": True}\n}', 2, 26],
    ['empty file', '', 1, 1],
    ['single quotes', "{\n  'backend': 'local'\n}", 2, 3],
    ['garbage after', '{"backend":"local"}\n}', 2, 1],
    ['trailing comma in an array', '{"signals": ["logs",]}', 1, 21],
  ])('%s → CONFIG_INVALID with file, line and column', (_n, text, line, col) => {
    const w = world({ project: text });
    const e = loadError(w);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain(w.projectFile);
    expect(e.message).toContain('is not valid JSON');
    expect(e.message).toContain(`(line ${line}, column ${col})`);
  });

  it.each<[string, unknown, RegExp[]]>([
    ['unknown key', { backend: 'local', tema: 'x' }, [/tema: unknown key; allowed: backend, endpoint/]],
    ['unknown nested key', { privacy: { prompt: true } }, [/privacy\.prompt: unknown key; allowed: prompts, assistantResponses/]],
    ['wrong type', { privacy: { prompts: 'yes' } }, [/privacy\.prompts: must be a boolean, got "yes"/]],
    ['wrong type (string)', { team: 7 }, [/team: must be a string, got 7/]],
    ['unknown backend', { backend: 'splunk' }, [/backend: must be one of local, otlp, signoz-cloud/]],
    ['endpoint without a scheme (host:port)', { endpoint: 'otel.mycorp.internal:4318' }, [/endpoint: must be an http\(s\) URL, got "otel\.mycorp\.internal:4318" without a scheme: write http:\/\/otel\.mycorp\.internal:4318 or https:\/\/otel\.mycorp\.internal:4318/]],
    ['endpoint without a scheme (bare host)', { endpoint: 'otel.mycorp.internal' }, [/got "otel\.mycorp\.internal" without a scheme: write http:\/\/otel\.mycorp\.internal or https:/]],
    ['endpoint without a scheme (IP:port)', { endpoint: '10.0.0.5:4317' }, [/got "10\.0\.0\.5:4317" without a scheme: write http:\/\/10\.0\.0\.5:4317/]],
    ['non-http URL', { endpoint: 'grpc://h:4317' }, [/endpoint: must be an http\(s\) URL, got scheme grpc:/]],
    ['bad signal', { signals: ['traces', 'spans'] }, [/signals: must be an array of metrics \| logs \| traces, got \["traces","spans"\]/]],
    ['interval out of range', { intervals: { metricsMs: 10 } }, [/intervals\.metricsMs: must be an integer from 1000 to 3600000, got 10/]],
    ['bad datasets key', { datasets: { spans: 'x' } }, [/datasets\.spans: unknown key; allowed: metrics, logs, traces/]],
    ['attribute value not a string', { attributes: { a: 1 } }, [/attributes\.a: must be a string, got 1/]],
    ['not an object', [1, 2], [/\(root\): must be a JSON object/]],
    ['several problems at once', { backend: 'x', team: 1, privacy: 3 }, [/backend: must be one of/, /team: must be a string/, /privacy: must be an object with keys prompts/]],
  ])('%s → CONFIG_INVALID naming file, key and what is allowed', (_n, content, res) => {
    const w = world({ user: content });
    const e = loadError(w);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain(w.userFile);
    for (const re of res) expect(e.message).toMatch(re);
  });

  describe('key references are validated at load time, and never echoed', () => {
    const SECRET = 'sk-live-SECRET123';
    const noEcho = (e: CcOtelError) => expect(`${e.message}\n${e.hint}`).not.toContain('SECRET123');

    it('a key pasted into "key" in a file → CONFIG_INVALID naming the file, the key and the allowed forms', () => {
      const w = world({ project: { backend: 'otlp', endpoint: 'http://127.0.0.1:4318', key: ['env:OK', SECRET] } });
      const e = loadError(w);
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain(w.projectFile);
      expect(e.message).toMatch(/key: entry 2: "sk-l…" \(17 chars\) is not a key reference; allowed: env:NAME, dotenv:NAME, op:\/\/vault\/item\/field, gcp-sm:\/\/projects/);
      noEcho(e);
    });

    it('a single string "key" and a verify key field are checked too', () => {
      const w = world({ user: { backend: 'otlp', key: SECRET, verify: { signoz: { apiKey: 'not-a-ref-SECRET123' } } } });
      const e = loadError(w);
      expect(e.message).toContain(w.userFile);
      expect(e.message).toMatch(/^ {2}key: "sk-l…" \(17 chars\) is not a key reference/m);
      expect(e.message).toMatch(/verify\.signoz\.apiKey: "not-…" \(19 chars\) is not a key reference/);
      noEcho(e);
    });

    it('CC_OTEL_KEY → CONFIG_INVALID naming the variable', () => {
      const w = world();
      const e = loadError(w, { CC_OTEL_BACKEND: 'otlp', CC_OTEL_KEY: SECRET });
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toMatch(/environment variables:\n {2}CC_OTEL_KEY: "sk-l…" \(17 chars\) is not a key reference/);
      noEcho(e);
    });

    it('a non-string entry is refused without printing it', () => {
      const w = world({ project: { backend: 'otlp', key: [{ value: SECRET }] } });
      const e = loadError(w);
      expect(e.message).toMatch(/key: must be a string key reference, got object/);
      noEcho(e);
    });

    it('every valid form still loads', () => {
      const w = world({ project: { backend: 'otlp', key: ['env:A', 'dotenv:B', 'op://v/i/f', 'gcp-sm://projects/p/secrets/s/versions/2'] } });
      expect(load(w).config.key).toHaveLength(4);
    });
  });

  it('$schema is allowed and dropped', () => {
    expect(validateConfig({ $schema: './schema.json', backend: 'local' })).toEqual({ config: { backend: 'local' }, problems: [] });
  });

  // V8 gives a position for most syntax errors: there it is the oracle for the fallback scanner.
  it.each([
    '{"a": 1,}',
    '{\n  "a": 1\n  "b": 2\n}',
    '{',
    '{"a":"x\ny"}',
    '{"a":1}}',
    '[1 2]',
    '{"a": -}',
    '{"a": 1e}',
    '{"a": "\\x"}',
    '{"a": "\\u12G4"}',
    '{"a" 1}',
    '{1: 2}',
    '{"a": [1, {"b": [true, false, null, "s"]}, 2.5e-3] ]',
    '{"a": 01}',
  ])('jsonErrorIndex agrees with V8 on %j', (text) => {
    let msg = '';
    try {
      JSON.parse(text);
    } catch (e) {
      msg = (e as Error).message;
    }
    const v8 = /position (\d+)/.exec(msg);
    expect(v8, msg).not.toBeNull();
    expect(jsonErrorIndex(text)).toBe(Number(v8?.[1]));
  });

  it.each(['{}', '[]', ' {"a": [1, -2.5E+3, "\\u00e9\\n", true, false, null, {}]} ', '"s"', '0'])('jsonErrorIndex(%j) → -1 for valid JSON', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonErrorIndex(text)).toBe(-1);
  });

  it('jsonErrorLocation on V8 messages with a position', () => {
    const text = '{\n "a": 1,\n}';
    let err: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      err = e;
    }
    expect(jsonErrorLocation(text, err)).toBe(' (line 3, column 1)');
  });
});

describe('resolveTelemetry', () => {
  it('unconfigured → inert, nothing built', async () => {
    const w = world();
    const ctx = makeContext({ env: { XDG_CONFIG_HOME: w.xdg }, cwd: w.cwd, homeDir: w.home, platform: 'linux' });
    const r = await resolveTelemetry(ctx, { key: 'if-needed' });
    expect(r.inert).toBe(true);
  });

  it('the default key chain reads CC_OTEL_API_KEY from the environment', async () => {
    const w = world({ project: { backend: 'datadog' } });
    const ctx = makeContext({ env: { XDG_CONFIG_HOME: w.xdg, XDG_CACHE_HOME: join(w.root, 'cache'), CC_OTEL_API_KEY: 'dd-secret' }, cwd: w.cwd, homeDir: w.home, platform: 'linux' });
    const never = await resolveTelemetry(ctx, { key: 'never' });
    expect(!never.inert && never.plan.authHeaders).toBeUndefined();
    const r = await resolveTelemetry(ctx, { key: 'if-needed' });
    if (r.inert) throw new Error('configured');
    expect(r.plan.authHeaders).toEqual({ 'dd-api-key': 'dd-secret' });
    expect(r.chain?.attempts.map((a) => [a.ref, a.result])).toEqual([['env:CC_OTEL_API_KEY', 'found']]);
  });

  it('the project .env is found beside the project file', async () => {
    const w = world({ project: { backend: 'datadog', key: ['dotenv:DD_KEY'] }, extra: { 'proj/.env': 'DD_KEY="from dotenv"\n' } });
    const ctx = makeContext({ env: { XDG_CONFIG_HOME: w.xdg }, cwd: w.cwd, homeDir: w.home, platform: 'linux' });
    const r = await resolveTelemetry(ctx, { key: 'if-needed' });
    if (r.inert) throw new Error('configured');
    expect(r.plan.authHeaders).toEqual({ 'dd-api-key': 'from dotenv' });
  });

  it('deadline and cache policy come from the config', () => {
    const w = world({ project: { backend: 'local', deadlineMs: 1234, cache: { ttlSeconds: 60, maxAgeSeconds: 120 } } });
    const l = load(w);
    expect(deadlineOf(l, {})).toBe(1234);
    expect(deadlineOf(undefined, { CC_OTEL_DEADLINE_MS: '900' })).toBe(900);
    expect(deadlineOf(undefined, { CC_OTEL_DEADLINE_MS: 'x' })).toBe(5000);
    const ctx = makeContext({ env: { CC_OTEL_NO_CACHE: '1' }, homeDir: w.home, platform: 'linux' });
    const o = chainOptions(ctx, l, userDirs(ctx), {}, 1000);
    expect(o.cache).toEqual({ dir: join(w.home, '.cache', 'cc-otel'), enabled: false, policy: { ttlMs: 60_000, maxAgeMs: 120_000 } });
  });
});
