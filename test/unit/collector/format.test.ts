// Pure pieces of the receiver: OTLP/JSON normalisation, attribute identity, google.rpc.Status.
import { describe, expect, it } from 'vitest';
import { OtlpJsonError, parseOtlpJson } from '../../../src/collector/otlp-json.js';
import { attributes, attrsKey, listKey } from '../../../src/collector/attributes.js';
import { decodeStatus, encodeStatus } from '../../../src/collector/otlp-proto.js';
import type { KeyValueMsg } from '../../../src/collector/otlp-proto.js';

describe('parseOtlpJson', () => {
  it('turns hex ids into bytes, camelCases snake_case names, keeps int64 strings', () => {
    const o = parseOtlpJson(JSON.stringify({ resource_spans: [{ scope_spans: [{ spans: [{ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', parent_span_id: '', start_time_unix_nano: '1544712660000000000' }] }] }] }));
    const span = (o as any).resourceSpans[0].scopeSpans[0].spans[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Buffer.from(span.traceId).toString('hex')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(Buffer.from(span.spanId).toString('hex')).toBe('b7ad6b7169203331');
    expect(span.parentSpanId).toHaveLength(0);
    expect(span.startTimeUnixNano).toBe('1544712660000000000');
  });

  it.each([
    ['not JSON', '{', /invalid JSON/],
    ['not an object', '"x"', /JSON object/],
    ['odd hex', JSON.stringify({ a: { traceId: 'abc' } }), /32 hex digits/],
    ['non-hex', JSON.stringify({ a: { spanId: 'zzzzzzzzzzzzzzzz' } }), /16 hex digits/],
    ['a float timestamp', JSON.stringify({ a: { timeUnixNano: 1.5 } }), /integer expected/],
    ['a word for an int', JSON.stringify({ a: { asInt: 'ten' } }), /integer string expected/],
    ['bad bucket counts', JSON.stringify({ a: { bucketCounts: ['1', 'x'] } }), /bucketCounts\[1\]/],
  ])('rejects %s', (_what, text, msg) => {
    expect(() => parseOtlpJson(text)).toThrow(OtlpJsonError);
    expect(() => parseOtlpJson(text)).toThrow(msg);
  });
});

describe('attribute identity', () => {
  const kv = (pairs: Array<[string, string]>): KeyValueMsg[] => pairs.map(([key, v]) => ({ key, value: { stringValue: v } }));

  it('is order-independent', () => {
    expect(listKey(kv([['b', '2'], ['a', '1']]))).toBe(listKey(kv([['a', '1'], ['b', '2']])));
    expect(attrsKey({ b: 2, a: 'x' })).toBe(attrsKey({ a: 'x', b: 2 }));
  });

  it('distinguishes sets that only differ in how separators and types fall', () => {
    const keys = [
      listKey(kv([['a', 'b\u0002c\u00011']])),
      listKey(kv([['a', 'b'], ['c', '1']])),
      listKey([{ key: 'n', value: { intValue: 1 } }]),
      listKey(kv([['n', '1']])),
      listKey(kv([['a\u0001sb', 'c']])),
      listKey(kv([['a', 'b\u0001sc']])),
      listKey([]),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('google.rpc.Status', () => {
  it('round-trips code and message', () => {
    expect(decodeStatus(encodeStatus(3, 'bad payload: ünïcode'))).toEqual({ code: 3, message: 'bad payload: ünïcode' });
    expect(decodeStatus(encodeStatus(0, ''))).toEqual({ code: 0, message: '' });
    expect(Buffer.from(encodeStatus(3, 'x')).toString('hex')).toBe('0803120178');
  });
});

describe('listKey and attrsKey agree', () => {
  it.each([
    [[{ key: 'b', value: { stringValue: 'x' } }, { key: 'a', value: { intValue: 3 } }]],
    [[{ key: 'k\u0001', value: { stringValue: 'v\u0002' } }, { key: 'z', value: { boolValue: false } }]],
    [[{ key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 1.5 }] } } }]],
  ] as KeyValueMsg[][][])('%#', (list) => {
    expect(listKey(list)).toBe(attrsKey(attributes(list)));
  });
});
