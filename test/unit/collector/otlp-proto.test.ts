import { describe, expect, it } from 'vitest';
import { decodeMessage, SIGNAL_PROTO } from '../../../src/collector/otlp-proto.js';

// decodeMessage hands protobufjs a Buffer view (its native string path) of whatever bytes it gets:
// a worker's transferred Uint8Array, or a view at an offset into a larger frame. The view must
// cover exactly those bytes.
describe('decodeMessage', () => {
  const type = SIGNAL_PROTO.logs.request;
  const big = 'é'.repeat(70_000) + 'x'; // multi-byte UTF-8, longer than protobufjs' small-string cutoffs
  const encoded = type
    .encode(type.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: big } }, { body: { stringValue: 'short ✓' } }] }] }] }))
    .finish();
  const bodies = (m: unknown) =>
    (m as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string } }> }> }> }).resourceLogs[0]!.scopeLogs[0]!.logRecords.map((r) => r.body.stringValue);

  it('decodes a plain Uint8Array (not a Buffer) to the same strings', () => {
    const plain = new Uint8Array(encoded.length);
    plain.set(encoded);
    expect(Buffer.isBuffer(plain)).toBe(false);
    expect(bodies(decodeMessage(type, plain))).toEqual([big, 'short ✓']);
  });

  it('decodes a view at an offset into a larger buffer: only the view, not its neighbours', () => {
    const backing = new Uint8Array(encoded.length + 64).fill(0xff);
    backing.set(encoded, 32);
    const view = backing.subarray(32, 32 + encoded.length);
    expect(bodies(decodeMessage(type, view))).toEqual([big, 'short ✓']);
    expect(bodies(decodeMessage(type, Buffer.from(view)))).toEqual([big, 'short ✓']);
  });
});
