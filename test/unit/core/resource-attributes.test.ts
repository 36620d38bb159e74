// OTEL_RESOURCE_ATTRIBUTES rendering, checked against the real @opentelemetry/resources EnvDetector:
// if the SDK parses our output back to the intended map, it is right by construction.
import { describe, expect, it } from 'vitest';
import { envDetector } from '@opentelemetry/resources';
import {
  attributeProblems,
  MAX_ATTRIBUTE_LENGTH,
  parseResourceAttributes,
  renderResourceAttributes,
} from '../../../src/otel/resource-attributes.js';
import { percentEncode, renderKeyValueList } from '../../../src/otel/percent-encoding.js';
import { detectAttributes } from '../../../src/otel/detectors.js';
import { CcOtelError } from '../../../src/errors.js';
import { build, varsOf } from './build.js';

/**
 * The oracle reads process.env (that is the SDK's interface), so this is the one place the tests
 * touch it: set, detect, restore — synchronously, so nothing else can observe the change.
 */
function sdkParse(raw: string): Record<string, unknown> {
  const saved = { attrs: process.env.OTEL_RESOURCE_ATTRIBUTES, name: process.env.OTEL_SERVICE_NAME };
  process.env.OTEL_RESOURCE_ATTRIBUTES = raw;
  delete process.env.OTEL_SERVICE_NAME;
  try {
    return { ...(envDetector.detect().attributes ?? {}) };
  } finally {
    if (saved.attrs === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = saved.attrs;
    if (saved.name !== undefined) process.env.OTEL_SERVICE_NAME = saved.name;
  }
}

const withoutEmpty = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== ''));

const PRINTABLE_ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

const ADVERSARIAL: Array<[string, Record<string, string>]> = [
  ['spaces', { 'team name': 'platform eng', 'x y z': 'a b  c' }],
  ['commas', { 'a,b': 'x,y', org: 'ACME, Inc.' }],
  ['equals', { 'k=1': 'v=2==', b64: 'YWJjZA==' }],
  ['double and single quotes', { q: 'say "hi"', s: "it's O'Brien", both: `"'"` }],
  ['semicolons', { sc: 'a;b;c=d', 'k;p': 'v;prop=1' }],
  ['backslashes', { path: 'C:\\Users\\me', trail: 'end\\' }],
  ['percent signs', { pct: '100%', lit: '%20', bad: '%zz', '%k': '%', pct2: '%%41' }],
  ['non-ASCII', { équipe: 'été', jp: '日本語', emoji: '🚀🔥', mixed: 'naïve café 日本 🎉', '日本': 'キー' }],
  ['leading/trailing spaces in values', { v: '  padded  ', tab: '\tx\t', only: ' ' }],
  ['empty values are dropped', { keep: 'x', drop: '', also: '' }],
  ['control characters', { nl: 'a\nb', cr: 'a\r\nb' }],
  ['plus, slash, ampersand, brackets', { plus: 'a+b', url: 'https://x.example/a?b=c&d=e#f', br: '[x]{y}(z)<w>' }],
  ['every printable ASCII character', { all: PRINTABLE_ASCII }],
  ['realistic identity', { engineer: "Zoë O'Brien", team: 'R&D / Platform', org: 'ACME, Inc.' }],
];

