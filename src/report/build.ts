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
import { forEachIndexFrame } from '../collector/reader.js';
import { PF_NO_VALUE, POINT_ROW, type CtxDef } from '../collector/segment-format.js';
import { listSegments } from '../collector/store.js';
import { CcOtelError } from '../errors.js';
import { comparePoints, counterIncrement, newCursor } from './counter.js';

/** 96 bits of SHA-1: a compact identity for event dedup (collisions are not a concern at report sizes). */
const shortHash = (text: string): string => createHash('sha1').update(text).digest('base64url').slice(0, 16);

export const GROUP_BY = ['engineer', 'team', 'org', 'model', 'day', 'session'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export const TOKEN_TYPES = ['input', 'output', 'cacheRead', 'cacheCreation'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/**
 * Where engineer/team/org come from: the first attribute present (data point/event, then resource).
 * For engineer these are the attributes someone set (cc-otel's `engineer`, from
 * OTEL_RESOURCE_ATTRIBUTES); without one, see ENGINEER_SOURCES.
 */
export const DEFAULT_ATTRIBUTE_KEYS: Readonly<Record<'engineer' | 'team' | 'org', readonly string[]>> = {
  engineer: ['engineer', 'user.name', 'enduser.id'],
  team: ['team', 'team.name', 'team.id', 'department'],
  org: ['org', 'org.name', 'organization.name', 'organization.id'],
};

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

export interface ReportOptions {
  dataDir: string;
  /** inclusive lower bound, epoch ms (default: everything) */
  since?: number;
  /** exclusive upper bound, epoch ms (default: no bound) */
  until?: number;
  by?: GroupBy;
  /** how `--by day` cuts days (default utc) */
  dayBoundary?: 'utc' | 'local';
  attributeKeys?: Partial<Record<'engineer' | 'team' | 'org', readonly string[]>>;
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
}

export interface Report {
  by: GroupBy;
  since: string | null;
  until: string | null;
  rows: ReportRow[];
  totals: ReportRow;
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
const EVENTS: Readonly<Record<string, number>> = {
  api_error: EVENT_API_ERROR,
  'claude_code.api_error': EVENT_API_ERROR,
  tool_decision: EVENT_TOOL_DECISION,
  'claude_code.tool_decision': EVENT_TOOL_DECISION,
  [SESSION_START_EVENT]: EVENT_SESSION_START,
};

// --by engineer: rows are first keyed by who the data says it is, and named once everything is
// read — the SessionStart hook's event of a session may come after (or in another segment than) its
// metrics. A key is an attribute's value, or the session/email/user.id triple.
const BY_ATTRIBUTE = '\u0001';
const BY_IDENTITY = '\u0002';

interface SeriesInfo {
  slot: number;
  cumulative: boolean;
  monotonic: boolean;
  /** group key for every grouping except day */
  group: string;
  session: string | undefined;
  /** the row this series last added to (its session is already in that row's set) */
  row: Acc | undefined;
}

interface Acc {
  key: string;
  sessions: Set<string>;
  v: Float64Array;
}

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

export function buildReport(opts: ReportOptions): Report {
  requireDataDir(opts.dataDir);
  const by = opts.by ?? 'engineer';
  const byDay = by === 'day';
  const keys = { ...DEFAULT_ATTRIBUTE_KEYS, ...opts.attributeKeys };
  const sinceNs = opts.since === undefined ? -Infinity : opts.since * 1e6;
  const untilNs = opts.until === undefined ? Infinity : opts.until * 1e6;
  const local = opts.dayBoundary === 'local';

  const groupOf = (a: Attrs, r: Attrs): string => {
    const get = (k: string) => str(a[k]) ?? str(r[k]);
    switch (by) {
      case 'engineer': {
        for (const k of keys.engineer) {
          const v = get(k);
          if (v !== undefined) return BY_ATTRIBUTE + v;
        }
        return `${BY_IDENTITY}${get('session.id') ?? ''}\u0000${get('user.email') ?? ''}\u0000${get('user.id') ?? ''}`;
      }
      case 'team':
      case 'org':
        for (const k of keys[by]) {
          const v = get(k);
          if (v !== undefined) return v;
        }
        return NONE;
      case 'model':
        return get('model') ?? NONE;
      case 'session':
        return get('session.id') ?? NONE;
      default:
        return NONE; // day: decided per point
    }
  };

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
  const rowFor = (key: string): Acc => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, sessions: new Set(), v: new Float64Array(SLOTS) }));
    return r;
  };

  const segments = listSegments(opts.dataDir);
  // Every point is a 32-byte row of some index file, so their total size bounds the count: sizing
  // the columns once avoids the copies (and the peak memory) of growing them.
  let idxBytes = 0;
  for (const seg of segments) {
    try {
      idxBytes += statSync(seg.idx).size;
    } catch {
      /* no index yet */
    }
  }
  let cap = Math.max(1024, Math.ceil(idxBytes / POINT_ROW));
  // Columns of points: series, start/time (ns as float64 — exact to 256 ns), value.
  let G = new Int32Array(cap);
  let S = new Float64Array(cap);
  let T = new Float64Array(cap);
  let V = new Float64Array(cap);
  let n = 0;
  const grow = () => {
    cap *= 2;
    const g = new Int32Array(cap);
    g.set(G);
    G = g;
    const copy = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    S = copy(S);
    T = copy(T);
    V = copy(V);
  };

  // ---- pass 1: read the index ----
  const series: SeriesInfo[] = [];
  const globalSeries = new Map<string, number>();
  let events = 0;
  let sawDecisionEvents = false;
  let metricDecisions = false;
  /** sessions with tool_decision events: their decisions come from those, not from the metric */
  const decisionSessions = new Set<string>();
  /** compact identities of the events counted (a retried request repeats them) */
  const seenEvents = new Set<string>();
  /** --by engineer: session.id → the engineer its SessionStart hook recorded (the first one seen) */
  const hookEngineers = new Map<string, string>();
  let records = 0;

  for (const seg of segments) {
    const ctxs = new Map<number, CtxDef & { key: string; h: string }>();
    const local2global: number[] = [];
    const names = new Map<number, number>(); // name id → event code (0 = not reported)
    forEachIndexFrame(seg, (f) => {
      records += f.header.n;
      for (const d of f.header.d) {
        if (d.k === 'c') {
          const key = `${attrsKey(d.r)}\u0000${d.s}\u0000${d.sv}`;
          ctxs.set(d.i, { ...d, key, h: shortHash(key) });
        }
        else if (d.k === 'n') names.set(d.i, EVENTS[d.n] ?? 0);
        else {
          const slot = d.t === 'sum' ? slotOf(d.m, d.a) : -1;
          if (slot < 0) {
            local2global[d.i] = -1;
            continue;
          }
          // Series identity across segments (a collector restart starts a new segment mid-series).
          const ctx = ctxs.get(d.c);
          const gkey = `${ctx?.key ?? ''}\u0000${d.m}\u0000${d.u}\u0000${d.tp}${d.mono ? 1 : 0}\u0000${attrsKey(d.a)}`;
          let gi = globalSeries.get(gkey);
          if (gi === undefined) {
            const r = ctx?.r ?? {};
            gi = series.length;
            globalSeries.set(gkey, gi);
            series.push({
              slot,
              cumulative: d.tp === 2,
              monotonic: d.mono,
              group: groupOf(d.a, r),
              session: str(d.a['session.id']) ?? str(r['session.id']),
              row: undefined,
            });
          }
          local2global[d.i] = gi;
        }
      }
      const b = f.buf;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0, o = f.pointsAt; i < f.nPoints; i++, o += POINT_ROW) {
        const gi = local2global[dv.getUint32(o, true)] ?? -1;
        if (gi < 0 || dv.getUint32(o + 4, true) & PF_NO_VALUE) continue;
        if (n === cap) grow();
        G[n] = gi;
        S[n] = dv.getUint32(o + 12, true) * TWO_32 + dv.getUint32(o + 8, true);
        T[n] = dv.getUint32(o + 20, true) * TWO_32 + dv.getUint32(o + 16, true);
        V[n] = dv.getFloat64(o + 24, true);
        n++;
      }
      let o = f.eventsAt;
      for (let i = 0; i < f.nEvents; i++) {
        const ctxId = dv.getUint32(o, true);
        const code = names.get(dv.getUint32(o + 4, true)) ?? 0;
        const t = dv.getUint32(o + 12, true) * TWO_32 + dv.getUint32(o + 8, true);
        const len = dv.getUint32(o + 16, true);
        const jsonAt = o + 20;
        o = jsonAt + len;
        events++;
        if (code === EVENT_SESSION_START) {
          // Whatever the window: a session that started before it is still named by its hook.
          if (by !== 'engineer') continue;
          const a = JSON.parse(b.toString('utf8', jsonAt, jsonAt + len)) as Attrs;
          const r = ctxs.get(ctxId)?.r ?? {};
          const session = str(a['session.id']) ?? str(r['session.id']);
          const engineer = str(a.engineer) ?? str(r.engineer);
          if (session !== undefined && engineer !== undefined && !hookEngineers.has(session)) hookEngineers.set(session, engineer);
          continue;
        }
        if (code === 0 || t < sinceNs || t >= untilNs) continue;
        const json = b.toString('utf8', jsonAt, jsonAt + len);
        const ctx = ctxs.get(ctxId);
        const a = JSON.parse(json) as Attrs;
        const r = ctx?.r ?? {};
        const session = str(a['session.id']) ?? str(r['session.id']);
        // A retried request repeats its events: drop them on a compact identity — Claude Code's
        // session.id + event.sequence, else a short hash — not on the whole JSON (memory).
        const seq = a['event.sequence'];
        const dedup =
          session !== undefined && (typeof seq === 'number' || typeof seq === 'string')
            ? `${code}\u0000${session}\u0000${seq}`
            : `${t}\u0000${code}\u0000${ctx?.h ?? ''}\u0000${shortHash(json)}`;
        if (seenEvents.has(dedup)) continue;
        seenEvents.add(dedup);
        const row = rowFor(byDay ? dayOf(t) : groupOf(a, r));
        if (session) row.sessions.add(session);
        if (code === EVENT_API_ERROR) row.v[S_API_ERRORS]!++;
        else {
          sawDecisionEvents = true;
          if (session) decisionSessions.add(session);
          const decision = str(a.decision);
          if (decision === 'accept') row.v[S_EV_ACCEPT]!++;
          else if (decision === 'reject') row.v[S_EV_REJECT]!++;
        }
      }
    });
  }

  // ---- pass 2: order each series' points by (start, time), then difference ----
  const counts = new Int32Array(series.length + 1);
  for (let i = 0; i < n; i++) counts[G[i]! + 1]!++;
  for (let i = 1; i <= series.length; i++) counts[i]! += counts[i - 1]!;
  const starts = counts.slice();
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[counts[G[i]!]!++] = i;

  for (let gi = 0; gi < series.length; gi++) {
    const from = starts[gi]!;
    const to = starts[gi + 1]!;
    if (from === to) continue;
    let sorted = true;
    for (let k = from + 1; k < to; k++) {
      const a = order[k - 1]!;
      const b = order[k]!;
      if (S[a]! > S[b]! || (S[a] === S[b] && T[a]! > T[b]!)) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      const slice = Array.from(order.subarray(from, to)).sort((a, b) => comparePoints(S[a]!, T[a]!, S[b]!, T[b]!));
      order.set(slice, from);
    }
    const si = series[gi]!;
    const { slot, cumulative, monotonic, session } = si;
    // Decisions per session: a session with tool_decision events counts those, not this metric.
    const isDecision = slot === S_EDIT_ACCEPT || slot === S_EDIT_REJECT;
    const coveredByEvents = isDecision && session !== undefined && decisionSessions.has(session);
    const cursor = newCursor();
    for (let k = from; k < to; k++) {
      const p = order[k]!;
      const t = T[p]!;
      const inc = counterIncrement(cursor, S[p]!, t, V[p]!, cumulative, monotonic); // counter.ts
      if (Number.isNaN(inc)) continue; // the same point again (a retry)
      if (t < sinceNs || t >= untilNs) continue;
      let row = si.row;
      if (byDay) {
        const r = rowFor(dayOf(t));
        if (r !== row) {
          if (session) r.sessions.add(session);
          si.row = row = r;
        }
      } else if (!row) {
        si.row = row = rowFor(si.group);
        if (session) row.sessions.add(session);
      }
      if (coveredByEvents) continue;
      if (isDecision && inc) metricDecisions = true;
      row!.v[slot]! += inc;
    }
  }

  // ---- rows ----
  const decisionsFrom: 'events' | 'metric' | 'both' = sawDecisionEvents ? (metricDecisions ? 'both' : 'events') : 'metric';
  const anySessionIds = [...rows.values()].some((r) => r.sessions.size > 0);
  // Float sums carry noise in the last bits (0.1 + 0.05 = 0.15000000000000002); 1e-9 is far below
  // any unit reported (USD, seconds).
  const round = (x: number) => Math.round(x * 1e9) / 1e9;
  const toRow = (key: string, v: Float64Array, sessions: number): ReportRow => {
    const [input, output, cacheRead, cacheCreation] = [v[S_INPUT]!, v[S_INPUT + 1]!, v[S_INPUT + 2]!, v[S_INPUT + 3]!];
    return {
      key,
      sessions,
      activeTimeSeconds: round(v[S_ACTIVE]!),
      tokens: { input, output, cacheRead, cacheCreation, total: input + output + cacheRead + cacheCreation },
      costUsd: round(v[S_COST]!),
      linesAdded: v[S_ADDED]!,
      linesRemoved: v[S_REMOVED]!,
      commits: v[S_COMMITS]!,
      pullRequests: v[S_PRS]!,
      // disjoint by session (pass 2 skips the metric of sessions that have events)
      decisions: { accept: v[S_EV_ACCEPT]! + v[S_EDIT_ACCEPT]!, reject: v[S_EV_REJECT]! + v[S_EDIT_REJECT]! },
      apiErrors: v[S_API_ERRORS]!,
    };
  };
  const named: Array<Acc & { sources?: Set<EngineerSource> }> = by === 'engineer' ? nameEngineers(rows, hookEngineers) : [...rows.values()];
  const out = named.map((a) => {
    const row = toRow(a.key, a.v, anySessionIds ? a.sessions.size : a.v[S_SESSION_COUNT]!);
    if (a.sources) {
      const sources = ENGINEER_SOURCES.filter((x) => a.sources!.has(x));
      row.engineerSource = sources[0]!;
      row.engineerSources = sources;
    }
    return row;
  });
  if (byDay) out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  else out.sort((x, y) => y.costUsd - x.costUsd || y.tokens.total - x.tokens.total || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));

  const total = new Float64Array(SLOTS);
  const allSessions = new Set<string>();
  for (const a of rows.values()) {
    for (const s of a.sessions) allSessions.add(s);
    for (let i = 0; i < SLOTS; i++) total[i]! += a.v[i]!;
  }

  return {
    by,
    since: opts.since === undefined ? null : new Date(opts.since).toISOString(),
    until: opts.until === undefined ? null : new Date(opts.until).toISOString(),
    rows: out,
    totals: toRow('total', total, anySessionIds ? allSessions.size : total[S_SESSION_COUNT]!),
    meta: {
      segments: segments.length,
      series: series.length,
      dataPoints: n,
      events,
      records,
      decisionsFrom,
      sessionsFrom: anySessionIds ? 'session.id' : 'session.count',
    },
  };
}

