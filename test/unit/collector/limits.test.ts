// The counting pre-pass (limits.ts) against real encodings: it counts what protobufjs would build,
// its fast paths count the same as the full walk, and each cap throws OverLimit naming its flag.
import { describe, expect, it } from 'vitest';
import { checkJsonSize, checkProtobufLimits, DEFAULT_LIMITS, JsonNodeCounter, OverLimit, WireError, type DecodeLimits } from '../../../src/collector/limits.js';
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

describe('checkProtobufLimits on a prefix (a body still arriving)', () => {
  const bodies = {
    logs: logs(6, 3, 'v'.repeat(200)),
    metrics: enc('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'a', sum: { dataPoints: [{ asInt: 1, attributes: attrs(2, 'x') }] } }, { name: 'h', histogram: { dataPoints: [{ bucketCounts: [1, 2, 3], explicitBounds: [1.5, 2.5] }] } }] }] }] }),
    traces: enc('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', traceId: 'AAAAAAAAAAAAAAAAAAAAAA==', events: [{ name: 'e' }], attributes: attrs(4, 'y') }] }] }] }),
  } as const;

  it.each(Object.entries(bodies))('%s: cut at every byte, no error, and never more than the whole body counts', (signal, body) => {
    const whole = checkProtobufLimits(signal as keyof typeof bodies, body, huge);
    for (let cut = 0; cut <= body.length; cut++) {
      const part = checkProtobufLimits(signal as keyof typeof bodies, body.subarray(0, cut), huge, true);
      expect(part.items).toBeLessThanOrEqual(whole.items);
      expect(part.values).toBeLessThanOrEqual(whole.values);
    }
    // the whole body as a prefix counts what the whole body counts
    expect(checkProtobufLimits(signal as keyof typeof bodies, body, huge, true)).toEqual(whole);
  });

  it('a prefix over a cap is refused: 64 KiB of a 63 MiB bomb of empty records is already over the item cap', () => {
    const records = Buffer.alloc(64 * 1024, Buffer.from([0x12, 0x00]));
    // ResourceLogs and ScopeLogs headers that declare 63 MiB, then only the first 64 KiB of records
    const declared = 63 * 1024 * 1024;
    const len = (n: number) => { const o: number[] = []; while (n > 0x7f) { o.push((n % 128) | 0x80); n = Math.floor(n / 128); } o.push(n); return Buffer.from(o); };
    const prefix = Buffer.concat([Buffer.from([0x0a]), len(declared + 5), Buffer.from([0x12]), len(declared), records]);
    expect(() => checkProtobufLimits('logs', prefix, DEFAULT_LIMITS, true)).toThrow(/more than 8192 log records.*--max-items-per-request/);
    // the same bytes as a whole body are a wire error (truncated), not a quiet pass
    expect(() => checkProtobufLimits('logs', prefix, huge)).toThrow(WireError);
  });

  it('zeros are no protobuf: field number 0 is a wire error at once (a gzip of 100 MiB of zeros is ~100 KiB)', () => {
    expect(() => checkProtobufLimits('logs', Buffer.alloc(4096), DEFAULT_LIMITS, true)).toThrow(/field number 0/);
  });
});

describe('JsonNodeCounter (checkJsonSize over chunks)', () => {
  const small: DecodeLimits = { ...DEFAULT_LIMITS, maxValuesPerRequest: 10 }; // 40 nodes
  const tricky = [
    '{"a":[1,2,3],"b":"x,y{[","c":"\\\\","d":"\\",\"e\":1}',
    '{"s":"' + ',,,,'.repeat(50) + '","t":[' + '1,'.repeat(38) + '1]}',
    '{"q":"\\"' + ',' .repeat(10) + '"}',
    '[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]',
  ];
  const verdict = (f: () => void) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it.each(tricky.map((t) => [t.slice(0, 24), t]))('%s…: chunked at every point, the same verdict as the whole', (_name, text) => {
    const bytes = Buffer.from(text);
    const whole = verdict(() => checkJsonSize(bytes, small));
    for (let a = 0; a <= bytes.length; a++) {
      for (const b of [a, Math.min(bytes.length, a + 1), Math.min(bytes.length, a + 7)]) {
        const c = new JsonNodeCounter(small);
        expect(verdict(() => [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].forEach((x) => c.push(x)))).toBe(whole);
      }
    }
  });

  it('the verdicts differ where they should: strings hide commas, the array does not', () => {
    expect(verdict(() => checkJsonSize(Buffer.from(tricky[1]!), small))).toMatch(/--max-values-per-request/);
    expect(verdict(() => checkJsonSize(Buffer.from('{"s":"' + ',,,,'.repeat(50) + '"}'), small))).toBe('ok');
  });
});
