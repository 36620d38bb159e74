// OTLP header rendering. OTEL_EXPORTER_OTLP_HEADERS carries RAW values (Claude Code's HTTP exporters
// send them verbatim — src/otel/headers.ts); the JS SDK's own parser (@opentelemetry/core
// parseKeyPairsIntoRecord, used by its grpc exporter) must still read the same values back.
import { describe, expect, it } from 'vitest';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { basicAuth, headerEnvProblems, isValidHeaderName, isValidHeaderValue, renderHeadersEnv, renderHeadersJson } from '../../../src/otel/headers.js';
import { headersEnvRefusal, helperHeaders, type HeadersEnvChannel } from '../../../src/otel/build-env.js';
import { isCcOtelError } from '../../../src/errors.js';
import { build, varsOf } from './build.js';

const REALISTIC: Array<[string, Record<string, string>]> = [
  ['base64 with = + /', { authorization: 'Basic dXNlcjpwYXNz+/9/Kw==' }],
  ['Bearer token', { authorization: 'Bearer x' }],
  ['Basic from basicAuth()', { Authorization: basicAuth('123456', 'glc_eyJvIjoiMTIzIiwibiI6InN0YWNrIn0=') }],
  ['Dynatrace Api-Token', { Authorization: 'Api-Token dt0c01.ABCDEFGHIJKL.MNOPQRSTUVWXYZ0123456789abcdef' }],
  ['hex API key', { 'dd-api-key': '0123456789abcdef0123456789abcdef' }],
  ['several headers', { 'x-honeycomb-team': 'hcaik_01abc', 'x-honeycomb-dataset': 'claude code metrics', 'signoz-ingestion-key': 'a-b_c.d~e' }],
  ['JWT', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl-_x' }],
];

describe('renderHeadersEnv: raw values, read back by the SDK parser', () => {
  it.each(REALISTIC)('%s', (_n, headers) => {
    const rendered = renderHeadersEnv(headers);
    // raw: what was given, not percent-encoded
    expect(rendered).toBe(Object.entries(headers).map(([k, v]) => `${k}=${v}`).join(','));
    expect(rendered).not.toMatch(/%[0-9A-F]{2}/);
    expect(parseKeyPairsIntoRecord(rendered)).toEqual(headers);
    expect(headerEnvProblems(headers)).toEqual([]);
    expect(JSON.parse(renderHeadersJson(headers))).toEqual(headers);
  });

  it.each([
    ['a percent sign', 'abc%20def', /contains "%"/],
    ['a lone percent sign', '100%', /contains "%"/],
    ['a semicolon (W3C baggage property separator)', 'tok;en', /contains ";"/],
  ])('a value with %s is warned about (carried verbatim to Claude Code\'s HTTP exporters)', (_n, value, re) => {
    const problems = headerEnvProblems({ authorization: value });
    expect(problems).toEqual([{ variable: 'OTEL_EXPORTER_OTLP_HEADERS', header: 'authorization', message: expect.stringMatching(re), refused: false, helperCarries: true }]);
    // …because the SDK parser would not read it back intact
    expect(parseKeyPairsIntoRecord(renderHeadersEnv({ authorization: value })).authorization).not.toBe(value);
  });

  // Issue #12: what the k=v,k=v form cannot carry at all is refused, not warned about.
  it.each([
    ['a value with ","', { authorization: 'Bearer a,b' }, /value contains ",".*split it into two headers/, true],
    ['a value with a newline', { authorization: 'Bearer a\nb' }, /value contains a control character/, false],
    ['a name with "="', { 'x-a=b': 'v' }, /name contains "=".*name would end at the first "="/, false],
    ['a name with ","', { 'x-a,b': 'v' }, /name contains ","/, false],
  ])('%s: refused', (_n, headers, re, helperCarries) => {
    const [header] = Object.keys(headers);
    expect(headerEnvProblems(headers)).toEqual([{ variable: 'OTEL_EXPORTER_OTLP_HEADERS', header, message: expect.stringMatching(re), refused: true, helperCarries }]);
    // a per-signal variable: named in the message, and the helper is never the way round it
    const perSignal = headerEnvProblems(headers, 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', false);
    expect(perSignal).toEqual([{ variable: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', header, message: expect.stringMatching(re), refused: true, helperCarries: false }]);
    // …because the SDK parser reads back other headers than the ones given (a newline it keeps: HTTP refuses it)
    if (!Object.values(headers)[0]!.includes('\n')) expect(parseKeyPairsIntoRecord(renderHeadersEnv(headers))).not.toEqual(headers);
  });

  const CHANNELS: Array<[HeadersEnvChannel, RegExp]> = [
    ['exec', /refused for `cc-otel exec`/],
    ['env', /refused for `cc-otel env`'s output/],
    ['env-file', /refused for \$CLAUDE_ENV_FILE \(sessionEnv.includeSecrets\)/],
    ['settings', /refused for the settings file's env \(--allow-secret-in-settings\)/],
  ];
  it.each(CHANNELS)('a key with ",": no warning, a refusal for %s that names the header, says why and points at the helper; the helper JSON stays intact', (channel, re) => {
    const key = 'sk,live';
    const plan = build({ backend: 'otlp', endpoint: 'https://o.example', header: 'authorization', headerValue: 'Bearer {key}' }, { key });
    expect(plan.warnings.join('\n')).not.toMatch(/","/);
    const e = headersEnvRefusal(plan, channel);
    expect(isCcOtelError(e) && e.code).toBe('CONFIG_INVALID');
    expect(e!.message).toMatch(/^OTEL_EXPORTER_OTLP_HEADERS cannot carry header authorization: its value contains ","/);
    expect(e!.message).toMatch(re);
    expect(e!.hint).toMatch(/the headers helper carries any value \(otelHeadersHelper: its JSON, HTTP protocols only\)/);
    expect(helperHeaders(plan)).toEqual({ authorization: `Bearer ${key}` });
    expect(JSON.parse(renderHeadersJson(helperHeaders(plan)))).toEqual({ authorization: `Bearer ${key}` });
  });

  it('grpc: the refusal says the helper is ignored there and to use http/protobuf', () => {
    const plan = build({ backend: 'otlp', endpoint: 'https://o.example:4317', protocol: 'grpc', header: 'authorization' }, { key: 'a,b' });
    expect(headersEnvRefusal(plan, 'settings')!.hint).toMatch(/protocol grpc: Claude Code ignores the headers helper.*use http\/protobuf/);
  });

  it('a key with a newline: refused for every channel, the helper too — no HTTP header may carry it', () => {
    expect(() => build({ backend: 'otlp', endpoint: 'https://o.example', header: 'authorization' }, { key: 'sk\nlive' })).toThrow(
      /contains control characters \(header authorization\): no HTTP header may carry a newline, CR or NUL — neither OTEL_EXPORTER_OTLP_HEADERS nor the headers helper/,
    );
  });

  it('a header name with "=": refused by the config check before any channel (no HTTP header is named so)', () => {
    expect(() => build({ backend: 'otlp', endpoint: 'https://o.example', header: 'x-a=b' }, { key: 'k' })).toThrow(/header "x-a=b" is not a valid HTTP header name/);
  });

  it('clean headers: no refusal', () => {
    expect(headersEnvRefusal(build({ backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp', instanceId: '42' }, { key: 'glc_abc+/==' }), 'exec')).toBeUndefined();
  });

  it('a clean key: no warning, and OTEL_EXPORTER_OTLP_HEADERS reads back', () => {
    const plan = build({ backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp', instanceId: '42' }, { key: 'glc_abc+/==' });
    expect(plan.warnings).toEqual([]);
    const parsed = parseKeyPairsIntoRecord(varsOf(plan).OTEL_EXPORTER_OTLP_HEADERS ?? '');
    expect(parsed).toEqual(plan.authHeaders);
    expect(Buffer.from((parsed.Authorization ?? '').replace(/^Basic /, ''), 'base64').toString()).toBe('42:glc_abc+/==');
  });
});

describe('header validation', () => {
  it.each([
    ['authorization', true],
    ['X-Honeycomb-Team', true],
    ["a!#$%&'*+-.^_`|~9", true],
    ['', false],
    ['bad header', false],
    ['a=b', false],
    ['a,b', false],
    ['a:b', false],
    ['ä', false],
  ])('isValidHeaderName(%j) → %s', (name, ok) => {
    expect(isValidHeaderName(name)).toBe(ok);
  });

  it.each([
    ['Bearer abc', true],
    ['tab\tis allowed', true],
    ['', true],
    ['a\nb', false],
    ['a\rb', false],
    ['a\u0000b', false],
    ['a\u007fb', false],
    ['\u001b[31m', false],
  ])('isValidHeaderValue(%j) → %s', (value, ok) => {
    expect(isValidHeaderValue(value)).toBe(ok);
  });

  it('basicAuth is base64(user:password) in UTF-8', () => {
    expect(basicAuth('Aladdin', 'open sesame')).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    expect(Buffer.from(basicAuth('pk-é', 'sk:x').slice(6), 'base64').toString('utf8')).toBe('pk-é:sk:x');
  });
});
