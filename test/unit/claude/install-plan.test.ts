import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { makeContext } from '../../../src/context.js';
import { isCcOtelError } from '../../../src/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { buildTelemetry } from '../../../src/otel/build-env.js';
import { isCcOtelHeadersCommand, isCcOtelHookCommand, commandWords } from '../../../src/claude/hook-entries.js';
import { buildInstallContent, ccOtelCommandPrefix, flagsEnv, quoteArg, redact, sharedConfigEnv } from '../../../src/claude/install-plan.js';
import type { LoadedConfig } from '../../../src/config/load.js';
import type { InstallRequest } from '../../../src/claude/install-plan.js';
import { HOOK_EVENTS } from '../../../src/events/hook-events.js';
import { REPO_ROOT } from '../../helpers/claude.js';

describe('quoteArg / ccOtelCommandPrefix', () => {
  test.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/opt/my tools/cc-otel.js', "'/opt/my tools/cc-otel.js'"],
    ["/opt/it's/cc-otel.js", `"/opt/it's/cc-otel.js"`],
    ["/opt/it's $HOME/cc-otel.js", `'/opt/it'\\''s $HOME/cc-otel.js'`],
  ])('posix %s', (arg, want) => {
    expect(quoteArg(arg, 'linux')).toBe(want);
  });

  test.each(['/opt/my tools', "/opt/it's", '/a b/c d', "/opt/it's $HOME", "/o'neil/a \\ b"])('the command is still recognised as cc-otel, and split like a shell would: %s', (dir) => {
    const prefix = ccOtelCommandPrefix({ execPath: '/usr/local/bin/node', script: `${dir}/bin/cc-otel.js`, platform: 'linux' });
    expect(isCcOtelHeadersCommand(`${prefix} headers`)).toBe(true);
    expect(isCcOtelHookCommand(`${prefix} hook session-start`)).toBe(true);
    expect(commandWords(`${prefix} headers`)).toEqual(['/usr/local/bin/node', `${dir}/bin/cc-otel.js`, 'headers']);
  });

  test('commandWords reads what sh reads', () => {
    const sh = (cmd: string) => execFileSync('/bin/sh', ['-c', `for w in ${cmd}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' }).split('\0').slice(0, -1);
    for (const cmd of [`a 'b c' "d e"`, `'it'\\''s' x`, `"a\\"b" c\\ d`, `"\\$HOME" '\\n'`, `x\\'y`])
      expect(commandWords(cmd), cmd).toEqual(sh(cmd));
    expect(commandWords('C:\\tools\\cc-otel\\bin\\cc-otel.js headers')).toEqual(['C:\\tools\\cc-otel\\bin\\cc-otel.js', 'headers']);
  });

  test('windows paths are double-quoted', () => {
    expect(ccOtelCommandPrefix({ execPath: 'C:\\Program Files\\nodejs\\node.exe', script: 'C:\\tools\\cc-otel\\bin\\cc-otel.js', platform: 'win32' })).toBe(
      '"C:\\Program Files\\nodejs\\node.exe" C:\\tools\\cc-otel\\bin\\cc-otel.js',
    );
  });

  test('run as dist/cli.js, the entries still go through the bin shim (the fast path)', () => {
    expect(ccOtelCommandPrefix({ execPath: '/n', script: `${REPO_ROOT}dist/cli.js`, platform: 'linux' })).toBe(`/n ${REPO_ROOT}bin/cc-otel.js`);
  });
});

describe('ccOtelCommandPrefix: the real path of the bin', () => {
  const links: Record<string, string> = {
    '/usr/bin/cc-otel': '/usr/lib/node_modules/cc-otel/bin/cc-otel.js',
    '/home/ada/.npm/_npx/5a7b1c2d/node_modules/.bin/cc-otel': '/home/ada/.npm/_npx/5a7b1c2d/node_modules/cc-otel/bin/cc-otel.js',
    '/home/ada/bin/cc-otel': '/home/ada/.npm/_npx/5a7b1c2d/node_modules/cc-otel/bin/cc-otel.js',
  };
  const realpath = (p: string) => links[p] ?? p;

  test('a bin link is followed to the package it runs', () => {
    expect(ccOtelCommandPrefix({ execPath: '/usr/bin/node', script: '/usr/bin/cc-otel', platform: 'linux', realpath })).toBe('/usr/bin/node /usr/lib/node_modules/cc-otel/bin/cc-otel.js');
  });

  test.each(['/home/ada/.npm/_npx/5a7b1c2d/node_modules/.bin/cc-otel', '/home/ada/bin/cc-otel', '/home/ada/.npm/_npx/5a7b1c2d/node_modules/cc-otel/bin/cc-otel.js'])(
    "npx's cache (%s, however it is reached) is refused with the commands to run instead",
    (script) => {
      let err: unknown;
      try {
        ccOtelCommandPrefix({ execPath: '/usr/bin/node', script, platform: 'linux', realpath });
      } catch (e) {
        err = e;
      }
      expect(isCcOtelError(err) && err.code).toBe('USAGE');
      expect((err as Error).message).toContain("npx's cache (/home/ada/.npm/_npx/5a7b1c2d/node_modules/cc-otel/bin/cc-otel.js)");
      expect(isCcOtelError(err) && err.hint).toMatch(/npm install -g \.`.*--command <absolute path to cc-otel>/);
    },
  );
});

