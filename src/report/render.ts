/**
 * Report → text: a table for people, CSV and JSON for scripts. Pure: returns strings; the command
 * prints them.
 */
import type { Report, ReportRow } from './build.js';

export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  for (const [div, unit] of [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (abs >= div) {
      const v = n / div;
      return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${unit}`;
    }
  }
  return String(n);
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

interface Column {
  title: string;
  cell(r: ReportRow): string;
  left?: boolean;
}

function columns(by: string): Column[] {
  return [
    { title: by, cell: (r) => r.key, left: true },
    { title: 'sessions', cell: (r) => int(r.sessions) },
    { title: 'active', cell: (r) => formatDuration(r.activeTimeSeconds) },
    { title: 'input', cell: (r) => formatCompact(r.tokens.input) },
    { title: 'output', cell: (r) => formatCompact(r.tokens.output) },
    { title: 'cache read', cell: (r) => formatCompact(r.tokens.cacheRead) },
    { title: 'cache write', cell: (r) => formatCompact(r.tokens.cacheCreation) },
    { title: 'cost', cell: (r) => usd(r.costUsd) },
    { title: '+lines', cell: (r) => int(r.linesAdded) },
    { title: '-lines', cell: (r) => int(r.linesRemoved) },
    { title: 'commits', cell: (r) => int(r.commits) },
    { title: 'PRs', cell: (r) => int(r.pullRequests) },
    { title: 'accept', cell: (r) => int(r.decisions.accept) },
    { title: 'reject', cell: (r) => int(r.decisions.reject) },
    { title: 'API errors', cell: (r) => int(r.apiErrors) },
  ];
}

const MAX_KEY = 40;

/** A plain-text table (no colour), totals last. */
export function renderTable(report: Report): string {
  const cols = columns(report.by);
  const clip = (s: string) => (s.length > MAX_KEY ? `${s.slice(0, MAX_KEY - 1)}…` : s);
  const body = report.rows.map((r) => cols.map((c, i) => (i === 0 ? clip(c.cell(r)) : c.cell(r))));
  const total = cols.map((c, i) => (i === 0 ? 'total' : c.cell(report.totals)));
  const widths = cols.map((c, i) => Math.max(c.title.length, total[i]!.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (cols[i]!.left ? s.padEnd(widths[i]!) : s.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(cols.map((c) => c.title)), rule, ...body.map(line), rule, line(total)].join('\n') + '\n';
}

const CSV_HEADER = [
  'key',
  'sessions',
  'active_time_seconds',
  'tokens_input',
  'tokens_output',
  'tokens_cache_read',
  'tokens_cache_creation',
  'tokens_total',
  'cost_usd',
  'lines_added',
  'lines_removed',
  'commits',
  'pull_requests',
  'decisions_accept',
  'decisions_reject',
  'api_errors',
];

function csvCell(v: string | number): string {
  const s = typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(12))) : v;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(r: ReportRow, key: string): string {
  return [
    key,
    r.sessions,
    r.activeTimeSeconds,
    r.tokens.input,
    r.tokens.output,
    r.tokens.cacheRead,
    r.tokens.cacheCreation,
    r.tokens.total,
    r.costUsd,
    r.linesAdded,
    r.linesRemoved,
    r.commits,
    r.pullRequests,
    r.decisions.accept,
    r.decisions.reject,
    r.apiErrors,
  ]
    .map(csvCell)
    .join(',');
}

/** CSV (RFC 4180): a header naming the grouping, one row per group, then a `(total)` row. */
export function renderCsv(report: Report): string {
  const header = [report.by, ...CSV_HEADER.slice(1)].join(',');
  return [header, ...report.rows.map((r) => csvRow(r, r.key)), csvRow(report.totals, '(total)')].join('\r\n') + '\r\n';
}

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The text when no row is in the window: says which of "the collector stored nothing yet" and
 * "nothing from Claude Code in this window" it is (a missing data dir never gets here: buildReport).
 */
export function renderEmpty(report: Report, dataDir: string): string {
  if (report.meta.records === 0)
    return (
      `No telemetry in ${dataDir} yet: the collector has stored nothing there.\n` +
      `Point Claude Code at it (the \`local\` preset, then \`cc-otel install\`) and use Claude Code; \`cc-otel verify\` checks the wiring.\n`
    );
  const holds = `${dataDir} holds ${report.meta.records.toLocaleString('en-US')} record${report.meta.records === 1 ? '' : 's'}`;
  const windowed = report.since !== null || report.until !== null;
  if (!windowed)
    return (
      `No Claude Code usage: ${holds}, none of them Claude Code's (verify's probes and cc-otel's hook events are not usage).\n` +
      `Use Claude Code with the \`local\` preset; \`cc-otel verify\` checks the wiring.\n`
    );
  const window = `${report.since ? ` since ${report.since}` : ''}${report.until ? ` until ${report.until}` : ''}`;
  return `No Claude Code usage${window}: ${holds}, none of them Claude Code usage in this window.\nWiden it (--since all), or check that Claude Code exports here (\`cc-otel verify\`).\n`;
}
