import { describe, expect, test } from 'vitest';
import { isoTime } from '../../../src/log/iso-time.js';

// Date.prototype.toISOString is the oracle: isoTime must write exactly what it writes.
describe('isoTime', () => {
  test.each([
    0, -1, 1, 86_399_999, 86_400_000, -86_400_000, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */,
    1_796_166_175_484, -62_167_219_200_000, 253_402_300_799_999, -2_208_988_800_001, 1.9, -1.9,
  ])('%d', (ms) => expect(isoTime(ms)).toBe(new Date(ms).toISOString()));

  test('every day from 1600 to 2500, at a random time of day', () => {
    for (let day = -135_140; day < 193_000; day++) {
      const ms = day * 86_400_000 + Math.floor(Math.random() * 86_400_000);
      if (isoTime(ms) !== new Date(ms).toISOString()) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  test('outside 0000–9999 it writes what Date writes (a sign, six digits); invalid throws like Date', () => {
    expect(isoTime(-62_167_219_200_001)).toBe('-000001-12-31T23:59:59.999Z');
    expect(isoTime(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