describe('renderResourceAttributes against the SDK EnvDetector', () => {
  it.each(ADVERSARIAL)('%s', (_name, attrs) => {
    expect(attributeProblems(attrs)).toEqual([]);
    const rendered = renderResourceAttributes(attrs);
    // only RFC 3986 unreserved characters, '%', '=' and ',' appear: every parser generation accepts it
    expect(rendered).toMatch(/^[A-Za-z0-9\-._~%=,]*$/);
    expect(sdkParse(rendered)).toEqual(withoutEmpty(attrs));
    // our own parser (used to merge a user's variable) agrees with the SDK
    expect(parseResourceAttributes(rendered)).toEqual(withoutEmpty(attrs));
  });

  it.each(ADVERSARIAL.filter(([, a]) => !Object.keys(a).some((k) => ['engineer', 'team', 'org'].includes(k))))(
    'via buildTelemetry: %s',
    (_name, attrs) => {
      const plan = build({ backend: 'local', attributes: attrs }, { env: {} });
      const raw = varsOf(plan).OTEL_RESOURCE_ATTRIBUTES;
      const want = withoutEmpty(attrs);
      if (!Object.keys(want).length) expect(raw).toBeUndefined();
      else expect(sdkParse(raw ?? '')).toEqual(want);
      expect(plan.resourceAttributes).toEqual(want);
    },
  );

  it('engineer/team/org and attributes together', () => {
    const plan = build({ backend: 'local', engineer: "Zoë O'Brien", team: 'R&D, Platform', org: 'a=b', attributes: { cost_center: '42 %' } }, { env: {} });
    expect(sdkParse(varsOf(plan).OTEL_RESOURCE_ATTRIBUTES ?? '')).toEqual({ engineer: "Zoë O'Brien", team: 'R&D, Platform', org: 'a=b', cost_center: '42 %' });
  });

  it('the SDK really does discard everything on one bad entry (why we encode)', () => {
    expect(sdkParse('a=1,b=x=y')).toEqual({});
    expect(sdkParse('a=1,b=%zz')).toEqual({});
  });

  it('percentEncode never leaves a reserved or non-ASCII character', () => {
    expect(percentEncode(" !'()*,=;\"\\%é")).toBe('%20%21%27%28%29%2A%2C%3D%3B%22%5C%25%C3%A9');
    expect(renderKeyValueList([['a b', 'c,d']])).toBe('a%20b=c%2Cd');
  });
});

