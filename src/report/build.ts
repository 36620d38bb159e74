/**
 * `cc-otel report`: Claude Code usage from the collector's index, grouped and totalled.
 *
 * Counters (Claude Code's metrics are all monotonic Sums) are turned into increments per series
 * before anything is added up, so delta and cumulative data give the same totals:
 *  - a series is resource + scope + metric + data point attributes, across all segments;
 *  - within a series, points are ordered by (start time, time); exact repeats (a client retry after
 *    a lost 200) are dropped;
 *  - delta: each point is its own increment;
 *  - cumulative: the first point of a run (one start time) counts in full — the counter started at
 *    start time — and each later point counts its difference from the previous one; a drop without
 *    a new start time is a reset and counts in full.
 * An increment is attributed to its point's time, so `since` cuts cumulative series correctly too.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Attrs, AttrValue } from '../collector/attributes.js';
import { attrsKey } from '../collector/attributes.js';
import { forEachIndexFrameFrom } from '../collector/reader.js';
import { PF_NO_VALUE, POINT_ROW, type IndexFrameView } from '../collector/segment-format.js';
import { listSegments } from '../collector/store.js';
import { CcOtelError } from '../errors.js';
import { comparePoints, counterIncrement, type CounterCursor } from './counter.js';

/** 96 bits of SHA-1: a compact identity for event dedup (collisions are not a concern at report sizes). */
const shortHash = (text: string): string => createHash('sha1').update(text).digest('base64url').slice(0, 16);

