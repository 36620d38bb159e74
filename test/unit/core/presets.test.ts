// Every backend preset: representative config → buildTelemetry() plan (endpoints, protocol,
// temporality, signals, auth and per-signal headers), and the configuration errors.
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from '../../../src/backends/index.js';
import type { Config } from '../../../src/config/schema.js';
import { CcOtelError } from '../../../src/errors.js';
import type { Signal } from '../../../src/otel/endpoint.js';
import { helperHeaders, settingsEnv } from '../../../src/otel/build-env.js';
import { build, KEY, varsOf } from './build.js';

interface PresetCase {
  config: Config;
  protocol: string;
  temporality: 'delta' | 'cumulative';
  signals: Signal[];
  /** per-signal URLs (HTTP) or the grpc base */
  endpoints: Partial<Record<Signal, string>>;
  /** auth headers built from KEY; a function checks what can't be compared literally */
  auth: Record<string, string | ((v: string) => void)>;
  signalHeaders?: Partial<Record<Signal, Record<string, string>>>;
  commonHeaders?: Record<string, string>;
}

const decodeBasic = (v: string): string => {
  expect(v).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
  return Buffer.from(v.slice('Basic '.length), 'base64').toString('utf8');
};

const CASES: Record<string, PresetCase> = {
  local: {
    config: { backend: 'local' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs', 'traces'],
    endpoints: { metrics: 'http://127.0.0.1:4318/v1/metrics', logs: 'http://127.0.0.1:4318/v1/logs', traces: 'http://127.0.0.1:4318/v1/traces' },
    auth: {},
  },
  otlp: {
    config: { backend: 'otlp', endpoint: 'https://otlp.example.com:4318/', header: 'authorization', headerValue: 'Bearer {key}' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs', 'traces'],
    endpoints: {
      metrics: 'https://otlp.example.com:4318/v1/metrics',
      logs: 'https://otlp.example.com:4318/v1/logs',
      traces: 'https://otlp.example.com:4318/v1/traces',
    },
    auth: { authorization: `Bearer ${KEY}` },
  },
  'signoz-cloud': {
    config: { backend: 'signoz-cloud', region: 'eu' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs', 'traces'],
    // :443 is the https default port: URL drops it
    endpoints: { metrics: 'https://ingest.eu.signoz.cloud/v1/metrics', logs: 'https://ingest.eu.signoz.cloud/v1/logs', traces: 'https://ingest.eu.signoz.cloud/v1/traces' },
    auth: { 'signoz-ingestion-key': KEY },
  },
  signoz: {
    config: { backend: 'signoz', endpoint: 'http://signoz.internal:4318' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs', 'traces'],
    endpoints: { metrics: 'http://signoz.internal:4318/v1/metrics', logs: 'http://signoz.internal:4318/v1/logs', traces: 'http://signoz.internal:4318/v1/traces' },
    auth: { 'signoz-ingestion-key': KEY },
  },
  'grafana-cloud': {
    config: { backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', instanceId: '123456' },
    protocol: 'http/protobuf',
    temporality: 'cumulative',
    signals: ['metrics', 'logs', 'traces'],
    endpoints: {
      metrics: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/metrics',
      logs: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/logs',
      traces: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/traces',
    },
    auth: { Authorization: (v) => expect(decodeBasic(v)).toBe(`123456:${KEY}`) },
  },
  honeycomb: {
    config: { backend: 'honeycomb', region: 'eu' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs', 'traces'],
    endpoints: { metrics: 'https://api.eu1.honeycomb.io/v1/metrics', logs: 'https://api.eu1.honeycomb.io/v1/logs', traces: 'https://api.eu1.honeycomb.io/v1/traces' },
    auth: { 'x-honeycomb-team': KEY },
    signalHeaders: { metrics: { 'x-honeycomb-dataset': 'claude-code-metrics' } },
  },
  datadog: {
    config: { backend: 'datadog', site: 'datadoghq.eu' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs'],
    endpoints: { metrics: 'https://otlp.datadoghq.eu/v1/metrics', logs: 'https://otlp.datadoghq.eu/v1/logs' },
    auth: { 'dd-api-key': KEY },
    signalHeaders: { logs: { 'dd-protocol': 'otlp' } },
  },
  newrelic: {
    config: { backend: 'newrelic', region: 'eu' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs', 'traces'],
    endpoints: { metrics: 'https://otlp.eu01.nr-data.net/v1/metrics', logs: 'https://otlp.eu01.nr-data.net/v1/logs', traces: 'https://otlp.eu01.nr-data.net/v1/traces' },
    auth: { 'api-key': KEY },
  },
  dynatrace: {
    config: { backend: 'dynatrace', endpoint: 'https://abc12345.live.dynatrace.com/api/v2/otlp' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'logs', 'traces'],
    endpoints: {
      metrics: 'https://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics',
      logs: 'https://abc12345.live.dynatrace.com/api/v2/otlp/v1/logs',
      traces: 'https://abc12345.live.dynatrace.com/api/v2/otlp/v1/traces',
    },
    auth: { Authorization: `Api-Token ${KEY}` },
  },
  axiom: {
    // no logs dataset → no logs
    config: { backend: 'axiom', datasets: { traces: 'cc-traces', metrics: 'cc-metrics' } },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['metrics', 'traces'],
    endpoints: { metrics: 'https://us-east-1.aws.edge.axiom.co/v1/metrics', traces: 'https://us-east-1.aws.edge.axiom.co/v1/traces' },
    auth: { Authorization: `Bearer ${KEY}` },
    signalHeaders: { traces: { 'X-Axiom-Dataset': 'cc-traces' }, metrics: { 'X-Axiom-Metrics-Dataset': 'cc-metrics' } },
  },
  langfuse: {
    config: { backend: 'langfuse', publicKey: 'pk-lf-1234', region: 'us' },
    protocol: 'http/protobuf',
    temporality: 'delta',
    signals: ['traces'],
    endpoints: { traces: 'https://us.cloud.langfuse.com/api/public/otel/v1/traces' },
    auth: { Authorization: (v) => expect(decodeBasic(v)).toBe(`pk-lf-1234:${KEY}`) },
  },
};

const SIGNAL_VARS: Record<Signal, { exporter: string; endpoint: string; headers: string }> = {
  metrics: { exporter: 'OTEL_METRICS_EXPORTER', endpoint: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', headers: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS' },
  logs: { exporter: 'OTEL_LOGS_EXPORTER', endpoint: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', headers: 'OTEL_EXPORTER_OTLP_LOGS_HEADERS' },
  traces: { exporter: 'OTEL_TRACES_EXPORTER', endpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', headers: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS' },
};

describe('presets: representative config → plan', () => {
  it('the table covers every registered backend', () => {
    expect(Object.keys(CASES).sort()).toEqual([...PRESET_NAMES].sort());
  });

  it.each(Object.entries(CASES))('%s', (name, c) => {
    const plan = build(c.config);
    expect(plan.backend).toBe(name);
    expect(plan.protocol).toBe(c.protocol);
    expect(plan.temporality).toBe(c.temporality);
    expect(plan.signals).toEqual(c.signals);
    expect(plan.endpoints).toEqual(c.endpoints);
    for (const url of Object.values(plan.endpoints)) expect(url).toMatch(/\/v1\/(traces|metrics|logs)$/);

    // auth headers from the key
    expect(Object.keys(plan.authHeaders ?? {}).sort()).toEqual(Object.keys(c.auth).sort());
    expect(plan.authHeaderNames.sort()).toEqual(Object.keys(c.auth).sort());
    for (const [h, want] of Object.entries(c.auth)) {
      const got = plan.authHeaders?.[h];
      expect(got, h).toBeTypeOf('string');
      if (typeof want === 'function') want(got ?? '');
      else expect(got).toBe(want);
    }
    expect(helperHeaders(plan)).toEqual({ ...(c.commonHeaders ?? {}), ...(plan.authHeaders ?? {}) });

    // per-signal non-secret headers
    expect(plan.signalHeaders).toEqual(c.signalHeaders ?? {});

    // the env vars
    const vars = varsOf(plan);
    expect(vars.CLAUDE_CODE_ENABLE_TELEMETRY).toBe('1');
    expect(vars.OTEL_EXPORTER_OTLP_PROTOCOL).toBe(c.protocol);
    expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined(); // HTTP: per-signal URLs only
    for (const s of ['metrics', 'logs', 'traces'] as Signal[]) {
      const on = c.signals.includes(s);
      expect(vars[SIGNAL_VARS[s].exporter], s).toBe(on ? 'otlp' : 'none');
      expect(vars[SIGNAL_VARS[s].endpoint], s).toBe(on ? c.endpoints[s] : undefined);
      const sh = c.signalHeaders?.[s];
      expect(vars[SIGNAL_VARS[s].headers], s).toBe(on && sh ? Object.entries(sh).map(([k, v]) => `${k}=${v}`).join(',') : undefined);
    }
    expect(vars.CLAUDE_CODE_ENHANCED_TELEMETRY_BETA).toBe(c.signals.includes('traces') ? '1' : undefined);
    expect(vars.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).toBe(c.signals.includes('metrics') ? c.temporality : undefined);
    const authEntries = Object.entries(plan.authHeaders ?? {});
    if (authEntries.length) {
      expect(vars.OTEL_EXPORTER_OTLP_HEADERS).toBe(authEntries.map(([k, v]) => `${k}=${v}`).join(','));
      expect(plan.vars.find((v) => v.name === 'OTEL_EXPORTER_OTLP_HEADERS')?.secret).toBe(true);
      // the secret never goes into a settings file
      expect(JSON.stringify(settingsEnv(plan))).not.toContain(KEY);
    } else {
      expect(vars.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
    }
    expect(plan.warnings).toEqual([]);
  });
});

describe('presets: protocol-specific and optional behaviour', () => {
  it.each([
    ['local', { backend: 'local', protocol: 'grpc' } as Config, 'http://127.0.0.1:4317', 'true'],
    ['honeycomb', { backend: 'honeycomb', protocol: 'grpc' } as Config, 'https://api.honeycomb.io:443', undefined],
    ['signoz-cloud', { backend: 'signoz-cloud', region: 'in', protocol: 'grpc' } as Config, 'https://ingest.in.signoz.cloud:443', undefined],
    ['newrelic', { backend: 'newrelic', protocol: 'grpc' } as Config, 'https://otlp.nr-data.net', undefined],
  ])('%s over grpc: the base, no /v1/<signal>', (_name, config, base, insecure) => {
    const plan = build(config);
    expect(plan.protocol).toBe('grpc');
    for (const s of plan.signals) expect(plan.endpoints[s]).toBe(base);
    const vars = varsOf(plan);
    expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(base);
    expect(vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBeUndefined();
    expect(vars.OTEL_EXPORTER_OTLP_INSECURE).toBe(insecure);
  });

  it('grpc with a key: helper unusable, warned', () => {
    const plan = build({ backend: 'honeycomb', protocol: 'grpc' });
    expect(plan.helperUsable).toBe(false);
    expect(plan.warnings.join('\n')).toMatch(/otelHeadersHelper/);
  });

  it('grpc without auth (local): helper usable, no warning', () => {
    const plan = build({ backend: 'local', protocol: 'grpc' });
    expect(plan.helperUsable).toBe(true);
    expect(plan.warnings).toEqual([]);
  });

  it('http/json is accepted where the preset allows it', () => {
    const plan = build({ backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp', instanceId: '1', protocol: 'http/json' });
    expect(varsOf(plan).OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/json');
  });

  it('otlp: headerValue defaults to {key}; no header → no key needed', () => {
    expect(build({ backend: 'otlp', endpoint: 'https://o.example', header: 'x-api-key' }).authHeaders).toEqual({ 'x-api-key': KEY });
    const none = build({ backend: 'otlp', endpoint: 'https://o.example' }, { key: undefined });
    expect(none.keyNeeded).toBe('none');
    expect(none.authHeaderNames).toEqual([]);
  });

  it.each<[string, Config, 'required' | 'optional' | 'none']>([
    ['local', { backend: 'local' }, 'none'],
    ['otlp without header', { backend: 'otlp', endpoint: 'https://o.example' }, 'none'],
    ['otlp with an auth header', { backend: 'otlp', endpoint: 'https://o.example', header: 'authorization' }, 'required'],
    ['self-hosted signoz', { backend: 'signoz', endpoint: 'http://s:4318' }, 'optional'],
    ['datadog', { backend: 'datadog' }, 'required'],
  ])('keyNeeded: %s → %s', (_n, config, want) => {
    expect(build(config, { key: undefined }).keyNeeded).toBe(want);
  });

  it('otlp headerValue template: every {key} is replaced, nothing else', () => {
    const plan = build({ backend: 'otlp', endpoint: 'https://o.example', header: 'x-auth', headerValue: 'Key {key}; again {key}' }, { key: 'a$1' });
    expect(plan.authHeaders).toEqual({ 'x-auth': 'Key a$1; again a$1' });
  });

  it('honeycomb: configured metrics dataset', () => {
    expect(build({ backend: 'honeycomb', dataset: 'mine' }).signalHeaders).toEqual({ metrics: { 'x-honeycomb-dataset': 'mine' } });
  });

  it('datadog default site', () => {
    expect(build({ backend: 'datadog' }).endpoints.metrics).toBe('https://otlp.datadoghq.com/v1/metrics');
  });

  it('langfuse default region eu', () => {
    expect(build({ backend: 'langfuse', publicKey: 'pk' }).endpoints.traces).toBe('https://cloud.langfuse.com/api/public/otel/v1/traces');
  });

  it('langfuse ingestionVersion 4 → x-langfuse-ingestion-version: 4 (non-secret, beside the Basic auth)', () => {
    const plan = build({ backend: 'langfuse', publicKey: 'pk', ingestionVersion: '4' });
    expect(helperHeaders(plan)).toEqual({ 'x-langfuse-ingestion-version': '4', Authorization: `Basic ${Buffer.from(`pk:${KEY}`).toString('base64')}` });
    expect(varsOf(plan).OTEL_EXPORTER_OTLP_HEADERS).toContain('x-langfuse-ingestion-version=4');
    expect(helperHeaders(build({ backend: 'langfuse', publicKey: 'pk' }))).not.toHaveProperty('x-langfuse-ingestion-version');
    expect(() => build({ backend: 'langfuse', publicKey: 'pk', ingestionVersion: '3' })).toThrow(/ingestionVersion/);
  });

  it('endpoint override beats the region', () => {
    const plan = build({ backend: 'newrelic', region: 'eu', endpoint: 'https://proxy.internal/nr' });
    expect(plan.endpoints.logs).toBe('https://proxy.internal/nr/v1/logs');
  });

  it('signals narrow the set; temporality override warns', () => {
    const plan = build({ backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp', instanceId: '1', signals: ['logs'], temporality: 'delta' });
    expect(plan.signals).toEqual(['logs']);
    expect(varsOf(plan).OTEL_METRICS_EXPORTER).toBe('none');
    expect(plan.warnings.join()).toMatch(/temporality delta overrides grafana-cloud's cumulative/);
  });

  it('without the key: auth header names known, values absent', () => {
    const plan = build({ backend: 'datadog' }, { key: undefined });
    expect(plan.authHeaderNames).toEqual(['dd-api-key']);
    expect(plan.authHeaders).toBeUndefined();
    expect(varsOf(plan).OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
  });

  it('a key with a newline is refused (header injection)', () => {
    expect(() => build({ backend: 'datadog' }, { key: 'abc\r\nX-Evil: 1' })).toThrow(expect.objectContaining({ code: 'KEY_SOURCE_FAILED' }));
  });
});

function configError(config: Config): CcOtelError {
  try {
    build(config);
  } catch (e) {
    expect(e).toBeInstanceOf(CcOtelError);
    return e as CcOtelError;
  }
  throw new Error(`expected a config error for ${JSON.stringify(config)}`);
}

describe('presets: configuration errors', () => {
  it.each<[string, Config, RegExp]>([
    ['missing required field', { backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp' }, /"instanceId" is required/],
    ['missing endpoint', { backend: 'dynatrace' }, /"endpoint" is required/],
    ['missing region lists the regions', { backend: 'signoz-cloud' }, /"region" is required for signoz-cloud: SigNoz Cloud region \(one of us, eu, in\)/],
    ['missing langfuse publicKey', { backend: 'langfuse' }, /"publicKey" is required/],
    ['bad region', { backend: 'honeycomb', region: 'mars' }, /"region" must be one of us, eu, got "mars"/],
    ['bad site', { backend: 'datadog', site: 'datadoghq.org' }, /"site" must be one of .*datadoghq\.eu.*got "datadoghq\.org"/],
    ['grafana endpoint without /otlp', { backend: 'grafana-cloud', endpoint: 'https://g.grafana.net', instanceId: '1' }, /endpoint must be the gateway base ending in \/otlp/],
    ['grafana non-numeric instanceId', { backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp', instanceId: 'abc' }, /instanceId "abc"/],
    ['dynatrace endpoint path', { backend: 'dynatrace', endpoint: 'https://abc.live.dynatrace.com' }, /endpoint should end in \/api\/v2\/otlp/],
    ['grpc for an HTTP-only backend', { backend: 'grafana-cloud', endpoint: 'https://g.grafana.net/otlp', instanceId: '1', protocol: 'grpc' }, /does not accept protocol grpc; use http\/protobuf or http\/json/],
    ['grpc for datadog', { backend: 'datadog', protocol: 'grpc' }, /protocol grpc/],
    ['signal the backend does not accept', { backend: 'langfuse', publicKey: 'pk', signals: ['metrics'] }, /signals.*langfuse does not accept metrics/],
    ['datadog traces', { backend: 'datadog', signals: ['traces'] }, /signals.*datadog does not accept traces/],
    ['doubled /v1/traces', { backend: 'otlp', endpoint: 'https://o.example/v1/traces' }, /endpoint: base URL already ends in \/v1\/traces/],
    ['doubled /v1/metrics/', { backend: 'signoz', endpoint: 'http://s:4318/v1/metrics/' }, /endpoint: base URL already ends in \/v1\/metrics/],
    ['endpoint with credentials', { backend: 'otlp', endpoint: 'https://u:p@o.example' }, /endpoint: URL carries credentials/],
    ['endpoint with query', { backend: 'otlp', endpoint: 'https://o.example/?a=1' }, /endpoint: URL has a query/],
    ['axiom without datasets', { backend: 'axiom' }, /"datasets" is required/],
    ['axiom empty datasets', { backend: 'axiom', datasets: {} }, /datasets needs at least one/],
    ['axiom: wanted signal without a dataset', { backend: 'axiom', datasets: { traces: 't' }, signals: ['logs'] }, /no signal left.*signals/],
    ['otlp headerValue without {key}', { backend: 'otlp', endpoint: 'https://o.example', header: 'a', headerValue: 'Bearer' }, /headerValue must contain \{key\}/],
    ['otlp bad header name', { backend: 'otlp', endpoint: 'https://o.example', header: 'bad header' }, /header "bad header" is not a valid/],
    ['no backend', {}, /no backend configured/],
    ['unknown backend', { backend: 'splunk' }, /unknown backend "splunk"/],
  ])('%s → CONFIG_INVALID', (_name, config, re) => {
    const e = configError(config);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(re);
    expect(e.hint).toBeTruthy();
  });

  it.each<[string, Config]>([
    ['grafana-cloud at a local receiver', { backend: 'grafana-cloud', endpoint: 'http://127.0.0.1:4318', instanceId: '1' }],
    ['grafana-cloud behind a collector', { backend: 'grafana-cloud', endpoint: 'https://otel-proxy.corp.example/grafana', instanceId: '1' }],
    ['dynatrace at a local receiver', { backend: 'dynatrace', endpoint: 'http://localhost:4318' }],
    ['dynatrace ActiveGate on its own domain', { backend: 'dynatrace', endpoint: 'https://ag.corp.example:9999/e/abc123/api/v2/otlp' }],
  ])('%s: the vendor path rule does not apply off the vendor host', (_n, config) => {
    expect(() => build(config)).not.toThrow();
  });

  it.each<[string, Config, RegExp]>([
    ['grafana.net without /otlp', { backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-us-east-0.grafana.net/v1', instanceId: '1' }, /ending in \/otlp/],
    ['live.dynatrace.com without /api/v2/otlp', { backend: 'dynatrace', endpoint: 'https://abc12345.live.dynatrace.com/otlp' }, /\/api\/v2\/otlp/],
  ])('%s: still a config error on the vendor host', (_n, config, re) => {
    expect(configError(config).message).toMatch(re);
  });

  it('several problems are reported together', () => {
    const e = configError({ backend: 'grafana-cloud', protocol: 'grpc' });
    expect(e.message).toMatch(/"endpoint" is required/);
    expect(e.message).toMatch(/"instanceId" is required/);
    expect(e.message).toMatch(/protocol grpc/);
  });
});

describe('cardinality switches (claude-code-facts §6: every OTEL_METRICS_INCLUDE_* Claude Code reads)', () => {
  it.each<[keyof NonNullable<Config['cardinality']>, string]>([
    ['sessionId', 'OTEL_METRICS_INCLUDE_SESSION_ID'],
    ['version', 'OTEL_METRICS_INCLUDE_VERSION'],
    ['accountUuid', 'OTEL_METRICS_INCLUDE_ACCOUNT_UUID'],
    ['entrypoint', 'OTEL_METRICS_INCLUDE_ENTRYPOINT'],
    ['resourceAttributes', 'OTEL_METRICS_INCLUDE_RESOURCE_ATTRIBUTES'],
  ])('cardinality.%s → %s (true/false; unset leaves Claude Code\'s default)', (key, name) => {
    expect(varsOf(build({ backend: 'local', cardinality: { [key]: false } }))[name]).toBe('false');
    expect(varsOf(build({ backend: 'local', cardinality: { [key]: true } }))[name]).toBe('true');
    expect(varsOf(build({ backend: 'local' }))[name]).toBeUndefined();
  });
});
