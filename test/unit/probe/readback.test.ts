// Read-back modules against local HTTP servers (127.0.0.1:0) answering each backend's documented
// response shape (docs/backends.md): found, not found, 401/403 — plus what each request carried.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  datadogReadback,
  grafanaCloudReadback,
  honeycombReadback,
  localReadback,
  newRelicReadback,
  signozReadback,
  waitForProbe,
} from '../../../src/probe/readback/index.js';
import type { ReadbackModule, ReadbackQuery } from '../../../src/probe/readback/index.js';

interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}
type Route = (r: ApiRequest) => { status?: number; json?: unknown; text?: string; delayMs?: number } | undefined;

interface Api {
  url: string;
  requests: ApiRequest[];
  close(): Promise<void>;
}

const servers: Api[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function api(route: Route): Promise<Api> {
  const requests: ApiRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        /* keep text */
      }
      const r: ApiRequest = { method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, body };
      requests.push(r);
      const out = route(r) ?? { status: 404, json: { error: 'not found' } };
      const send = (): void => {
        res.writeHead(out.status ?? 200, { 'Content-Type': out.text !== undefined ? 'text/plain' : 'application/json' });
        res.end(out.text ?? JSON.stringify(out.json ?? {}));
      };
      if (out.delayMs) setTimeout(send, out.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const s: Api = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  servers.push(s);
  return s;
}

const PROBE = 'probe-1234';
const SENT = Date.parse('2026-06-18T09:00:00Z');
const base = { probeId: PROBE, sentAtMs: SENT, now: () => SENT + 10_000, timeoutMs: 2000 };

describe('SigNoz', () => {
  const stats = (lastIso?: string) => ({
    json: {
      status: 'success',
      data: {
        'telemetry.logs.count': 10,
        ...(lastIso ? { 'telemetry.logs.last_observed.time': lastIso, 'telemetry.logs.last_observed.time_unix': Date.parse(lastIso) / 1000 } : {}),
      },
    },
  });
  const raw = (rows: number) => ({
    json: {
      status: 'success',
      data: { type: 'raw', data: { results: [{ queryName: 'A', rows: Array.from({ length: rows }, () => ({ timestamp: '2026-06-18T09:00:01Z', data: { body: 'x' } })) }] }, meta: {} },
    },
  });

  it('found: stats then a v5 raw query filtered on the probe id, with SIGNOZ-API-KEY', async () => {
    const s = await api((r) => (r.path === '/api/v1/stats' ? stats('2026-06-18T09:00:05Z') : r.path === '/api/v5/query_range' ? raw(1) : undefined));
    const res = await signozReadback.query({ ...base, signal: 'logs', baseUrl: s.url, apiKey: 'sz-key' });
    expect(res.status).toBe('found');
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/stats', 'POST /api/v5/query_range']);
    expect(s.requests[0]!.headers['signoz-api-key']).toBe('sz-key');
    const body = s.requests[1]!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      requestType: 'raw',
      start: SENT - 5 * 60_000,
      end: SENT + 10_000 + 60_000,
      compositeQuery: { queries: [{ type: 'builder_query', spec: { signal: 'logs', filter: { expression: `resource.cc_otel.probe_id = '${PROBE}'` } } }] },
    });
  });

  it('found: metrics as a scalar increase of the cc_otel.probe counter, filtered on the resource. key', async () => {
    // The mock answers only the documented v5 shape (backends.md §1c): anything else is a 400.
    const s = await api((r) => {
      if (r.path === '/api/v1/stats') return stats();
      const b = r.body as { start?: unknown; end?: unknown; requestType?: unknown; compositeQuery?: { queries?: Array<{ type?: unknown; spec?: Record<string, unknown> }> } };
      const q = b.compositeQuery?.queries;
      const spec = q?.[0]?.spec;
      const agg = (spec?.aggregations as Array<Record<string, unknown>> | undefined)?.[0];
      const ok =
        typeof b.start === 'number' &&
        typeof b.end === 'number' &&
        b.requestType === 'scalar' &&
        q?.length === 1 &&
        q[0]!.type === 'builder_query' &&
        spec?.signal === 'metrics' &&
        agg?.metricName === 'cc_otel.probe' &&
        (agg.timeAggregation === 'increase' || agg.timeAggregation === 'rate') &&
        agg.spaceAggregation === 'sum' &&
        (spec.filter as { expression?: unknown } | undefined)?.expression === `resource.cc_otel.probe_id = '${PROBE}'`;
      if (!ok) return { status: 400, json: { status: 'error', error: { message: 'unexpected query shape' } } };
      return { json: { status: 'success', data: { type: 'scalar', data: { results: [{ queryName: 'A', columns: [], data: [[1]] }] } } } };
    });
    const res = await signozReadback.query({ ...base, signal: 'metrics', baseUrl: s.url, apiKey: 'k' });
    expect(res.message).not.toContain('unexpected query shape');
    expect(res.status).toBe('found');
    expect(res.details?.query).toBe(`resource.cc_otel.probe_id = '${PROBE}'`);
  });

  it('not found: no rows, and stats say the signal was last seen before the probe', async () => {
    const s = await api((r) => (r.path === '/api/v1/stats' ? stats('2026-06-18T08:00:00Z') : raw(0)));
    const res = await signozReadback.query({ ...base, signal: 'logs', baseUrl: s.url, apiKey: 'k' });
    expect(res.status).toBe('not_found');
    expect(res.message).toContain('2026-06-18T08:00:00.000Z (before the probe was sent)');
    expect(res.hint).toContain('region');
  });

  it('a key echoed back by the server is redacted', async () => {
    const s = await api(() => ({ status: 401, text: 'bad key sz-secret-999' }));
    const res = await signozReadback.query({ ...base, signal: 'logs', baseUrl: s.url, apiKey: 'sz-secret-999' });
    expect(res.message).toBe('SigNoz /api/v1/stats: HTTP 401: bad key ***');
  });

  it('an older SigNoz without /api/v1/stats still gets queried', async () => {
    const s = await api((r) => (r.path === '/api/v5/query_range' ? raw(2) : undefined));
    const res = await signozReadback.query({ ...base, signal: 'traces', baseUrl: s.url, apiKey: 'k' });
    expect(res.status).toBe('found');
  });

  it.each([401, 403])('HTTP %i → auth with a service-account hint', async (code) => {
    const s = await api(() => ({ status: code, json: { status: 'error', error: 'invalid api key' } }));
    const res = await signozReadback.query({ ...base, signal: 'logs', baseUrl: s.url, apiKey: 'bad' });
    expect(res.status).toBe('auth');
    expect(res.message).toContain('invalid api key');
    expect(res.hint).toContain('Service Account');
    expect(s.requests).toHaveLength(1);
  });
});

