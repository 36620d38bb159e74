/**
 * On-disk format of the collector's store (docs/collect.md#storage).
 *
 * A segment is two append-only files written by one process:
 *   NNNNNNNN.raw  every accepted Export*ServiceRequest, protobuf-encoded (the durable truth)
 *   NNNNNNNN.idx  what `report`/`findProbe` need, derived from each raw frame at ingest
 * Both start with an 8-byte magic and hold frames:
 *   u32 payloadLength | u32 crc32(payload) | payload
 * A reader stops at the first frame that is short or fails its CRC: that is a write torn by a crash,
 * and it was never acknowledged (a 200 is only sent after both files are fsynced).
 *
 * Raw payload:  u8 signal | f64 receivedAtMs | protobuf bytes
 * Index payload: u8 signal | f64 receivedAtMs | u32 rawFrameOffset | u32 headerLen | header JSON
 *               | u32 nPoints | nPoints × 32-byte point rows | u32 nEvents | event rows
 * Point row:  u32 series | u32 flags | u32 startLo | u32 startHi | u32 timeLo | u32 timeHi | f64 value
 * Event row:  u32 ctx | u32 name | u32 timeLo | u32 timeHi | u32 attrsLen | attrs JSON
 *
 * Series, contexts (resource + scope) and event names are interned per segment: the header JSON of
 * the frame that first uses an id carries its definition, so a segment is readable on its own.
 */
import { crc32 } from 'node:zlib';
import type { Signal } from '../otel/endpoint.js';
import type { Attrs } from './attributes.js';

export const RAW_MAGIC = Buffer.from('CCOTRAW1', 'latin1');
export const IDX_MAGIC = Buffer.from('CCOTIDX1', 'latin1');
export const FRAME_HEADER = 8;
export const POINT_ROW = 32;
/** A frame bigger than this is treated as corruption (the receiver's body limit is far below). */
export const MAX_FRAME = 1 << 30;

export const SIGNAL_CODE: Readonly<Record<Signal, number>> = { traces: 1, metrics: 2, logs: 3 };
export const CODE_SIGNAL: Readonly<Record<number, Signal>> = { 1: 'traces', 2: 'metrics', 3: 'logs' };

/** Point flags */
export const PF_INT = 1;
export const PF_NO_VALUE = 2;

/** AggregationTemporality as in the proto: 0 unspecified, 1 delta, 2 cumulative. */
export type TemporalityCode = 0 | 1 | 2;

export interface SeriesDef {
  k: 's';
  i: number;
  /** context id */
  c: number;
  /** metric name, unit */
  m: string;
  u: string;
  t: 'sum' | 'gauge';
  tp: TemporalityCode;
  mono: boolean;
  /** datapoint attributes */
  a: Attrs;
}
export interface CtxDef {
  k: 'c';
  i: number;
  /** resource attributes */
  r: Attrs;
  /** scope name and version */
  s: string;
  sv: string;
}
export interface NameDef {
  k: 'n';
  i: number;
  n: string;
}
export type Def = SeriesDef | CtxDef | NameDef;

export interface IndexHeader {
  /** new definitions (ids first used by this frame) */
  d: Def[];
  /** records in the raw frame: spans, data points (of every kind) or log records */
  n: number;
  /** values of `cc_otel.probe_id` seen anywhere in the request (verify's probe) */
  p?: string[];
}

export function frame(payload: Uint8Array): Buffer {
  const head = Buffer.allocUnsafe(FRAME_HEADER);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

/** A raw frame — `u8 signal | f64 receivedAt | body` — in one allocation and one copy of the body (bodies run to 64 MiB). */
export function rawFrameOf(signal: Signal, receivedAtMs: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + 9 + body.length);
  out.writeUInt32LE(9 + body.length, 0);
  out.writeUInt8(SIGNAL_CODE[signal], FRAME_HEADER);
  out.writeDoubleLE(receivedAtMs, FRAME_HEADER + 1);
  out.set(body, FRAME_HEADER + 9);
  out.writeUInt32LE(crc32(out.subarray(FRAME_HEADER)) >>> 0, 4);
  return out;
}


