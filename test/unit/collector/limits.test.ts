// The counting pre-pass (limits.ts) against real encodings: it counts what protobufjs would build,
// its fast paths count the same as the full walk, and each cap throws OverLimit naming its flag.
import { describe, expect, it } from 'vitest';
import { checkProtobufLimits, DEFAULT_LIMITS, OverLimit, type DecodeLimits } from '../../../src/collector/limits.js';
import { countRecords } from '../../../src/collector/index-builder.js';
import { SIGNAL_PROTO } from '../../../src/collector/otlp-proto.js';

const enc = (signal: 'logs' | 'metrics' | 'traces', o: Record<string, unknown>) => {
  const t = SIGNAL_PROTO[signal].request;
  return Buffer.from(t.encode(t.fromObject(o)).finish());
};
const attrs = (n: number, value: string) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { stringValue: value } }));
const logs = (records: number, nAttrs: number, value = 'v') =>
  enc('logs', { resourceLogs: [{ resource: { attributes: attrs(3, value) }, scopeLogs: [{ scope: { name: 's' }, logRecords: Array.from({ length: records }, () => ({ body: { stringValue: 'b' }, attributes: attrs(nAttrs, value) })) }] }] });
const huge: DecodeLimits = { maxItemsPerRequest: 1e9, maxAttributesPerItem: 1e9, maxValuesPerRequest: 1e9 };

describe('checkProtobufLimits', () => {
  it('counts the items protobufjs decodes, for each signal', () => {
    const l = logs(37, 5);
    expect(checkProtobufLimits('logs', l, huge).items).toBe(countRecords('logs', SIGNAL_PROTO.logs.request.decode(l)));
    const m = enc('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'a', sum: { dataPoints: [{ asInt: 1 }, { asInt: 2 }] } }, { name: 'b', histogram: { dataPoints: [{ bucketCounts: [1, 2, 3], explicitBounds: [1, 2] }] } }] }] }] });
    expect(checkProtobufLimits('metrics', m, huge).items).toBe(3);
    const t = enc('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', events: [{ name: 'e' }], links: [{}] }, { name: 'y' }] }] }] });
    expect(checkProtobufLimits('traces', t, huge).items).toBe(2);
  });

  it('the fast paths (short string attributes) count the same values as the full walk (long ones)', () => {
    const short = checkProtobufLimits('logs', logs(10, 7, 'v'), huge);
    const long = checkProtobufLimits('logs', logs(10, 7, 'v'.repeat(300)), huge);
    expect(short).toEqual(long);
    // 1 ResourceLogs + 1 Resource + 3×2 + 1 ScopeLogs + 1 Scope + 10 × (record + body + 7×2)
    expect(short.values).toBe(1 + 1 + 6 + 1 + 1 + 10 * (1 + 1 + 14));
  });

  it.each([
    ['maxItemsPerRequest', logs(DEFAULT_LIMITS.maxItemsPerRequest + 1, 0), /--max-items-per-request/],
    ['maxAttributesPerItem', logs(1, 129), /--max-attributes-per-item/],
    ['maxValuesPerRequest', logs(4000, 20), /--max-values-per-request/],
  ] as const)('over %s: OverLimit naming its flag', (cap, body, flag) => {
    let err: unknown;
    try {
      checkProtobufLimits('logs', body, DEFAULT_LIMITS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OverLimit);
    expect((err as OverLimit).cap).toBe(cap);
    expect((err as Error).message).toMatch(flag);
  });

  it('histogram buckets count as values, packed or not', () => {
    const m = enc('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'h', histogram: { dataPoints: [{ bucketCounts: Array.from({ length: 200_000 }, () => 1) }] } }] }] }] });
    expect(() => checkProtobufLimits('metrics', m, DEFAULT_LIMITS)).toThrow(/--max-values-per-request/);
  });
});