export const GROUP_BY = ['engineer', 'team', 'org', 'model', 'project', 'day', 'session'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export const TOKEN_TYPES = ['input', 'output', 'cacheRead', 'cacheCreation'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** What `filter` (`--engineer`, `--team`, …) can narrow to: the rows of that --by value. */
export const FILTER_BY = ['engineer', 'team', 'org', 'model', 'project', 'session'] as const;
export type FilterBy = (typeof FILTER_BY)[number];
export type ReportFilter = Partial<Record<FilterBy, string>>;

/**
 * Where engineer/team/org/project come from: the first attribute present (data point/event, then resource).
 * For engineer these are the attributes someone set (cc-otel's `engineer`, from
 * OTEL_RESOURCE_ATTRIBUTES); without one, see ENGINEER_SOURCES.
 */
export const DEFAULT_ATTRIBUTE_KEYS: Readonly<Record<AttributeDim, readonly string[]>> = {
  engineer: ['engineer', 'user.name', 'enduser.id'],
  team: ['team', 'team.name', 'team.id', 'department'],
  org: ['org', 'org.name', 'organization.name', 'organization.id'],
  project: ['project', 'project.name', 'vcs.repository.name'],
};
export type AttributeDim = 'engineer' | 'team' | 'org' | 'project';

/**
 * How `--by engineer` names a row, strongest first — one person is one row, however their sessions
 * were wired (a project-scope install leaves `engineer` out: the file is shared):
 *  1. `attribute`: an engineer attribute on the data (DEFAULT_ATTRIBUTE_KEYS.engineer);
 *  2. `session-start-hook`: the engineer cc-otel's SessionStart hook recorded for the data's
 *     session.id (its `cc_otel.hook.SessionStart` event, shipped to the same collector);
 *  3. `user.email`: Claude Code's, when it exports one (a claude.ai login);
 *  4. `user.id`: Claude Code's anonymous installation id (64 hex characters);
 *  5. `none`: nothing at all — the `(none)` row.
 */
export const ENGINEER_SOURCES = ['attribute', 'session-start-hook', 'user.email', 'user.id', 'none'] as const;
export type EngineerSource = (typeof ENGINEER_SOURCES)[number];

/** The event cc-otel's SessionStart hook records (src/events/otlp-records.ts hookEventName). */
export const SESSION_START_EVENT = 'cc_otel.hook.SessionStart';

export const NONE = '(none)';

/** The session bridge's gauges (`cc-otel bridge`): cc.sessions.active, .stale, .silent. */
export const LIVE_PREFIX = 'cc.sessions.';

export interface ReportOptions {
  dataDir: string;
  /** inclusive lower bound, epoch ms (default: everything) */
  since?: number;
  /** exclusive upper bound, epoch ms (default: no bound) */
  until?: number;
  by?: GroupBy;
  /** how days are cut, for `--by day` and `daily` (default utc) */
  dayBoundary?: 'utc' | 'local';
  attributeKeys?: Partial<Record<AttributeDim, readonly string[]>>;
  /** only the data whose --by value is this, per dimension (all must match) */
  filter?: ReportFilter;
  /** each row also split by day: `row.days` (key = the day) */
  daily?: boolean;
  /** the newest this-many API errors and cc-otel hook events in the window (and filter): `report.recent` */
  recent?: number;
  /** the values each filter dimension takes in the store (any time): `report.values` */
  values?: boolean;
  /** the live sessions the session bridge reports (its cc.sessions.* gauges): `report.live` */
  live?: boolean;
  /** `live`: a bridge's latest export older than this is not live any more (default 5 minutes) */
  liveWindowMs?: number;
  /** epoch ms (default Date.now()): what `live` is relative to */
  now?: number;
  /** what was read of the data dir before, read on from there (default: a fresh read) */
  source?: ReportSource;
}

/** A cc.sessions.* gauge as the bridge last exported it (the sum of its series at its latest export). */
export interface LiveMetric {
  name: string;
  value: number;
  /** each series of that export: its data point attributes and value, largest first */
  series: Array<{ attributes: Record<string, string>; value: number }>;
}

export interface ReportRow {
  key: string;
  sessions: number;
  activeTimeSeconds: number;
  tokens: Record<TokenType, number> & { total: number };
  costUsd: number;
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  decisions: { accept: number; reject: number };
  apiErrors: number;
  /** --by engineer: the rule that named this row (the strongest, when its data was named by several) */
  engineerSource?: EngineerSource;
  /** --by engineer: every rule that named part of this row, strongest first */
  engineerSources?: EngineerSource[];
  /** `daily`: this row's figures per day, oldest first */
  days?: ReportRow[];
}

/** An API error or a cc-otel hook event, as recorded (attribute values are whatever the sender set). */
export interface RecentEvent {
  time: string;
  /** `api_error`, or `cc_otel.hook.<Event>` */
  name: string;
  engineer: string;
  session: string | null;
  /** the event's own attributes (not the resource's), at most 24, strings cut at 300 characters */
  attributes: Record<string, string>;
}

export interface Report {
  by: GroupBy;
  since: string | null;
  until: string | null;
  filter?: ReportFilter;
  rows: ReportRow[];
  totals: ReportRow;
  recent?: RecentEvent[];
  /** `live`: the newest export of each bridge (resource) within the window, per gauge; none: the store has no cc.sessions.* gauges */
  live?: { asOf: string | null; windowMs: number; metrics: LiveMetric[] };
  values?: Record<Exclude<FilterBy, 'session'>, string[]>;
  meta: {
    segments: number;
    series: number;
    dataPoints: number;
    events: number;
    /** records of any kind the data dir holds (spans, data points, log records), reported or not */
    records: number;
    /** where accept/reject came from: per session, its tool_decision events if it has any, else the code_edit_tool.decision metric */
    decisionsFrom: 'events' | 'metric' | 'both';
    /** distinct session.id values, or the claude_code.session.count metric when no session.id is recorded */
    sessionsFrom: 'session.id' | 'session.count';
    /** the names of the other metrics the store holds (not reported here), e.g. cc.sessions.* from `cc-otel bridge` */
    otherMetrics: string[];
  };
}

// ---- accumulator slots (one Float64Array per row; a series knows its slot up front) ----
const S_INPUT = 0; // + token type index: input, output, cacheRead, cacheCreation
const S_COST = 4;
const S_ACTIVE = 5;
const S_ADDED = 6;
const S_REMOVED = 7;
const S_COMMITS = 8;
const S_PRS = 9;
const S_EDIT_ACCEPT = 10;
const S_EDIT_REJECT = 11;
const S_SESSION_COUNT = 12;
const S_EV_ACCEPT = 13;
const S_EV_REJECT = 14;
const S_API_ERRORS = 15;
const SLOTS = 16;

const TOKEN_INDEX: Readonly<Record<string, number>> = { input: 0, output: 1, cacheRead: 2, cacheCreation: 3 };

/** The slot a series of a reported metric adds to, from its data point attributes; -1 = not reported. */
function slotOf(metric: string, a: Attrs): number {
  const type = str(a.type);
  switch (metric) {
    case 'claude_code.token.usage': {
      const i = TOKEN_INDEX[type ?? ''];
      return i === undefined ? -1 : S_INPUT + i;
    }
    case 'claude_code.cost.usage':
      return S_COST;
    case 'claude_code.active_time.total':
      return S_ACTIVE;
    case 'claude_code.lines_of_code.count':
      return type === 'added' ? S_ADDED : type === 'removed' ? S_REMOVED : -1;
    case 'claude_code.commit.count':
      return S_COMMITS;
    case 'claude_code.pull_request.count':
      return S_PRS;
    case 'claude_code.code_edit_tool.decision': {
      const d = str(a.decision);
      return d === 'accept' ? S_EDIT_ACCEPT : d === 'reject' ? S_EDIT_REJECT : -1;
    }
    case 'claude_code.session.count':
      return S_SESSION_COUNT;
    default:
      return -1;
  }
}

const EVENT_API_ERROR = 1;
const EVENT_TOOL_DECISION = 2;
const EVENT_SESSION_START = 3;
/** any other cc-otel hook event: listed in `recent`, not counted */
const EVENT_HOOK = 4;
const EVENTS: Readonly<Record<string, number>> = {
  api_error: EVENT_API_ERROR,
  'claude_code.api_error': EVENT_API_ERROR,
  tool_decision: EVENT_TOOL_DECISION,
  'claude_code.tool_decision': EVENT_TOOL_DECISION,
  [SESSION_START_EVENT]: EVENT_SESSION_START,
};
const eventCode = (name: string): number => EVENTS[name] ?? (name.startsWith('cc_otel.hook.') ? EVENT_HOOK : 0);

function str(v: AttrValue | undefined): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const TWO_32 = 4294967296;

/** Throws IO when `dataDir` is not a directory: "no data dir" is not "no data in this window". */
function requireDataDir(dataDir: string): void {
  let st;
  try {
    st = statSync(dataDir, { throwIfNoEntry: false });
  } catch (e) {
    throw new CcOtelError('IO', `cannot read the collector data dir ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  if (!st || !st.isDirectory())
    throw new CcOtelError('IO', `no collector data dir at ${dataDir}${st ? ' (it is not a directory)' : ''}`, {
      hint: 'start a collector there (`cc-otel collect --detach` creates it), or name the data dir of the one you run: --data-dir, or $CC_OTEL_DATA_DIR',
    });
}

// ---- reading the index: series, point columns, events ----

interface SeriesDef {
  slot: number;
  cumulative: boolean;
  monotonic: boolean;
  /** data point attributes and resource attributes */
  a: Attrs;
  r: Attrs;
  session: string | undefined;
  /** its points: start/time (ns as float64 — exact to 256 ns), value, and increment (NaN: a repeat) */
  S: Float64Array;
  T: Float64Array;
  V: Float64Array;
  inc: Float64Array;
  len: number;
  /** points whose increment is computed (in (S, T) order) */
  done: number;
  /** a point arrived before the last one in (S, T) order: sort and difference again */
  unsorted: boolean;
  prevS: number;
  prevT: number;
  prevV: number;
}

const newSeries = (slot: number, cumulative: boolean, monotonic: boolean, a: Attrs, r: Attrs, session: string | undefined): SeriesDef => ({
  slot, cumulative, monotonic, a, r, session,
  S: new Float64Array(4), T: new Float64Array(4), V: new Float64Array(4), inc: new Float64Array(4),
  len: 0, done: 0, unsorted: false, prevS: NaN, prevT: NaN, prevV: 0,
});

function pushPoint(si: SeriesDef, s: number, t: number, v: number): void {
  const i = si.len;
  if (i === si.S.length) {
    const grow = (a: Float64Array) => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    si.S = grow(si.S);
    si.T = grow(si.T);
    si.V = grow(si.V);
    si.inc = grow(si.inc);
  }
  if (i > 0 && (s < si.S[i - 1]! || (s === si.S[i - 1] && t < si.T[i - 1]!))) si.unsorted = true;
  si.S[i] = s;
  si.T[i] = t;
  si.V[i] = v;
  si.len = i + 1;
}

/**
 * Bring a series' increments up to date: its points in (start, time) order (sorted again only when
 * one arrived out of order), then differenced from where the last call stopped:
 *  - delta: each point is its own increment;
 *  - cumulative: the first point of a run (one start time) counts in full — the counter started at
 *    start time — and each later point its difference from the previous; a drop without a new
 *    start time is a reset and counts in full; the same (start, time) again is a repeat (NaN).
 */
function differentiate(si: SeriesDef): void {
  if (si.unsorted) {
    const idx = Array.from({ length: si.len }, (_, i) => i).sort((a, b) => comparePoints(si.S[a]!, si.T[a]!, si.S[b]!, si.T[b]!));
    const permute = (a: Float64Array) => {
      const b = new Float64Array(a.length);
      idx.forEach((from, to) => (b[to] = a[from]!));
      return b;
    };
    si.S = permute(si.S);
    si.T = permute(si.T);
    si.V = permute(si.V);
    si.unsorted = false;
    si.done = 0;
    si.prevS = NaN;
    si.prevT = NaN;
    si.prevV = 0;
  }
  // The increment rule is counter.ts's, shared with /metrics (NaN marks a repeated point).
  const { S, T, V, inc, cumulative, monotonic } = si;
  const cursor: CounterCursor = { s: si.prevS, t: si.prevT, v: si.prevV };
  for (let k = si.done; k < si.len; k++) inc[k] = counterIncrement(cursor, S[k]!, T[k]!, V[k]!, cumulative, monotonic);
  si.prevS = cursor.s;
  si.prevT = cursor.t;
  si.prevV = cursor.v;
  si.done = si.len;
}

interface EventDef {
  /** ns */
  t: number;
  code: number;
  name: string;
  a: Attrs;
  r: Attrs;
  session: string | undefined;
}

interface SegmentState {
  seq: number;
  /** where the next read of its index goes on */
  offset: number;
  ctxs: Map<number, { r: Attrs; key: string; h: string }>;
  /** name id → event code (0 = not reported) and name */
  names: Map<number, { code: number; name: string }>;
  /** segment series id → global series (-1: not reported) */
  local2global: number[];
  /** segment series id → live gauge (src.live), for the series that are */
  local2live: Map<number, number>;
}

/**
 * What the data dir's index holds, decoded for reports. `refresh()` reads what was appended since
 * the last call — the rest of the newest segment, and new segments — and starts over when a
 * segment went away (retention) or changed under it; so a long-lived source (the dashboard's)
 * costs one full read, then only what arrives. Points are kept per series with their increments
 * (32 bytes each, arrays grown by doubling); an answer then only sums the window.
 */
export class ReportSource {
  series: SeriesDef[] = [];
  /** data points of reported series (each kept by its series) */
  n = 0;
  /** counted events (API errors, decisions) and hook events, deduplicated, in read order */
  events: EventDef[] = [];
  /** every log record with an event name, reported or not */
  eventCount = 0;
  records = 0;
  /** session.id → the engineer its SessionStart hook recorded (the first one seen) */
  hookEngineers = new Map<string, string>();
  otherMetrics = new Set<string>();
  /** cc.sessions.* gauge series (the session bridge's), each with its newest point */
  live: Array<{ metric: string; a: Attrs; r: Attrs; ctx: string; t: number; v: number }> = [];
  private liveIds = new Map<string, number>();
  private segs: SegmentState[] = [];
  private globalSeries = new Map<string, number>();
  /** compact identities of the events kept (a retried request repeats them) */
  private seenEvents = new Set<string>();

  constructor(readonly dataDir: string) {}

  get segments(): number {
    return this.segs.length;
  }

  refresh(): this {
    this.readOn(Infinity);
    return this;
  }

  /**
   * Read on as `refresh()` does, a slice at a time, yielding to the event loop in between: a
   * collector serving the dashboard goes on answering OTLP while a big store is read the first time.
   */
  async catchUp(sliceBytes = 1 << 20): Promise<void> {
    while (!this.readOn(sliceBytes)) await new Promise((r) => setImmediate(r));
  }

  /** Read on, at most about `budget` bytes of index; true: read to the end of what is there. */
  private readOn(budget: number): boolean {
    const listed = listSegments(this.dataDir);
    const same = this.segs.every((s, i) => listed[i]?.seq === s.seq);
    if (!same) this.reset();
    for (let i = 0; i < listed.length; i++) {
      const files = listed[i]!;
      let st = this.segs[i];
      if (st && i < this.segs.length - 1) continue; // an older segment: read to its end already
      if (budget <= 0) return false;
      if (!st) this.segs.push((st = { seq: files.seq, offset: 0, ctxs: new Map(), names: new Map(), local2global: [], local2live: new Map() }));
      const before = st.offset;
      const r = forEachIndexFrameFrom(files, st.offset, (f) => this.frame(st, f), budget);
      st.offset = r.offset;
      budget -= r.offset - before;
      if (r.more) return false;
    }
    return true;
  }

  /** buildReport's `values`, for the store as read (key: what they depend on) */
  valuesMemo: { key: string; values: NonNullable<Report['values']> } | undefined;


  private reset(): void {
    this.series = [];
    this.n = 0;
    this.events = [];
    this.eventCount = 0;
    this.records = 0;
    this.hookEngineers.clear();
    this.otherMetrics.clear();
    this.live = [];
    this.liveIds.clear();
    this.segs = [];
    this.globalSeries.clear();
    this.seenEvents.clear();
  }

  private frame(st: SegmentState, f: IndexFrameView): void {
    this.records += f.header.n;
    for (const d of f.header.d) {
      if (d.k === 'c') {
        const key = `${attrsKey(d.r)}\u0000${d.s}\u0000${d.sv}`;
        st.ctxs.set(d.i, { r: d.r, key, h: shortHash(key) });
      } else if (d.k === 'n') st.names.set(d.i, { code: eventCode(d.n), name: d.n });
      else {
        const slot = d.t === 'sum' ? slotOf(d.m, d.a) : -1;
        if (slot < 0) {
          if (!d.m.startsWith('claude_code.')) this.otherMetrics.add(d.m);
          st.local2global[d.i] = -1;
          if (d.t === 'gauge' && d.m.startsWith(LIVE_PREFIX)) {
            const ctx = st.ctxs.get(d.c);
            const lkey = `${ctx?.key ?? ''}\u0000${d.m}\u0000${attrsKey(d.a)}`;
            let li = this.liveIds.get(lkey);
            if (li === undefined) {
              this.liveIds.set(lkey, (li = this.live.length));
              this.live.push({ metric: d.m, a: d.a, r: ctx?.r ?? {}, ctx: ctx?.key ?? '', t: -Infinity, v: 0 });
            }
            st.local2live.set(d.i, li);
          }
          continue;
        }
        // Series identity across segments (a collector restart starts a new segment mid-series).
        const ctx = st.ctxs.get(d.c);
        const gkey = `${ctx?.key ?? ''}\u0000${d.m}\u0000${d.u}\u0000${d.tp}${d.mono ? 1 : 0}\u0000${attrsKey(d.a)}`;
        let gi = this.globalSeries.get(gkey);
        if (gi === undefined) {
          const r = ctx?.r ?? {};
          gi = this.series.length;
          this.globalSeries.set(gkey, gi);
          this.series.push(newSeries(slot, d.tp === 2, d.mono, d.a, r, str(d.a['session.id']) ?? str(r['session.id'])));
        }
        st.local2global[d.i] = gi;
      }
    }
    const b = f.buf;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const series = this.series;
    for (let i = 0, o = f.pointsAt; i < f.nPoints; i++, o += POINT_ROW) {
      const local = dv.getUint32(o, true);
      const gi = st.local2global[local] ?? -1;
      if (dv.getUint32(o + 4, true) & PF_NO_VALUE) continue;
      if (gi < 0) {
        const li = st.local2live.size ? st.local2live.get(local) : undefined;
        if (li !== undefined) {
          const g = this.live[li]!;
          const t = dv.getUint32(o + 20, true) * TWO_32 + dv.getUint32(o + 16, true);
          if (t >= g.t) {
            g.t = t;
            g.v = dv.getFloat64(o + 24, true);
          }
        }
        continue;
      }
      pushPoint(
        series[gi]!,
        dv.getUint32(o + 12, true) * TWO_32 + dv.getUint32(o + 8, true),
        dv.getUint32(o + 20, true) * TWO_32 + dv.getUint32(o + 16, true),
        dv.getFloat64(o + 24, true),
      );
      this.n++;
    }
    let o = f.eventsAt;
    for (let i = 0; i < f.nEvents; i++) {
      const ctxId = dv.getUint32(o, true);
      const nm = st.names.get(dv.getUint32(o + 4, true));
      const t = dv.getUint32(o + 12, true) * TWO_32 + dv.getUint32(o + 8, true);
      const len = dv.getUint32(o + 16, true);
      const jsonAt = o + 20;
      o = jsonAt + len;
      this.eventCount++;
      if (!nm || nm.code === 0) continue;
      const json = b.toString('utf8', jsonAt, jsonAt + len);
      const ctx = st.ctxs.get(ctxId);
      const a = JSON.parse(json) as Attrs;
      const r = ctx?.r ?? {};
      const session = str(a['session.id']) ?? str(r['session.id']);
      if (nm.code === EVENT_SESSION_START) {
        // Whatever the window: a session that started before it is still named by its hook.
        const engineer = str(a.engineer) ?? str(r.engineer);
        if (session !== undefined && engineer !== undefined && !this.hookEngineers.has(session)) this.hookEngineers.set(session, engineer);
      }
      // A retried request repeats its events: drop them on a compact identity — Claude Code's
      // session.id + event.sequence, else a short hash — not on the whole JSON (memory).
      const seq = a['event.sequence'];
      const dedup =
        session !== undefined && (typeof seq === 'number' || typeof seq === 'string')
          ? `${nm.code}\u0000${session}\u0000${seq}`
          : `${t}\u0000${nm.code}\u0000${ctx?.h ?? ''}\u0000${shortHash(json)}`;
      if (this.seenEvents.has(dedup)) continue;
      this.seenEvents.add(dedup);
      this.events.push({ t, code: nm.code, name: nm.name, a, r, session });
    }
  }
}

// ---- aggregating ----

interface Acc {
  key: string;
  sessions: Set<string>;
  v: Float64Array;
  sources?: Set<EngineerSource>;
  days?: Map<string, Acc>;
}

const newAcc = (key: string): Acc => ({ key, sessions: new Set(), v: new Float64Array(SLOTS) });

export function buildReport(opts: ReportOptions): Report {
  requireDataDir(opts.dataDir);
  const src = (opts.source ?? new ReportSource(opts.dataDir)).refresh();
  const by = opts.by ?? 'engineer';
  const byDay = by === 'day';
  const daily = opts.daily === true;
  const keys = { ...DEFAULT_ATTRIBUTE_KEYS, ...opts.attributeKeys };
  const sinceNs = opts.since === undefined ? -Infinity : opts.since * 1e6;
  const untilNs = opts.until === undefined ? Infinity : opts.until * 1e6;
  const local = opts.dayBoundary === 'local';
  const hookEngineers = src.hookEngineers;

  /** the engineer of some data, and the rule that named it (ENGINEER_SOURCES) */
  const engineerOf = (a: Attrs, r: Attrs): [string, EngineerSource] => {
    const get = (k: string) => str(a[k]) ?? str(r[k]);
    for (const k of keys.engineer) {
      const v = get(k);
      if (v !== undefined) return [v, 'attribute'];
    }
    const session = get('session.id');
    const hooked = session === undefined ? undefined : hookEngineers.get(session);
    if (hooked !== undefined) return [hooked, 'session-start-hook'];
    const email = get('user.email');
    if (email !== undefined) return [email, 'user.email'];
    const userId = get('user.id');
    if (userId !== undefined) return [userId, 'user.id'];
    return [NONE, 'none'];
  };
  const valueOf = (dim: Exclude<GroupBy, 'day'>, a: Attrs, r: Attrs): string => {
    const get = (k: string) => str(a[k]) ?? str(r[k]);
    switch (dim) {
      case 'engineer':
        return engineerOf(a, r)[0];
      case 'model':
        return get('model') ?? NONE;
      case 'session':
        return get('session.id') ?? NONE;
      default:
        for (const k of keys[dim]) {
          const v = get(k);
          if (v !== undefined) return v;
        }
        return NONE;
    }
  };
  const filters = Object.entries(opts.filter ?? {}).filter(([, v]) => v !== undefined) as Array<[FilterBy, string]>;
  const matches = (a: Attrs, r: Attrs): boolean => filters.every(([dim, want]) => valueOf(dim, a, r) === want);

  const dayCache = new Map<number, string>();
  const dayOf = (ns: number): string => {
    // Cache per 15 minutes: every time zone offset is a multiple of 15 minutes.
    const bucket = Math.floor(ns / 900e9);
    let d = dayCache.get(bucket);
    if (d === undefined) {
      const date = new Date(bucket * 900_000);
      d = local
        ? `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`
        : date.toISOString().slice(0, 10);
      dayCache.set(bucket, d);
    }
    return d;
  };

  const rows = new Map<string, Acc>();
  /** the row of some data (its sessions and, --by engineer, the naming rule, added) */
  const rowFor = (a: Attrs, r: Attrs, t: number, session: string | undefined): Acc => {
    let key: string;
    let source: EngineerSource | undefined;
    if (byDay) key = dayOf(t);
    else if (by === 'engineer') [key, source] = engineerOf(a, r);
    else key = valueOf(by, a, r);
    let row = rows.get(key);
    if (!row) rows.set(key, (row = newAcc(key)));
    if (source) (row.sources ??= new Set()).add(source);
    if (session) row.sessions.add(session);
    return row;
  };
  const dayRow = (row: Acc, day: string, session: string | undefined): Acc => {
    const days = (row.days ??= new Map());
    let d = days.get(day);
    if (!d) days.set(day, (d = newAcc(day)));
    if (session) d.sessions.add(session);
    return d;
  };

  // ---- events ----
  let sawDecisionEvents = false;
  let metricDecisions = false;
  /** sessions with tool_decision events: their decisions come from those, not from the metric */
  const decisionSessions = new Set<string>();
  const recent: EventDef[] = [];
  for (const e of src.events) {
    if (e.t < sinceNs || e.t >= untilNs || !matches(e.a, e.r)) continue;
    if (e.code === EVENT_SESSION_START || e.code === EVENT_HOOK) {
      if (opts.recent) recent.push(e);
      continue;
    }
    const row = rowFor(e.a, e.r, e.t, e.session);
    const cell = daily ? dayRow(row, dayOf(e.t), e.session) : undefined;
    let slot: number;
    if (e.code === EVENT_API_ERROR) {
      slot = S_API_ERRORS;
      if (opts.recent) recent.push(e);
    } else {
      sawDecisionEvents = true;
      if (e.session) decisionSessions.add(e.session);
      const decision = str(e.a.decision);
      slot = decision === 'accept' ? S_EV_ACCEPT : decision === 'reject' ? S_EV_REJECT : -1;
    }
    if (slot < 0) continue;
    row.v[slot]!++;
    if (cell) cell.v[slot]!++;
  }

  // ---- points: each series' increments (window-independent, kept by the source), summed in the window ----
  const { series, n } = src;
  for (let gi = 0; gi < series.length; gi++) {
    const si = series[gi]!;
    if (si.len === 0 || (filters.length && !matches(si.a, si.r))) continue;
    if (si.done < si.len || si.unsorted) differentiate(si);
    const { inc: INC, T: TT, len } = si;
    const { slot, session } = si;
    // Decisions per session: a session with tool_decision events counts those, not this metric.
    const isDecision = slot === S_EDIT_ACCEPT || slot === S_EDIT_REJECT;
    const coveredByEvents = isDecision && session !== undefined && decisionSessions.has(session);
    let row: Acc | undefined;
    let cell: Acc | undefined;
    let bucket = NaN; // the 15-minute bucket of the last point (its day is `day`)
    let day = '';
    for (let k = 0; k < len; k++) {
      const inc = INC[k]!;
      if (inc !== inc) continue; // NaN: the same point again (a retry)
      const t = TT[k]!;
      if (t < sinceNs || t >= untilNs) continue;
      if (byDay || daily) {
        const b = Math.floor(t / 900e9);
        if (b !== bucket) {
          bucket = b;
          day = dayOf(t);
        }
      }
      if (byDay) {
        if (!row || row.key !== day) row = rowFor(si.a, si.r, t, session);
      } else row ??= rowFor(si.a, si.r, t, session);
      if (daily && (!cell || cell.key !== day)) cell = dayRow(row, day, session);
      if (coveredByEvents) continue;
      if (isDecision && inc) metricDecisions = true;
      row.v[slot]! += inc;
      if (cell) cell.v[slot]! += inc;
    }
  }

  // ---- rows ----
  const decisionsFrom: 'events' | 'metric' | 'both' = sawDecisionEvents ? (metricDecisions ? 'both' : 'events') : 'metric';
  const anySessionIds = [...rows.values()].some((r) => r.sessions.size > 0);
  // Float sums carry noise in the last bits (0.1 + 0.05 = 0.15000000000000002); 1e-9 is far below
  // any unit reported (USD, seconds).
  const round = (x: number) => Math.round(x * 1e9) / 1e9;
  const byKey = (x: ReportRow, y: ReportRow) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
  const toRow = (a: Acc): ReportRow => {
    const v = a.v;
    const [input, output, cacheRead, cacheCreation] = [v[S_INPUT]!, v[S_INPUT + 1]!, v[S_INPUT + 2]!, v[S_INPUT + 3]!];
    const row: ReportRow = {
      key: a.key,
      sessions: anySessionIds ? a.sessions.size : v[S_SESSION_COUNT]!,
      activeTimeSeconds: round(v[S_ACTIVE]!),
      tokens: { input, output, cacheRead, cacheCreation, total: input + output + cacheRead + cacheCreation },
      costUsd: round(v[S_COST]!),
      linesAdded: v[S_ADDED]!,
      linesRemoved: v[S_REMOVED]!,
      commits: v[S_COMMITS]!,
      pullRequests: v[S_PRS]!,
      // disjoint by session (the metric of sessions that have events is skipped)
      decisions: { accept: v[S_EV_ACCEPT]! + v[S_EDIT_ACCEPT]!, reject: v[S_EV_REJECT]! + v[S_EDIT_REJECT]! },
      apiErrors: v[S_API_ERRORS]!,
    };
    if (a.sources) {
      const sources = ENGINEER_SOURCES.filter((x) => a.sources!.has(x));
      row.engineerSource = sources[0]!;
      row.engineerSources = sources;
    }
    if (daily) row.days = [...(a.days?.values() ?? [])].map(toRow).sort(byKey);
    return row;
  };
  const out = [...rows.values()].map(toRow);
  if (byDay) out.sort(byKey);
  else out.sort((x, y) => y.costUsd - x.costUsd || y.tokens.total - x.tokens.total || byKey(x, y));

  const total = newAcc('total');
  for (const a of rows.values()) {
    for (const s of a.sessions) total.sessions.add(s);
    for (let i = 0; i < SLOTS; i++) total.v[i]! += a.v[i]!;
    if (daily)
      for (const d of a.days?.values() ?? []) {
        const cell = dayRow(total, d.key, undefined);
        for (const s of d.sessions) cell.sessions.add(s);
        for (let i = 0; i < SLOTS; i++) cell.v[i]! += d.v[i]!;
      }
  }

  const report: Report = {
    by,
    since: opts.since === undefined ? null : new Date(opts.since).toISOString(),
    until: opts.until === undefined ? null : new Date(opts.until).toISOString(),
    ...(filters.length ? { filter: Object.fromEntries(filters) } : {}),
    rows: out,
    totals: toRow(total),
    meta: {
      segments: src.segments,
      series: series.length,
      dataPoints: n,
      events: src.eventCount,
      records: src.records,
      decisionsFrom,
      sessionsFrom: anySessionIds ? 'session.id' : 'session.count',
      otherMetrics: [...src.otherMetrics].sort(),
    },
  };
  if (opts.recent) report.recent = recent.sort((x, y) => y.t - x.t).slice(0, opts.recent).map((e) => recentEvent(e, engineerOf(e.a, e.r)[0]));
  if (opts.live) {
    const windowMs = opts.liveWindowMs ?? 5 * 60_000;
    const fromNs = ((opts.now ?? Date.now()) - windowMs) * 1e6;
    const newest = new Map<string, number>(); // metric + resource → the time of its latest export
    for (const g of src.live) {
      const k = `${g.metric}\u0000${g.ctx}`;
      if (g.t > (newest.get(k) ?? -Infinity)) newest.set(k, g.t);
    }
    const metrics = new Map<string, LiveMetric>();
    let asOf = -Infinity;
    for (const g of src.live) {
      if (g.t < fromNs || g.t !== newest.get(`${g.metric}\u0000${g.ctx}`) || !matches(g.a, g.r)) continue;
      let m = metrics.get(g.metric);
      if (!m) metrics.set(g.metric, (m = { name: g.metric, value: 0, series: [] }));
      m.value += g.v;
      const attributes: Record<string, string> = {};
      for (const [k, v] of Object.entries(g.a)) {
        const x = str(v);
        if (x !== undefined) attributes[k.slice(0, RECENT_CHARS)] = x.length > RECENT_CHARS ? `${x.slice(0, RECENT_CHARS)}…` : x;
      }
      m.series.push({ attributes, value: g.v });
      if (g.t > asOf) asOf = g.t;
    }
    for (const m of metrics.values()) m.series.sort((x, y) => y.value - x.value);
    report.live = {
      asOf: asOf === -Infinity ? null : new Date(asOf / 1e6).toISOString(),
      windowMs,
      metrics: [...metrics.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
    };
  }
  if (opts.values) {
    // the same store and attribute keys give the same values: kept by the source until it reads more
    const memoKey = `${src.n}/${series.length}/${src.events.length}/${hookEngineers.size}/${JSON.stringify(keys)}`;
    if (src.valuesMemo?.key !== memoKey) {
      const seen = { engineer: new Set<string>(), team: new Set<string>(), org: new Set<string>(), model: new Set<string>(), project: new Set<string>() };
      const add = (a: Attrs, r: Attrs) => {
        for (const dim of Object.keys(seen) as Array<keyof typeof seen>) seen[dim].add(valueOf(dim, a, r));
      };
      for (const s of series) add(s.a, s.r);
      for (const e of src.events) if (e.code === EVENT_API_ERROR || e.code === EVENT_TOOL_DECISION) add(e.a, e.r);
      src.valuesMemo = { key: memoKey, values: Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, [...v].sort()])) as NonNullable<Report['values']> };
    }
    report.values = src.valuesMemo.values;
  }
  return report;
}

const RECENT_ATTRS = 24;
const RECENT_CHARS = 300;

function recentEvent(e: EventDef, engineer: string): RecentEvent {
  const attributes: Record<string, string> = {};
  let kept = 0;
  for (const [k, v] of Object.entries(e.a)) {
    if (k === 'event.name' || k === 'session.id') continue;
    const s = str(v);
    if (s === undefined) continue;
    if (kept++ === RECENT_ATTRS) break;
    attributes[k.slice(0, RECENT_CHARS)] = s.length > RECENT_CHARS ? `${s.slice(0, RECENT_CHARS)}…` : s;
  }
  return { time: new Date(e.t / 1e6).toISOString(), name: e.name, engineer, session: e.session ?? null, attributes };
}