export interface IndexParts {
  header: IndexHeader;
  /** nPoints × POINT_ROW bytes */
  points: Buffer;
  nPoints: number;
  events: Buffer[];
}

export function indexPayload(signal: Signal, receivedAtMs: number, rawOffset: number, parts: IndexParts): Buffer {
  const json = Buffer.from(JSON.stringify(parts.header), 'utf8');
  const head = Buffer.allocUnsafe(17);
  head.writeUInt8(SIGNAL_CODE[signal], 0);
  head.writeDoubleLE(receivedAtMs, 1);
  head.writeUInt32LE(rawOffset, 9);
  head.writeUInt32LE(json.length, 13);
  const np = Buffer.allocUnsafe(4);
  np.writeUInt32LE(parts.nPoints, 0);
  const ne = Buffer.allocUnsafe(4);
  ne.writeUInt32LE(parts.events.length, 0);
  return Buffer.concat([head, json, np, parts.points.subarray(0, parts.nPoints * POINT_ROW), ne, ...parts.events]);
}

export function eventRow(ctx: number, name: number, timeLo: number, timeHi: number, attrsJson: string): Buffer {
  const json = Buffer.from(attrsJson, 'utf8');
  const row = Buffer.allocUnsafe(20 + json.length);
  row.writeUInt32LE(ctx, 0);
  row.writeUInt32LE(name, 4);
  row.writeUInt32LE(timeLo >>> 0, 8);
  row.writeUInt32LE(timeHi >>> 0, 12);
  row.writeUInt32LE(json.length, 16);
  json.copy(row, 20);
  return row;
}

/**
 * Walk the frames of a file image. Returns the offset just past the last good frame (where a
 * torn tail, if any, starts). `visit` gets the payload (a view into `buf`) and its frame offset.
 */
export function walkFrames(buf: Buffer, magic: Buffer, visit: (payload: Buffer, offset: number) => void): number {
  if (buf.length < magic.length || !buf.subarray(0, magic.length).equals(magic)) return 0;
  let off = magic.length;
  while (off + FRAME_HEADER <= buf.length) {
    const len = buf.readUInt32LE(off);
    const crc = buf.readUInt32LE(off + 4);
    if (len > MAX_FRAME || off + FRAME_HEADER + len > buf.length) break;
    const payload = buf.subarray(off + FRAME_HEADER, off + FRAME_HEADER + len);
    if (crc32(payload) >>> 0 !== crc) break;
    visit(payload, off);
    off += FRAME_HEADER + len;
  }
  return off;
}

export interface IndexFrameView {
  signal: Signal;
  receivedAtMs: number;
  rawOffset: number;
  header: IndexHeader;
  /** the payload; points start at pointsAt, events at eventsAt */
  buf: Buffer;
  nPoints: number;
  pointsAt: number;
  nEvents: number;
  eventsAt: number;
}

export function parseIndexPayload(p: Buffer): IndexFrameView {
  const signal = CODE_SIGNAL[p.readUInt8(0)];
  if (!signal) throw new Error(`unknown signal code ${p.readUInt8(0)}`);
  const receivedAtMs = p.readDoubleLE(1);
  const rawOffset = p.readUInt32LE(9);
  const jsonLen = p.readUInt32LE(13);
  const header = JSON.parse(p.toString('utf8', 17, 17 + jsonLen)) as IndexHeader;
  let off = 17 + jsonLen;
  const nPoints = p.readUInt32LE(off);
  const pointsAt = off + 4;
  off = pointsAt + nPoints * POINT_ROW;
  const nEvents = p.readUInt32LE(off);
  return { signal, receivedAtMs, rawOffset, header, buf: p, nPoints, pointsAt, nEvents, eventsAt: off + 4 };
}

export interface RawFrameView {
  signal: Signal;
  receivedAtMs: number;
  body: Buffer;
}

export function parseRawPayload(p: Buffer): RawFrameView {
  const signal = CODE_SIGNAL[p.readUInt8(0)];
  if (!signal) throw new Error(`unknown signal code ${p.readUInt8(0)}`);
  return { signal, receivedAtMs: p.readDoubleLE(1), body: p.subarray(9) };
}
