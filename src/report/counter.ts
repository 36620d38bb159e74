/**
 * How one counter series turns into increments, whatever temporality it was sent with — the one
 * rule `cc-otel report` (build.ts) and the collector's `/metrics` (src/metrics/) both add up:
 *  - the points of a series are taken in (start time, time) order; an exact repeat of the previous
 *    point (a client retry after a lost 200) adds nothing;
 *  - delta: each point is its own increment;
 *  - cumulative: the first point of a run (one start time) counts in full — the counter started at
 *    start time — and each later point counts its difference from the previous one; a drop without
 *    a new start time is a reset (monotonic sums) and counts in full.
 */

/** The previous point of a series, in (start, time) order. */
export interface CounterCursor {
  s: number;
  t: number;
  v: number;
}

export function newCursor(): CounterCursor {
  return { s: NaN, t: NaN, v: 0 };
}

/** (start, time) order of two points. */
export function comparePoints(s1: number, t1: number, s2: number, t2: number): number {
  return s1 - s2 || t1 - t2;
}

/**
 * The increment the point (start `s`, time `t`, value `v`) adds after the cursor's point; NaN for
 * an exact repeat (the cursor is then left as it was). Moves the cursor to this point.
 */
export function counterIncrement(c: CounterCursor, s: number, t: number, v: number, cumulative: boolean, monotonic: boolean): number {
  if (s === c.s && t === c.t) return NaN;
  let inc: number;
  if (!cumulative) inc = v;
  else if (s !== c.s) inc = v;
  else {
    inc = v - c.v;
    if (monotonic && inc < 0) inc = v;
  }
  c.s = s;
  c.t = t;
  c.v = v;
  return inc;
}
