// Receiver conformance: what the official OpenTelemetry JS exporters send — over http/protobuf,
// http/json and gRPC, with and without gzip — is stored intact and readable back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { startCollector, type RunningCollector } from '../../../src/collector/collector.js';
import { readRequests, type StoredRequest } from '../../../src/collector/requests.js';
import { sendLogs, sendMetrics, sendTraces, type Compression, type Transport } from './senders.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tmp: TempDir;
let collector: RunningCollector;

beforeAll(async () => {
  tmp = makeTempDir('cc-otel-conformance');
  collector = await startCollector({ dataDir: tmp.path, httpPort: 0, grpcPort: 0 });
});

afterAll(async () => {
  await collector?.close();
  tmp?.cleanup();
});

const target = () => ({ httpUrl: collector.httpUrl, grpcUrl: `http://127.0.0.1:${collector.grpcPort}` });

function attrs(list: Obj[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value ?? {};
    out[kv.key] = v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.kvlistValue ?? v.arrayValue;
  }
  return out;
}

function withTag(reqs: StoredRequest[], field: string, tag: string): Obj[] {
  return reqs.flatMap((r) => (r.request[field] as Obj[]) ?? []).filter((rx) => attrs(rx.resource?.attributes).tag === tag);
}

const CASES: Array<[Transport, Compression]> = [
  ['http/protobuf', 'none'],
  ['http/protobuf', 'gzip'],
  ['http/json', 'none'],
  ['http/json', 'gzip'],
  ['grpc', 'none'],
  ['grpc', 'gzip'],
];

describe.each(CASES)('%s, compression %s', (transport, compression) => {
  const tag = `${transport}-${compression}`;

  it('traces arrive intact', async () => {
    const sent = await sendTraces(target(), transport, compression, tag);
    const rs = withTag(readRequests(tmp.path, 'traces'), 'resourceSpans', tag);
    const spans: Obj[] = rs.flatMap((r) => r.scopeSpans.flatMap((s: Obj) => s.spans.map((sp: Obj) => ({ ...sp, scope: s.scope }))));
    expect(spans.map((s) => s.name).sort()).toEqual(['claude_code.interaction', 'claude_code.tool']);
    const parent = spans.find((s) => s.name === 'claude_code.interaction')!;
    const child = spans.find((s) => s.name === 'claude_code.tool')!;
    expect(parent.traceId).toBe(sent.traceId);
    expect(parent.spanId).toBe(sent.parentSpanId);
    expect(child.spanId).toBe(sent.childSpanId);
    expect(child.parentSpanId).toBe(sent.parentSpanId);
    expect(attrs(parent.attributes)).toEqual({ 'session.id': 's-1', n: 42, ok: true });
    expect(child.events.map((e: Obj) => [e.name, attrs(e.attributes)])).toEqual([['started', { step: 1 }]]);
    expect(child.status).toMatchObject({ code: 'STATUS_CODE_ERROR', message: 'boom' });
    expect(child.scope).toMatchObject({ name: 'cc-otel-test', version: '1.2.3' });
    expect(BigInt(child.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(child.startTimeUnixNano));
    expect(attrs(rs[0]!.resource.attributes)).toMatchObject({ 'service.name': 'claude-code', engineer: 'ada', team: 'core', org: 'acme' });
  });

  it('metrics arrive intact', async () => {
    await sendMetrics(target(), transport, compression, tag);
    const rm = withTag(readRequests(tmp.path, 'metrics'), 'resourceMetrics', tag);
    const metrics: Obj[] = rm.flatMap((r) => r.scopeMetrics.flatMap((s: Obj) => s.metrics));
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    const tokens = byName['claude_code.token.usage']!;
    expect(tokens.unit).toBe('tokens');
    expect(tokens.sum.aggregationTemporality).toBe('AGGREGATION_TEMPORALITY_DELTA');
    expect(tokens.sum.isMonotonic).toBe(true);
    const points = tokens.sum.dataPoints.map((p: Obj) => [attrs(p.attributes), Number(p.asDouble ?? p.asInt)]);
    expect(points).toEqual(
      expect.arrayContaining([
        [{ type: 'input', model: 'claude-x' }, 100],
        [{ type: 'output', model: 'claude-x' }, 7],
      ]),
    );
    expect(byName['claude_code.cost.usage']!.sum.dataPoints[0].asDouble).toBe(0.25);
    const h = byName.duration!.histogram.dataPoints[0];
    expect(Number(h.count)).toBe(1);
    expect(h.sum).toBe(12.5);
    expect(h.bucketCounts.map(Number).reduce((a: number, b: number) => a + b, 0)).toBe(1);
  });

  it('logs arrive intact', async () => {
    await sendLogs(target(), transport, compression, tag);
    const rl = withTag(readRequests(tmp.path, 'logs'), 'resourceLogs', tag);
    const logs: Obj[] = rl.flatMap((r) => r.scopeLogs.flatMap((s: Obj) => s.logRecords));
    expect(logs).toHaveLength(2);
    const ev = logs.find((l) => l.body?.stringValue === 'claude_code.api_error')!;
    expect(attrs(ev.attributes)).toEqual({ 'event.name': 'api_error', model: 'claude-x', status_code: 529 });
    expect(ev.severityNumber).toBe('SEVERITY_NUMBER_ERROR');
    expect(ev.severityText).toBe('ERROR');
    const structured = logs.find((l) => l.body?.kvlistValue)!;
    expect(attrs(structured.body.kvlistValue.values)).toEqual({ structured: 'yes', n: 3 });
  });
});