describe('Grafana Cloud', () => {
  const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

  it('logs → Loki query_range with the Loki user, found', async () => {
    const s = await api((r) =>
      r.path === '/loki/api/v1/query_range'
        ? { json: { status: 'success', data: { resultType: 'streams', result: [{ stream: { service_name: 'claude-code' }, values: [['1781773200000000000', `cc-otel verify probe ${PROBE}`]] }] } } }
        : undefined,
    );
    const res = await grafanaCloudReadback.query({ ...base, signal: 'logs', token: 'glc_x', loki: { url: s.url, user: '111' }, prometheus: { url: s.url, user: '222' } });
    expect(res.status).toBe('found');
    const req = s.requests[0]!;
    expect(req.headers.authorization).toBe(basic('111', 'glc_x'));
    expect(req.query.get('query')).toBe(`{service_name="claude-code"} |= "${PROBE}"`);
    expect(req.query.get('start')).toBe(`${SENT - 5 * 60_000}000000`);
  });

  it('metrics → Prometheus /api/prom/api/v1/query (suffix added), found', async () => {
    const s = await api((r) =>
      r.path === '/api/prom/api/v1/query'
        ? { json: { status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'cc_otel_probe_total', cc_otel_probe_id: PROBE }, value: [1781773210, '1'] }] } } }
        : undefined,
    );
    const res = await grafanaCloudReadback.query({ ...base, signal: 'metrics', token: 't', prometheus: { url: s.url, user: '222' } });
    expect(res.status).toBe('found');
    expect(s.requests[0]!.headers.authorization).toBe(basic('222', 't'));
    expect(s.requests[0]!.query.get('query')).toContain(`cc_otel_probe_id="${PROBE}"`);
  });

  it('traces → Tempo /tempo/api/search with TraceQL on the probe id, found', async () => {
    const s = await api((r) =>
      r.path === '/tempo/api/search'
        ? { json: { traces: [{ traceID: 'abc', rootServiceName: 'claude-code', rootTraceName: 'cc_otel.probe', startTimeUnixNano: '1', durationMs: 0 }], metrics: { inspectedTraces: 1 } } }
        : undefined,
    );
    const res = await grafanaCloudReadback.query({ ...base, signal: 'traces', token: 't', tempo: { url: `${s.url}/tempo`, user: '333' } });
    expect(res.status).toBe('found');
    expect(s.requests[0]!.query.get('q')).toBe(`{ span.cc_otel.probe_id = "${PROBE}" }`);
    expect(s.requests[0]!.query.get('start')).toBe(String((SENT - 5 * 60_000) / 1000));
  });

  it('not found: empty Loki result', async () => {
    const s = await api(() => ({ json: { status: 'success', data: { resultType: 'streams', result: [] } } }));
    const res = await grafanaCloudReadback.query({ ...base, signal: 'logs', token: 't', loki: { url: s.url, user: '1' } });
    expect(res.status).toBe('not_found');
  });

  it('not found metrics: hint mentions cumulative', async () => {
    const s = await api(() => ({ json: { status: 'success', data: { resultType: 'vector', result: [] } } }));
    const res = await grafanaCloudReadback.query({ ...base, signal: 'metrics', token: 't', prometheus: { url: `${s.url}/api/prom`, user: '1' } });
    expect(res.status).toBe('not_found');
    expect(res.hint).toContain('cumulative');
    expect(s.requests[0]!.path).toBe('/api/prom/api/v1/query');
  });

  it.each([401, 403])('HTTP %i → auth naming the per-backend user ID', async (code) => {
    const s = await api(() => ({ status: code, text: 'authentication error: invalid token' }));
    const res = await grafanaCloudReadback.query({ ...base, signal: 'traces', token: 't', tempo: { url: s.url, user: '1' } });
    expect(res.status).toBe('auth');
    expect(res.message).toContain('invalid token');
    expect(res.hint).toContain("Tempo data source's own user ID");
  });

  it('no endpoint for the signal → unsupported, no request', async () => {
    const res = await grafanaCloudReadback.query({ ...base, signal: 'traces', token: 't' });
    expect(res.status).toBe('unsupported');
  });
});

