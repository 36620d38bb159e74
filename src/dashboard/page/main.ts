/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard page: reads GET /api/report (the report code of `cc-otel report --json`) and draws
 * it. Every value from telemetry is untrusted: it reaches the DOM only through textContent (never
 * innerHTML), and the page runs under a CSP with no inline script or style.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { duration, int, percent, usd } from './format.js';

interface Row {
  key: string;
  sessions: number;
  activeTimeSeconds: number;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number; total: number };
  costUsd: number;
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  decisions: { accept: number; reject: number };
  apiErrors: number;
  days?: Row[];
}
interface RecentEvent {
  time: string;
  name: string;
  engineer: string;
  session: string | null;
  attributes: Record<string, string>;
}
interface LiveMetric {
  name: string;
  value: number;
  series: Array<{ attributes: Record<string, string>; value: number }>;
}
interface Report {
  rows: Row[];
  totals: Row;
  recent?: RecentEvent[];
  live?: { asOf: string | null; metrics: LiveMetric[] };
  values?: Record<string, string[]>;
  meta: { records: number; dataPoints: number; events: number };
}

const FILTERS = ['engineer', 'team', 'org', 'model', 'project'] as const;
type TableBy = 'engineer' | 'team' | 'model' | 'session';
const DAY = 86_400_000;

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};
function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// ---- state (mirrored in the URL's hash, so a view can be reloaded or shared) ----
const state = {
  range: 'today' as 'today' | '7d' | '30d' | 'custom',
  from: '',
  to: '',
  filter: {} as Partial<Record<(typeof FILTERS)[number], string>>,
  stack: 'model' as 'model' | 'engineer',
  table: 'engineer' as TableBy,
  sort: { col: 'cost', desc: true },
};

function readHash(): void {
  const q = new URLSearchParams(location.hash.slice(1));
  const range = q.get('range');
  if (range === 'today' || range === '7d' || range === '30d' || range === 'custom') state.range = range;
  state.from = q.get('from') ?? '';
  state.to = q.get('to') ?? '';
  for (const f of FILTERS) {
    const v = q.get(f);
    if (v) state.filter[f] = v;
    else delete state.filter[f];
  }
  const stack = q.get('stack');
  if (stack === 'model' || stack === 'engineer') state.stack = stack;
  const table = q.get('table');
  if (table === 'engineer' || table === 'team' || table === 'model' || table === 'session') state.table = table;
}
function writeHash(): void {
  const q = new URLSearchParams({ range: state.range });
  if (state.range === 'custom') {
    q.set('from', state.from);
    q.set('to', state.to);
  }
  for (const [k, v] of Object.entries(state.filter)) if (v) q.set(k, v);
  q.set('stack', state.stack);
  q.set('table', state.table);
  history.replaceState(null, '', `#${q.toString()}`);
}

/** [since, until) in epoch ms for the chosen range (local days, as the browser sees them). */
function window_(): { since?: number; until?: number } {
  const now = new Date();
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  if (state.range === 'today') return { since: midnight };
  if (state.range === '7d') return { since: Date.now() - 7 * DAY };
  if (state.range === '30d') return { since: Date.now() - 30 * DAY };
  const day = (s: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : undefined;
  };
  const from = day(state.from);
  const to = day(state.to);
  return { since: from, until: to === undefined ? undefined : to + DAY };
}

