// Reading for shipping: files known by their first line, offsets per file, complete lines only,
// foreign lines skipped, rotation and inode reuse never losing or misattributing progress.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyBadLine, countPending, fingerprintOf, hasPending, readBatches, recoverRecord, scanLogFiles } from '../../../src/events/log-reader.js';
import { appendEventLine } from '../../../src/events/event-log.js';
import { emptyState, readShipState, backoffMs, type ShipState } from '../../../src/events/ship-state.js';
import { buildEventRecord, fitLine } from '../../../src/events/record.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
const tmp = () => {
  const d = makeTempDir('cc-otel-reader');
  dirs.push(d);
  return d.path;
};
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const ev = (i: number) => fitLine(buildEventRecord({ session_id: 's', tool_use_id: `t${i}` }, { event: 'PreToolUse', now: 1_800_000_000_000 + i, id: `ID${String(i).padStart(6, '0')}`, attributes: {}, privacy: {} }));
const idsOf = (log: string, state: ShipState, max = 1000) =>
  scanLogFiles(log, state).flatMap((v) => [...readBatches(v, { maxRecords: max, maxBytes: 1 << 20 })].flatMap((b) => b.records.map((r) => r.id)));
/** what a shipper does after an acknowledged batch */
function ack(log: string, state: ShipState, max = 1000): string[] {
  const sent: string[] = [];
  for (const v of scanLogFiles(log, state))
    for (const b of readBatches(v, { maxRecords: max, maxBytes: 1 << 20 })) {
      sent.push(...b.records.map((r) => r.id));
      state.files[v.fp] = { offset: b.end, name: v.path };
    }
  return sent;
}