describe('Honeycomb', () => {
  const auth = { json: { id: 'hcaik_1', type: 'configuration', api_key_access: { events: true }, team: { name: 'Acme', slug: 'acme' }, environment: { name: 'Prod', slug: 'prod' } } };

  it('found means "dataset written after the probe", and says it cannot confirm the probe itself', async () => {
    const s = await api((r) =>
      r.path === '/1/auth' ? auth : r.path === '/1/datasets/claude-code' ? { json: { name: 'claude-code', slug: 'claude-code', last_written_at: '2026-06-18T09:00:03Z' } } : undefined,
    );
    const res = await honeycombReadback.query({ ...base, signal: 'traces', apiKey: 'hc-key', baseUrl: s.url });
    expect(res.status).toBe('found');
    expect(res.message).toContain('written at 2026-06-18T09:00:03.000Z, after the probe was sent at 2026-06-18T09:00:00.000Z');
    expect(res.message).toContain('by someone: Honeycomb\'s dataset API cannot find one event, so this does not prove the probe');
    expect(res.provesLess).toMatch(/^search cc_otel\.probe_id = .* in dataset "claude-code" \(team acme, environment prod\) in the Honeycomb UI/);
    expect(res.details).toMatchObject({ team: 'acme', environment: 'prod', dataset: 'claude-code', proves: 'dataset-written-after-probe' });
    expect(s.requests[0]!.headers['x-honeycomb-team']).toBe('hc-key');
  });

  it('not found: last written before the probe', async () => {
    const s = await api((r) => (r.path === '/1/auth' ? auth : { json: { slug: 'claude-code', last_written_at: '2026-06-17T09:00:00Z' } }));
    const res = await honeycombReadback.query({ ...base, signal: 'logs', apiKey: 'k', baseUrl: s.url });
    expect(res.status).toBe('not_found');
    expect(res.message).toContain('before the probe was sent');
  });

  it('metrics use the given dataset; a missing dataset → not_found', async () => {
    const s = await api((r) => (r.path === '/1/auth' ? auth : { status: 404, json: { error: 'Dataset not found' } }));
    const res = await honeycombReadback.query({ ...base, signal: 'metrics', apiKey: 'k', baseUrl: s.url, dataset: 'Claude Code Metrics' });
    expect(res.status).toBe('not_found');
    expect(s.requests[1]!.path).toBe('/1/datasets/claude-code-metrics');
  });

  it('invalid key → auth (401 from /1/auth)', async () => {
    const s = await api(() => ({ status: 401, json: { error: 'unknown API key - check your credentials' } }));
    const res = await honeycombReadback.query({ ...base, signal: 'traces', apiKey: 'bad', baseUrl: s.url });
    expect(res.status).toBe('auth');
    expect(res.message).toContain('unknown API key');
  });

  it('an ingest key cannot read datasets → auth with a Configuration-key hint', async () => {
    const s = await api((r) => (r.path === '/1/auth' ? { json: { ...auth.json, type: 'ingest' } } : { status: 401, json: { error: 'not authorized' } }));
    const res = await honeycombReadback.query({ ...base, signal: 'traces', apiKey: 'ingest', baseUrl: s.url });
    expect(res.status).toBe('auth');
    expect(res.hint).toContain('Configuration key');
  });
});

