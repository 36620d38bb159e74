/**
 * Derive the index (segment-format.ts) from one decoded Export*ServiceRequest: number data points
 * as fixed-width rows keyed by an interned series, log records as event rows, probe ids.
 *
 * Series identity = resource attributes + scope + metric name/unit/kind/temporality + data point
 * attributes — exactly what a cumulative counter is differenced over (report/build.ts).
 */
import type { Signal } from '../otel/endpoint.js';
import { attributes, attrsKey, listKey, type Attrs } from './attributes.js';
import { SeriesMemo } from './series-memo.js';
import type {
  ExportLogsRequestMsg,
  ExportMetricsRequestMsg,
  ExportRequestMsg,
  ExportTraceRequestMsg,
  KeyValueMsg,
  Long,
  NumberDataPointMsg,
  ScopeMsg,
} from './otlp-proto.js';
import { eventRow, PF_INT, PF_NO_VALUE, POINT_ROW, type Def, type IndexParts, type TemporalityCode } from './segment-format.js';

export const PROBE_ATTRIBUTE = 'cc_otel.probe_id';

/** Per-segment interning tables; ids are dense per kind. */
export interface SegmentDictionary {
  ctx: Map<string, number>;
  /** canonical series identity (context, metric, kind, listKey of the point's attributes) → id */
  series: Map<string, number>;
  /** the ingest memo: metric key → a point's attribute list as it came → series id (series-memo.ts) */
  seriesMemo: Map<string, SeriesMemo>;
  names: Map<string, number>;
}

export function newDictionary(): SegmentDictionary {
  return { ctx: new Map(), series: new Map(), seriesMemo: new Map(), names: new Map() };
}

const TWO_32 = 4294967296;

function splitTime(v: Long | number | null | undefined, fallbackMs: number, out: { lo: number; hi: number }): void {
  if (v !== null && v !== undefined && typeof v !== 'number' && (v.low !== 0 || v.high !== 0)) {
    out.lo = v.low >>> 0;
    out.hi = v.high >>> 0;
    return;
  }
  const ns = typeof v === 'number' && v > 0 ? v : fallbackMs * 1e6;
  const hi = Math.floor(ns / TWO_32);
  out.hi = hi >>> 0;
  out.lo = Math.max(0, Math.floor(ns - hi * TWO_32)) >>> 0;
}

class Builder {
  readonly defs: Def[] = [];
  readonly probes = new Set<string>();
  records = 0;
  points = Buffer.allocUnsafe(POINT_ROW * 64);
  nPoints = 0;
  readonly events: Buffer[] = [];
  private readonly t = { lo: 0, hi: 0 };

  constructor(
    private readonly dict: SegmentDictionary,
    private readonly receivedAtMs: number,
  ) {}

  probe(list: KeyValueMsg[] | null | undefined): void {
    if (!list) return;
    for (const kv of list) {
      if (kv.key === PROBE_ATTRIBUTE && kv.value?.stringValue != null) this.probes.add(kv.value.stringValue);
    }
  }

  ctx(resource: Attrs, resourceKey: string, scope: ScopeMsg | null | undefined): number {
    const s = scope?.name ?? '';
    const sv = scope?.version ?? '';
    const key = `${resourceKey}\u0000${s}\u0000${sv}`;
    let id = this.dict.ctx.get(key);
    if (id === undefined) {
      id = this.dict.ctx.size;
      this.dict.ctx.set(key, id);
      this.defs.push({ k: 'c', i: id, r: resource, s, sv });
    }
    return id;
  }

  name(n: string): number {
    let id = this.dict.names.get(n);
    if (id === undefined) {
      id = this.dict.names.size;
      this.dict.names.set(n, id);
      this.defs.push({ k: 'n', i: id, n });
    }
    return id;
  }

  /** The memo of one metric's series (context, name, unit, kind, temporality): once per metric, not per point. */
  seriesOf(ctx: number, metric: string, unit: string, kind: 'sum' | 'gauge', tp: TemporalityCode, mono: boolean): { key: string; memo: SeriesMemo } {
    const key = `${ctx}\u0000${metric}\u0000${unit}\u0000${kind}${tp}${mono ? 1 : 0}`;
    let memo = this.dict.seriesMemo.get(key);
    if (memo === undefined) this.dict.seriesMemo.set(key, (memo = new SeriesMemo()));
    return { key, memo };
  }

  /**
   * One number data point → one row. Its series is found through the memo (the attribute list as it
   * came) and only on a miss through the canonical, order-independent identity.
   */
  point(metricSeries: { key: string; memo: SeriesMemo }, ctx: number, metric: string, unit: string, kind: 'sum' | 'gauge', tp: TemporalityCode, mono: boolean, dp: NumberDataPointMsg): void {
    let series = metricSeries.memo.get(dp.attributes);
    if (series === undefined) {
      const key = `${metricSeries.key}\u0000${listKey(dp.attributes)}`;
      series = this.dict.series.get(key);
      if (series === undefined) {
        series = this.dict.series.size;
        this.dict.series.set(key, series);
        this.defs.push({ k: 's', i: series, c: ctx, m: metric, u: unit, t: kind, tp, mono, a: attributes(dp.attributes) });
        this.probe(dp.attributes); // a probe id is part of the series identity: checking new series suffices
      }
      metricSeries.memo.set(dp.attributes, series);
    }
    if ((this.nPoints + 1) * POINT_ROW > this.points.length) {
      const bigger = Buffer.allocUnsafe(this.points.length * 2);
      this.points.copy(bigger, 0, 0, this.nPoints * POINT_ROW);
      this.points = bigger;
    }
    let flags = 0;
    let value = 0;
    if (dp.asDouble != null) value = dp.asDouble;
    else if (dp.asInt != null) {
      flags |= PF_INT;
      value = typeof dp.asInt === 'number' ? dp.asInt : dp.asInt.toNumber();
    }
    if ((dp.flags ?? 0) & 1) flags |= PF_NO_VALUE;
    const o = this.nPoints * POINT_ROW;
    const b = this.points;
    b.writeUInt32LE(series, o);
    b.writeUInt32LE(flags, o + 4);
    splitTime(dp.startTimeUnixNano, 0, this.t);
    b.writeUInt32LE(this.t.lo, o + 8);
    b.writeUInt32LE(this.t.hi, o + 12);
    splitTime(dp.timeUnixNano, this.receivedAtMs, this.t);
    b.writeUInt32LE(this.t.lo, o + 16);
    b.writeUInt32LE(this.t.hi, o + 20);
    b.writeDoubleLE(value, o + 24);
    this.nPoints++;
  }

