/**
 * The report as a terminal table: one row per check (status, check, value), then its source, fix
 * and problem lines indented under the value. Nothing is cut: the fix is the point. `--json`
 * prints the report object itself.
 */
import type { CheckResult, CheckStatus, VerifyReport } from './types.js';

const LABEL: Record<CheckStatus, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
const COLOR: Record<CheckStatus, string> = { pass: '32', warn: '33', fail: '31', skip: '2' };

export interface RenderOptions {
  color?: boolean;
}

function paint(s: string, code: string, on: boolean): string {
  return on ? `\u001b[${code}m${s}\u001b[0m` : s;
}

function row(r: CheckResult, w: number, color: boolean): string {
  const pad = ' '.repeat(2 + 6 + 2 + w + 2);
  const status = paint(LABEL[r.status].padEnd(6), COLOR[r.status], color);
  const lines = [`  ${status}  ${r.title.padEnd(w)}  ${r.value ?? (r.status === 'skip' ? (r.fix ?? '') : '')}`];
  if (r.source && r.status !== 'skip') lines.push(`${pad}source: ${r.source}`);
  if (r.fix && (r.status === 'warn' || r.status === 'fail')) lines.push(`${pad}fix:    ${r.fix}`);
  if (r.fix && r.status === 'skip' && r.value) lines.push(`${pad}${r.fix}`);
  for (const p of r.problems ?? []) lines.push(`${pad}- ${p}`);
  return lines.join('\n');
}

export function renderReport(report: VerifyReport, opts: RenderOptions = {}): string {
  const color = opts.color === true;
  const w = Math.max(5, ...report.checks.map((r) => r.title.length));
  const head = `cc-otel verify · backend ${report.backend ?? '(none)'} · probe id ${report.probeId}`;
  const out = [head, '', `  ${'STATUS'.padEnd(6)}  ${'CHECK'.padEnd(w)}  VALUE`];
  for (const r of report.checks) out.push(row(r, w, color));
  const s = report.summary;
  const parts = [`${s.pass} passed`, `${s.warn} warning${s.warn === 1 ? '' : 's'}`, `${s.fail} failed`, `${s.skip} skipped`];
  const verdict =
    report.exitCode === 0
      ? paint('OK', COLOR.pass, color)
      : report.exitCode === 2
        ? paint('CONFIG ERROR', COLOR.fail, color)
        : paint(s.fail ? 'FAILED' : 'FAILED (--strict: warnings count)', COLOR.fail, color);
  out.push('', `${parts.join(' · ')} — ${verdict} (exit ${report.exitCode}, ${(report.durationMs / 1000).toFixed(1)} s)`);
  return `${out.join('\n')}\n`;
}
