// OTLP header rendering. OTEL_EXPORTER_OTLP_HEADERS carries RAW values (Claude Code's HTTP exporters
// send them verbatim — src/otel/headers.ts); the JS SDK's own parser (@opentelemetry/core
// parseKeyPairsIntoRecord, used by its grpc exporter) must still read the same values back.
import { describe, expect, it } from 'vitest';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { basicAuth, headerEnvProblems, isValidHeaderName, isValidHeaderValue, renderHeadersEnv, renderHeadersJson } from '../../../src/otel/headers.js';
import { helperHeaders } from '../../../src/otel/build-env.js';
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
    ['a comma', 'a,b', /contains ","/],
    ['a percent sign', 'abc%20def', /contains "%"/],
    ['a lone percent sign', '100%', /contains "%"/],
    ['a semicolon (W3C baggage property separator)', 'tok;en', /contains ";"/],
  ])('a value with %s is flagged', (_n, value, re) => {
    const problems = headerEnvProblems({ authorization: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(re);
    // …because the SDK parser would not read it back intact
    expect(parseKeyPairsIntoRecord(renderHeadersEnv({ authorization: value })).authorization).not.toBe(value);
  });

  it.each([
    ['comma', 'a,b', /contains ","/],
    ['percent', 'p%41ss', /contains "%"/],
    ['semicolon', 'k;v', /contains ";"/],
  ])('a key with a %s puts a warning in the plan; the helper JSON stays intact', (_n, key, re) => {
    const plan = build({ backend: 'otlp', endpoint: 'https://o.example', header: 'authorization', headerValue: 'Bearer {key}' }, { key });
    expect(plan.warnings.join('\n')).toMatch(re);
    expect(plan.warnings.join('\n')).toMatch(/headers helper \(JSON\) still carries it intact/);
    expect(helperHeaders(plan)).toEqual({ authorization: `Bearer ${key}` });
    expect(JSON.parse(renderHeadersJson(helperHeaders(plan)))).toEqual({ authorization: `Bearer ${key}` });
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