describe('Datadog', () => {
  const valid = { json: { valid: true } };

  it('bad API key → auth (403 from /api/v1/validate) naming the site', async () => {
    const s = await api(() => ({ status: 403, json: { errors: ['Forbidden'] } }));
    const res = await datadogReadback.query({ ...base, signal: 'logs', apiKey: 'bad', site: 'datadoghq.eu', baseUrl: s.url });
    expect(res.status).toBe('auth');
    expect(res.message).toContain('Forbidden');
    expect(res.hint).toContain('datadoghq.eu');
  });

  it('valid API key but no application key → unsupported (key proven valid)', async () => {
    const s = await api(() => valid);
    const res = await datadogReadback.query({ ...base, signal: 'logs', apiKey: 'k', baseUrl: s.url });
    expect(res.status).toBe('unsupported');
    expect(res.details).toMatchObject({ apiKeyValid: true });
    expect(s.requests[0]!.headers['dd-api-key']).toBe('k');
  });

  it('logs found via logs search with both keys', async () => {
    const s = await api((r) =>
      r.path === '/api/v1/validate'
        ? valid
        : r.path === '/api/v2/logs/events/search'
          ? { json: { data: [{ id: 'AAA', type: 'log', attributes: { service: 'claude-code', message: `cc-otel verify probe ${PROBE}` } }], meta: { page: {} } } }
          : undefined,
    );
    const res = await datadogReadback.query({ ...base, signal: 'logs', apiKey: 'k', applicationKey: 'app', baseUrl: s.url });
    expect(res.status).toBe('found');
    const req = s.requests[1]!;
    expect(req.headers['dd-application-key']).toBe('app');
    expect(req.body).toMatchObject({ filter: { query: `@cc_otel.probe_id:"${PROBE}" OR "${PROBE}"`, from: '2026-06-18T08:55:00.000Z' }, sort: '-timestamp' });
  });

  it('logs not found', async () => {
    const s = await api((r) => (r.path === '/api/v1/validate' ? valid : { json: { data: [], meta: {} } }));
    const res = await datadogReadback.query({ ...base, signal: 'logs', apiKey: 'k', applicationKey: 'app', baseUrl: s.url });
    expect(res.status).toBe('not_found');
  });

  it('metrics found via /api/v1/query', async () => {
    const s = await api((r) => (r.path === '/api/v1/validate' ? valid : { json: { status: 'ok', series: [{ metric: 'cc_otel.probe', pointlist: [[1, 1]] }] } }));
    const res = await datadogReadback.query({ ...base, signal: 'metrics', apiKey: 'k', applicationKey: 'app', baseUrl: s.url });
    expect(res.status).toBe('found');
    expect(s.requests[1]!.query.get('query')).toBe(`sum:cc_otel.probe{cc_otel.probe_id:${PROBE}}`);
  });

  it('application key without scope → auth', async () => {
    const s = await api((r) => (r.path === '/api/v1/validate' ? valid : { status: 403, json: { errors: ['Forbidden'] } }));
    const res = await datadogReadback.query({ ...base, signal: 'logs', apiKey: 'k', applicationKey: 'app', baseUrl: s.url });
    expect(res.status).toBe('auth');
    expect(res.hint).toContain('logs_read_data');
  });

  it('traces → unsupported after validating the key', async () => {
    const s = await api(() => valid);
    const res = await datadogReadback.query({ ...base, signal: 'traces', apiKey: 'k', applicationKey: 'app', baseUrl: s.url });
    expect(res.status).toBe('unsupported');
  });
});