describe('log reader', () => {
  it('batches complete lines from the shipped offset; a partial last line waits', () => {
    const log = join(tmp(), 'hooks.jsonl');
    for (let i = 0; i < 5; i++) appendFileSync(log, ev(i));
    appendFileSync(log, ev(5).slice(0, 30)); // a hook mid-write
    const state = emptyState();
    const [view] = scanLogFiles(log, state);
    const batches = [...readBatches(view!, { maxRecords: 2, maxBytes: 1 << 20 })];
    expect(batches.map((b) => b.records.map((r) => r.id))).toEqual([['ID000000', 'ID000001'], ['ID000002', 'ID000003'], ['ID000004']]);
    expect(batches.at(-1)!.end).toBe(5 * Buffer.byteLength(ev(0)));
    ack(log, state);
    expect(idsOf(log, state)).toEqual([]);
    appendFileSync(log, ev(5).slice(30)); // the write completes
    expect(idsOf(log, state)).toEqual(['ID000005']);
  });

  it('skips and counts lines that are not cc-otel records, moving past them', () => {
    const log = join(tmp(), 'hooks.jsonl');
    appendFileSync(log, ev(0) + 'not json\n' + '{"ts":1,"event":"from another tool"}\n' + '\n' + ev(1));
    const [view] = scanLogFiles(log, emptyState());
    const [b] = [...readBatches(view!)];
    expect(b!.records.map((r) => r.id)).toEqual(['ID000000', 'ID000001']);
    expect(b!.skipped).toBe(2);
  });

  it('a torn line (a record cut short, the next one on its own line) is counted as torn; the records around it are read (issue #12)', () => {
    const log = join(tmp(), 'hooks.jsonl');
    appendFileSync(log, ev(0) + ev(1).slice(0, 40) + '\n' + ev(2) + 'not json\n');
    const [b] = [...readBatches(scanLogFiles(log, emptyState())[0]!)];
    expect(b!.records.map((r) => r.id)).toEqual(['ID000000', 'ID000002']);
    expect(b).toMatchObject({ skipped: 2, torn: 1 });
  });

  it('a record glued to a torn one (a log torn before the writer resynced) is still read; the line counts as torn', () => {
    const log = join(tmp(), 'hooks.jsonl');
    appendFileSync(log, ev(0) + ev(1).slice(0, 40) + ev(2) + ev(3));
    const [b] = [...readBatches(scanLogFiles(log, emptyState())[0]!)];
    expect(b!.records.map((r) => r.id)).toEqual(['ID000000', 'ID000002', 'ID000003']);
    expect(b).toMatchObject({ skipped: 1, torn: 1 });
  });

  it('recoverRecord: a nested {"id":…} object is not a record start; a foreign line is not torn; the search is bounded', () => {
    const nested = JSON.stringify({ id: 'ID000009', time: 't', event: 'PreToolUse', v: 1, tool_input: { id: 'x' } });
    // the torn start holds a nested object with an id first; the glued record holds one too
    const glued = `${nested.slice(0, nested.indexOf('"tool_input"') + 20)}${nested}`;
    expect(recoverRecord(glued)?.id).toBe('ID000009');
    expect(classifyBadLine(glued)).toMatchObject({ torn: true });
    expect(classifyBadLine('{"ts":1,"event":"from another tool"}')).toEqual({ torn: false, record: undefined });
    expect(classifyBadLine(ev(1).slice(0, 40))).toEqual({ torn: true, record: undefined });
    // thousands of prefixes, none a whole record to the end: a few parses, not one per prefix
    const hostile = '{"id":"'.repeat(20_000);
    const t = performance.now();
    expect(recoverRecord(hostile)).toBeUndefined();
    expect(performance.now() - t).toBeLessThan(200);
  });

  it('rotation keeps progress: the rotated file is still known by its first line', () => {
    const log = join(tmp(), 'hooks.jsonl');
    for (let i = 0; i < 3; i++) appendFileSync(log, ev(i));
    const state = emptyState();
    expect(ack(log, state)).toEqual(['ID000000', 'ID000001', 'ID000002']);
    appendFileSync(log, ev(3)); // unshipped, then rotated
    renameSync(log, `${log}.1`);
    appendFileSync(log, ev(4));
    expect(ack(log, state)).toEqual(['ID000003', 'ID000004']);
    // a straggler hook that opened hooks.jsonl before the rename writes into .1 afterwards
    appendFileSync(`${log}.1`, ev(5));
    expect(ack(log, state)).toEqual(['ID000005']);
    expect(hasPending(log, state)).toBe(false);
  });

  it('a new file that reuses an old inode or name does not inherit its offset', () => {
    const log = join(tmp(), 'hooks.jsonl');
    for (let i = 0; i < 3; i++) appendFileSync(log, ev(i));
    const state = emptyState();
    ack(log, state);
    rmSync(log);
    writeFileSync(log, ev(10)); // same name, quite possibly the same inode; different first line
    expect(idsOf(log, state)).toEqual(['ID000010']);
  });

  it('rotation through appendEventLine under load: every line read exactly once, in order', () => {
    const log = join(tmp(), 'hooks.jsonl');
    const state = emptyState();
    const seen: string[] = [];
    for (let i = 0; i < 60; i++) {
      appendEventLine(log, ev(i), { rotateBytes: 2000, keep: 50 });
      if (i % 7 === 0) seen.push(...ack(log, state, 3));
    }
    seen.push(...ack(log, state));
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => `ID${String(i).padStart(6, '0')}`));
  });

  it('countPending counts unshipped complete records', () => {
    const log = join(tmp(), 'hooks.jsonl');
    for (let i = 0; i < 4; i++) appendFileSync(log, ev(i));
    expect(countPending(log, emptyState())).toBe(4);
  });

  it('fingerprint: first line only; none while the first line is incomplete', () => {
    expect(fingerprintOf(Buffer.from('{"a":1}\nrest'))).toBe(fingerprintOf(Buffer.from('{"a":1}\nother')));
    expect(fingerprintOf(Buffer.from('{"a":1}\n'))).not.toBe(fingerprintOf(Buffer.from('{"a":2}\n')));
    expect(fingerprintOf(Buffer.from('{"a":'))).toBeUndefined();
  });
});

describe('ship state', () => {
  it('missing or corrupt → empty (re-send rather than skip)', () => {
    const dir = tmp();
    expect(readShipState(join(dir, 'nope.json'))).toEqual(emptyState());
    writeFileSync(join(dir, 'bad.json'), '{"v":1,"files":');
    expect(readShipState(join(dir, 'bad.json'))).toEqual(emptyState());
    writeFileSync(join(dir, 'neg.json'), JSON.stringify({ v: 1, files: { a: { offset: -4, name: 'x' }, b: { offset: 10, name: 'y' } }, failures: 2, retryAt: 5 }));
    expect(readShipState(join(dir, 'neg.json'))).toEqual({ v: 1, files: { b: { offset: 10, name: 'y' } }, failures: 2, retryAt: 5 });
  });

  it.each([
    [1, 10_000],
    [2, 20_000],
    [4, 80_000],
    [20, 600_000],
  ])('backoff after %d failures: %d ms', (n, ms) => expect(backoffMs(n)).toBe(ms));
});