describe('flagsEnv', () => {
  test('flags become the CC_OTEL_* variables of the same precedence level', () => {
    expect(flagsEnv({ backend: 'otlp', key: ['env:A', 'op://v/i/f'], team: 't', config: '/c.json' })).toEqual({
      CC_OTEL_CONFIG: '/c.json',
      CC_OTEL_BACKEND: 'otlp',
      CC_OTEL_KEY: 'env:A,op://v/i/f',
      CC_OTEL_TEAM: 't',
    });
  });
  test('a key reference with a comma cannot be carried', () => {
    expect(() => flagsEnv({ key: ['env:A,B'] })).toThrow(/comma/);
  });
});

describe('buildInstallContent', () => {
  const plan = (env: Record<string, string>, key = 'sk-unit-123456') => {
    const ctx = makeContext({ env: { HOME: '/nonexistent-home', USER: 'ada', ...env }, cwd: '/nonexistent-cwd', platform: 'linux' });
    return buildTelemetry(loadConfig(ctx), { env: ctx.env, key: { value: key, detail: 'env K' } });
  };
  const otlp = { CC_OTEL_BACKEND: 'otlp', CC_OTEL_ENDPOINT: 'http://127.0.0.1:4318', CC_OTEL_TEAM: 'platform' };
  const req = (over: Partial<InstallRequest> = {}): InstallRequest => ({
    scope: 'user',
    paths: {},
    prefix: '/n /x/cc-otel.js',
    events: [],
    flags: {},
    force: false,
    allowSecretInSettings: false,
    ...over,
  });

  test('no auth header: no helper (it would print {}), the hook alone', () => {
    const c = buildInstallContent(plan(otlp), req());
    expect(c.otelHeadersHelper).toBeUndefined();
    expect(c.hooks.map((h) => h.event)).toEqual(['SessionStart']);
  });

  test('a backend key over HTTP: the helper; never the key', () => {
    const h = buildInstallContent(plan({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:K' }), req());
    expect(h.otelHeadersHelper).toBe('/n /x/cc-otel.js headers');
    expect(JSON.stringify(h)).not.toContain('sk-unit-123456');
  });

  test('grpc + auth: refused unless asked; asked, the static header and the secret to redact', () => {
    const p = plan({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_PROTOCOL: 'grpc' });
    let err: unknown;
    try {
      buildInstallContent(p, req());
    } catch (e) {
      err = e;
    }
    expect(isCcOtelError(err) && err.code).toBe('PROTOCOL_UNSUPPORTED');
    const c = buildInstallContent(p, req({ allowSecretInSettings: true }));
    expect(c.otelHeadersHelper).toBeUndefined();
    expect(c.env.OTEL_EXPORTER_OTLP_HEADERS).toContain('x-honeycomb-team=sk-unit-123456');
    expect(c.secretKeys).toEqual(['OTEL_EXPORTER_OTLP_HEADERS']);
    expect(redact(JSON.stringify(c.env), c.secrets)).not.toContain('sk-unit-123456');
  });

  test('grpc + --allow-secret-in-settings with a key holding ",": refused, naming the header and the helper, nothing written (issue #12)', () => {
    const p = plan({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_PROTOCOL: 'grpc' }, 'sk,unit');
    let err: unknown;
    try {
      buildInstallContent(p, req({ allowSecretInSettings: true }));
    } catch (e) {
      err = e;
    }
    expect(isCcOtelError(err) && err.code).toBe('CONFIG_INVALID');
    expect((err as Error).message).toMatch(/^OTEL_EXPORTER_OTLP_HEADERS cannot carry header x-honeycomb-team: its value contains ",".*refused for the settings file's env \(--allow-secret-in-settings\)/);
    expect(isCcOtelError(err) && err.hint).toMatch(/Claude Code ignores the headers helper, the only channel that carries it; use http\/protobuf/);
    // over HTTP the helper carries it: install goes ahead, with the helper and without the key
    const h = buildInstallContent(plan({ CC_OTEL_BACKEND: 'honeycomb' }, 'sk,unit'), req());
    expect(h.otelHeadersHelper).toBe('/n /x/cc-otel.js headers');
    expect(JSON.stringify(h.env)).not.toContain('sk,unit');
  });

  test('shared scopes leave out an engineer nobody set; events come from the HOOK_EVENTS table', () => {
    const events = HOOK_EVENTS.filter((e) => ['PreToolUse', 'SessionEnd'].includes(e.event));
    const c = buildInstallContent(plan(otlp), req({ scope: 'project', events }));
    expect(c.env.OTEL_RESOURCE_ATTRIBUTES).toBe('team=platform');
    expect(c.notes.join()).toContain('left engineer=ada');
    expect(c.hooks.map((h) => [h.event, h.matcher, h.hook.command, h.hook.timeout])).toEqual([
      ['SessionStart', 'startup|resume|clear|compact', '/n /x/cc-otel.js hook session-start', 10],
      ['PreToolUse', '*', '/n /x/cc-otel.js hook pre-tool-use', 10],
      ['SessionEnd', undefined, '/n /x/cc-otel.js hook session-end', 5],
    ]);
    expect(buildInstallContent(plan(otlp), req({ scope: 'user' })).env.OTEL_RESOURCE_ATTRIBUTES).toBe('engineer=ada,team=platform');
  });
});

describe('sharedConfigEnv: what a shared file carries of the installer-only config', () => {
  const loaded = {
    config: { backend: 'honeycomb', key: ['env:HC_KEY', 'op://Eng/HC/key'], team: 'plat', org: 'acme', engineer: 'ada', dataset: 'cc-metrics', privacy: { prompts: true }, signals: ['traces', 'logs'] },
    sources: {
      backend: { kind: 'project', detail: '/p/.cc-otel.json' },
      key: { kind: 'user', detail: '/h/.config/cc-otel/config.json' },
      team: { kind: 'env', detail: 'CC_OTEL_TEAM' },
      org: { kind: 'flag', detail: '--org' },
      engineer: { kind: 'user', detail: '/h/.config/cc-otel/config.json' },
      dataset: { kind: 'project', detail: '/p/.cc-otel.json' },
      'privacy.prompts': { kind: 'user', detail: '/h/.config/cc-otel/config.json' },
      signals: { kind: 'env', detail: 'CC_OTEL_SIGNALS' },
    },
    files: [],
    configured: true,
    projectDir: '/p',
    userConfigDir: '/h/.config/cc-otel',
  } as unknown as LoadedConfig;
  const fields = ['region', 'dataset'];

  test.each([
    ['user', {}, {}],
    ['local', {}, {}],
    ['project', {}, { CC_OTEL_KEY: 'env:HC_KEY,op://Eng/HC/key', CC_OTEL_TEAM: 'plat', CC_OTEL_SIGNALS: 'traces,logs' }],
    ['managed', {}, { CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:HC_KEY,op://Eng/HC/key', CC_OTEL_TEAM: 'plat', CC_OTEL_SIGNALS: 'traces,logs', CC_OTEL_DATASET: 'cc-metrics' }],
    ['managed', { outputFile: '/x/pkg.json' }, { CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:HC_KEY,op://Eng/HC/key', CC_OTEL_TEAM: 'plat', CC_OTEL_SIGNALS: 'traces,logs', CC_OTEL_DATASET: 'cc-metrics' }],
  ] as const)('%s %j', (scope, paths, env) => {
    const r = sharedConfigEnv(loaded, { scope, paths, flags: {} }, fields);
    expect(r.env).toEqual(env);
    // a flag is flagsEnv's; the installer's own engineer and the project file's values (project scope) stay out
    expect(Object.keys(r.env)).not.toContain('CC_OTEL_ORG');
    expect(Object.keys(r.env)).not.toContain('CC_OTEL_ENGINEER');
    expect(r.missing).toEqual([]); // dataset travels as CC_OTEL_DATASET
    if (scope === 'project' || scope === 'managed') expect(r.baked.map((b) => b.key)).toEqual(['privacy']);
  });

  test('a preset field no CC_OTEL_* variable holds (axiom datasets) is missing from a shared file', () => {
    const axiom = { ...loaded, config: { backend: 'axiom', datasets: { traces: 't' } }, sources: { backend: { kind: 'user', detail: '/u' }, 'datasets.traces': { kind: 'user', detail: '/u' } } } as unknown as LoadedConfig;
    const r = sharedConfigEnv(axiom, { scope: 'managed', paths: {}, flags: {} }, ['datasets']);
    expect(r.env).toEqual({ CC_OTEL_BACKEND: 'axiom' });
    expect(r.missing).toEqual([{ key: 'datasets', from: '/u' }]);
  });
});
