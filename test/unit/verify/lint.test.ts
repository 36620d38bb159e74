// The pure rules verify applies to telemetry variables, table by table; the resource-attribute
// parse is the real @opentelemetry/resources EnvDetector.
import { describe, expect, it } from 'vitest';
import { describeCommand, parseHelperOutput } from '../../../src/verify/helper-run.js';
import { lintHeaders, parseStaticHeaders, staticHeadersAsSent, lintSignalEndpoint, lintTemporality, sameUrl, signalExport } from '../../../src/verify/lint.js';
import { attributeDiff, parseWithSdk } from '../../../src/verify/sdk-attributes.js';
import { describeEndpoints } from '../../../src/verify/checks/env.js';

describe('lintSignalEndpoint', () => {
  it.each([
    ['http ok', 'metrics', 'http/protobuf', 'https://ingest.eu.signoz.cloud:443/v1/metrics', undefined, []],
    ['trailing slash (404s: used as-is)', 'logs', 'http/protobuf', 'https://h/v1/logs/', undefined, ['fail: logs: https://h/v1/logs/ ends in "/"']],
    ['doubled /v1/', 'traces', 'http/protobuf', 'https://h/v1/traces/v1/traces', undefined, ['fail: traces: doubled /v1/']],
    ['base ending in /v1 (→ /v1/v1/<signal>)', 'logs', 'http/protobuf', 'https://h/v1/v1/logs', undefined, ['fail: logs: doubled /v1/ in /v1/v1/logs']],
    ['/v1 twice, apart', 'metrics', 'http/json', 'https://h/v1/otlp/v1/metrics', undefined, ['fail: metrics: doubled /v1/']],
    ['a segment that merely contains v1', 'metrics', 'http/protobuf', 'https://h/apiv1/v1/metrics', undefined, []],
    ['per-signal URL without /v1/<signal>', 'metrics', 'http/json', 'https://h/otlp', undefined, ['fail: metrics: https://h/otlp does not end in /v1/metrics']],
    ['another signal’s path', 'logs', 'http/protobuf', 'https://h/v1/traces', undefined, ['fail: logs: https://h/v1/traces does not end in /v1/logs']],
    ['Grafana without /otlp', 'logs', 'http/protobuf', 'https://otlp-gateway-prod-eu-west-2.grafana.net/v1/logs', 'grafana-cloud', ['fail: logs: Grafana Cloud URL lacks the /otlp base']],
    ['Grafana with /otlp', 'logs', 'http/protobuf', 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/logs', 'grafana-cloud', []],
    ['Grafana preset at a local receiver', 'logs', 'http/protobuf', 'http://127.0.0.1:4318/v1/logs', 'grafana-cloud', ["warn: logs: Grafana Cloud preset, but 127.0.0.1 is not Grafana Cloud's host"]],
    ['Dynatrace without /api/v2/otlp', 'traces', 'http/protobuf', 'https://abc123.live.dynatrace.com/v1/traces', 'dynatrace', ['fail: traces: Dynatrace URL lacks the /api/v2/otlp base']],
    ['Dynatrace with /api/v2/otlp', 'traces', 'http/protobuf', 'https://abc123.live.dynatrace.com/api/v2/otlp/v1/traces', 'dynatrace', []],
    ['Dynatrace preset at an ActiveGate', 'traces', 'http/protobuf', 'https://activegate.corp:9999/e/abc/v1/traces', 'dynatrace', ["warn: traces: Dynatrace preset, but activegate.corp is not Dynatrace's host"]],
    ['grpc bare', 'metrics', 'grpc', 'https://ingest.us.signoz.cloud:443', undefined, []],
    ['grpc with a path', 'metrics', 'grpc', 'https://h:4317/v1/metrics', undefined, ['warn: metrics: gRPC endpoint has a path']],
    ['query string', 'metrics', 'http/protobuf', 'https://h/v1/metrics?x=1', undefined, ['fail: metrics: the URL has a query']],
    ['credentials', 'metrics', 'http/protobuf', 'https://u:p@h/v1/metrics', undefined, ['fail: metrics: the URL carries credentials']],
    ['not a URL', 'metrics', 'http/protobuf', 'otlp.example.com:4318', undefined, ['fail: metrics: "otlp.example.com:4318" is not a URL']],
    ['bad scheme', 'metrics', 'http/protobuf', 'ftp://h/v1/metrics', undefined, ['fail: metrics: scheme ftp: is not http or https']],
  ] as const)('%s', (_n, signal, protocol, url, backend, want) => {
    const got = lintSignalEndpoint(signal, protocol, url, backend ? { backend } : {}).map((f) => `${f.level}: ${f.message}`);
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(got[i]).toContain(w));
  });

  it('warns about plain http to a remote host only when a key is sent', () => {
    expect(lintSignalEndpoint('logs', 'http/protobuf', 'http://otel.corp/v1/logs', { sendsAuth: true })).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('unencrypted') })]);
    expect(lintSignalEndpoint('logs', 'http/protobuf', 'http://otel.corp/v1/logs', { sendsAuth: false })).toEqual([]);
    expect(lintSignalEndpoint('logs', 'http/protobuf', 'http://127.0.0.1:4318/v1/logs', { sendsAuth: true })).toEqual([]);
  });
});

