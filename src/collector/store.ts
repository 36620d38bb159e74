/**
 * The collector's durable store: append-only segments (segment-format.ts), one writer per data
 * directory (a pid lock file), group commit — every request waiting while a flush runs is written
 * by the next flush with one write and one fdatasync per file — and a promise per append that
 * resolves only once its bytes are on disk. The receiver answers 200 after that promise.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CcOtelError } from '../errors.js';
import type { CollectorState } from './collector.js';
import { ensurePrivateDir } from '../fs/atomic-write.js';
import type { Signal } from '../otel/endpoint.js';
import { newDictionary, type SegmentDictionary } from './index-builder.js';
import { ownerAlive, parsePidFile, pidFileText, type PidFileOwner } from './identity.js';
import { frame, IDX_MAGIC, indexPayload, RAW_MAGIC, rawPayload, type IndexParts } from './segment-format.js';

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
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, pidFileText());
      fsyncSync(fd);
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

class Segment {
  readonly dict: SegmentDictionary = newDictionary();
  /** raw file size once everything queued is written (offsets of queued frames are known up front) */
  plannedRawBytes: number;
  failed: unknown = undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  private constructor(
    readonly files: SegmentFiles,
    private readonly raw: FileHandle,
    private readonly idx: FileHandle,
    private readonly durable: boolean,
  ) {
    this.plannedRawBytes = RAW_MAGIC.length;
  }

  static async create(dir: string, seq: number, durable: boolean): Promise<Segment> {
    const files = segmentFiles(dir, seq);
    const raw = await open(files.raw, 'wx', 0o600);
    const idx = await open(files.idx, 'wx', 0o600);
    await raw.write(RAW_MAGIC);
    await idx.write(IDX_MAGIC);
    if (durable) {
      await Promise.all([raw.datasync(), idx.datasync()]);
      fsyncDir(dir);
    }
    return new Segment(files, raw, idx, durable);
  }

  enqueue(rawFrame: Buffer, idxFrame: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ raw: rawFrame, idx: idxFrame, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        if (this.failed !== undefined) throw this.failed;
        await writeAll(this.raw, Buffer.concat(batch.map((p) => p.raw)));
        await writeAll(this.idx, Buffer.concat(batch.map((p) => p.idx)));
        if (this.durable) await Promise.all([this.raw.datasync(), this.idx.datasync()]);
        for (const p of batch) p.resolve();
      } catch (e) {
        // A failed write may have left a torn frame: this segment takes no more writes (readers
        // stop at the torn frame), and the store rolls to a fresh one.
        this.failed ??= e;
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

export interface StoreOptions {
  dataDir: string;
  maxSegmentBytes?: number;
  /** fdatasync before acknowledging (default true; only tests of other things turn it off) */
  durable?: boolean;
  now?: () => number;
}

export interface StoreStats {
  requests: number;
  records: number;
  bytes: number;
  segment: number;
}

export class Store {
  readonly stats: StoreStats = { requests: 0, records: 0, bytes: 0, segment: 0 };
  private current: Segment | undefined;
  private rolling: Promise<Segment> | undefined;
  private readonly old = new Set<Segment>();
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly dir: string,
    private nextSeq: number,
    private readonly maxSegmentBytes: number,
    private readonly durable: boolean,
    private readonly now: () => number,
    private readonly unlock: () => void,
  ) {}

  /** Open the data dir for writing: takes the lock and starts a new segment. */
  static async open(opts: StoreOptions): Promise<Store> {
    const dir = join(opts.dataDir, SEGMENTS_DIR);
    try {
      // Telemetry can hold prompts and tool output (when the content switches are on): private.
      ensurePrivateDir(opts.dataDir);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new CcOtelError('IO', `cannot create ${dir}: ${(e as Error).message}`, { cause: e });
    }
    const unlock = await acquireLock(opts.dataDir);
    try {
      const last = listSegments(opts.dataDir).at(-1)?.seq ?? 0;
      // Frame offsets are u32: keep segments well below 4 GiB.
      const maxSegmentBytes = Math.min(opts.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES, 2 ** 31);
      const store = new Store(opts.dataDir, dir, last + 1, maxSegmentBytes, opts.durable ?? true, opts.now ?? Date.now, unlock);
      await store.segment();
      return store;
    } catch (e) {
      unlock();
      throw e;
    }
  }

  private async segment(): Promise<Segment> {
    const cur = this.current;
    if (cur && cur.failed === undefined && cur.plannedRawBytes < this.maxSegmentBytes) return cur;
    if (!this.rolling) {
      this.rolling = (async () => {
        const seg = await Segment.create(this.dir, this.nextSeq++, this.durable);
        if (this.current) {
          const prev = this.current;
          this.old.add(prev);
          void prev.close().finally(() => this.old.delete(prev));
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
   * segment. Resolves once both frames are on disk.
   */
  async append(signal: Signal, body: Uint8Array, build: (dict: SegmentDictionary, receivedAtMs: number) => IndexParts): Promise<void> {
    if (this.closed) throw new CcOtelError('IO', 'the store is closed');
    const seg = await this.segment();
    const receivedAt = this.now();
    let parts: IndexParts;
    try {
      parts = build(seg.dict, receivedAt);
    } catch (e) {
      seg.failed ??= e; // the dictionary may now hold ids whose definitions were never written
      throw e;
    }
    const rawFrame = frame(rawPayload(signal, receivedAt, body));
    const rawOffset = seg.plannedRawBytes;
    seg.plannedRawBytes += rawFrame.length;
    const idxFrame = frame(indexPayload(signal, receivedAt, rawOffset, parts));
    await seg.enqueue(rawFrame, idxFrame);
    this.stats.requests++;
    this.stats.records += parts.header.n;
    this.stats.bytes += rawFrame.length + idxFrame.length;
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
