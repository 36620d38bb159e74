/**
 * Reading the event log for shipping: every log file (rotated ones too), from the shipped offset to
 * the last complete line. A line without its newline is still being written: it waits for the next
 * pass. Lines that are not cc-otel records (another tool writing hooks.jsonl, a torn line after a
 * full disk) are skipped and counted, and the offset moves past them.
 *
 * Torn lines (issue #12): an append cut short leaves the start of a record without its newline.
 * The writer starts the next record on a new line (event-log.ts), so the torn line stands alone:
 * it starts like a record (record.ts LINE_PREFIX) and does not parse — counted in `torn` (and in
 * `skipped`). A log torn by an older cc-otel, or in the writer's race window, has the next record
 * glued to the torn one on the same line: recoverRecord finds it (a record is the only place the
 * prefix occurs unescaped, besides a nested object with an `id` key first, which never parses to the
 * end of the line), ships it, and counts the line as torn.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { READ_FLAGS, readHead } from '../fs/private-file.js';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { listLogFiles } from './event-log.js';
import { LINE_PREFIX, MAX_LINE_BYTES, RECORD_VERSION, type EventRecord } from './record.js';
import type { ShipState } from './ship-state.js';

export interface LogFileView {
  path: string;
  /** fingerprint of the first line (ship-state.ts) */
  fp: string;
  size: number;
  /** shipped so far */
  offset: number;
  /** `dev:ino` when scanned: the name may point at another file by the time it is read */
  id: string;
  /** set by readBatches when `path` no longer is the scanned file (rotated meanwhile): rescan */
  moved?: boolean;
}

export interface Batch {
  file: LogFileView;
  start: number;
  /** offset after the batch's last line */
  end: number;
  records: EventRecord[];
  /** lines in [start, end) that are not cc-otel records */
  skipped: number;
  /** of `skipped`: torn lines — the start of a record whose append was cut short */
  torn: number;
}

export interface BatchLimits {
  maxRecords: number;
  maxBytes: number;
}

export const DEFAULT_LIMITS: BatchLimits = { maxRecords: 500, maxBytes: 1 << 20 };


/** The fingerprint of a log file: its first line, hashed. Undefined while that line is incomplete. */
export function fingerprintOf(head: Buffer): string | undefined {
  const nl = head.indexOf(0x0a);
  // No newline in a full line's worth of bytes: not our format — fingerprint the bytes we have.
  const first = nl >= 0 ? head.subarray(0, nl) : head.length > MAX_LINE_BYTES ? head : undefined;
  return first ? createHash('sha256').update(first).digest('hex').slice(0, 24) : undefined;
}

/** Every log file with its size and shipped offset, oldest first, each file once. */
export function scanLogFiles(log: string, state: ShipState): LogFileView[] {
  const views: LogFileView[] = [];
  const seen = new Set<string>();
  for (const path of listLogFiles(log)) {
    let fd: number;
    try {
      fd = openSync(path, READ_FLAGS);
    } catch {
      continue; // rotated away since the listing: the next pass finds it under its new name
    }
    try {
      const st = fstatSync(fd);
      const id = `${st.dev}:${st.ino}`;
      if (seen.has(id) || st.size === 0) continue;
      seen.add(id);
      const fp = fingerprintOf(readHead(fd, Math.min(st.size, MAX_LINE_BYTES + 1)));
      if (!fp) continue;
      const known = state.files[fp]?.offset ?? 0;
      views.push({ path, fp, size: st.size, offset: known <= st.size ? known : 0, id });
    } finally {
      closeSync(fd);
    }
  }
  return views;
}

export function parseRecordLine(line: string): EventRecord | undefined {
  try {
    const v = JSON.parse(line) as Partial<EventRecord> | null;
    if (v && typeof v === 'object' && v.v === RECORD_VERSION && typeof v.id === 'string' && typeof v.event === 'string' && typeof v.time === 'string') return v as EventRecord;
  } catch {
    /* not JSON */
  }
  return undefined;
}

/** A record glued after a torn one tries at most this many starts (a hostile line must not cost a parse per byte). */
const MAX_RECOVER_TRIES = 8;

/**
 * The whole record at the end of a `line` that is not one: a torn record's start with the next
 * record glued to it (written before the writer resynced, or in its race window). Undefined when
 * there is none.
 */
export function recoverRecord(line: string): EventRecord | undefined {
  let at = line.indexOf(LINE_PREFIX, 1);
  for (let tries = 0; at > 0 && tries < MAX_RECOVER_TRIES; tries++) {
    const rec = parseRecordLine(line.slice(at));
    if (rec) return rec;
    at = line.indexOf(LINE_PREFIX, at + 1);
  }
  return undefined;
}

/** A line that is not a record, as a reader counts it: torn (a record's start, maybe with the next record glued) or foreign. */
export function classifyBadLine(line: string): { torn: boolean; record: EventRecord | undefined } {
  const record = recoverRecord(line);
  return { torn: record !== undefined || line.startsWith(LINE_PREFIX), record };
}

/**
 * Batches of complete lines from `view.offset` up to `view.size`. Nothing, with `view.moved` set,
 * when the name now holds another file: a rotation between scan and read renamed the scanned file
 * and put a new one in its place — reading that one against the scanned file's offset would ship
 * the wrong bytes and record progress that the scanned file never made.
 */
export function* readBatches(view: LogFileView, limits: BatchLimits = DEFAULT_LIMITS): Generator<Batch> {
  let fd: number;
  try {
    fd = openSync(view.path, READ_FLAGS);
  } catch {
    view.moved = true;
    return;
  }
  try {
    const st = fstatSync(fd);
    if (`${st.dev}:${st.ino}` !== view.id || fingerprintOf(readHead(fd, Math.min(st.size, MAX_LINE_BYTES + 1))) !== view.fp) {
      view.moved = true;
      return;
    }
    let pos = view.offset;
    const chunkSize = Math.max(limits.maxBytes, MAX_LINE_BYTES + 1);
    while (pos < view.size) {
      const chunk = readHead(fd, Math.min(chunkSize, view.size - pos), pos);
      const batch: Batch = { file: view, start: pos, end: pos, records: [], skipped: 0, torn: 0 };
      let at = 0;
      while (batch.records.length < limits.maxRecords) {
        const nl = chunk.indexOf(0x0a, at);
        if (nl < 0) break;
        const line = chunk.toString('utf8', at, nl);
        const rec = parseRecordLine(line);
        if (rec) batch.records.push(rec);
        else if (nl > at) {
          batch.skipped++;
          const bad = classifyBadLine(line);
          if (bad.torn) batch.torn++;
          if (bad.record) batch.records.push(bad.record);
        }
        at = nl + 1;
      }
      if (at === 0) {
        // No complete line in a chunk that could hold the longest line: garbage without newlines.
        if (chunk.length >= chunkSize) {
          batch.skipped++;
          at = chunk.length;
        } else return; // the last line is still being written
      }
      batch.end = pos + at;
      pos = batch.end;
      yield batch;
    }
  } finally {
    closeSync(fd);
  }
}

/** Complete, unshipped lines across all files (for reports). */
export function countPending(log: string, state: ShipState): number {
  let n = 0;
  for (const view of scanLogFiles(log, state)) for (const b of readBatches(view, { maxRecords: Number.MAX_SAFE_INTEGER, maxBytes: 1 << 20 })) n += b.records.length;
  return n;
}

export function hasPending(log: string, state: ShipState): boolean {
  return scanLogFiles(log, state).some((v) => v.size > v.offset);
}

export const viewName = (v: LogFileView): string => basename(v.path);
