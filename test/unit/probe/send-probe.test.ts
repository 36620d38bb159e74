// sendProbe() against real OTLP receivers (HTTP protobuf/JSON and gRPC on 127.0.0.1:0) that decode
// with the official opentelemetry-proto definitions: the probe id, the headers and the requested
// temporality must arrive, for every protocol × signal.
import { afterEach, describe, expect, it } from 'vitest';
import { sendProbe } from '../../../src/probe/send-probe.js';
import type { ProbeProtocol, Signal } from '../../../src/probe/types.js';
import { attr, startGrpcReceiver, startHttpReceiver, viewProbe } from '../../helpers/probe-receiver.js';
import type { GrpcReceiver, HttpReceiver } from '../../helpers/probe-receiver.js';

const open: Array<HttpReceiver | GrpcReceiver> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const PROTOCOLS: ProbeProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

describe('sendProbe round trip', () => {
  for (const protocol of PROTOCOLS) {
    for (const signal of SIGNALS) {
      it(`${protocol} ${signal}: one record with probe id, headers and resource attributes arrives`, async () => {
        const headers = { 'x-api-key': 'secret=value with space', 'x-honeycomb-dataset': 'cc' };
        let decoded: Record<string, unknown>;
        let received: Record<string, string>;
        let outcome;
        if (protocol === 'grpc') {
          const rx = await startGrpcReceiver();
          open.push(rx);
          outcome = await sendProbe({
            signal,
            protocol,
            endpoint: rx.url,
            headers,
            probeId: `p-${protocol}-${signal}`,
            resourceAttributes: { 'team.id': 'platform', 'service.name': 'ignored-when-serviceName-set' },
            serviceName: 'claude-code',
          });
          expect(rx.calls).toHaveLength(1);
          decoded = rx.calls[0]!.decoded;
          received = rx.calls[0]!.metadata;
        } else {
          const rx = await startHttpReceiver();
          open.push(rx);
          outcome = await sendProbe({
            signal,
            protocol,
            endpoint: `${rx.url}/v1/${signal}`,
            headers,
            probeId: `p-${protocol}-${signal}`,
            resourceAttributes: { 'team.id': 'platform', 'service.name': 'ignored-when-serviceName-set' },
            serviceName: 'claude-code',
          });
          expect(rx.requests).toHaveLength(1);
          const req = rx.requests[0]!;
          expect(req.method).toBe('POST');
          expect(req.path).toBe(`/v1/${signal}`);
          expect(req.contentType).toBe(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
          // Content-Length, not chunked (what Claude Code ≥ 2.1.212 sends)
          expect(req.headers['content-length']).toBe(String(req.rawBody.length));
          expect(req.headers['transfer-encoding']).toBeUndefined();
          expect(req.decoded).toBeDefined();
          decoded = req.decoded!;
          received = req.headers;
        }
        expect(outcome).toMatchObject({
          signal,
          status: 'accepted',
          ok: true,
          attempts: 1,
          probeId: `p-${protocol}-${signal}`,
          headerNames: ['x-api-key', 'x-honeycomb-dataset'],
        });
        expect(outcome.hint).toBe('');
        if (protocol === 'grpc') expect(outcome).toMatchObject({ grpcCode: 0, grpcStatusName: 'OK' });
        else expect(outcome.httpStatus).toBe(200);
        // raw header values, unmodified
        expect(received['x-api-key']).toBe('secret=value with space');
        expect(received['x-honeycomb-dataset']).toBe('cc');

        const view = viewProbe(signal, decoded);
        expect(view.recordCount).toBe(1);
        expect(view.recordName).toBe('cc_otel.probe');
        expect(attr(view.recordAttributes, 'cc_otel.probe_id')).toBe(`p-${protocol}-${signal}`);
        expect(attr(view.resourceAttributes, 'cc_otel.probe_id')).toBe(`p-${protocol}-${signal}`);
        expect(attr(view.resourceAttributes, 'service.name')).toBe('claude-code');
        expect(attr(view.resourceAttributes, 'team.id')).toBe('platform');
        if (signal === 'metrics') {
          // Claude Code's default temporality is delta (AGGREGATION_TEMPORALITY_DELTA = 1)
          expect(view.temporality).toBe(1);
          expect(view.isMonotonic).toBe(true);
        }
      });
    }
  }

  for (const protocol of PROTOCOLS) {
    for (const [temporality, wire] of [
      ['delta', 1],
      ['cumulative', 2],
    ] as const) {
      it(`${protocol}: metrics probe is a monotonic Sum with ${temporality} temporality (${wire})`, async () => {
        let decoded: Record<string, unknown>;
        if (protocol === 'grpc') {
          const rx = await startGrpcReceiver();
          open.push(rx);
          const o = await sendProbe({ signal: 'metrics', protocol, endpoint: rx.url, temporality });
          expect(o.status).toBe('accepted');
          expect(o.temporality).toBe(temporality);
          decoded = rx.calls[0]!.decoded;
        } else {
          const rx = await startHttpReceiver();
          open.push(rx);
          const o = await sendProbe({ signal: 'metrics', protocol, endpoint: `${rx.url}/v1/metrics`, temporality });
          expect(o.status).toBe('accepted');
          decoded = rx.requests[0]!.decoded!;
        }
        const view = viewProbe('metrics', decoded);
        expect(view.temporality).toBe(wire);
        expect(view.isMonotonic).toBe(true);
      });
    }
  }

  it('defaults: random probe id, service.name claude-code, probe id resource attribute wins over a passed one', async () => {
    const rx = await startHttpReceiver();
    open.push(rx);
    const o = await sendProbe({
      signal: 'logs',
      protocol: 'http/protobuf',
      endpoint: `${rx.url}/v1/logs`,
      resourceAttributes: { 'cc_otel.probe_id': 'spoofed', 'enduser.id': 'jdoe' },
    });
    expect(o.probeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(o.resource).toEqual({ 'enduser.id': 'jdoe', 'service.name': 'claude-code', 'cc_otel.probe_id': o.probeId });
    const view = viewProbe('logs', rx.requests[0]!.decoded!);
    expect(attr(view.resourceAttributes, 'cc_otel.probe_id')).toBe(o.probeId);
    expect(attr(view.resourceAttributes, 'enduser.id')).toBe('jdoe');
    expect(o.sentAtMs).toBeLessThanOrEqual(rx.requests[0]!.receivedAt);
  });

  it('gzip compression: body is gzip with Content-Encoding and still decodes', async () => {
    const { gunzipSync } = await import('node:zlib');
    const rx = await startHttpReceiver();
    open.push(rx);
    const o = await sendProbe({ signal: 'traces', protocol: 'http/protobuf', endpoint: `${rx.url}/v1/traces`, compression: 'gzip', probeId: 'gz' });
    expect(o.status).toBe('accepted');
    const req = rx.requests[0]!;
    expect(req.headers['content-encoding']).toBe('gzip');
    const { decodeRequest } = await import('../../helpers/probe-receiver.js');
    const view = viewProbe('traces', decodeRequest('traces', gunzipSync(req.rawBody), req.contentType));
    expect(attr(view.recordAttributes, 'cc_otel.probe_id')).toBe('gz');
  });

  it('the wire bytes equal what the official OTLPTraceExporter would send for the same spans', async () => {
    // Same serializer, so same bytes: capture the official exporter's request and ours.
    const { ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
    const { buildProbePayload, serializeProbe } = await import('../../../src/probe/records.js');
    const payload = await buildProbePayload({ signal: 'traces', probeId: 'same', resource: { 'service.name': 'claude-code' }, temporality: 'delta' });
    if (payload.signal !== 'traces') throw new Error('unreachable');
    const ours = await serializeProbe(payload, 'http/protobuf');
    const rx = await startHttpReceiver();
    open.push(rx);
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    const exporter = new OTLPTraceExporter({ url: `${rx.url}/v1/traces` });
    await new Promise<void>((r) => exporter.export(payload.spans, () => r()));
    await exporter.shutdown();
    expect(Buffer.from(ours.body).equals(rx.requests[0]!.rawBody)).toBe(true);
    expect(Buffer.from(ProtobufTraceSerializer.serializeRequest(payload.spans)!).equals(rx.requests[0]!.rawBody)).toBe(true);
  });
});

describe('against the shared test receiver (test/helpers/otlp-receiver.ts)', () => {
  for (const protocol of PROTOCOLS) {
    it(`${protocol}: all three probes are decoded with their probe id; the Sum is cumulative when asked`, async () => {
      const { startOtlpReceiver } = await import('../../helpers/otlp-receiver.js');
      const rx = await startOtlpReceiver({ grpc: true });
      try {
        const endpoint = (s: Signal) => (protocol === 'grpc' ? rx.grpcUrl! : `${rx.url}/v1/${s}`);
        for (const signal of SIGNALS) {
          const o = await sendProbe({ signal, protocol, endpoint: endpoint(signal), probeId: `shared-${signal}`, temporality: 'cumulative' });
          expect(o.status).toBe('accepted');
        }
        expect(rx.spans().map((s) => s.attributes['cc_otel.probe_id'])).toEqual(['shared-traces']);
        expect(rx.logs().map((l) => [l.eventName, l.attributes['cc_otel.probe_id'], l.resource['cc_otel.probe_id']])).toEqual([
          ['cc_otel.probe', 'shared-logs', 'shared-logs'],
        ]);
        const dps = rx.dataPoints('cc_otel.probe');
        expect(dps).toHaveLength(1);
        expect(dps[0]).toMatchObject({ type: 'sum', isMonotonic: true, value: 1, attributes: { 'cc_otel.probe_id': 'shared-metrics' } });
        expect(dps[0]!.temporality).toBe('cumulative');
      } finally {
        await rx.close();
      }
    });
  }
});
