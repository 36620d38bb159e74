// `cc-otel init`'s planner (config/init-plan.ts): for every preset the file it plans loads through
// the real loader and builds; missing or wrong fields are usage errors naming the flag; a raw key
// is refused without being echoed; the project file goes to the git root. Temp trees, env passed in.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PRESETS, PRESET_NAMES } from '../../../src/backends/index.js';
import type { PresetConfig } from '../../../src/backends/types.js';
import { askMissing, buildInitConfig, envOverrides, gitRoot, INIT_FIELD_FLAGS, initTarget, planInit, type InitInput } from '../../../src/config/init-plan.js';
import { loadConfig } from '../../../src/config/load.js';
import { makeContext } from '../../../src/context.js';
import { CcOtelError } from '../../../src/errors.js';
import { buildTelemetry } from '../../../src/otel/build-env.js';
import { makeTempDir, writeTree, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function tmp(tree: Record<string, string> = {}): string {
  const d = makeTempDir('cc-otel-init-plan');
  dirs.push(d);
  writeTree(d.path, { 'home/.keep': '', ...tree });
  return d.path;
}

const ctxFor = (root: string, cwd = join(root, 'home')) => makeContext({ env: { HOME: join(root, 'home') }, cwd, homeDir: join(root, 'home'), platform: 'linux' });

/** What a user would pass for each preset's required fields: the values of its example in configs/. */
const CONFIGS = fileURLToPath(new URL('../../../configs/', import.meta.url));
function exampleInput(name: string): InitInput {
  const example = JSON.parse(readFileSync(join(CONFIGS, `${name}.json`), 'utf8')) as Record<string, unknown>;
  const fields: Partial<Record<keyof PresetConfig, string>> = {};
  for (const f of PRESETS[name]!.fields) {
    const v = example[f.name];
    if (!f.required) continue;
    fields[f.name] = typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => `${k}=${String(x)}`).join(',') : String(v);
  }
  return { backend: name, fields, ...(PRESETS[name]!.key === 'none' ? {} : { key: ['env:TEST_KEY', 'dotenv:TEST_KEY'] }), team: 'platform', org: 'acme' };
}

function usageError(fn: () => unknown): CcOtelError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CcOtelError);
    expect((e as CcOtelError).code).toBe('USAGE');
    return e as CcOtelError;
  }
  throw new Error('expected a usage error, got none');
}

describe('the preset-field flags', () => {
  it('are derived from the presets: one flag per distinct field, kebab-cased', () => {
    const fields = new Set(Object.values(PRESETS).flatMap((p) => p.fields.map((f) => f.name)));
    expect(new Set(INIT_FIELD_FLAGS.map((f) => f.field))).toEqual(fields);
    const byField = Object.fromEntries(INIT_FIELD_FLAGS.map((f) => [f.field, f.flag]));
    expect(byField).toMatchObject({ instanceId: '--instance-id', publicKey: '--public-key', headerValue: '--header-value', region: '--region', datasets: '--datasets' });
    expect(INIT_FIELD_FLAGS.find((f) => f.field === 'datasets')?.kind).toBe('map');
    expect(INIT_FIELD_FLAGS.find((f) => f.field === 'region')?.presets.sort()).toEqual(['honeycomb', 'langfuse', 'newrelic', 'signoz-cloud']);
  });
});

describe('planInit, every preset', () => {
  it.each(PRESET_NAMES)('%s: the user file it plans loads through the loader and builds', (name) => {
    const root = tmp();
    const ctx = ctxFor(root);
    const target = initTarget(ctx, 'user');
    expect(target.path).toBe(join(root, 'home', '.config', 'cc-otel', 'config.json'));
    expect(target.exists).toBe(false);
    const plan = planInit(exampleInput(name), target);
    expect(plan.mode).toBe(0o600);
    expect(plan.dirMode).toBe(0o700);
    expect(plan.trust).toBe(false);
    expect(plan.content.endsWith('}\n')).toBe(true);
    expect(Object.keys(plan.config)[0]).toBe('backend');

    mkdirSync(join(root, 'home', '.config', 'cc-otel'), { recursive: true });
    writeFileSync(plan.path, plan.content);
    const loaded = loadConfig(ctx);
    expect(loaded.files).toEqual([{ kind: 'user', path: plan.path }]);
    expect(loaded.config).toEqual(JSON.parse(plan.content));
    const built = buildTelemetry(loaded, { env: {}, key: { value: 'k', detail: 'test' } });
    expect(built.backend).toBe(name);
    expect(built.resourceAttributes).toMatchObject({ team: 'platform', org: 'acme' });
    expect(plan.next.at(-2)).toBe('cc-otel install');
    if (name === 'local') expect(plan.next[0]).toBe('cc-otel collect --detach');
  });

  const required = PRESET_NAMES.flatMap((name) => PRESETS[name]!.fields.filter((f) => f.required).map((f) => [name, f.name, f.choices] as const));
  it.each(required)('%s without %s: a usage error naming the flag and its format', (name, field, choices) => {
    const input = exampleInput(name);
    delete input.fields![field];
    const e = usageError(() => buildInitConfig(input, '/cfg'));
    const flag = INIT_FIELD_FLAGS.find((f) => f.field === field)!.flag;
    expect(e.message).toContain(`needs ${flag}`);
    if (choices) expect(e.message).toContain(`one of ${choices.join(', ')}`);
    expect(e.hint).toContain(`cc-otel init --backend ${name}`);
  });
});

