// BodyBuffer (body-buffer.ts): the body collected in place, every byte of capacity charged before it
// is taken, the hint trusted only within the limit; gzipSizeHint and atDoublings.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { atDoublings, BodyBuffer, gzipSizeHint } from '../../../src/collector/body-buffer.js';

const KiB = 1024;
const chunks = (total: number, size: number) => Array.from({ length: Math.ceil(total / size) }, (_, i) => Buffer.alloc(Math.min(size, total - i * size), i % 251));

function collect(hint: number | undefined, limit: number, parts: Buffer[]) {
  const reserved: number[] = [];
  const b = new BodyBuffer(hint, limit, (n) => reserved.push(n));
  for (const p of parts) b.push(p);
  return { body: b.finish(), reserved };
}

describe('BodyBuffer', () => {
  it('holds exactly the bytes pushed, in order, whatever the hint', () => {
    const parts = chunks(300 * KiB + 17, 16 * KiB);
    const expected = Buffer.concat(parts);
    for (const hint of [undefined, 1, 300 * KiB + 17, 10 * 1024 * KiB, 1e12]) {
      expect(collect(hint, 1024 * KiB, parts).body.equals(expected)).toBe(true);
    }
  });

  it('a true hint: one allocation of that size, charged once, nothing before the first chunk', () => {
    const reserved: number[] = [];
    const b = new BodyBuffer(200 * KiB, 1024 * KiB, (n) => reserved.push(n));
    expect(reserved).toEqual([]);
    for (const p of chunks(200 * KiB, 64 * KiB)) b.push(p);
    expect(reserved).toEqual([200 * KiB]);
  });

  it('no hint, or one over the limit: grows by doubling from 64 KiB, and what is charged is the capacity', () => {
    for (const hint of [undefined, 2048 * KiB]) {
      const { reserved } = collect(hint, 1024 * KiB, chunks(300 * KiB, 10 * KiB));
      expect(reserved).toEqual([64 * KiB, 64 * KiB, 128 * KiB, 256 * KiB]); // capacity 512 KiB
    }
  });

  it('growth never passes the limit', () => {
    const { reserved } = collect(undefined, 100 * KiB, chunks(100 * KiB, 30 * KiB));
    expect(reserved.reduce((a, b) => a + b, 0)).toBe(100 * KiB);
  });

  it('a refusal from reserve (Busy) or the check stops the push', () => {
    const b = new BodyBuffer(undefined, 1024 * KiB, () => {
      throw new Error('busy');
    });
    expect(() => b.push(Buffer.alloc(10))).toThrow('busy');
    const seen: number[] = [];
    const c = new BodyBuffer(undefined, 1024 * KiB, () => {}, (chunk, soFar) => {
      seen.push(soFar.length);
      if (soFar.length > 20) throw new Error('over');
    });
    c.push(Buffer.alloc(15));
    expect(() => c.push(Buffer.alloc(15))).toThrow('over');
    expect(seen).toEqual([15, 30]);
  });
});

describe('gzipSizeHint', () => {
  it('reads ISIZE; undefined for non-gzip, too short, or more than deflate can expand', () => {
    const raw = Buffer.alloc(123_457, 'ab');
    const gz = gzipSync(raw);
    expect(gzipSizeHint(gz)).toBe(raw.length);
    expect(gzipSizeHint(raw)).toBeUndefined();
    expect(gzipSizeHint(gz.subarray(0, 10))).toBeUndefined();
    const liar = Buffer.from(gz);
    liar.writeUInt32LE(0xffffffff, liar.length - 4);
    expect(gzipSizeHint(liar)).toBeUndefined();
  });
});

describe('atDoublings', () => {
  it('runs at 64 KiB and each doubling after, however the bytes arrive', () => {
    for (const size of [1 * KiB, 7 * KiB, 64 * KiB, 100 * KiB]) {
      const at: number[] = [];
      const check = atDoublings((soFar) => at.push(soFar.length));
      let total = 0;
      while (total < 600 * KiB) {
        total += size;
        check(Buffer.alloc(0), Buffer.alloc(total));
      }
      expect(at.length).toBe(4); // 64, 128, 256, 512 KiB reached
      at.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(64 * KiB * 2 ** i));
      expect(at.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * total + at.length * size);
    }
  });
});
