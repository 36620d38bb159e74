/**
 * The collector's stored metrics as current values, for `GET /metrics` (endpoint.ts): one value per
 * stored series, kept up to date by reading only what was appended since the last scrape.
 *
 *  - sums (counters, up-down counters): the sum of the series' increments, whatever temporality was
 *    sent — the rule `cc-otel report` uses (src/report/counter.ts): deltas add up, a cumulative run
 *    counts its last value, resets and client retries are handled; so nothing expires and nothing is
 *    counted twice;
 *  - gauges: the value of the latest point; a gauge whose latest point is older than `gaugeMaxAgeMs`
 *    is left out (its sender stopped: an old "3 live sessions" must not stay lit).
 *
 * Claude Code's events (OTLP logs: api_request, api_error, tool_result, …) carry no metric of their
 * own; they are counted into one derived counter, `cc_otel.events` → `cc_otel_events_total`, with
 * the event name and a few identity attributes as labels (EVENT_LABELS: not the event's own
 * attributes, which hold ids and durations), deduplicated as report does (session.id + event.sequence).
 * Its api_error / api_request counts are what the API error-rate alert reads.
 *
 * Incremental: each segment's index file is read from where the last refresh stopped (segments are
 * append-only; segment-format.ts). A point that arrives in (start, time) order is folded into its
 * series at once; one that arrives out of order (a late retry) marks the series for a re-fold over
 * its kept points at the next read. A segment that disappeared (retention, --retain) resets the
 * view, which is then rebuilt from what is left. A refresh yields to the event loop every few ms,
 * so a scrape over a big store never holds up ingest for long.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { attrsKey, type Attrs } from '../collector/attributes.js';
import { FRAME_HEADER, IDX_MAGIC, MAX_FRAME, parseIndexPayload, PF_NO_VALUE, POINT_ROW, type IndexFrameView } from '../collector/segment-format.js';
import { listSegments, type SegmentFiles } from '../collector/store.js';
import { comparePoints, counterIncrement, newCursor, type CounterCursor } from '../report/counter.js';

const TWO_32 = 4294967296;
/** index bytes read at once */
const CHUNK = 4 * 1024 * 1024;
/** a refresh yields to the event loop after this long */
const SLICE_MS = 10;

export const DEFAULT_GAUGE_MAX_AGE_MS = 5 * 60_000;

/** The derived counter of events. */
export const EVENTS_METRIC = 'cc_otel.events';
/** Attributes (of the event, else of its resource) that label cc_otel_events_total. */
export const EVENT_LABELS = ['engineer', 'team', 'org', 'model', 'session.id', 'status_code', 'service.name', 'host.name', 'user.email'] as const;

export interface StoredSeries {
  /** OTel metric name and unit, as sent */
  name: string;
  unit: string;
  kind: 'sum' | 'gauge';
  cumulative: boolean;
  monotonic: boolean;
  /** resource attributes, overridden by the data point's (the point's are the more specific) */
  attrs: Attrs;
  /** sums: the total so far; gauges: the latest value */
  value: number;
  /** time of the latest point, ns since the epoch */
  lastNs: number;
  // sums: the points (kept for a re-fold when one arrives out of order) and the fold's position
  s: number[];
  t: number[];
  v: number[];
  cursor: CounterCursor;
  dirty: boolean;
}