describe('lintTemporality', () => {
  it.each([
    ['grafana-cloud', 'cumulative', 'cumulative', []],
    ['grafana-cloud', 'delta', 'cumulative', ['fail']],
    ['grafana-cloud', undefined, 'cumulative', ['fail']], // unset = Claude Code's delta
    ['datadog', 'cumulative', 'delta', ['fail']],
    ['dynatrace', 'lowmemory', 'delta', []],
    ['honeycomb', 'cumulative', 'delta', ['warn']],
    ['signoz-cloud', undefined, 'delta', []],
    ['signoz-cloud', 'sideways', 'delta', ['fail']],
  ] as const)('%s with %s', (backend, actual, preferred, want) => {
    expect(lintTemporality(backend, actual, preferred).map((f) => f.level)).toEqual(want);
  });

  it("names Claude Code's default when the variable is unset", () => {
    expect(lintTemporality('grafana-cloud', undefined, 'cumulative')[0]!.message).toContain("Claude Code's default");
  });
});

describe('lintHeaders', () => {
  it('checks names and values without quoting values', () => {
    const f = lintHeaders({ 'bad name': 'x', authorization: 'Bearer abc\nInjected: 1' }, { envFormOnly: false });
    expect(f.map((x) => x.level)).toEqual(['fail', 'fail']);
    expect(JSON.stringify(f)).not.toContain('Injected');
  });

  it('a comma in a value: warn with the helper, fail when the env form is the only one (grpc)', () => {
    expect(lintHeaders({ authorization: 'a,b' }, { envFormOnly: false }).map((x) => x.level)).toEqual(['warn']);
    expect(lintHeaders({ authorization: 'a,b' }, { envFormOnly: true }).map((x) => x.level)).toEqual(['fail']);
  });

  it('parseStaticHeaders keeps the names the SDK parser keeps: decoded, undecodable or empty entries dropped', async () => {
    expect(Object.keys(await parseStaticHeaders('authorization=Bearer x,x-dataset=d'))).toEqual(['authorization', 'x-dataset']);
    expect(Object.keys(await parseStaticHeaders(undefined))).toEqual([]);
    expect(Object.keys(await parseStaticHeaders('x-api-key=abc%zz,x-b=1'))).toEqual(['x-b']); // %zz does not decode
    expect(Object.keys(await parseStaticHeaders('x%2Dkey=v,empty='))).toEqual(['x-key']);
    expect(await parseStaticHeaders('authorization=Basic%20abc==;prop=1')).toEqual({ authorization: 'Basic abc==' });
  });

  it.each([
    // measured with Claude Code 2.1.197: http/* verbatim (trimmed), grpc through the SDK parser
    ['http/protobuf', 'authorization=Basic%20abc%3D%3D,x-raw=Basic def==,x-p=v;prop=1, x-t = spaced ', { authorization: 'Basic%20abc%3D%3D', 'x-raw': 'Basic def==', 'x-p': 'v;prop=1', 'x-t': 'spaced' }, []],
    ['grpc', 'authorization=Basic%20abc%3D%3D,x-raw=Basic def==,x-p=v;prop=1, x-t = spaced ', { authorization: 'Basic abc==', 'x-raw': 'Basic def==', 'x-p': 'v', 'x-t': 'spaced' }, []],
    ['http/json', 'a=100%,b=ok', { a: '100%', b: 'ok' }, ['a']],
    ['grpc', 'a=100%,b=ok', { b: 'ok' }, ['a']],
  ] as const)('staticHeadersAsSent(%s, %j)', async (protocol, raw, headers, undecodable) => {
    expect(await staticHeadersAsSent(raw, protocol)).toEqual({ headers, undecodable });
  });
});