async function api(params: Record<string, string | number | undefined>): Promise<Report> {
  const q = new URLSearchParams();
  const w = window_();
  if (w.since !== undefined) q.set('since', String(w.since));
  if (w.until !== undefined) q.set('until', String(w.until));
  for (const [k, v] of Object.entries(state.filter)) if (v) q.set(k, v);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const res = await fetch(`/api/report?${q.toString()}`, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as Report & { error?: string; hint?: string };
  if (!res.ok) throw new Error(`${body.error ?? res.statusText}${body.hint ? ` (${body.hint})` : ''}`);
  return body;
}

// ---- headline figures ----
function figures(t: Row): void {
  const box = $('#figures');
  const decided = t.decisions.accept + t.decisions.reject;
  const items: Array<[string, string, string, string?]> = [
    ['cost', 'Cost', usd(t.costUsd)],
    ['tokens', 'Tokens', int(t.tokens.total), `in ${int(t.tokens.input)} · out ${int(t.tokens.output)} · cache ${int(t.tokens.cacheRead + t.tokens.cacheCreation)}`],
    ['sessions', 'Sessions', int(t.sessions)],
    ['active', 'Active time', duration(t.activeTimeSeconds)],
    ['lines', 'Lines', `+${int(t.linesAdded)} −${int(t.linesRemoved)}`],
    ['commits', 'Commits', int(t.commits)],
    ['prs', 'Pull requests', int(t.pullRequests)],
    ['acceptance', 'Acceptance rate', percent(t.decisions.accept, decided), `${int(t.decisions.accept)} of ${int(decided)} edits`],
    ['api-errors', 'API errors', int(t.apiErrors)],
  ];
  box.replaceChildren(
    ...items.map(([id, label, value, sub]) => {
      const card = el('div', undefined, 'figure');
      card.dataset.figure = id;
      const v = el('div', value, 'value');
      card.append(el('div', label, 'label'), v);
      if (sub) card.append(el('div', sub, 'sub'));
      return card;
    }),
  );
}

// ---- charts: per-day values, stacked (each series drawn as the running sum, filled) ----
const PALETTE = ['#c2410c', '#2563eb', '#059669', '#7c3aed', '#db2777', '#ca8a04', '#0891b2', '#4b5563', '#65a30d', '#9333ea'];
const charts = new Map<string, uPlot>();

/** every day from the first to the last (local), as YYYY-MM-DD */
function dayRange(first: string, last: string): string[] {
  const parse = (d: string) => {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    return new Date(y, m - 1, dd);
  };
  const out: string[] = [];
  for (let d = parse(first); d <= parse(last); d.setDate(d.getDate() + 1))
    out.push(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`);
  return out;
}

/** axis ticks: 1.2M, 450k */
const compact = (x: number): string => (Math.abs(x) >= 1e6 ? `${+(x / 1e6).toFixed(1)}M` : Math.abs(x) >= 1e3 ? `${+(x / 1e3).toFixed(1)}k` : String(+x.toFixed(2)));

function chart(id: string, rows: Row[], value: (r: Row) => number, fmt: (x: number) => string, tick: (x: number) => string): void {
  const host = $(`#${id}`);
  charts.get(id)?.destroy();
  charts.delete(id);
  const withData = rows.filter((r) => value(r) > 0);
  const seen = [...new Set(withData.flatMap((r) => (r.days ?? []).map((d) => d.key)))].sort();
  if (seen.length === 0) {
    host.replaceChildren(el('p', 'No data in this range.', 'empty'));
    return;
  }
  host.replaceChildren();
  const days = dayRange(seen[0]!, seen[seen.length - 1]!);
  // at most 8 series; the rest as "other"
  const ranked = [...withData].sort((a, b) => value(b) - value(a));
  const top = ranked.slice(0, 8);
  const rest = ranked.slice(8);
  // a key keeps its colour across both charts: by its place in the report's rows (by cost)
  const colour = (i: number) => PALETTE[i % PALETTE.length]!;
  const series = top.map((r) => ({ label: r.key, colour: colour(rows.indexOf(r)), by: new Map((r.days ?? []).map((d) => [d.key, value(d)])) }));
  if (rest.length) {
    const by = new Map<string, number>();
    for (const r of rest) for (const d of r.days ?? []) by.set(d.key, (by.get(d.key) ?? 0) + value(d));
    series.push({ label: `${rest.length} other`, colour: '#9ca3af', by });
  }
  const xs = days.map((d) => {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    return new Date(y, m - 1, dd, 12).getTime() / 1000;
  });
  const raw = series.map((s) => days.map((d) => s.by.get(d) ?? 0));
  // stacked bars: series i is drawn up to the sum of series 0..i, the tallest first, so each bar shows its own band
  const stacked: number[][] = [];
  raw.forEach((ys, i) => stacked.push(ys.map((y, j) => y + (i > 0 ? stacked[i - 1]![j]! : 0))));
  const order = series.map((_, i) => i).reverse();
  const opts: uPlot.Options = {
    width: Math.max(280, host.clientWidth - 8),
    height: 220,
    scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [{}, { values: (_u, ticks) => ticks.map(tick), size: 56 }],
    series: [
      {},
      ...order.map((i) => ({
        label: series[i]!.label,
        stroke: series[i]!.colour,
        fill: series[i]!.colour,
        width: 0,
        paths: uPlot.paths.bars!({ size: [0.7, 40] }),
        points: { show: false },
        value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) => (idx === null ? '' : fmt(raw[i]![idx]!)),
      })),
    ],
    legend: { live: true },
  };
  const data: uPlot.AlignedData = [xs, ...order.map((i) => stacked[i]!)];
  charts.set(id, new uPlot(opts, data, host));
}

// ---- tables ----
interface Col {
  id: string;
  title: string;
  get: (r: Row) => number | string;
  show: (r: Row) => string;
}
const COLS: Col[] = [
  { id: 'key', title: '', get: (r) => r.key, show: (r) => r.key },
  { id: 'sessions', title: 'sessions', get: (r) => r.sessions, show: (r) => int(r.sessions) },
  { id: 'cost', title: 'cost', get: (r) => r.costUsd, show: (r) => usd(r.costUsd) },
  { id: 'tokens', title: 'tokens', get: (r) => r.tokens.total, show: (r) => int(r.tokens.total) },
  { id: 'active', title: 'active', get: (r) => r.activeTimeSeconds, show: (r) => duration(r.activeTimeSeconds) },
  { id: 'added', title: 'lines +', get: (r) => r.linesAdded, show: (r) => int(r.linesAdded) },
  { id: 'removed', title: 'lines −', get: (r) => r.linesRemoved, show: (r) => int(r.linesRemoved) },
  { id: 'commits', title: 'commits', get: (r) => r.commits, show: (r) => int(r.commits) },
  { id: 'prs', title: 'PRs', get: (r) => r.pullRequests, show: (r) => int(r.pullRequests) },
  { id: 'acceptance', title: 'accepted', get: (r) => (r.decisions.accept + r.decisions.reject ? r.decisions.accept / (r.decisions.accept + r.decisions.reject) : -1), show: (r) => percent(r.decisions.accept, r.decisions.accept + r.decisions.reject) },
  { id: 'errors', title: 'API errors', get: (r) => r.apiErrors, show: (r) => int(r.apiErrors) },
];
const tables: Partial<Record<TableBy, Row[]>> = {};

function drawTable(): void {
  const rows = [...(tables[state.table] ?? [])];
  const col = COLS.find((c) => c.id === state.sort.col) ?? COLS[2]!;
  rows.sort((a, b) => {
    const x = col.get(a);
    const y = col.get(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return state.sort.desc ? -c : c;
  });
  const table = $('#table');
  const head = el('tr');
  for (const c of COLS) {
    const th = el('th', c.id === 'key' ? state.table : c.title);
    th.dataset.col = c.id;
    th.setAttribute('aria-sort', c.id === col.id ? (state.sort.desc ? 'descending' : 'ascending') : 'none');
    th.addEventListener('click', () => {
      state.sort = { col: c.id, desc: state.sort.col === c.id ? !state.sort.desc : c.id !== 'key' };
      drawTable();
    });
    head.append(th);
  }
  table.querySelector('thead')!.replaceChildren(head);
  const body = rows.map((r) => {
    const tr = el('tr');
    for (const c of COLS) {
      const td = el('td', c.show(r), c.id === 'key' ? 'key' : undefined);
      if (c.id === 'key') td.title = r.key;
      tr.append(td);
    }
    return tr;
  });
  if (body.length === 0) {
    const tr = el('tr');
    const td = el('td', 'No data in this range.', 'empty');
    td.colSpan = COLS.length;
    tr.append(td);
    body.push(tr);
  }
  table.querySelector('tbody')!.replaceChildren(...body);
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-table]')) b.setAttribute('aria-pressed', String(b.dataset.table === state.table));
}

function drawRecent(events: RecentEvent[]): void {
  const rows = events.map((e) => {
    const tr = el('tr');
    const attrs = Object.entries(e.attributes)
      .map(([k, v]) => `${k}=${v}`)
      .join('  ');
    tr.append(el('td', new Date(e.time).toLocaleString()), el('td', e.name), el('td', e.engineer), el('td', e.session ?? ''), el('td', attrs, 'attrs'));
    return tr;
  });
  if (rows.length === 0) {
    const tr = el('tr');
    const td = el('td', 'None in this range.', 'empty');
    td.colSpan = 5;
    tr.append(td);
    rows.push(tr);
  }
  $('#recent tbody').replaceChildren(...rows);
}

/** The session bridge's gauges, when the store has them (`cc-otel bridge`); otherwise the panel stays out. */
function drawLive(live: Report['live']): void {
  const panel = $('#live');
  const metrics = live?.metrics ?? [];
  panel.hidden = metrics.length === 0;
  if (!metrics.length) return;
  $('#live-as-of').textContent = live?.asOf ? `as of ${new Date(live.asOf).toLocaleTimeString()}` : '';
  $('#live-figures').replaceChildren(
    ...metrics.map((m) => {
      const card = el('div', undefined, 'figure');
      card.dataset.live = m.name;
      card.append(el('div', m.name.replace(/^cc\.sessions\./, 'sessions '), 'label'), el('div', int(m.value), 'value'));
      return card;
    }),
  );
  const active = metrics.find((m) => m.name === 'cc.sessions.active');
  const rows = (active?.series ?? []).filter((x) => x.value > 0).map((x) => {
    const tr = el('tr');
    const attrs = Object.entries(x.attributes).map(([k, v]) => `${k}=${v}`).join('  ');
    tr.append(el('td', attrs || '(no attributes)'), el('td', int(x.value)));
    return tr;
  });
  $('#live-sessions').hidden = rows.length === 0;
  $('#live-sessions tbody').replaceChildren(...rows);
}

function fillFilters(values: Record<string, string[]>): void {
  for (const f of FILTERS) {
    const select = $<HTMLSelectElement>(`#filters select[name="${f}"]`);
    const options = [el('option', `all`)];
    options[0]!.value = '';
    const list = [...(values[f] ?? [])];
    const chosen = state.filter[f];
    if (chosen && !list.includes(chosen)) list.push(chosen);
    for (const v of list) {
      const o = el('option', v);
      o.value = v;
      options.push(o);
    }
    select.replaceChildren(...options);
    select.value = chosen ?? '';
  }
}

let generation = 0;
async function refresh(): Promise<void> {
  const mine = ++generation;
  writeHash();
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-range]')) b.setAttribute('aria-pressed', String(b.dataset.range === state.range));
  $('#custom').hidden = state.range !== 'custom';
  $<HTMLSelectElement>('#stack').value = state.stack;
  const status = $('#status');
  status.textContent = 'Loading…';
  try {
    const other: TableBy = state.stack === 'model' ? 'model' : 'engineer';
    const [byEngineer, byModel, byTeam, bySession] = await Promise.all([
      api({ by: 'engineer', daily: 1, recent: 50, values: 1, live: 1 }),
      api({ by: 'model', daily: 1 }),
      api({ by: 'team' }),
      api({ by: 'session' }),
    ]);
    if (mine !== generation) return; // a newer refresh is under way
    tables.engineer = byEngineer.rows;
    tables.model = byModel.rows;
    tables.team = byTeam.rows;
    tables.session = bySession.rows;
    figures(byEngineer.totals);
    const stackRows = other === 'model' ? byModel.rows : byEngineer.rows;
    chart('chart-cost', stackRows, (r) => r.costUsd, usd, (x) => `$${compact(x)}`);
    chart('chart-tokens', stackRows, (r) => r.tokens.total, int, compact);
    drawTable();
    drawRecent(byEngineer.recent ?? []);
    drawLive(byEngineer.live);
    fillFilters(byEngineer.values ?? {});
    status.textContent = `Updated ${new Date().toLocaleTimeString()} · ${int(byEngineer.meta.records)} records stored`;
    document.body.dataset.ready = String(mine);
  } catch (e) {
    if (mine === generation) status.textContent = `Cannot load the report: ${(e as Error).message}`;
  }
}