describe('attribute limits and problems', () => {
  it(`a value of exactly ${MAX_ATTRIBUTE_LENGTH} characters is fine, and the SDK agrees`, () => {
    const attrs = { k: 'a'.repeat(MAX_ATTRIBUTE_LENGTH) };
    expect(attributeProblems(attrs)).toEqual([]);
    expect(sdkParse(renderResourceAttributes(attrs))).toEqual(attrs);
  });

  it(`${MAX_ATTRIBUTE_LENGTH + 1} characters: a problem, and the SDK would drop every attribute`, () => {
    const attrs = { ok: 'x', k: 'a'.repeat(MAX_ATTRIBUTE_LENGTH + 1) };
    expect(attributeProblems(attrs).map((p) => p.key)).toEqual(['k']);
    expect(sdkParse(renderResourceAttributes(attrs))).toEqual({});
  });

  it('the limit is applied to the encoded form (older parsers), so it is stricter than the newest SDK', () => {
    const attrs = { k: 'é'.repeat(50) }; // 50 decoded, 300 encoded
    expect(attributeProblems(attrs)[0]?.problem).toMatch(/once percent-encoded/);
  });

  it.each([
    ['empty key', { '': 'v' }, /empty attribute key/],
    ['blank key', { '  ': 'v' }, /empty attribute key/],
    ['key with surrounding space', { ' k': 'v' }, /leading\/trailing whitespace/],
    ['long key', { ['k'.repeat(256)]: 'v' }, /key longer than 255/],
  ])('%s', (_n, attrs, re) => {
    expect(attributeProblems(attrs)[0]?.problem).toMatch(re);
  });

  it('a too-long configured attribute → CONFIG_INVALID naming the key', () => {
    try {
      build({ backend: 'local', attributes: { huge: 'x'.repeat(300) } }, { env: {} });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CcOtelError);
      expect((e as CcOtelError).code).toBe('CONFIG_INVALID');
      expect((e as CcOtelError).message).toMatch(/huge: value longer than 255/);
    }
  });

  it('a lone surrogate (valid JSON "\\ud800") → CONFIG_INVALID, not a raw URIError', () => {
    expect(attributeProblems({ k: '\ud800' }).map((p) => p.key)).toEqual(['k']);
    expect(() => build({ backend: 'local', attributes: { k: 'a\ud800' } }, { env: {} })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('parseResourceAttributes', () => {
  it.each([
    ['a=1,b=2', { a: '1', b: '2' }],
    [' a = 1 , , b=%20x%20 ', { a: '1', b: ' x ' }],
    ['k=', { k: '' }],
    ['', {}],
  ])('%j parses', (raw, want) => {
    expect(parseResourceAttributes(raw)).toEqual(want);
    expect(sdkParse(raw || 'x=1')).toEqual(raw ? want : { x: '1' });
  });

  it.each([
    ['a=b=c', /not key=value/],
    ['novalue', /not key=value/],
    ['=v', /empty key/],
    ['a=%zz', /URI/],
    [`a=${'x'.repeat(256)}`, /255/],
  ])('%j is rejected, like the SDK', (raw, re) => {
    expect(() => parseResourceAttributes(raw)).toThrow(re);
    expect(sdkParse(`ok=1,${raw}`)).toEqual({});
  });

});

describe('attributes in buildTelemetry', () => {
  it("the user's pre-existing OTEL_RESOURCE_ATTRIBUTES wins on conflict", () => {
    const plan = build(
      { backend: 'local', team: 'from-config', attributes: { keep: 'c' } },
      { env: { OTEL_RESOURCE_ATTRIBUTES: 'team=mine,extra=%C3%A9t%C3%A9', USER: 'alice' } },
    );
    expect(plan.resourceAttributes).toEqual({ engineer: 'alice', team: 'mine', keep: 'c', extra: 'été' });
    expect(plan.attributeSources.team).toMatch(/OTEL_RESOURCE_ATTRIBUTES/);
    expect(plan.attributeSources.keep).toBe('config');
    expect(sdkParse(varsOf(plan).OTEL_RESOURCE_ATTRIBUTES ?? '')).toEqual(plan.resourceAttributes);
    expect(plan.warnings).toEqual([]);
  });

  it.each([
    ['unencoded =', 'team=a=b,x=1'],
    ['bad percent escape', 'team=%E0%A4%A'],
    ['empty key', '=x'],
    ['a value the SDK rejects as too long', `team=${'y'.repeat(256)}`],
  ])("a malformed pre-existing variable (%s) is ignored with a warning", (_n, existing) => {
    const plan = build({ backend: 'local', team: 'from-config' }, { env: { OTEL_RESOURCE_ATTRIBUTES: existing } });
    expect(plan.resourceAttributes).toEqual({ team: 'from-config' });
    expect(plan.warnings.join('\n')).toMatch(/ignored your OTEL_RESOURCE_ATTRIBUTES/);
  });

  it('a pre-existing entry cc-otel cannot re-render safely is dropped alone, with a warning', () => {
    // 100 'é' decode to 100 characters (the current SDK accepts it) but re-encode to 600
    const existing = `ok=1,long=${'%C3%A9'.repeat(100)},%20spaced=x`;
    const plan = build({ backend: 'local', team: 't' }, { env: { OTEL_RESOURCE_ATTRIBUTES: existing } });
    expect(plan.resourceAttributes).toEqual({ team: 't', ok: '1' });
    expect(plan.warnings.join('\n')).toMatch(/ignored "long"/);
    expect(plan.warnings.join('\n')).toMatch(/ignored " spaced"/);
  });

  it('engineer: config > $USER > $USERNAME > $LOGNAME > OS user', () => {
    expect(build({ backend: 'local', engineer: 'cfg' }, { env: { USER: 'u' } }).resourceAttributes.engineer).toBe('cfg');
    expect(build({ backend: 'local' }, { env: { USER: 'u', USERNAME: 'n' } }).attributeSources.engineer).toBe('env USER');
    expect(build({ backend: 'local' }, { env: { USERNAME: 'n', LOGNAME: 'l' } }).resourceAttributes.engineer).toBe('n');
    expect(build({ backend: 'local' }, { env: { LOGNAME: 'l' } }).resourceAttributes.engineer).toBe('l');
    const os = build({ backend: 'local' }, { env: {}, user: 'osuser' });
    expect(os.resourceAttributes.engineer).toBe('osuser');
    expect(os.attributeSources.engineer).toBe('OS user');
  });

  it('session id appears when given, and only then', () => {
    const plan = build({ backend: 'local' }, { env: {}, sessionId: 'a61e-42,x' });
    expect(plan.resourceAttributes['session.id']).toBe('a61e-42,x');
    expect(sdkParse(varsOf(plan).OTEL_RESOURCE_ATTRIBUTES ?? '')['session.id']).toBe('a61e-42,x');
    expect(build({ backend: 'local' }, { env: {} }).resourceAttributes['session.id']).toBeUndefined();
  });

  it('no attributes at all → no OTEL_RESOURCE_ATTRIBUTES variable', () => {
    expect(varsOf(build({ backend: 'local' }, { env: {} })).OTEL_RESOURCE_ATTRIBUTES).toBeUndefined();
  });
});

describe('detectors', () => {
  const GITHUB = {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKFLOW: 'CI / build, test',
    GITHUB_RUN_ID: '987654321',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/widgets',
    GITHUB_REF_NAME: 'feature/é=1',
    GITHUB_SHA: 'deadbeef',
  };

  it.each<[string, Record<string, string>, Record<string, string>]>([
    ['fly', { FLY_APP_NAME: 'cc-app', FLY_MACHINE_ID: '148e', FLY_REGION: 'ams' }, { 'fly.app_name': 'cc-app', 'fly.machine_id': '148e', 'fly.region': 'ams' }],
    ['fly, partial', { FLY_APP_NAME: 'cc-app', FLY_REGION: '' }, { 'fly.app_name': 'cc-app' }],
    [
      'github actions',
      GITHUB,
      {
        'cicd.pipeline.name': 'CI / build, test',
        'cicd.pipeline.run.id': '987654321',
        'cicd.pipeline.run.url.full': 'https://github.com/acme/widgets/actions/runs/987654321',
        'vcs.repository.name': 'acme/widgets',
        'vcs.ref.head.name': 'feature/é=1',
        'vcs.ref.head.revision': 'deadbeef',
      },
    ],
    ['GITHUB_ACTIONS not "true"', { ...GITHUB, GITHUB_ACTIONS: '1' }, {}],
    ['nothing', {}, {}],
  ])('%s', (_n, env, want) => {
    const d = detectAttributes(env);
    expect(d.attributes).toEqual(want);
    for (const k of Object.keys(want)) expect(d.sources[k]).toMatch(/^detected \(/);
    const plan = build({ backend: 'local' }, { env });
    expect(plan.resourceAttributes).toEqual(want);
    if (Object.keys(want).length) expect(sdkParse(varsOf(plan).OTEL_RESOURCE_ATTRIBUTES ?? '')).toEqual(want);
  });

  it('config beats a detected attribute; a too-long detected value is dropped, not fatal', () => {
    const plan = build(
      { backend: 'local', attributes: { 'fly.region': 'mine' } },
      { env: { ...GITHUB, GITHUB_REF_NAME: 'x'.repeat(400), FLY_APP_NAME: 'a', FLY_REGION: 'ams' } },
    );
    expect(plan.resourceAttributes['fly.region']).toBe('mine');
    expect(plan.resourceAttributes['vcs.ref.head.name']).toBeUndefined();
    expect(plan.resourceAttributes['vcs.repository.name']).toBe('acme/widgets');
    expect(plan.attributeSources['fly.app_name']).toBe('detected (fly)');
  });
});
