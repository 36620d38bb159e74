// The probe's transport is our own (node:http, raw @grpc/grpc-js) because verify needs the raw
// response the official exporters throw away (status, Retry-After, partial_success, google.rpc.Status
// — docs/verify.md "Why the probe has its own transport"). So this proves the deviation harmless:
// for every protocol × signal, what sendProbe() puts on the wire equals what the OFFICIAL
// OpenTelemetry JS exporter sends to the same receiver for the same record — body (decoded, with
// timestamps and ids masked, and its length), content type, headers / gRPC metadata, method path —
// ignoring only the user-agent.
import { afterAll, describe, expect, it } from 'vitest';
import { buildProbePayload } from '../../../src/probe/records.js';
import { sendProbe } from '../../../src/probe/index.js';
import type { ProbeProtocol, Signal } from '../../../src/probe/types.js';
import { startGrpcReceiver, startHttpReceiver, type GrpcReceiver, type HttpReceiver } from '../../helpers/probe-receiver.js';

const PROBE_ID = '5b1d2f4e-0000-4000-8000-00000000e001';
const HEADERS = { authorization: 'Bearer sk-equivalence', 'x-dataset': 'claude code' };
const PROTOCOLS: ProbeProtocol[] = ['grpc', 'http/protobuf', 'http/json'];
const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

const receivers: Array<HttpReceiver | GrpcReceiver> = [];
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

/** Timestamps and random ids differ between two exports of "the same" record; nothing else may. */
function mask(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(mask);
  if (x && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, /TimeUnixNano$|^timeUnixNano$|^traceId$|^spanId$/.test(k) ? '<masked>' : mask(v)]));
  return x;
}

/** Export the same record through the official exporter for this protocol and signal. */
async function officialExport(protocol: ProbeProtocol, signal: Signal, url: string, resource: Record<string, string>): Promise<void> {
  const payload = await buildProbePayload({ signal, probeId: PROBE_ID, resource, temporality: 'delta' });
  const full = (s: Signal) => (protocol === 'grpc' ? url : `${url}/v1/${s}`);
  const opts = protocol === 'grpc' ? { url, headers: HEADERS } : { url: full(signal), headers: HEADERS };
  let exporter: { export(items: never, cb: (r: { code: number; error?: Error }) => void): void; shutdown(): Promise<void> };
  if (signal === 'traces') {
    const m = protocol === 'grpc' ? await import('@opentelemetry/exporter-trace-otlp-grpc') : protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
    exporter = new m.OTLPTraceExporter(protocol === 'grpc' ? { url, metadata: grpcMetadata(await import('@grpc/grpc-js')) } : opts) as never;
  } else if (signal === 'metrics') {
    const m = protocol === 'grpc' ? await import('@opentelemetry/exporter-metrics-otlp-grpc') : protocol === 'http/json' ? await import('@opentelemetry/exporter-metrics-otlp-http') : await import('@opentelemetry/exporter-metrics-otlp-proto');
    const { AggregationTemporalityPreference } = await import('@opentelemetry/exporter-metrics-otlp-http');
    exporter = new m.OTLPMetricExporter({ ...(protocol === 'grpc' ? { url, metadata: grpcMetadata(await import('@grpc/grpc-js')) } : opts), temporalityPreference: AggregationTemporalityPreference.DELTA }) as never;
  } else {
    const m = protocol === 'grpc' ? await import('@opentelemetry/exporter-logs-otlp-grpc') : protocol === 'http/json' ? await import('@opentelemetry/exporter-logs-otlp-http') : await import('@opentelemetry/exporter-logs-otlp-proto');
    exporter = new m.OTLPLogExporter(protocol === 'grpc' ? { url, metadata: grpcMetadata(await import('@grpc/grpc-js')) } : opts) as never;
  }
  const items = payload.signal === 'traces' ? payload.spans : payload.signal === 'metrics' ? payload.resourceMetrics : payload.logRecords;
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(items as never, resolve));
  await exporter.shutdown();
  expect(result.error?.message ?? '').toBe('');
  expect(result.code).toBe(0);
}

function grpcMetadata(grpc: typeof import('@grpc/grpc-js')): import('@grpc/grpc-js').Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(HEADERS)) md.set(k, v);
  return md;
}

describe.each(PROTOCOLS)('%s: the probe sends what the official exporter sends', (protocol) => {
  it.each(SIGNALS)('%s', async (signal) => {
    const grpc = protocol === 'grpc';
    const rx = grpc ? await startGrpcReceiver() : await startHttpReceiver();
    receivers.push(rx);
    const endpoint = grpc ? rx.url : `${rx.url}/v1/${signal}`;
    const ours = await sendProbe({ signal, protocol, endpoint, headers: HEADERS, probeId: PROBE_ID, ...(signal === 'metrics' ? { temporality: 'delta' as const } : {}), timeoutMs: 5000, ...(grpc ? { insecure: true } : {}) });
    expect(ours.status, ours.message).toBe('accepted');
    await officialExport(protocol, signal, rx.url, ours.resource);

    if (grpc) {
      const [a, b] = (rx as GrpcReceiver).calls;
      expect(a && b, 'two calls').toBeTruthy();
      expect(a!.signal).toBe(b!.signal);
      const md = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'user-agent'));
      expect(md(a!.metadata)).toEqual(md(b!.metadata));
      expect(a!.rawBody.length).toBe(b!.rawBody.length);
      expect(mask(a!.decoded)).toEqual(mask(b!.decoded));
    } else {
      const [a, b] = (rx as HttpReceiver).requests;
      expect(a && b, 'two requests').toBeTruthy();
      expect(`${a!.method} ${a!.path}`).toBe(`${b!.method} ${b!.path}`);
      // Framing is the one deliberate difference: the probe sends Content-Length on a fresh connection
      // (what Claude Code ≥ 2.1.212 sends — chunked uploads got 411/400 from some endpoints), the
      // official exporter streams chunked on a kept-alive socket. Everything else must match.
      const FRAMING = new Set(['user-agent', 'content-length', 'transfer-encoding', 'connection']);
      const hd = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => !FRAMING.has(k)));
      expect(hd(a!.headers)).toEqual(hd(b!.headers));
      expect(hd(a!.headers)).toMatchObject({ ...HEADERS, 'content-type': protocol === 'http/json' ? 'application/json' : 'application/x-protobuf' });
      expect(a!.headers['content-length']).toBe(String(a!.rawBody.length));
      expect(a!.headers['transfer-encoding']).toBeUndefined();
      expect(b!.headers['transfer-encoding']).toBe('chunked');
      expect(a!.rawBody.length).toBe(b!.rawBody.length);
      expect(a!.decoded).toBeDefined();
      expect(mask(a!.decoded)).toEqual(mask(b!.decoded));
    }
  });
});