describe('New Relic', () => {
  const nrql = (results: unknown[]) => ({ json: { data: { actor: { account: { nrql: { results } } } } } });

  it('found: NRQL count on the probe id via NerdGraph with API-Key', async () => {
    const s = await api(() => nrql([{ count: 1 }]));
    const res = await newRelicReadback.query({ ...base, signal: 'logs', apiKey: 'NRAK-1', accountId: 4242, baseUrl: s.url });
    expect(res.status).toBe('found');
    const req = s.requests[0]!;
    expect(req.path).toBe('/graphql');
    expect(req.headers['api-key']).toBe('NRAK-1');
    const q = (req.body as { query: string }).query;
    expect(q).toContain('account(id: 4242)');
    expect(q).toContain(`FROM Log WHERE cc_otel.probe_id = '${PROBE}' SINCE ${SENT - 5 * 60_000}`);
  });

  it.each(['acme-prod', '12ab', '', '0'])('a non-numeric account ID (%j) is an error, and nothing is queried (not account(id: 0))', async (accountId) => {
    const s = await api(() => nrql([{ count: 1 }]));
    const res = await newRelicReadback.query({ ...base, signal: 'logs', apiKey: 'k', accountId, baseUrl: s.url });
    expect(res).toMatchObject({ status: 'error', message: `New Relic account ID ${JSON.stringify(accountId)} is not a number` });
    expect(res.hint).toMatch(/numeric account ID/);
    expect(s.requests).toEqual([]);
  });

  it('metrics NRQL filters on the metric name', async () => {
    const s = await api(() => nrql([{ count: 3 }]));
    await newRelicReadback.query({ ...base, signal: 'metrics', apiKey: 'k', accountId: 1, baseUrl: s.url });
    expect((s.requests[0]!.body as { query: string }).query).toContain("FROM Metric WHERE metricName = 'cc_otel.probe' AND cc_otel.probe_id");
  });

  it('not found, with NrIntegrationError since the probe reported', async () => {
    const s = await api((r) =>
      (r.body as { query: string }).query.includes('NrIntegrationError')
        ? nrql([{ count: 2, 'latest.message': 'Metric temporality not supported' }])
        : nrql([{ count: 0 }]),
    );
    const res = await newRelicReadback.query({ ...base, signal: 'metrics', apiKey: 'k', accountId: 1, baseUrl: s.url });
    expect(res.status).toBe('not_found');
    expect(res.message).toContain('2 NrIntegrationError(s) since the probe, latest: Metric temporality not supported');
    expect(s.requests).toHaveLength(2);
  });

  it('GraphQL auth error (HTTP 200 with errors) → auth', async () => {
    const s = await api(() => ({ json: { errors: [{ message: 'Invalid API key', extensions: { errorClass: 'UNAUTHORIZED' } }] } }));
    const res = await newRelicReadback.query({ ...base, signal: 'traces', apiKey: 'bad', accountId: 1, baseUrl: s.url });
    expect(res.status).toBe('auth');
    expect(res.hint).toContain('User key');
  });

  it('HTTP 401 → auth', async () => {
    const s = await api(() => ({ status: 401, json: { errors: [{ message: 'unauthorized' }] } }));
    const res = await newRelicReadback.query({ ...base, signal: 'traces', apiKey: 'bad', accountId: 1, baseUrl: s.url });
    expect(res.status).toBe('auth');
  });
});

