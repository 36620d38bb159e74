// Claude-Code-shaped OTLP requests (as OTLP/JSON objects) and a poster, for report tests.
import { gzipSync } from 'node:zlib';

export type Attrs = Record<string, string | number | boolean>;

export const ns = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

function kv(a: Attrs): Array<{ key: string; value: Record<string, unknown> }> {
  return Object.entries(a).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
  }));
}

export interface Pt {
  attrs: Attrs;
  /** ms */
  start: number;
  time: number;
  value: number;
}

export interface SumMetric {
  name: string;
  unit?: string;
  temporality: 'delta' | 'cumulative';
  points: Pt[];
}

export function metricsRequest(resource: Attrs, metrics: SumMetric[]): Record<string, unknown> {
  return {
    resourceMetrics: [
      {
        resource: { attributes: kv(resource) },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.0' },
            metrics: metrics.map((m) => ({
              name: m.name,
              unit: m.unit ?? '',
              sum: {
                aggregationTemporality: m.temporality === 'delta' ? 1 : 2,
                isMonotonic: true,
                dataPoints: m.points.map((p) => ({
                  attributes: kv(p.attrs),
                  startTimeUnixNano: ns(p.start),
                  timeUnixNano: ns(p.time),
                  ...(Number.isInteger(p.value) && m.name !== 'claude_code.cost.usage' ? { asInt: String(p.value) } : { asDouble: p.value }),
                })),
              },
            })),
          },
        ],
      },
    ],
  };
}

export interface Ev {
  name: string;
  time: number;
  attrs: Attrs;
}

export function logsRequest(resource: Attrs, events: Ev[]): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: kv(resource) },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events' },
            logRecords: events.map((e) => ({
              timeUnixNano: ns(e.time),
              observedTimeUnixNano: ns(e.time),
              body: { stringValue: `claude_code.${e.name}` },
              attributes: kv({ 'event.name': e.name, ...e.attrs }),
            })),
          },
        ],
      },
    ],
  };
}

export async function post(baseUrl: string, signal: 'metrics' | 'logs' | 'traces', body: Record<string, unknown>, gzip = false): Promise<number> {
  const json = Buffer.from(JSON.stringify(body));
  const res = await fetch(`${baseUrl}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    body: gzip ? gzipSync(json) : json,
  });
  await res.arrayBuffer();
  return res.status;
}
