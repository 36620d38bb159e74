/**
 * A readable unified diff of a settings file before/after an edit (for `install --dry-run`).
 * Line-based LCS after trimming the common head and tail: settings files are small, and the middle
 * that differs is smaller still. `null` means "no file" (/dev/null), as in `git diff`.
 */
const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function splitLines(text: string): { lines: string[]; noFinalNewline: boolean } {
  if (text === '') return { lines: [], noFinalNewline: false };
  const lines = text.split('\n');
  const noFinalNewline = lines[lines.length - 1] !== '';
  if (!noFinalNewline) lines.pop();
  return { lines: lines.map((l) => l.replace(/\r$/, '')), noFinalNewline };
}

export function unifiedDiff(path: string, before: string | null, after: string | null): string {
  if (before === after) return '';
  const A = splitLines(before ?? '');
  const B = splitLines(after ?? '');
  // The last line differs when only its final newline does: mark it so the hunk shows it.
  const a = A.lines.map((l, k) => (k === A.lines.length - 1 && A.noFinalNewline ? `${l}\0` : l));
  const b = B.lines.map((l, k) => (k === B.lines.length - 1 && B.noFinalNewline ? `${l}\0` : l));
  const ops = diffLines(a, b);
  const out = [`--- ${before === null ? '/dev/null' : path}`, `+++ ${after === null ? '/dev/null' : path}`];
  for (const hunk of hunks(ops)) {
    const first = hunk[0] as Op;
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aLen === 0 ? first.a : first.a + 1;
    const bStart = bLen === 0 ? first.b : first.b + 1;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const o of hunk) {
      if (o.line.endsWith('\0')) out.push(`${o.kind}${o.line.slice(0, -1)}`, '\\ No newline at end of file');
      else out.push(`${o.kind}${o.line}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function diffLines(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: ' ', line: a[k] as string, a: 0, b: 0 });
  const mid: Op[] = [];
  if (am.length * bm.length > MAX_CELLS) {
    am.forEach((line) => mid.push({ kind: '-', line, a: 0, b: 0 }));
    bm.forEach((line) => mid.push({ kind: '+', line, a: 0, b: 0 }));
  } else {
    const n = am.length;
    const m = bm.length;
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] = am[i] === bm[j] ? (lcs[(i + 1) * w + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        mid.push({ kind: ' ', line: am[i] as string, a: 0, b: 0 });
        i++;
        j++;
      } else if (j < m && (i === n || (lcs[i * w + j + 1] as number) >= (lcs[(i + 1) * w + j] as number))) {
        mid.push({ kind: '+', line: bm[j] as string, a: 0, b: 0 });
        j++;
      } else {
        mid.push({ kind: '-', line: am[i] as string, a: 0, b: 0 });
        i++;
      }
    }
    // Show removals before additions within a change, as diff(1) does.
    for (let s = 0; s < mid.length; ) {
      if (mid[s]?.kind === ' ') {
        s++;
        continue;
      }
      let e = s;
      while (e < mid.length && mid[e]?.kind !== ' ') e++;
      const block = mid.slice(s, e);
      mid.splice(s, e - s, ...block.filter((o) => o.kind === '-'), ...block.filter((o) => o.kind === '+'));
      s = e;
    }
  }
  ops.push(...mid);
  for (let k = 0; k < tail; k++) ops.push({ kind: ' ', line: a[a.length - tail + k] as string, a: 0, b: 0 });
  // Number the lines once the order is final: a/b = this line's index (or the next one's, for a line
  // only on the other side).
  let ai = 0;
  let bi = 0;
  for (const o of ops) {
    o.a = ai;
    o.b = bi;
    if (o.kind !== '+') ai++;
    if (o.kind !== '-') bi++;
  }
  return ops;
}

function hunks(ops: Op[]): Op[][] {
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  const out: Op[][] = [];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - CONTEXT);
    let end = changed[k] as number;
    while (k + 1 < changed.length && (changed[k + 1] as number) - end <= 2 * CONTEXT) end = changed[++k] as number;
    out.push(ops.slice(start, Math.min(ops.length, end + CONTEXT + 1)));
    k++;
  }
  return out;
}
