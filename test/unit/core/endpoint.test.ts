// Endpoint joining: base + v1/<signal> with exactly one slash; trailing slashes; default ports.
import { describe, expect, it } from 'vitest';
import { isHttp, lintBaseUrl, normalizeBase, signalUrl, type Signal } from '../../../src/otel/endpoint.js';

describe('signalUrl', () => {
  it.each<[string, Signal, string]>([
    ['http://127.0.0.1:4318', 'traces', 'http://127.0.0.1:4318/v1/traces'],
    ['http://127.0.0.1:4318/', 'metrics', 'http://127.0.0.1:4318/v1/metrics'],
    ['https://otlp.example.com', 'logs', 'https://otlp.example.com/v1/logs'],
    ['https://gw.grafana.net/otlp', 'traces', 'https://gw.grafana.net/otlp/v1/traces'],
    ['https://gw.grafana.net/otlp/', 'metrics', 'https://gw.grafana.net/otlp/v1/metrics'],
    ['https://abc.live.dynatrace.com/api/v2/otlp', 'logs', 'https://abc.live.dynatrace.com/api/v2/otlp/v1/logs'],
    ['https://abc.live.dynatrace.com/api/v2/otlp/', 'traces', 'https://abc.live.dynatrace.com/api/v2/otlp/v1/traces'],
    ['https://collector.internal:4318/prefix/otlp', 'traces', 'https://collector.internal:4318/prefix/otlp/v1/traces'],
    ['https://ingest.eu.signoz.cloud:443', 'traces', 'https://ingest.eu.signoz.cloud/v1/traces'], // default port dropped
    ['http://h:80/x', 'logs', 'http://h/x/v1/logs'],
    ['https://h:8443', 'logs', 'https://h:8443/v1/logs'],
    ['http://[::1]:4318', 'metrics', 'http://[::1]:4318/v1/metrics'],
    ['HTTPS://Example.COM/OTLP', 'traces', 'https://example.com/OTLP/v1/traces'], // host lowercased, path kept
  ])('%s + %s → %s', (base, signal, want) => {
    expect(signalUrl(base, signal)).toBe(want);
  });

  it('several trailing slashes still give exactly one slash before v1', () => {
    expect(signalUrl('https://h/otlp//', 'traces')).toBe('https://h/otlp/v1/traces');
    expect(signalUrl('https://h//', 'logs')).toBe('https://h/v1/logs');
  });

  it('throws on something that is not a URL', () => {
    expect(() => signalUrl('otlp.example.com', 'traces')).toThrow();
  });
});

describe('normalizeBase', () => {
  it.each([
    ['https://h', 'https://h'],
    ['https://h/', 'https://h'],
    ['https://h/otlp/', 'https://h/otlp'],
    ['https://h/otlp//', 'https://h/otlp'],
    ['https://h/otlp', 'https://h/otlp'],
    ['https://h:443/otlp/', 'https://h/otlp'],
    ['http://h:4318/', 'http://h:4318'],
    ['https://h/api/v2/otlp/', 'https://h/api/v2/otlp'],
  ])('%s → %s', (base, want) => {
    expect(normalizeBase(base)).toBe(want);
  });

  it('is idempotent and composes with signalUrl', () => {
    for (const b of ['https://h/otlp/', 'http://h:4318/', 'https://h']) {
      expect(normalizeBase(normalizeBase(b))).toBe(normalizeBase(b));
      expect(signalUrl(normalizeBase(b), 'traces')).toBe(signalUrl(b, 'traces'));
    }
  });
});

describe('lintBaseUrl', () => {
  it.each(['http://127.0.0.1:4318', 'https://gw.grafana.net/otlp', 'https://h/api/v2/otlp/', 'https://h/v1', 'https://h/v1/traces-archive'])(
    '%s is clean',
    (base) => {
      expect(lintBaseUrl(base)).toEqual([]);
    },
  );

  it.each([
    ['not a url', /is not a URL/],
    ['', /is not a URL/],
    ['ftp://h', /scheme ftp: is not http or https/],
    ['https://h/v1/traces', /already ends in \/v1\/traces/],
    ['https://h/otlp/v1/metrics/', /already ends in \/otlp\/v1\/metrics/],
    ['https://h/v1/logs', /already ends in \/v1\/logs/],
    ['https://h/?x=1', /query or fragment/],
    ['https://h/#frag', /query or fragment/],
    ['https://user:pw@h', /credentials/],
  ])('%j → %s', (base, re) => {
    const problems = lintBaseUrl(base);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.problem).join('\n')).toMatch(re);
    for (const p of problems) expect(p.hint).toBeTruthy();
  });

  it('isHttp', () => {
    expect(isHttp('grpc')).toBe(false);
    expect(isHttp('http/protobuf')).toBe(true);
    expect(isHttp('http/json')).toBe(true);
  });
});