interface SegmentCursor {
  files: SegmentFiles;
  /** bytes of the index file read so far (0: magic not checked yet) */
  offset: number;
  /** the segment's context definitions (resource attributes) and its series ids → our series */
  ctxs: Map<number, { key: string; r: Attrs }>;
  local: Array<StoredSeries | null>;
  /** event name ids → the name */
  names: Map<number, string>;
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export class StoreMetrics {
  private segments = new Map<number, SegmentCursor>();
  private byKey = new Map<string, StoredSeries>();
  /** identities of the events counted (a retried request repeats them) */
  private seenEvents = new Set<string>();
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(private readonly dataDir: string) {}

  /** Read what was appended since the last call. Concurrent calls share one read (and a call during a read gets one more). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          await this.readAll();
        } while (this.again);
      } finally {
        this.refreshing = undefined;
      }
    };
    return (this.refreshing = run());
  }

  /** The series, with every sum re-folded where a point came out of order. */
  series(): StoredSeries[] {
    const out: StoredSeries[] = [];
    for (const s of this.byKey.values()) {
      if (s.dirty) refold(s);
      out.push(s);
    }
    return out;
  }

  private reset(): void {
    this.segments.clear();
    this.byKey.clear();
    this.seenEvents.clear();
  }

  private async readAll(): Promise<void> {
    const list = listSegments(this.dataDir);
    const present = new Set(list.map((s) => s.seq));
    for (const seq of this.segments.keys()) {
      if (!present.has(seq)) {
        // A segment went (retention): what it held is no longer in the totals; start over.
        this.reset();
        break;
      }
    }
    let sliceStart = Date.now();
    for (const files of list) {
      let seg = this.segments.get(files.seq);
      if (!seg) this.segments.set(files.seq, (seg = { files, offset: 0, ctxs: new Map(), local: [], names: new Map() }));
      const cur = seg;
      await this.readSegment(cur, () => {
        if (Date.now() - sliceStart < SLICE_MS) return undefined;
        return yieldNow().then(() => {
          sliceStart = Date.now();
        });
      });
    }
  }

  /** Read the index file of one segment from its cursor to its current end (a torn or half-written frame stops it). */
  private async readSegment(seg: SegmentCursor, pause: () => Promise<void> | undefined): Promise<void> {
    let fd: number;
    try {
      fd = openSync(seg.files.idx, 'r');
    } catch {
      return; // not there (yet)
    }
    try {
      const size = fstatSync(fd).size;
      if (seg.offset === 0) {
        const magic = Buffer.alloc(IDX_MAGIC.length);
        if (readSync(fd, magic, 0, magic.length, 0) !== magic.length || !magic.equals(IDX_MAGIC)) return;
        seg.offset = IDX_MAGIC.length;
      }
      const readAt = (pos: number, len: number): Buffer => {
        const b = Buffer.allocUnsafe(len);
        const got = readSync(fd, b, 0, len, pos);
        return got === len ? b : b.subarray(0, got);
      };
      while (size - seg.offset >= FRAME_HEADER) {
        let block = readAt(seg.offset, Math.min(size - seg.offset, CHUNK));
        let p = 0;
        let stop = false;
        for (;;) {
          if (p + FRAME_HEADER > block.length) break;
          const len = block.readUInt32LE(p);
          if (len > MAX_FRAME) {
            stop = true;
            break;
          }
          if (p + FRAME_HEADER + len > block.length) {
            if (p > 0) break; // the rest with the next block
            if (seg.offset + FRAME_HEADER + len > size) {
              stop = true; // being written
              break;
            }
            block = readAt(seg.offset, FRAME_HEADER + len); // one frame bigger than a block
            if (block.length < FRAME_HEADER + len) {
              stop = true;
              break;
            }
          }
          const payload = block.subarray(p + FRAME_HEADER, p + FRAME_HEADER + len);
          if (crc32(payload) >>> 0 !== block.readUInt32LE(p + 4)) {
            stop = true; // torn (never acknowledged), or not yet whole
            break;
          }
          this.frame(seg, parseIndexPayload(payload));
          p += FRAME_HEADER + len;
          await pause(); // yields only once the time slice is used up
        }
        seg.offset += p;
        if (stop || p === 0) break;
      }
    } finally {
      closeSync(fd);
    }
  }

  private frame(seg: SegmentCursor, f: IndexFrameView): void {
    // Contexts are interned per segment across signals: a logs frame may define one a metrics frame uses.
    for (const d of f.header.d) {
      if (d.k === 'c') seg.ctxs.set(d.i, { key: `${attrsKey(d.r)}\u0000${d.s}\u0000${d.sv}`, r: d.r });
      else if (d.k === 'n') seg.names.set(d.i, d.n);
      else if (d.k === 's') {
        const ctx = seg.ctxs.get(d.c);
        // Series identity across segments (a collector restart starts a new segment mid-series), as report's.
        const key = `${ctx?.key ?? ''}\u0000${d.m}\u0000${d.u}\u0000${d.t}${d.tp}${d.mono ? 1 : 0}\u0000${attrsKey(d.a)}`;
        let s = this.byKey.get(key);
        if (!s) {
          s = {
            name: d.m,
            unit: d.u,
            kind: d.t,
            cumulative: d.tp === 2,
            monotonic: d.mono,
            attrs: { ...(ctx?.r ?? {}), ...d.a },
            value: 0,
            lastNs: -Infinity,
            s: [],
            t: [],
            v: [],
            cursor: newCursor(),
            dirty: false,
          };
          this.byKey.set(key, s);
        }
        seg.local[d.i] = s;
      }
    }
    const b = f.buf;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0, o = f.pointsAt; i < f.nPoints; i++, o += POINT_ROW) {
      const s = seg.local[dv.getUint32(o, true)];
      if (!s || dv.getUint32(o + 4, true) & PF_NO_VALUE) continue;
      const start = dv.getUint32(o + 12, true) * TWO_32 + dv.getUint32(o + 8, true);
      const time = dv.getUint32(o + 20, true) * TWO_32 + dv.getUint32(o + 16, true);
      const value = dv.getFloat64(o + 24, true);
      addPoint(s, start, time, value);
    }
    let o = f.eventsAt;
    for (let i = 0; i < f.nEvents; i++) {
      const ctxId = dv.getUint32(o, true);
      const name = seg.names.get(dv.getUint32(o + 4, true)) ?? '';
      const time = dv.getUint32(o + 12, true) * TWO_32 + dv.getUint32(o + 8, true);
      const len = dv.getUint32(o + 16, true);
      const json = b.toString('utf8', o + 20, o + 20 + len);
      o += 20 + len;
      if (name === '') continue;
      this.event(seg.ctxs.get(ctxId), name, time, json);
    }
  }

