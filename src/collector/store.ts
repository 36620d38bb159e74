/**
 * The collector's durable store: append-only segments (segment-format.ts), one writer per data
 * directory (a pid lock file), group commit — every request waiting while a flush runs is written
 * by the next flush with one write and one fdatasync per file — and a promise per append that
 * resolves only once its bytes are on disk. The receiver answers 200 after that promise.
 */
import { chmodSync, closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CcOtelError } from '../errors.js';
import type { CollectorState } from './collector.js';
import { ensurePrivateDir } from '../fs/atomic-write.js';
import type { Signal } from '../otel/endpoint.js';
import { newDictionary, type SegmentDictionary } from './index-builder.js';
import { formatBytes, isNoSpace } from './disk-budget.js';
import { ownerAlive, parsePidFile, pidFileText, type PidFileOwner } from './identity.js';
import { FRAME_HEADER, frame, IDX_MAGIC, indexPayload, parseIndexPayload, parseRawPayload, RAW_MAGIC, rawFrameOf, walkFrames, type IndexParts } from './segment-format.js';

export const SEGMENTS_DIR = 'segments';
export const LOCK_FILE = 'collector.pid';
/** the running collector's ports and pid (collector.ts writes it) */
export const STATE_FILE = 'collector.json';

/** collector.json when it is there and well-formed: the running collector's ports (its HTTP port: to ask it who it is). */
export function readCollectorState(dataDir: string): CollectorState | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dataDir, STATE_FILE), 'utf8')) as CollectorState;
    return typeof s.host === 'string' && typeof s.httpPort === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}
/** Roll to a new segment once the raw file passes this size. */
export const DEFAULT_MAX_SEGMENT_BYTES = 128 * 1024 * 1024;

export interface SegmentFiles {
  seq: number;
  raw: string;
  idx: string;
}

/** Segments of a data dir, oldest first. */
export function listSegments(dataDir: string): SegmentFiles[] {
  const dir = join(dataDir, SEGMENTS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const seqs = new Set<number>();
  for (const n of names) {
    const m = /^(\d{8,})\.(raw|idx)$/.exec(n);
    if (m) seqs.add(Number(m[1]));
  }
  return [...seqs].sort((a, b) => a - b).map((seq) => segmentFiles(dir, seq));
}

function segmentFiles(dir: string, seq: number): SegmentFiles {
  const base = String(seq).padStart(8, '0');
  return { seq, raw: join(dir, `${base}.raw`), idx: join(dir, `${base}.idx`) };
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported on this platform */
  }
}


/**
 * Take the data dir's writer lock (a pid file created with O_EXCL, holding the pid and its start
 * time; identity.ts). A pid file whose process is gone — or is by now another process — is replaced.
 */
export async function acquireLock(dataDir: string): Promise<() => void> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        fchmodSync(fd, 0o600); // issue #12: everything in the data dir is 0600
        writeSync(fd, pidFileText());
        fsyncSync(fd);
      } catch (e) {
        // A full filesystem: leave no empty lock behind (it would read as a stale one).
        closeSync(fd);
        removeQuietly(path);
        throw new CcOtelError('IO', `cannot write ${path}: ${(e as Error).message}`, {
          cause: e,
          hint: isNoSpace(e) ? 'the filesystem is full: free some space (or remove old segments) and start again' : undefined,
        });
      }
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (parsePidFile(readFileSync(path, 'utf8'))?.pid === process.pid) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if (e instanceof CcOtelError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new CcOtelError('IO', `cannot create ${path}: ${(e as Error).message}`, { cause: e });
      let owner: PidFileOwner | undefined;
      try {
        owner = parsePidFile(readFileSync(path, 'utf8'));
      } catch {
        /* vanished meanwhile: retry */
      }
      if (owner && (await ownerAlive(owner, readCollectorState(dataDir)))) {
        throw new CcOtelError('IO', `another cc-otel collect (pid ${owner.pid}) is writing to ${dataDir}`, {
          hint: 'stop it with `cc-otel collect stop`, or use another --data-dir',
        });
      }
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        /* someone else removed it */
      }
    }
  }
  throw new CcOtelError('IO', `cannot take the lock ${path}`);
}

