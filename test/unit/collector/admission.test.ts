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

  it('the biggest yields: a newcomer over the budget evicts the largest holder, which is Busy at its next charge', () => {
    const a = new Admission({ maxInflightBytes: 100, maxInflightRequests: 4 });
    const bomb = a.enter();
    bomb.charge(90);
    const small = a.enter();
    small.charge(30); // over the budget, but the bomb holds more: it is evicted, the small one proceeds
    expect(() => bomb.charge(1)).toThrow(Busy);
    bomb.release();
    expect(a.inflight).toEqual({ bytes: 30, requests: 1 });
    small.release();
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
