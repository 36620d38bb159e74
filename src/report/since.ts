/**
 * `--since`: a duration back from now (`90m`, `12h`, `7d`, `2w`), a date (`2025-06-01`, local
 * midnight) or a timestamp (`2025-06-01T12:00:00Z`), or `all`.
 */
import { CcOtelError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Epoch ms of the lower bound, or undefined for `all`. */
export function parseSince(input: string, now: number): number | undefined {
  const v = input.trim().toLowerCase();
  if (v === 'all') return undefined;
  const dur = /^(\d+(?:\.\d+)?)\s*(m|h|d|w)$/.exec(v);
  if (dur) return now - Number(dur[1]) * UNIT_MS[dur[2]!]!;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (date) {
    const d = new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    if (d.getMonth() === Number(date[2]) - 1) return d.getTime();
  } else if (/^\d{4}-\d{2}-\d{2}t/.test(v)) {
    const t = Date.parse(input.trim());
    if (Number.isFinite(t)) return t;
  }
  throw new CcOtelError('USAGE', `--since ${JSON.stringify(input)}: expected a duration like 7d, 12h, 90m, 2w, a date like 2025-06-01, or "all"`);
}
