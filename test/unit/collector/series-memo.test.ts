// The ingest memo in front of the canonical series identity: a hit must only ever be the same
// attribute list (keys, value types and values, in order), and the builder must still give one
// series per attribute *set*, whatever order the points carry it in.
import { describe, expect, it } from 'vitest';
import { SeriesMemo } from '../../../src/collector/series-memo.js';
import { buildIndex, newDictionary } from '../../../src/collector/index-builder.js';
import type { ExportMetricsRequestMsg, KeyValueMsg } from '../../../src/collector/otlp-proto.js';

const kv = (pairs: Array<[string, string]>): KeyValueMsg[] => pairs.map(([key, v]) => ({ key, value: { stringValue: v } }));

describe('SeriesMemo', () => {
  it('finds a list it was given, as a fresh but equal decode', () => {
    const m = new SeriesMemo();
    m.set(kv([['a', '1'], ['b', '2']]), 7);
    expect(m.get(kv([['a', '1'], ['b', '2']]))).toBe(7);
    expect(m.get([])).toBeUndefined();
    m.set([], 3);
    expect(m.get(undefined)).toBe(3);
  });

  it('never confuses lists that hash alike: other keys, other value types, other order, a prefix', () => {
    const m = new SeriesMemo();
    m.set(kv([['a', '1'], ['b', '2']]), 1);
    // same values, other keys: the hash covers values only, so this is a real collision
    expect(m.get(kv([['x', '1'], ['y', '2']]))).toBeUndefined();
    expect(m.get([{ key: 'a', value: { intValue: 1 } }, { key: 'b', value: { stringValue: '2' } }])).toBeUndefined();
    expect(m.get(kv([['b', '2'], ['a', '1']]))).toBeUndefined();
    expect(m.get(kv([['a', '1']]))).toBeUndefined();
    m.set(kv([['x', '1'], ['y', '2']]), 2);
    expect(m.get(kv([['x', '1'], ['y', '2']]))).toBe(2);
    expect(m.get(kv([['a', '1'], ['b', '2']]))).toBe(1);
  });

  it('non-string values are keyed by their JSON', () => {
    const m = new SeriesMemo();
    const list = (n: number): KeyValueMsg[] => [{ key: 'n', value: { intValue: n } }, { key: 'ok', value: { boolValue: true } }];
    m.set(list(1), 5);
    expect(m.get(list(1))).toBe(5);
    expect(m.get(list(2))).toBeUndefined();
  });
});

describe('buildIndex series identity through the memo', () => {
  const request = (points: KeyValueMsg[][]): ExportMetricsRequestMsg => ({
    resourceMetrics: [
      {
        resource: { attributes: kv([['service.name', 'claude-code']]) },
        scopeMetrics: [{ scope: { name: 's' }, metrics: [{ name: 'm', unit: '1', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points.map((attributes) => ({ attributes, asDouble: 1, timeUnixNano: 1 })) } }] }],
      },
    ],
  });

  it('one series per attribute set, in any order, across requests; a new set is a new series', () => {
    const dict = newDictionary();
    const first = buildIndex('metrics', request([kv([['a', '1'], ['b', '2']]), kv([['b', '2'], ['a', '1']])]), dict, 0);
    const seriesDefs = first.header.d.filter((d) => d.k === 's');
    expect(seriesDefs).toHaveLength(1);
    expect(first.nPoints).toBe(2);
    expect(first.points.readUInt32LE(0)).toBe(first.points.readUInt32LE(32));
    const second = buildIndex('metrics', request([kv([['b', '2'], ['a', '1']]), kv([['a', '1'], ['b', '3']])]), dict, 0);
    const newDefs = second.header.d.filter((d) => d.k === 's');
    expect(newDefs).toHaveLength(1); // only b=3 is new
    expect(second.points.readUInt32LE(0)).toBe(first.points.readUInt32LE(0));
    expect(second.points.readUInt32LE(32)).not.toBe(first.points.readUInt32LE(0));
  });
});