/** --by engineer: name each provisional row (ENGINEER_SOURCES) and merge the rows of one name. */
function nameEngineers(rows: ReadonlyMap<string, Acc>, hookEngineers: ReadonlyMap<string, string>): Array<Acc & { sources: Set<EngineerSource> }> {
  const named = new Map<string, Acc & { sources: Set<EngineerSource> }>();
  for (const acc of rows.values()) {
    let key: string;
    let source: EngineerSource;
    if (acc.key.startsWith(BY_ATTRIBUTE)) {
      key = acc.key.slice(BY_ATTRIBUTE.length);
      source = 'attribute';
    } else {
      const [session = '', email = '', userId = ''] = acc.key.slice(BY_IDENTITY.length).split('\u0000');
      const hooked = session ? hookEngineers.get(session) : undefined;
      [key, source] = hooked !== undefined ? [hooked, 'session-start-hook'] : email ? [email, 'user.email'] : userId ? [userId, 'user.id'] : [NONE, 'none'];
    }
    let out = named.get(key);
    if (!out) named.set(key, (out = { key, sessions: new Set(), v: new Float64Array(SLOTS), sources: new Set() }));
    out.sources.add(source);
    for (const x of acc.sessions) out.sessions.add(x);
    for (let i = 0; i < SLOTS; i++) out.v[i]! += acc.v[i]!;
  }
  return [...named.values()];
}