describe('planInit, refusals', () => {
  it.each([
    ['no backend', { fields: {} }, /init needs --backend/],
    ['an unknown backend', { backend: 'splunk' }, /unknown backend "splunk"/],
    ['a field the preset does not have', { backend: 'honeycomb', fields: { site: 'datadoghq.eu' } }, /--site is not a field of backend honeycomb/],
    ['a region not among the choices', { backend: 'signoz-cloud', fields: { region: 'mars' } }, /"region" must be one of us, eu, in, got "mars" \(from flag --region\)/],
    ['an endpoint without a scheme', { backend: 'otlp', fields: { endpoint: 'otel.example.com:4318' } }, /--endpoint: must be an http\(s\) URL, got "otel.example.com:4318" without a scheme/],
    ['a dataset for an unknown signal', { backend: 'axiom', fields: { datasets: 'spans=x' } }, /--datasets \(datasets.spans\): unknown key/],
    ['a datasets value that is not pairs', { backend: 'axiom', fields: { datasets: 'cc-traces' } }, /--datasets: "cc-traces" is not NAME=VALUE/],
    ['grafana without /otlp', { backend: 'grafana-cloud', fields: { endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net', instanceId: '1' } }, /must be the gateway base ending in \/otlp/],
    ['a key for a backend that sends none', { backend: 'local', key: ['env:X'] }, /--key: backend local sends no key/],
    ['a protocol the backend refuses', { backend: 'datadog', protocol: 'grpc' }, /datadog does not accept protocol grpc/],
  ] as Array<[string, InitInput, RegExp]>)('%s', (_what, input, message) => {
    expect(usageError(() => buildInitConfig(input, '/cfg')).message).toMatch(message);
  });

  it.each([['sk-live-0123456789abcdef0123'], ['env:my-key-value-123'], ['0123456789abcdef0123456789abcdef']])('a raw key (%s) is refused without being echoed, with where it goes', (raw) => {
    const e = usageError(() => buildInitConfig({ backend: 'honeycomb', key: ['env:HONEYCOMB_KEY', raw] }, '/home/ada/.config/cc-otel'));
    expect(e.message).toContain('--key entry 2');
    expect(e.message).toContain('is not a key reference');
    expect(`${e.message} ${e.hint}`).not.toContain(raw);
    expect(`${e.message} ${e.hint}`).not.toContain(raw.slice(4, 12));
    expect(e.hint).toContain('/home/ada/.config/cc-otel/.env');
    expect(e.hint).toContain('--key dotenv:CC_OTEL_API_KEY');
  });

  it('an existing file is refused without --force, naming it; replaced with it', () => {
    const root = tmp({ 'home/.config/cc-otel/config.json': '{"backend":"local"}' });
    const target = initTarget(ctxFor(root), 'user');
    expect(target.exists).toBe(true);
    const e = usageError(() => planInit({ backend: 'local' }, target));
    expect(e.message).toBe(`refusing to overwrite ${target.path}: it exists`);
    expect(e.hint).toContain('--force');
    expect(planInit({ backend: 'local' }, target, { force: true }).overwrite).toBe(true);
  });

  it('key references are kept in order; without one, the note says where the default chain looks', () => {
    const root = tmp();
    const target = initTarget(ctxFor(root), 'user');
    const withKey = planInit({ backend: 'newrelic', key: ['env:NR_KEY', 'op://Eng/New Relic/license'] }, target);
    expect(withKey.config.key).toEqual(['env:NR_KEY', 'op://Eng/New Relic/license']);
    const without = planInit({ backend: 'newrelic' }, target);
    expect(without.config.key).toBeUndefined();
    expect(without.notes.join('\n')).toContain(`CC_OTEL_API_KEY=<key> in ${join(root, 'home', '.config', 'cc-otel', '.env')}`);
    expect(planInit({ backend: 'local' }, target).notes).toEqual([]);
  });
});

describe('envOverrides', () => {
  it('names the CC_OTEL_* variables that override a key the file sets', () => {
    const config = { backend: 'local', team: 'platform' };
    expect(envOverrides({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_ORG: 'acme', CC_OTEL_TEAM: '' }, config)).toEqual([
      'CC_OTEL_BACKEND is set in this environment and overrides the file\'s "backend" wherever it is set',
    ]);
    expect(envOverrides({}, config)).toEqual([]);
  });
});

describe('initTarget, project scope', () => {
  it('is .cc-otel.json at the git root, from a subdirectory', () => {
    const root = tmp({ 'home/src/app/.git/HEAD': 'ref: refs/heads/main\n', 'home/src/app/pkg/web/.keep': '' });
    const ctx = ctxFor(root, join(root, 'home/src/app/pkg/web'));
    expect(gitRoot(ctx.cwd, ctx.homeDir)).toBe(join(root, 'home/src/app'));
    const target = initTarget(ctx, 'project');
    expect(target.path).toBe(join(root, 'home/src/app/.cc-otel.json'));
    const plan = planInit({ backend: 'local', team: 'web' }, target);
    expect(plan).toMatchObject({ scope: 'project', mode: 0o644, trust: true });
    // install writes .claude/settings.json in the current directory unless told the project root.
    expect(plan.next).toEqual(['cc-otel collect --detach', `cc-otel install --scope project --project-dir ${join(root, 'home/src/app')}`, 'cc-otel verify']);
    expect(planInit({ backend: 'local' }, initTarget(ctxFor(root, join(root, 'home/src/app')), 'project')).next[1]).toBe('cc-otel install --scope project');
    expect(plan.notes.join('\n')).toContain('teammates run `cc-otel trust`');
  });

  it('is the current directory outside a git repository', () => {
    const root = tmp({ 'home/notes/.keep': '' });
    expect(initTarget(ctxFor(root, join(root, 'home/notes')), 'project').path).toBe(join(root, 'home/notes/.cc-otel.json'));
  });

  it('is refused in $HOME, where the project search never looks', () => {
    const root = tmp();
    expect(usageError(() => initTarget(ctxFor(root), 'project')).message).toMatch(/in \$HOME is never read/);
  });
});

describe('askMissing (a terminal)', () => {
  it('asks for the backend and each required field, again after an answer that is not a choice', async () => {
    const answers = ['splunk', 'signoz-cloud', 'mars', 'eu'];
    const asked: string[] = [];
    const input = await askMissing({ team: 'platform' }, async (q) => {
      asked.push(q);
      return answers.shift() ?? '';
    });
    expect(input).toMatchObject({ backend: 'signoz-cloud', fields: { region: 'eu' }, team: 'platform' });
    expect(asked).toHaveLength(4);
    expect(asked[0]).toContain('local, otlp, signoz-cloud');
    expect(asked[1]).toMatch(/^unknown backend "splunk"\nbackend \(/);
    expect(asked[2]).toContain('region — one of us, eu, in');
    expect(asked[3]).toMatch(/^"mars" is not one of us, eu, in\nsignoz-cloud region/);
    expect(buildInitConfig(input, '/cfg').config).toEqual({ backend: 'signoz-cloud', region: 'eu', team: 'platform' });
  });

  it('re-asks, saying why, after a value the loader or the preset would refuse', async () => {
    const answers = ['otlp-gateway-prod-eu-west-2.grafana.net/otlp', 'https://otlp-gateway-prod-eu-west-2.grafana.net', 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', 'abc', '123456'];
    const asked: string[] = [];
    const input = await askMissing({ backend: 'grafana-cloud' }, async (q) => {
      asked.push(q);
      return answers.shift() ?? '';
    });
    expect(input.fields).toEqual({ endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', instanceId: '123456' });
    expect(asked[1]).toMatch(/^endpoint: must be an http\(s\) URL, got "otlp-gateway-prod-eu-west-2.grafana.net\/otlp" without a scheme/);
    expect(asked[2]).toMatch(/^endpoint must be the gateway base ending in \/otlp/);
    expect(asked[4]).toMatch(/^instanceId "abc" should be the numeric stack instance ID/);
    expect(buildInitConfig(input, '/cfg').config).toMatchObject({ backend: 'grafana-cloud', instanceId: '123456' });
  });

  it('asks nothing when the flags are complete, and gives up after three empty answers', async () => {
    let n = 0;
    const ask = async () => {
      n++;
      return '';
    };
    await askMissing({ backend: 'local' }, ask);
    expect(n).toBe(0);
    await expect(askMissing({ backend: 'grafana-cloud' }, ask)).rejects.toThrow(/no valid answer to: grafana-cloud endpoint/);
    expect(n).toBe(3);
  });
});