  private event(ctx: { key: string; r: Attrs } | undefined, name: string, time: number, json: string): void {
    let a: Attrs;
    try {
      a = JSON.parse(json) as Attrs;
    } catch {
      return;
    }
    const r = ctx?.r ?? {};
    const session = a['session.id'] ?? r['session.id'];
    const seq = a['event.sequence'];
    // as report's: Claude Code's session.id + event.sequence, else the whole event
    const id = typeof session === 'string' && (typeof seq === 'number' || typeof seq === 'string') ? `${name}\u0000${session}\u0000${seq}` : `${name}\u0000${time}\u0000${createHash('sha1').update(`${ctx?.key ?? ''}\u0000${json}`).digest('base64url').slice(0, 16)}`;
    if (this.seenEvents.has(id)) return;
    this.seenEvents.add(id);
    const attrs: Attrs = { event_name: name.startsWith('claude_code.') ? name.slice('claude_code.'.length) : name };
    for (const k of EVENT_LABELS) {
      const v = a[k] ?? r[k];
      if (v !== undefined && v !== null) attrs[k] = v;
    }
    const key = `\u0001event\u0000${attrsKey(attrs)}`;
    let s = this.byKey.get(key);
    if (!s) {
      s = { name: EVENTS_METRIC, unit: '', kind: 'sum', cumulative: false, monotonic: true, attrs, value: 0, lastNs: -Infinity, s: [], t: [], v: [], cursor: newCursor(), dirty: false };
      this.byKey.set(key, s);
    }
    s.value += 1; // counted once (seenEvents): order does not matter, no points kept
    if (time > s.lastNs) s.lastNs = time;
  }
}

function addPoint(s: StoredSeries, start: number, time: number, value: number): void {
  if (s.kind === 'gauge') {
    if (time >= s.lastNs) {
      s.lastNs = time;
      s.value = value;
    }
    return;
  }
  s.s.push(start);
  s.t.push(time);
  s.v.push(value);
  if (time > s.lastNs) s.lastNs = time;
  if (s.dirty) return;
  const c = s.cursor;
  if (!Number.isNaN(c.s) && comparePoints(start, time, c.s, c.t) < 0) {
    s.dirty = true; // out of order: re-fold before the next read
    return;
  }
  const inc = counterIncrement(c, start, time, value, s.cumulative, s.monotonic);
  if (!Number.isNaN(inc)) s.value += inc;
}

/** Fold a sum's points again, in (start, time) order. */
function refold(s: StoredSeries): void {
  const order = Array.from(s.s.keys()).sort((a, b) => comparePoints(s.s[a]!, s.t[a]!, s.s[b]!, s.t[b]!));
  const c = newCursor();
  let total = 0;
  for (const i of order) {
    const inc = counterIncrement(c, s.s[i]!, s.t[i]!, s.v[i]!, s.cumulative, s.monotonic);
    if (!Number.isNaN(inc)) total += inc;
  }
  s.cursor = c;
  s.value = total;
  s.dirty = false;
}