interface Pending {
  raw: Buffer;
  idx: Buffer;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The append was refused for lack of room: the data dir is at its --max-disk cap, or the
 * filesystem is full. Nothing of it was acknowledged; the receivers answer 503 + Retry-After /
 * UNAVAILABLE, which OTLP exporters retry.
 */
export class StoreFull extends Error {
  override readonly name = 'StoreFull';
  constructor(
    readonly reason: 'cap' | 'enospc',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

class Segment {
  readonly dict: SegmentDictionary = newDictionary();
  /** raw file size once everything queued is written (offsets of queued frames are known up front) */
  plannedRawBytes: number;
  plannedIdxBytes: number;
  /** sizes up to the last batch that was written whole (a failed batch is truncated back to them) */
  private writtenRaw: number;
  private writtenIdx: number;
  /** receivedAt of the first and the last frame appended (retention) */
  firstAtMs: number | undefined;
  lastAtMs: number | undefined;
  failed: unknown = undefined;
  /** set by retention: the next append rolls to a new segment (this one keeps its queued writes) */
  retired = false;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  private constructor(
    readonly files: SegmentFiles,
    private readonly raw: FileHandle,
    private readonly idx: FileHandle,
    private readonly durable: boolean,
  ) {
    this.plannedRawBytes = this.writtenRaw = RAW_MAGIC.length;
    this.plannedIdxBytes = this.writtenIdx = IDX_MAGIC.length;
  }

  static async create(dir: string, seq: number, durable: boolean): Promise<Segment> {
    const files = segmentFiles(dir, seq);
    let raw: FileHandle | undefined;
    let idx: FileHandle | undefined;
    try {
      raw = await open(files.raw, 'wx', 0o600);
      idx = await open(files.idx, 'wx', 0o600);
      await writeAll(raw, RAW_MAGIC);
      await writeAll(idx, IDX_MAGIC);
      if (durable) {
        await Promise.all([raw.datasync(), idx.datasync()]);
        fsyncDir(dir);
      }
      return new Segment(files, raw, idx, durable);
    } catch (e) {
      // A full disk: leave no empty or half-headed segment behind for every retry.
      await Promise.allSettled([raw?.close(), idx?.close()]);
      if (raw) removeQuietly(files.raw);
      if (idx) removeQuietly(files.idx);
      throw e;
    }
  }

  enqueue(rawFrame: Buffer, idxFrame: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ raw: rawFrame, idx: idxFrame, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** bytes on disk: planned while healthy; once failed, what was written whole */
  get bytes(): number {
    return this.failed === undefined ? this.plannedRawBytes + this.plannedIdxBytes : this.writtenRaw + this.writtenIdx;
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        if (this.failed !== undefined) throw this.failed;
        // one request alone (most of the time): its frames as they are, not copied again
        const raw = batch.length === 1 ? batch[0]!.raw : Buffer.concat(batch.map((p) => p.raw));
        const idx = batch.length === 1 ? batch[0]!.idx : Buffer.concat(batch.map((p) => p.idx));
        await writeAll(this.raw, raw);
        await writeAll(this.idx, idx);
        if (this.durable) await Promise.all([this.raw.datasync(), this.idx.datasync()]);
        this.writtenRaw += raw.length;
        this.writtenIdx += idx.length;
        for (const p of batch) p.resolve();
      } catch (e) {
        // A failed write (ENOSPC, EIO) may have left a torn frame, or whole raw frames with no index
        // frame: none of this batch is acknowledged, so cut both files back to the last whole batch
        // (shrinking needs no free space). The segment then takes no more writes — its dictionary
        // holds ids whose definitions were cut — and the store rolls to a fresh one. Were the
        // truncate to fail too, readers still stop at the torn frame (segment-format.ts).
        if (this.failed === undefined) {
          this.failed = e;
          await Promise.allSettled([this.raw.truncate(this.writtenRaw), this.idx.truncate(this.writtenIdx)]);
        }
        for (const p of batch) p.reject(e);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await Promise.allSettled([this.raw.close(), this.idx.close()]);
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

/** Dictionary sizes before a build, to undo what it interned when its frames are refused. */
interface DictMark {
  ctx: number;
  series: number;
  names: number;
}

const markDict = (d: SegmentDictionary): DictMark => ({ ctx: d.ctx.size, series: d.series.size, names: d.names.size });

/** Drop the ids a refused build added (ids are dense: the new ones are those ≥ the mark). */
function rollbackDict(d: SegmentDictionary, m: DictMark): void {
  const cut = (map: Map<string, number>, from: number) => {
    if (map.size === from) return;
    for (const [k, id] of map) if (id >= from) map.delete(k);
  };
  cut(d.ctx, m.ctx);
  cut(d.names, m.names);
  if (d.series.size !== m.series) {
    cut(d.series, m.series);
    d.seriesMemo.clear(); // a cache in front of `series`: may point at the dropped ids
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Bytes of a segment's two files. */
export function segmentBytes(seg: SegmentFiles): number {
  return fileSize(seg.raw) + fileSize(seg.idx);
}

/** receivedAt of the newest frame of a segment (its index, else its raw file); undefined when it holds none. */
export function newestFrameMs(seg: SegmentFiles): number | undefined {
  let newest: number | undefined;
  const visit = (at: number) => {
    if (newest === undefined || at > newest) newest = at;
  };
  for (const [path, magic, parse] of [
    [seg.idx, IDX_MAGIC, (p: Buffer) => parseIndexPayload(p).receivedAtMs],
    [seg.raw, RAW_MAGIC, (p: Buffer) => parseRawPayload(p).receivedAtMs],
  ] as const) {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch {
      continue;
    }
    walkFrames(buf, magic, (p) => visit(parse(p)));
    if (newest !== undefined) return newest;
  }
  return newest;
}

export interface StoreOptions {
  dataDir: string;
  maxSegmentBytes?: number;
  /** refuse appends that would take the segments past this many bytes (undefined: no cap) */
  maxDiskBytes?: number;
  /** drop whole segments whose newest record is older than this (undefined: keep everything) */
  retainMs?: number;
  /** fdatasync before acknowledging (default true; only tests of other things turn it off) */
  durable?: boolean;
  now?: () => number;
  /** the store's notable events (full, accepting again, segments dropped), for the collector's log and state */
  onEvent?: (e: StoreEvent) => void;
}

export type StoreEvent =
  | { kind: 'full'; reason: 'cap' | 'enospc'; message: string }
  | { kind: 'accepting'; refused: number; fullForMs: number }
  | { kind: 'dropped'; segments: number[]; bytes: number; olderThanMs: number }
  /** refusing or accepting again, every time (the logged events above are at most one a minute) */
  | { kind: 'state' };

export interface StoreStats {
  requests: number;
  records: number;
  bytes: number;
  segment: number;
}

/** What status shows about the disk (also written to collector.json). */
export interface DiskState {
  /** bytes of all segments, including what is queued for writing */
  usedBytes: number;
  maxDiskBytes: number | undefined;
  retainMs: number | undefined;
  /** set while appends are being refused */
  full: { reason: 'cap' | 'enospc'; since: string; refused: number; message: string } | undefined;
  dropped: { segments: number; bytes: number; lastAt: string | undefined };
}

/** With --retain, the segment being written also rolls once its first record is this old, so old data leaves in whole segments. */
export function rollAgeMs(retainMs: number): number {
  return Math.max(1000, Math.min(86_400_000, Math.floor(retainMs / 10)));
}

export class Store {
  readonly stats: StoreStats = { requests: 0, records: 0, bytes: 0, segment: 0 };
  private current: Segment | undefined;
  private rolling: Promise<Segment> | undefined;
  private readonly old = new Set<Segment>();
  private closed = false;
  /** bytes of every segment but the current one (re-measured by each sweep) */
  private readonly sealed = new Map<number, number>();
  /** newest receivedAt of sealed segments (they no longer change) */
  private readonly newestOf = new Map<number, number | undefined>();
  private full: { reason: 'cap' | 'enospc'; since: number; refused: number; message: string; logged: boolean } | undefined;
  /** when a 'full' event was last emitted: near the cap, requests that fit and requests that don't alternate */
  private fullLoggedAt = -Infinity;
  private readonly dropped = { segments: 0, bytes: 0, lastAt: undefined as number | undefined };

  private constructor(
    readonly dataDir: string,
    private readonly dir: string,
    private nextSeq: number,
    private readonly maxSegmentBytes: number,
    private readonly durable: boolean,
    private readonly now: () => number,
    private readonly unlock: () => void,
    readonly maxDiskBytes: number | undefined,
    readonly retainMs: number | undefined,
    private readonly onEvent: (e: StoreEvent) => void,
  ) {}

  /** Open the data dir for writing: takes the lock, applies retention, and starts a new segment. */
  static async open(opts: StoreOptions): Promise<Store> {
    const dir = join(opts.dataDir, SEGMENTS_DIR);
    try {
      // Telemetry can hold prompts and tool output (when the content switches are on): private.
      ensurePrivateDir(opts.dataDir);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    } catch (e) {
      throw new CcOtelError('IO', `cannot create ${dir}: ${(e as Error).message}`, { cause: e });
    }
    const unlock = await acquireLock(opts.dataDir);
    try {
      const segs = listSegments(opts.dataDir);
      const last = segs.at(-1)?.seq ?? 0;
      // Frame offsets are u32: keep segments well below 4 GiB.
      const maxSegmentBytes = Math.min(opts.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES, 2 ** 31);
      const store = new Store(
        opts.dataDir,
        dir,
        last + 1,
        maxSegmentBytes,
        opts.durable ?? true,
        opts.now ?? Date.now,
        unlock,
        opts.maxDiskBytes,
        opts.retainMs,
        opts.onEvent ?? (() => undefined),
      );
      for (const s of segs) store.sealed.set(s.seq, segmentBytes(s));
      store.sweep();
      // On a full disk the first segment cannot be created: the collector still starts and
      // answers 503 until there is room (the next append tries again).
      await store.segment().catch((e: unknown) => {
        if (!isNoSpace(e)) throw e;
      });
      return store;
    } catch (e) {
      unlock();
      throw e;
    }
  }

  /** Bytes of all segments, queued frames included. */
  usedBytes(): number {
    let n = this.current?.bytes ?? 0;
    for (const b of this.sealed.values()) n += b;
    return n;
  }

  diskState(): DiskState {
    const f = this.full;
    return {
      usedBytes: this.usedBytes(),
      maxDiskBytes: this.maxDiskBytes,
      retainMs: this.retainMs,
      full: f && { reason: f.reason, since: new Date(f.since).toISOString(), refused: f.refused, message: f.message },
      dropped: { segments: this.dropped.segments, bytes: this.dropped.bytes, lastAt: this.dropped.lastAt === undefined ? undefined : new Date(this.dropped.lastAt).toISOString() },
    };
  }

  private refuse(reason: 'cap' | 'enospc', message: string, cause?: unknown): never {
    if (this.full) this.full.refused++;
    else {
      // One log line (and state write) a minute at most, however often the state flips.
      const logged = this.now() - this.fullLoggedAt >= 60_000;
      this.full = { reason, since: this.now(), refused: 1, message, logged };
      if (logged) {
        this.fullLoggedAt = this.now();
        this.onEvent({ kind: 'full', reason, message });
      }
      this.onEvent({ kind: 'state' });
    }
    throw new StoreFull(reason, message, { cause });
  }

  private capMessage(adding: number): string {
    return (
      `the data dir is at its --max-disk cap: ${formatBytes(this.usedBytes())} used of ${formatBytes(this.maxDiskBytes!)}` +
      ` (this request needs ${formatBytes(adding)}); retry later — raise --max-disk, set --retain, or remove old data`
    );
  }

  private async segment(): Promise<Segment> {
    const cur = this.current;
    const tooOld = cur?.firstAtMs !== undefined && this.retainMs !== undefined && this.now() - cur.firstAtMs >= rollAgeMs(this.retainMs);
    if (cur && cur.failed === undefined && cur.plannedRawBytes < this.maxSegmentBytes && !tooOld && !cur.retired) return cur;
    if (!this.rolling) {
      this.rolling = (async () => {
        const seg = await Segment.create(this.dir, this.nextSeq++, this.durable);
        if (this.current) {
          const prev = this.current;
          this.sealed.set(prev.files.seq, prev.bytes);
          this.old.add(prev);
          void prev.close().finally(() => {
            this.old.delete(prev);
            this.sealed.set(prev.files.seq, segmentBytes(prev.files));
          });
        }
        this.current = seg;
        this.stats.segment = seg.files.seq;
        return seg;
      })().finally(() => {
        this.rolling = undefined;
      });
    }
    return this.rolling;
  }

  /**
   * Append one accepted request. `build` derives its index against the segment's dictionary; it
   * runs synchronously right before the frames are queued, so ids and frames land in the same
   * segment. Resolves once both frames are on disk; throws StoreFull when there is no room.
   */
  async append(signal: Signal, body: Uint8Array, build: (dict: SegmentDictionary, receivedAtMs: number) => IndexParts): Promise<void> {
    if (this.closed) throw new CcOtelError('IO', 'the store is closed');
    const cap = this.maxDiskBytes;
    // The raw frame alone would pass the cap: refuse before rolling a segment or indexing.
    const rawEstimate = 2 * FRAME_HEADER + 9 + body.length;
    if (cap !== undefined && this.usedBytes() + rawEstimate > cap) this.refuse('cap', this.capMessage(rawEstimate));
    let seg: Segment;
    try {
      seg = await this.segment();
    } catch (e) {
      if (isNoSpace(e)) this.refuse('enospc', `the filesystem holding ${this.dataDir} is full (${(e as Error).message}); retry later`, e);
      throw e;
    }
    const receivedAt = this.now();
    const mark = markDict(seg.dict);
    let parts: IndexParts;
    try {
      parts = build(seg.dict, receivedAt);
    } catch (e) {
      seg.failed ??= e; // the dictionary may now hold ids whose definitions were never written
      throw e;
    }
    const rawFrame = rawFrameOf(signal, receivedAt, body);
    const rawOffset = seg.plannedRawBytes;
    const idxFrame = frame(indexPayload(signal, receivedAt, rawOffset, parts));
    const adding = rawFrame.length + idxFrame.length;
    // Checked between build and queueing, with no await in between: concurrent appends can't both pass.
    if (cap !== undefined && this.usedBytes() + adding > cap) {
      rollbackDict(seg.dict, mark);
      this.refuse('cap', this.capMessage(adding));
    }
    seg.plannedRawBytes += rawFrame.length;
    seg.plannedIdxBytes += idxFrame.length;
    seg.firstAtMs ??= receivedAt;
    seg.lastAtMs = receivedAt;
    try {
      await seg.enqueue(rawFrame, idxFrame);
    } catch (e) {
      if (isNoSpace(e)) this.refuse('enospc', `the filesystem holding ${this.dataDir} is full (${(e as Error).message}); retry later`, e);
      throw e;
    }
    this.stats.requests++;
    this.stats.records += parts.header.n;
    this.stats.bytes += adding;
    if (this.full) {
      const f = this.full;
      this.full = undefined;
      if (f.logged) this.onEvent({ kind: 'accepting', refused: f.refused, fullForMs: this.now() - f.since });
      this.onEvent({ kind: 'state' });
    }
  }

  /**
   * Re-measure the sealed segments (a user may have removed some) and, with --retain, drop every
   * segment whose newest record is older than the window — whole segments only, the raw file
   * first: an index without its raw file is still readable by `report`, and the next sweep takes
   * it. The segment being written is rolled first when all it holds is past the window. Runs at
   * open and periodically (collector.ts).
   */
  sweep(): { segments: number[]; bytes: number } {
    const out = { segments: [] as number[], bytes: 0 };
    const curSeq = this.current?.files.seq;
    const live = new Set<number>();
    for (const s of listSegments(this.dataDir)) {
      if (s.seq === curSeq || [...this.old].some((o) => o.files.seq === s.seq)) continue;
      live.add(s.seq);
      this.sealed.set(s.seq, segmentBytes(s));
    }
    for (const seq of [...this.sealed.keys()]) if (!live.has(seq) && seq !== curSeq && ![...this.old].some((o) => o.files.seq === seq)) this.sealed.delete(seq);
    if (this.retainMs === undefined) return out;
    const cutoff = this.now() - this.retainMs;
    for (const s of listSegments(this.dataDir)) {
      if (!live.has(s.seq)) continue;
      if (!this.newestOf.has(s.seq)) this.newestOf.set(s.seq, newestFrameMs(s));
      const newest = this.newestOf.get(s.seq);
      // An empty sealed segment (a roll that found the disk full) goes too.
      if (newest !== undefined && newest >= cutoff) continue;
      const bytes = this.sealed.get(s.seq) ?? 0;
      removeQuietly(s.raw);
      removeQuietly(s.idx);
      this.sealed.delete(s.seq);
      this.newestOf.delete(s.seq);
      out.segments.push(s.seq);
      out.bytes += bytes;
    }
    if (out.segments.length > 0) {
      fsyncDir(this.dir);
      this.dropped.segments += out.segments.length;
      this.dropped.bytes += out.bytes;
      this.dropped.lastAt = this.now();
      this.onEvent({ kind: 'dropped', segments: out.segments, bytes: out.bytes, olderThanMs: this.retainMs });
    }
    // Idle past the window: roll, so the next sweep can drop what the current segment holds.
    const cur = this.current;
    if (cur && cur.lastAtMs !== undefined && cur.lastAtMs < cutoff && !this.closed) void this.rollNow().catch(() => undefined);
    return out;
  }

  private async rollNow(): Promise<void> {
    if (this.current) this.current.retired = true;
    await this.segment();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.rolling) await this.rolling.catch(() => undefined);
      await this.current?.close();
      await Promise.allSettled([...this.old].map((s) => s.close()));
    } finally {
      this.unlock();
    }
  }
}