describe('local collector', () => {
  it('found / not found / finder error via the injected finder', async () => {
    const finder = async (dir: string, id: string) =>
      dir === '/data' && id === PROBE ? [{ signal: 'logs' as const, file: '/data/logs.jsonl' }] : [];
    const found = await localReadback.query({ ...base, signal: 'logs', dataDir: '/data', findProbe: finder });
    expect(found).toMatchObject({ status: 'found', details: { files: ['/data/logs.jsonl'] } });
    const other = await localReadback.query({ ...base, signal: 'traces', dataDir: '/data', findProbe: finder });
    expect(other.status).toBe('not_found');
    expect(other.message).toContain('found as logs only');
    const broken = await localReadback.query({
      ...base,
      signal: 'logs',
      dataDir: '/nope',
      findProbe: async () => {
        throw new Error('ENOENT: no such directory');
      },
    });
    expect(broken.status).toBe('error');
    expect(broken.message).toContain('ENOENT');
  });
});

describe('transport failures and polling', () => {
  it('an unreachable read API → error, never a throw', async () => {
    const s = await api(() => undefined);
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const res = await signozReadback.query({ ...base, signal: 'logs', baseUrl: url, apiKey: 'k' });
    expect(res.status).toBe('error');
    expect(res.message).toContain('ECONNREFUSED');
  });

  it('a slow read API → error after the timeout', async () => {
    const s = await api(() => ({ delayMs: 2000, json: {} }));
    const res = await honeycombReadback.query({ ...base, timeoutMs: 200, signal: 'traces', apiKey: 'k', baseUrl: s.url });
    expect(res.status).toBe('error');
    expect(res.message).toContain('no answer within 200 ms');
  });

  it('waitForProbe polls while not_found and stops at found', async () => {
    let n = 0;
    const mod: ReadbackModule<ReadbackQuery> = {
      id: 'fake',
      title: 'fake',
      query: async () => (++n < 3 ? { status: 'not_found', message: 'not yet' } : { status: 'found', message: 'there' }),
    };
    const res = await waitForProbe(mod, { ...base, signal: 'logs' }, { intervalMs: 10, deadlineMs: 5000 });
    expect(res).toMatchObject({ status: 'found', details: { polls: 3 } });
  });

  it('waitForProbe keeps polling through a transient read-API error (503), and stops on a permanent one (404)', async () => {
    let n = 0;
    const s = await api((r) => {
      if (r.path !== '/api/v5/query_range') return { status: 404 }; // no /api/v1/stats: tolerated
      return ++n === 1 ? { status: 503, json: { error: 'overloaded' } } : { json: { data: { data: { results: [{ rows: [{ timestamp: 'x' }] }] } } } };
    });
    const res = await waitForProbe(signozReadback, { ...base, signal: 'logs', baseUrl: s.url, apiKey: 'k' }, { intervalMs: 10, deadlineMs: 5000 });
    expect(res).toMatchObject({ status: 'found', details: { polls: 2 } });

    const gone = await api(() => ({ status: 404 }));
    const res404 = await waitForProbe(signozReadback, { ...base, signal: 'logs', baseUrl: gone.url, apiKey: 'k' }, { intervalMs: 10, deadlineMs: 5000 });
    expect(res404).toMatchObject({ status: 'error', details: { polls: 1 } });
  });

  it('waitForProbe does not wait on auth, and gives up at the deadline', async () => {
    const auth: ReadbackModule<ReadbackQuery> = { id: 'a', title: 'a', query: async () => ({ status: 'auth', message: 'no' }) };
    expect(await waitForProbe(auth, { ...base, signal: 'logs' }, { intervalMs: 10 })).toMatchObject({ status: 'auth', details: { polls: 1 } });
    const never: ReadbackModule<ReadbackQuery> = { id: 'n', title: 'n', query: async () => ({ status: 'not_found', message: 'no' }) };
    const t0 = Date.now();
    const r = await waitForProbe(never, { ...base, signal: 'logs' }, { intervalMs: 20, deadlineMs: 100 });
    expect(r.status).toBe('not_found');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