describe('signalExport (how the exporter resolves a signal from its environment)', () => {
  it.each([
    ['generic HTTP base', { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://h/otlp' }, 'metrics', { exporterOn: true, protocol: 'http/protobuf', endpoint: 'https://h/otlp/v1/metrics', endpointVar: 'OTEL_EXPORTER_OTLP_ENDPOINT' }],
    ['per-signal wins', { OTEL_LOGS_EXPORTER: 'console,otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://a', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://b/v1/logs' }, 'logs', { exporterOn: true, endpoint: 'https://b/v1/logs', endpointVar: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT' }],
    ['per-signal protocol wins', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4317' }, 'traces', { exporterOn: false, protocol: 'grpc', endpoint: 'http://h:4317' }],
    ['nothing set', {}, 'metrics', { exporterOn: false, protocol: undefined, endpoint: undefined }],
  ] as const)('%s', (_n, env, signal, want) => {
    expect(signalExport(env, signal)).toMatchObject(want);
  });

  it('the fix for a base ending in /v1 says so', () => {
    expect(lintSignalEndpoint('logs', 'http/protobuf', 'https://h/v1/v1/logs')[0]!.fix).toMatch(/^the base URL ends in \/v1:/);
  });

  it('sameUrl ignores case of the host and a default port, not a trailing slash on a path', () => {
    expect(sameUrl('https://H.example:443/v1/logs', 'https://h.example/v1/logs')).toBe(true);
    expect(sameUrl('https://h.example/v1/logs/', 'https://h.example/v1/logs')).toBe(false);
    expect(sameUrl('https://h.example:4317/', 'https://h.example:4317')).toBe(true);
    expect(sameUrl('https://ingest.eu.signoz.cloud/v1/logs', 'https://ingest.us.signoz.cloud/v1/logs')).toBe(false);
  });
});

describe('OTEL_RESOURCE_ATTRIBUTES through the real SDK parser', () => {
  it('parses a well-encoded value into the intended map', async () => {
    const r = await parseWithSdk('engineer=ada,team=plat%20form,note=a%2Cb%3Dc');
    expect(r).toEqual({ attributes: { engineer: 'ada', team: 'plat form', note: 'a,b=c' }, discarded: false });
    expect(process.env.OTEL_RESOURCE_ATTRIBUTES).toBeUndefined(); // restored
  });

  it.each([
    ['an unencoded "="', 'team=a=b,engineer=ada', /key=value/],
    ['an empty key', '=x,engineer=ada', /empty key/],
    ['an over-long value', `engineer=${'x'.repeat(300)}`, /255/],
  ])('one bad entry (%s) discards the whole variable, with the reason', async (_n, raw, reason) => {
    const r = await parseWithSdk(raw);
    expect(r.discarded).toBe(true);
    expect(r.attributes).toEqual({});
    expect(r.reason).toMatch(reason);
  });

  it('attributeDiff lists keys that differ or are missing', () => {
    expect(attributeDiff({ a: '1', b: '2' }, { a: '1', b: '3', c: '4' })).toEqual(['b', 'c']);
  });
});

describe('helper output and display', () => {
  it.each([
    ['{"authorization":"Bearer x"}\n', { ok: true }],
    ['', { ok: false, problem: 'printed nothing on stdout' }],
    ['Bearer x', { ok: false, problem: 'stdout is not JSON (8 characters)' }],
    ['["a"]', { ok: false, problem: 'stdout is JSON but not an object (an array)' }],
    ['{"x-n":1}', { ok: false, problem: 'the value of "x-n" is number, not a string' }],
    ['{"bad name":"v"}', { ok: false, problem: '"bad name" is not a valid header name' }],
    ['{"a":"v\\r\\nX: y"}', { ok: false, problem: 'the value of "a" contains a newline or control character' }],
  ])('parseHelperOutput(%j)', (stdout, want) => {
    expect(parseHelperOutput(stdout)).toMatchObject(want);
  });

  it('describeCommand elides what could be a secret', () => {
    expect(describeCommand('/usr/local/bin/cc-otel headers')).toBe('/usr/local/bin/cc-otel headers');
    expect(describeCommand(`echo '{"authorization":"Bearer sk-123"}'`)).toBe('echo … …');
    expect(describeCommand('get-token --token=abcdef')).toBe('get-token …');
    expect(describeCommand('get-token abcdefghijklmnopqrstuvwxyz123456')).toBe('get-token …');
  });

  it('describeEndpoints folds per-signal URLs that share a base', () => {
    expect(describeEndpoints({ metrics: 'https://h/otlp/v1/metrics', logs: 'https://h/otlp/v1/logs' })).toBe('https://h/otlp/v1/{metrics,logs}');
    expect(describeEndpoints({ metrics: 'http://h:4317', logs: 'http://h:4317' })).toBe('http://h:4317');
    expect(describeEndpoints({ metrics: 'https://a/v1/metrics', logs: 'https://b/v1/logs' })).toBe('metrics → https://a/v1/metrics; logs → https://b/v1/logs');
  });
});