function init(): void {
  readHash();
  const today = new Date();
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  $<HTMLInputElement>('#from').value = state.from || iso(new Date(today.getTime() - 6 * DAY));
  $<HTMLInputElement>('#to').value = state.to || iso(today);
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-range]')) {
    b.addEventListener('click', () => {
      state.range = b.dataset.range as typeof state.range;
      if (state.range === 'custom') {
        state.from = $<HTMLInputElement>('#from').value;
        state.to = $<HTMLInputElement>('#to').value;
      }
      void refresh();
    });
  }
  $('#apply').addEventListener('click', () => {
    state.from = $<HTMLInputElement>('#from').value;
    state.to = $<HTMLInputElement>('#to').value;
    void refresh();
  });
  for (const f of FILTERS) {
    $<HTMLSelectElement>(`#filters select[name="${f}"]`).addEventListener('change', (e) => {
      const v = (e.target as HTMLSelectElement).value;
      if (v) state.filter[f] = v;
      else delete state.filter[f];
      void refresh();
    });
  }
  $<HTMLSelectElement>('#stack').addEventListener('change', (e) => {
    state.stack = (e.target as HTMLSelectElement).value === 'engineer' ? 'engineer' : 'model';
    void refresh();
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-table]')) {
    b.addEventListener('click', () => {
      state.table = b.dataset.table as TableBy;
      writeHash();
      drawTable();
    });
  }
  void refresh();
  // new data arrives while the page is open
  setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, 30_000);
}

init();
