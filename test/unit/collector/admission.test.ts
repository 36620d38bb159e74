// The in-flight budget's rules (admission.ts): alone is always admitted; the biggest yields.
import { describe, expect, it } from 'vitest';
import { Admission, Busy } from '../../../src/collector/admission.js';

describe('Admission', () => {
  it('a request alone in flight is admitted past the budget', () => {
    const a = new Admission({ maxInflightBytes: 100, maxInflightRequests: 4 });
    const t = a.enter();
    t.charge(500);
    expect(a.inflight).toEqual({ bytes: 500, requests: 1 });
    t.release();
    t.release(); // idempotent
    expect(a.inflight).toEqual({ bytes: 0, requests: 0 });
  });

  it('the biggest yields: a newcomer over the budget evicts the largest holder at once — its abort drops what it holds, its bytes are back', () => {
    const a = new Admission({ maxInflightBytes: 100, maxInflightRequests: 4 });
    const bomb = a.enter();
    const aborted: Busy[] = [];
    bomb.abortWith((e) => aborted.push(e));
    bomb.charge(90);
    const small = a.enter();
    small.charge(30); // over the budget, but the bomb holds more: it is evicted, the small one proceeds
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeInstanceOf(Busy);
    expect(aborted[0]!.message).toMatch(/evicted for smaller requests.*--max-inflight-bytes/);
    // no waiting for the evicted client's next chunk (it may never send one)
    expect(a.inflight).toEqual({ bytes: 30, requests: 1 });
    expect(a.evictions).toBe(1);
    expect(() => bomb.charge(1)).toThrow(Busy);
    bomb.release();
    expect(a.inflight).toEqual({ bytes: 30, requests: 1 });
    small.release();
    expect(a.inflight).toEqual({ bytes: 0, requests: 0 });
  });

  it('a request past its body (no abort: decoding, storing) is never evicted; the newcomer is refused instead', () => {
    const a = new Admission({ maxInflightBytes: 100, maxInflightRequests: 4 });
    const decoding = a.enter();
    decoding.abortWith(() => {
      throw new Error('must not be called');
    });
    decoding.charge(90);
    decoding.abortWith(undefined);
    const small = a.enter();
    expect(() => small.charge(30)).toThrow(/over the budget/);
    decoding.charge(5); // still admitted: it finishes
    expect(a.evictions).toBe(0);
  });

  it('evicted requests cannot pile up: a stalled client that was evicted holds nothing', () => {
    const a = new Admission({ maxInflightBytes: 100, maxInflightRequests: 64 });
    for (let i = 0; i < 20; i++) {
      const slow = a.enter(); // never released: its client stopped sending after being evicted
      slow.abortWith(() => {});
      slow.charge(50); // the previous one holds more: evicted
      slow.charge(45);
    }
    expect(a.evictions).toBe(19);
    expect(a.inflight.bytes).toBe(95);
    expect(a.peakBytes).toBeLessThanOrEqual(2 * 100);
  });

  it('refuses a newcomer when nobody holds more than it would', () => {
    const a = new Admission({ maxInflightBytes: 100, maxInflightRequests: 4 });
    const x = a.enter();
    x.charge(60);
    const y = a.enter();
    expect(() => y.charge(70)).toThrow(/--max-inflight-bytes/);
    x.charge(10); // not evicted
    x.release();
    y.release();
  });

  it('refuses past the requests in flight', () => {
    const a = new Admission({ maxInflightBytes: 100, maxInflightRequests: 2 });
    a.enter();
    a.enter();
    expect(() => a.enter()).toThrow(/--max-inflight-requests/);
  });
});
