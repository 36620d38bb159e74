/**
 * Read a data dir while (or after) a collector writes it. Each file is read up to its current end;
 * a torn or half-written last frame is skipped (segment-format.ts).
 */
import { closeSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Signal } from '../otel/endpoint.js';
import {
  FRAME_HEADER,
  IDX_MAGIC,
  MAX_FRAME,
  parseIndexPayload,
  parseRawPayload,
  RAW_MAGIC,
  walkFrames,
  type IndexFrameView,
  type RawFrameView,
} from './segment-format.js';
import { listSegments, type SegmentFiles } from './store.js';

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Visit every index frame of one segment, in write order. */
export function forEachIndexFrame(seg: SegmentFiles, visit: (f: IndexFrameView) => void): void {
  const buf = readIfExists(seg.idx);
  if (!buf) return;
  walkFrames(buf, IDX_MAGIC, (payload) => visit(parseIndexPayload(payload)));
}

/**
 * Visit raw frames of one segment. `offsets` restricts the walk to those frame offsets (from the
 * index), read with positional reads instead of loading the whole file.
 */
export function forEachRawFrame(seg: SegmentFiles, visit: (f: RawFrameView, offset: number) => void, offsets?: readonly number[]): void {
  let fd: number;
  try {
    fd = openSync(seg.raw, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    const magic = Buffer.alloc(RAW_MAGIC.length);
    if (readSync(fd, magic, 0, magic.length, 0) !== magic.length || !magic.equals(RAW_MAGIC)) return;
    const head = Buffer.alloc(FRAME_HEADER);
    const readAt = (off: number): boolean => {
      if (off + FRAME_HEADER > size || readSync(fd, head, 0, FRAME_HEADER, off) !== FRAME_HEADER) return false;
      const len = head.readUInt32LE(0);
      if (len > MAX_FRAME || off + FRAME_HEADER + len > size) return false;
      const payload = Buffer.allocUnsafe(len);
      if (readSync(fd, payload, 0, len, off + FRAME_HEADER) !== len) return false;
      if (crc32(payload) >>> 0 !== head.readUInt32LE(4)) return false;
      visit(parseRawPayload(payload), off);
      off += FRAME_HEADER + len;
      return true;
    };
    if (offsets) {
      for (const off of offsets) readAt(off);
      return;
    }
    let off = RAW_MAGIC.length;
    while (off + FRAME_HEADER <= size) {
      if (!readAt(off)) break;
      off += FRAME_HEADER + head.readUInt32LE(0);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Which signals hold a record carrying the attribute `cc_otel.probe_id` = `probeId` (on the
 * resource, the scope, or the record itself). Reads only the index, newest segment first.
 */
export async function findProbe(dataDir: string, probeId: string): Promise<Signal[]> {
  const found = new Set<Signal>();
  const segs = listSegments(dataDir).reverse();
  for (const seg of segs) {
    forEachIndexFrame(seg, (f) => {
      if (f.header.p?.includes(probeId)) found.add(f.signal);
    });
    if (found.size === 3) break;
  }
  const order: Signal[] = ['traces', 'metrics', 'logs'];
  return order.filter((s) => found.has(s));
}

/**
 * Visit the index frames of one segment from byte `offset` on (0: the start), reading only that
 * tail of the file — at most about `maxBytes` of it (always one whole frame at least). Returns the
 * offset after the last whole frame, where the next call goes on (a frame still being written is
 * read then), and `more`: the read stopped at `maxBytes` with more of the file after it. A missing
 * file: `offset` unchanged, no visit.
 */
export function forEachIndexFrameFrom(seg: SegmentFiles, offset: number, visit: (f: IndexFrameView) => void, maxBytes = Infinity): { offset: number; more: boolean } {
  let fd: number;
  try {
    fd = openSync(seg.idx, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { offset, more: false };
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    let from = offset;
    if (from === 0) {
      const magic = Buffer.alloc(IDX_MAGIC.length);
      if (readSync(fd, magic, 0, magic.length, 0) !== magic.length || !magic.equals(IDX_MAGIC)) return { offset: 0, more: false };
      from = IDX_MAGIC.length;
    }
    if (size <= from) return { offset: from, more: false };
    let want = Math.min(size - from, maxBytes);
    if (want < size - from) {
      // at least the first frame, whatever its size
      const head = Buffer.alloc(FRAME_HEADER);
      if (readSync(fd, head, 0, FRAME_HEADER, from) === FRAME_HEADER && head.readUInt32LE(0) <= MAX_FRAME) want = Math.min(size - from, Math.max(want, FRAME_HEADER + head.readUInt32LE(0)));
    }
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < buf.length) {
      const r = readSync(fd, buf, got, buf.length - got, from + got);
      if (r === 0) break;
      got += r;
    }
    let off = 0;
    while (off + FRAME_HEADER <= got) {
      const len = buf.readUInt32LE(off);
      if (len > MAX_FRAME || off + FRAME_HEADER + len > got) break;
      const payload = buf.subarray(off + FRAME_HEADER, off + FRAME_HEADER + len);
      if (crc32(payload) >>> 0 !== buf.readUInt32LE(off + 4)) break;
      visit(parseIndexPayload(payload));
      off += FRAME_HEADER + len;
    }
    return { offset: from + off, more: want < size - from && off > 0 };
  } finally {
    closeSync(fd);
  }
}

/**
 * The session.id values Claude Code's own telemetry carried into this data dir (the session
 * bridge's silent rule, src/bridge): a `claude_code.*` metric series' datapoint attribute, or the
 * resource of a `claude-code*` service. Reads only the index's definitions, never a raw frame.
 */
export function claudeCodeSessionIds(dataDir: string): Set<string> {
  const ids = new Set<string>();
  for (const seg of listSegments(dataDir)) {
    forEachIndexFrame(seg, (f) => {
      for (const d of f.header.d) {
        if (d.k === 's') {
          const id = d.a['session.id'];
          if (typeof id === 'string' && d.m.startsWith('claude_code.')) ids.add(id);
        } else if (d.k === 'c') {
          const id = d.r['session.id'];
          const svc = d.r['service.name'];
          if (typeof id === 'string' && typeof svc === 'string' && svc.startsWith('claude-code')) ids.add(id);
        }
      }
    });
  }
  return ids;
}