  metrics(req: ExportMetricsRequestMsg): void {
    for (const rm of req.resourceMetrics ?? []) {
      this.probe(rm.resource?.attributes);
      const r = attributes(rm.resource?.attributes);
      const rk = attrsKey(r);
      for (const sm of rm.scopeMetrics ?? []) {
        this.probe(sm.scope?.attributes);
        const ctx = this.ctx(r, rk, sm.scope);
        for (const m of sm.metrics ?? []) {
          const name = m.name ?? '';
          const unit = m.unit ?? '';
          if (m.sum) {
            const tp = (m.sum.aggregationTemporality ?? 0) as TemporalityCode;
            const mono = m.sum.isMonotonic === true;
            const ms = this.seriesOf(ctx, name, unit, 'sum', tp, mono);
            for (const dp of m.sum.dataPoints ?? []) this.point(ms, ctx, name, unit, 'sum', tp, mono, dp);
            this.records += m.sum.dataPoints?.length ?? 0;
          } else if (m.gauge) {
            const ms = this.seriesOf(ctx, name, unit, 'gauge', 0, false);
            for (const dp of m.gauge.dataPoints ?? []) this.point(ms, ctx, name, unit, 'gauge', 0, false, dp);
            this.records += m.gauge.dataPoints?.length ?? 0;
          } else {
            const dps = m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints ?? m.summary?.dataPoints ?? [];
            for (const dp of dps) this.probe(dp.attributes);
            this.records += dps.length;
          }
        }
      }
    }
  }

  logs(req: ExportLogsRequestMsg): void {
    for (const rl of req.resourceLogs ?? []) {
      this.probe(rl.resource?.attributes);
      const r = attributes(rl.resource?.attributes);
      const rk = attrsKey(r);
      for (const sl of rl.scopeLogs ?? []) {
        this.probe(sl.scope?.attributes);
        const ctx = this.ctx(r, rk, sl.scope);
        for (const lr of sl.logRecords ?? []) {
          this.records++;
          this.probe(lr.attributes);
          const a = attributes(lr.attributes);
          const eventName = lr.eventName || (typeof a['event.name'] === 'string' ? a['event.name'] : '');
          const time = lr.timeUnixNano && (typeof lr.timeUnixNano === 'number' ? lr.timeUnixNano : lr.timeUnixNano.low || lr.timeUnixNano.high) ? lr.timeUnixNano : lr.observedTimeUnixNano;
          splitTime(time, this.receivedAtMs, this.t);
          this.events.push(eventRow(ctx, this.name(eventName), this.t.lo, this.t.hi, JSON.stringify(a)));
        }
      }
    }
  }

  traces(req: ExportTraceRequestMsg): void {
    for (const rs of req.resourceSpans ?? []) {
      this.probe(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        this.probe(ss.scope?.attributes);
        for (const span of ss.spans ?? []) {
          this.records++;
          this.probe(span.attributes);
          for (const ev of span.events ?? []) this.probe(ev.attributes);
          for (const l of span.links ?? []) this.probe(l.attributes);
        }
      }
    }
  }
}

/**
 * Build the index parts of one request, interning into `dict` (mutated: new ids are added and
 * their definitions returned in `header.d`).
 */
export function buildIndex(signal: Signal, req: ExportRequestMsg, dict: SegmentDictionary, receivedAtMs: number): IndexParts {
  const b = new Builder(dict, receivedAtMs);
  if (signal === 'metrics') b.metrics(req as ExportMetricsRequestMsg);
  else if (signal === 'logs') b.logs(req as ExportLogsRequestMsg);
  else b.traces(req as ExportTraceRequestMsg);
  const header: IndexParts['header'] = { d: b.defs, n: b.records };
  if (b.probes.size > 0) header.p = [...b.probes];
  return { header, points: b.points, nPoints: b.nPoints, events: b.events };
}

/** Records (spans / data points / log records) in a request, without indexing it. */
export function countRecords(signal: Signal, req: ExportRequestMsg): number {
  let n = 0;
  if (signal === 'metrics') {
    for (const rm of (req as ExportMetricsRequestMsg).resourceMetrics ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? [])
          n += (m.sum?.dataPoints ?? m.gauge?.dataPoints ?? m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints ?? m.summary?.dataPoints ?? []).length;
  } else if (signal === 'logs') {
    for (const rl of (req as ExportLogsRequestMsg).resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  } else {
    for (const rs of (req as ExportTraceRequestMsg).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  }
  return n;
}
