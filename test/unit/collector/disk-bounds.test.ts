// Issue #12, the disk: --max-disk refuses with a retryable answer (HTTP 503 + Retry-After, gRPC
// UNAVAILABLE) and loses nothing it acknowledged; a really full filesystem (a 1 MiB tmpfs) is
// answered the same way, never a crash, and leaves no torn frame; --retain drops whole old
// segments at start and on each sweep, and the store stays readable; every file and directory
// the collector creates is 0600 / 0700.
import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { startCollector, type CollectorOptions, type RunningCollector } from '../../../src/collector/collector.js';
import { readCollectorStatus } from '../../../src/collector/daemon.js';
import { defaultMaxDisk, DEFAULT_MAX_DISK_BYTES, formatDuration, parseDuration, parseSize } from '../../../src/collector/disk-budget.js';
import { parseOtlpJson } from '../../../src/collector/otlp-json.js';
import { SIGNAL_PROTO } from '../../../src/collector/otlp-proto.js';
import { readRequests } from '../../../src/collector/requests.js';
import { IDX_MAGIC, RAW_MAGIC, walkFrames } from '../../../src/collector/segment-format.js';
import { listSegments, Store, StoreFull } from '../../../src/collector/store.js';
import { decodeRequest } from '../../../src/collector/ingest.js';
import { buildIndex } from '../../../src/collector/index-builder.js';
import { forEachIndexFrame } from '../../../src/collector/reader.js';
import type { IndexFrameView } from '../../../src/collector/segment-format.js';
import { buildReport } from '../../../src/report/build.js';
import { logsRequest } from '../report/fixtures.js';

const dirs: TempDir[] = [];
const running: RunningCollector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) d.cleanup();
});
function tmp(): TempDir {
  const d = makeTempDir('cc-otel-disk');
  dirs.push(d);
  return d;
}
async function start(opts: CollectorOptions): Promise<RunningCollector> {
  const c = await startCollector({ httpPort: 0, grpcPort: 0, ...opts });
  running.push(c);
  return c;
}

/** One logs request of two api_error events tagged with `seq`, ~`filler` bytes each. */
function body(seq: number, time = Date.now(), filler = 2000): Record<string, unknown> {
  return logsRequest({ engineer: 'ada' }, [
    { name: 'api_error', time, attrs: { seq, 'session.id': 'disk', filler: 'x'.repeat(filler) } },
    { name: 'api_error', time, attrs: { seq, 'session.id': 'disk' } },
  ]);
}

async function postLogs(url: string, b: Record<string, unknown>): Promise<{ status: number; retryAfter: string | null; text: string }> {
  const res = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

function grpcExport(port: number, b: Record<string, unknown>): Promise<{ code: number; details: string }> {
  const type = SIGNAL_PROTO.logs.request;
  const payload = Buffer.from(type.encode(type.fromObject(parseOtlpJson(JSON.stringify(b)))).finish());
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      SIGNAL_PROTO.logs.grpcPath,
      (x: Buffer) => x,
      (x: Buffer) => x,
      payload,
      (err) => {
        client.close();
        resolve({ code: err?.code ?? 0, details: err?.details ?? '' });
      },
    );
  });
}

/** seq values of every stored api_error record (the raw files: the durable truth). */
function storedSeqs(dataDir: string): Set<number> {
  const out = new Set<number>();
  for (const r of readRequests(dataDir, 'logs'))
    for (const rl of r.request.resourceLogs as any[]) // eslint-disable-line @typescript-eslint/no-explicit-any
      for (const sl of rl.scopeLogs) for (const lr of sl.logRecords) out.add(Number(lr.attributes.find((a: any) => a.key === 'seq').value.intValue)); // eslint-disable-line @typescript-eslint/no-explicit-any
  return out;
}

function segmentBytesOnDisk(dataDir: string): number {
  return listSegments(dataDir).reduce((n, s) => n + statSync(s.raw).size + statSync(s.idx).size, 0);
}

/** Every segment file ends exactly at its last whole frame: no torn frame anywhere. */
function expectNoTornFrames(dataDir: string): void {
  for (const s of listSegments(dataDir)) {
    for (const [path, magic] of [[s.raw, RAW_MAGIC], [s.idx, IDX_MAGIC]] as const) {
      const buf = readFileSync(path);
      expect(walkFrames(buf, magic, () => undefined), path).toBe(buf.length);
    }
  }
}

/**
 * Send from `workers` clients until `refusals` requests in a row were refused; returns the seqs
 * acknowledged with 200 and the refusals seen.
 */
async function fillUp(url: string, opts: { workers?: number; filler?: number; time?: () => number } = {}) {
  const acked: number[] = [];
  const refused: { status: number; retryAfter: string | null; text: string }[] = [];
  let seq = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const n = seq++;
      const r = await postLogs(url, body(n, opts.time?.() ?? Date.now(), opts.filler));
      if (r.status === 200) acked.push(n);
      else {
        refused.push(r);
        if (refused.length >= 8) stop = true;
      }
      if (seq > 5000) throw new Error('never refused');
    }
  };
  await Promise.all(Array.from({ length: opts.workers ?? 4 }, worker));
  return { acked, refused };
}

/** collector.json follows the store within a second. */
async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('parseSize / parseDuration', () => {
  it.each([
    ['500MB', 500e6],
    ['2GiB', 2 * 1024 ** 3],
    ['1.5 GB', 1.5e9],
    ['64KiB', 65536],
    ['4096', 4096],
    ['10k', 10_000],
  ])('size %s → %d', (text, n) => expect(parseSize(text)).toBe(n));
  it.each(['', 'lots', '5 parsecs', '-1MB', '0'])('size %j is refused', (text) => expect(() => parseSize(text)).toThrow(/size|more than 0/));
  it.each([
    ['90d', 90 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['30m', 1_800_000],
    ['2w', 14 * 86_400_000],
    ['45s', 45_000],
  ])('duration %s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(formatDuration(ms)).toBe(text === '2w' ? '2w' : text);
  });
  it.each(['', '90', '3y', 'd', '0d'])('duration %j is refused', (text) => expect(() => parseDuration(text)).toThrow(/duration|more than 0/));
  it('the default cap is 5 GiB, at most what is there plus half the free space', () => {
    expect(defaultMaxDisk(0, undefined)).toBe(DEFAULT_MAX_DISK_BYTES);
    expect(defaultMaxDisk(0, 100 * 1024 ** 3)).toBe(DEFAULT_MAX_DISK_BYTES);
    expect(defaultMaxDisk(1000, 4000)).toBe(3000);
  });
});

describe('--max-disk', () => {
  const CAP = 96 * 1024;

  it('refuses past the cap with 503 + Retry-After and UNAVAILABLE, keeps everything it acknowledged, says so in status and the log; a bigger cap accepts again', async () => {
    const d = tmp();
    const log: string[] = [];
    const c = await start({ dataDir: d.path, maxDiskBytes: CAP, maxSegmentBytes: 32 * 1024, log: (l) => log.push(l) });
    const { acked, refused } = await fillUp(c.httpUrl);
    expect(acked.length).toBeGreaterThan(10);
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(r.text).toMatch(/--max-disk cap/);
    }
    const g = await grpcExport(c.grpcPort!, body(-1));
    expect(g.code).toBe(grpc.status.UNAVAILABLE);
    expect(g.details).toMatch(/--max-disk cap/);
    // Never past the cap, on disk as in the store's own count.
    expect(segmentBytesOnDisk(d.path)).toBeLessThanOrEqual(CAP);
    expect(c.stats().disk).toMatchObject({ maxDiskBytes: CAP, full: { reason: 'cap' } });
    expect(c.stats().disk.usedBytes).toBeLessThanOrEqual(CAP);
    // Nothing acknowledged is lost, nothing refused was stored; report reads it all.
    const stored = storedSeqs(d.path);
    expect(acked.filter((n) => !stored.has(n))).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expect(stored.has(-1)).toBe(false);
    expect(buildReport({ dataDir: d.path }).totals.apiErrors).toBe(2 * acked.length);
    expect(log.filter((l) => /refusing data/.test(l))).toHaveLength(1); // once, not per request
    const st = await eventually(() => readCollectorStatus(d.path), (s) => s.full !== undefined);
    expect(st).toMatchObject({ running: true, maxDiskBytes: CAP, full: { reason: 'cap' } });
    expect(st.full!.refused).toBeGreaterThan(0);
    expect(st.bytesOnDisk).toBeLessThanOrEqual(CAP);

    await c.close();
    running.splice(running.indexOf(c), 1);
    const bigger = await start({ dataDir: d.path, maxDiskBytes: 4 * CAP });
    expect((await postLogs(bigger.httpUrl, body(100_000))).status).toBe(200);
    expect((await grpcExport(bigger.grpcPort!, body(100_001))).code).toBe(0);
    const after = storedSeqs(d.path);
    expect(acked.filter((n) => !after.has(n))).toEqual([]);
    expect(after.has(100_000) && after.has(100_001)).toBe(true);
    expect((await readCollectorStatus(d.path)).full).toBeUndefined();
  }, 30_000);

  it('a request refused after indexing interns nothing: the next one carries its own definitions', async () => {
    const d = tmp();
    const decode = (b: Record<string, unknown>) => decodeRequest('logs', Buffer.from(JSON.stringify(b)), 'json');
    const append = (store: Store, b: Record<string, unknown>, pad = 0) => {
      const req = decode(b);
      return store.append('logs', req.bytes, (dict, at) => {
        const parts = buildIndex('logs', req.message, dict, at);
        if (pad) parts.events.push(Buffer.alloc(pad)); // an index bigger than the room left
        return parts;
      });
    };
    const first = await Store.open({ dataDir: d.path });
    for (let i = 0; i < 5; i++) await append(first, body(i));
    await first.close();
    const used = segmentBytesOnDisk(d.path);
    // Room for the new segment's magic and one small request, not for a big index.
    const store = await Store.open({ dataDir: d.path, maxDiskBytes: used + 16 + 1500 });
    try {
      const fresh = logsRequest({ engineer: 'zed' }, [{ name: 'brand_new_event', time: Date.now(), attrs: { seq: 7 } }]);
      const err = await append(store, fresh, 3000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreFull);
      expect((err as StoreFull).reason).toBe('cap');
      await append(store, fresh); // fits
      const seg = listSegments(d.path).at(-1)!;
      const headers: IndexFrameView['header'][] = [];
      forEachIndexFrame(seg, (f) => headers.push(f.header));
      expect(headers).toHaveLength(1);
      // Had the refused build's ids stayed in the dictionary, these definitions would be missing.
      expect(headers[0]!.d).toEqual(expect.arrayContaining([expect.objectContaining({ k: 'n', n: 'brand_new_event' }), expect.objectContaining({ k: 'c' })]));
      expect([...storedSeqs(d.path)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 7]);
    } finally {
      await store.close();
    }
  });
});

/** A tiny tmpfs for a real ENOSPC; needs root (mount), else these tests are skipped. */
function mountTmpfs(sizeBytes: number): string | undefined {
  const dir = mkdtempSync(join(tmp().path, 'mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}
function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' }); // something still holds a file open: detach it
  }
}
const canMount = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const m = mountTmpfs(64 * 1024);
  if (!m) return false;
  execFileSync('umount', [m]);
  return true;
})();

describe.skipIf(!canMount)('a full filesystem (ENOSPC on a 1 MiB tmpfs)', () => {
  it('answers 503 / UNAVAILABLE, never crashes, loses nothing acknowledged, leaves no torn frame; accepts again once there is room', async () => {
    const mnt = mountTmpfs(1024 * 1024)!;
    try {
      // Ballast to free later; the collector itself has no cap (the filesystem is the limit).
      writeFileSync(join(mnt, 'ballast'), Buffer.alloc(256 * 1024));
      const dataDir = join(mnt, 'data');
      const log: string[] = [];
      const c = await startCollector({ dataDir, httpPort: 0, grpcPort: 0, maxDiskBytes: null, log: (l) => log.push(l) });
      try {
        const { acked, refused } = await fillUp(c.httpUrl, { filler: 6000 });
        expect(acked.length).toBeGreaterThan(10);
        for (const r of refused) {
          expect(r.status).toBe(503);
          expect(r.retryAfter).not.toBeNull();
          expect(r.text).toMatch(/filesystem .* is full/);
        }
        expect((await grpcExport(c.grpcPort!, body(-1, Date.now(), 6000))).code).toBe(grpc.status.UNAVAILABLE);
        expect(c.stats().disk.full).toMatchObject({ reason: 'enospc' });
        expect(log.some((l) => /refusing data/.test(l))).toBe(true);
        // Still up; every acknowledged record is there, and every file ends at a whole frame.
        const stored = storedSeqs(dataDir);
        expect(acked.filter((n) => !stored.has(n))).toEqual([]);
        expectNoTornFrames(dataDir);
        // Retries do not pile up empty segments.
        expect(listSegments(dataDir).length).toBeLessThanOrEqual(3);
        expect(buildReport({ dataDir }).totals.apiErrors).toBeGreaterThanOrEqual(2 * acked.length);

        rmSync(join(mnt, 'ballast'));
        expect((await postLogs(c.httpUrl, body(200_000))).status).toBe(200);
        expect((await grpcExport(c.grpcPort!, body(200_001))).code).toBe(0);
        expect(c.stats().disk.full).toBeUndefined();
        expect(log.some((l) => /accepting data again/.test(l))).toBe(true);
        const after = storedSeqs(dataDir);
        expect(acked.filter((n) => !after.has(n))).toEqual([]);
        expect(after.has(200_000) && after.has(200_001)).toBe(true);
        expectNoTornFrames(dataDir);
      } finally {
        await c.close();
      }
    } finally {
      unmount(mnt);
    }
  }, 60_000);
});

describe.skipIf(!canMount)('starting on a full filesystem', () => {
  it('fails with a clear error and leaves no empty pid file behind', async () => {
    const mnt = mountTmpfs(256 * 1024)!;
    try {
      const dataDir = join(mnt, 'data');
      mkdirSync(join(dataDir, 'segments'), { recursive: true });
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=4096'], { stdio: 'ignore' });
      } catch {
        /* dd stops with ENOSPC: the point */
      }
      const err = await startCollector({ dataDir, httpPort: 0, grpcPort: null }).catch((e: unknown) => e);
      expect(String((err as Error).message)).toMatch(/cannot write .*collector\.pid: ENOSPC/);
      expect(readdirSync(dataDir)).toEqual(['segments']);
    } finally {
      unmount(mnt);
    }
  });
});

describe('--retain', () => {
  const DAY = 86_400_000;

  it('drops whole segments older than the window on a sweep and at start; what is left reads back; status and log say so', async () => {
    const d = tmp();
    let t = Date.UTC(2025, 0, 1);
    const log: string[] = [];
    const c = await start({ dataDir: d.path, retainMs: 10 * DAY, now: () => t, grpcPort: null, log: (l) => log.push(l) });
    // With --retain 10d a segment rolls once its first record is a day old: one segment per send here.
    for (const [i, day] of [0, 2, 4].entries()) {
      t = Date.UTC(2025, 0, 1) + day * DAY;
      expect((await postLogs(c.httpUrl, body(i, t))).status).toBe(200);
    }
    const segs = listSegments(d.path);
    expect(segs.length).toBe(3);
    const kept = segs[2]!;
    const keptSize = statSync(kept.raw).size;

    t = Date.UTC(2025, 0, 1) + 12.5 * DAY; // cutoff: day 2.5
    const dropped = c.sweep();
    expect(dropped.segments).toEqual([segs[0]!.seq, segs[1]!.seq]);
    expect(listSegments(d.path).map((s) => s.seq)).toEqual([kept.seq]);
    expect(statSync(kept.raw).size).toBe(keptSize); // whole segments only
    expect([...storedSeqs(d.path)]).toEqual([2]);
    expect(buildReport({ dataDir: d.path }).totals.apiErrors).toBe(2);
    expect(log.some((l) => /retention: dropped 2 segment/.test(l))).toBe(true);
    const st = await eventually(() => readCollectorStatus(d.path), (s) => s.dropped?.segments === 2);
    expect(st).toMatchObject({ running: true, retainMs: 10 * DAY, segments: 1, dropped: { segments: 2 } });
    expect(st.dropped!.bytes).toBeGreaterThan(0);
    // Still accepting, into the same store.
    expect((await postLogs(c.httpUrl, body(3, t))).status).toBe(200);
    expect([...storedSeqs(d.path)].sort()).toEqual([2, 3]);
    await c.close();
    running.splice(running.indexOf(c), 1);

    // At start: 20 days on, everything is past a 10-day window.
    t = Date.UTC(2025, 0, 1) + 30 * DAY;
    const again = await start({ dataDir: d.path, retainMs: 10 * DAY, now: () => t, grpcPort: null });
    expect(again.stats().disk.dropped.segments).toBeGreaterThanOrEqual(1);
    expect(storedSeqs(d.path).size).toBe(0);
    expect(buildReport({ dataDir: d.path }).totals.apiErrors).toBe(0);
    expect((await postLogs(again.httpUrl, body(4, t))).status).toBe(200);
    expect([...storedSeqs(d.path)]).toEqual([4]);
  }, 30_000);

  it('dropping old data makes room under --max-disk: the collector accepts again', async () => {
    const d = tmp();
    let t = Date.UTC(2025, 0, 1);
    const c = await start({ dataDir: d.path, retainMs: 10 * DAY, maxDiskBytes: 64 * 1024, maxSegmentBytes: 16 * 1024, now: () => t, grpcPort: null });
    const { acked } = await fillUp(c.httpUrl, { workers: 1, time: () => t });
    expect((await postLogs(c.httpUrl, body(-1, t))).status).toBe(503);
    t += 11 * DAY;
    c.sweep(); // drops the sealed segments; the current one is rolled (all of it is past the window)
    await new Promise((r) => setTimeout(r, 50));
    c.sweep();
    expect((await postLogs(c.httpUrl, body(-2, t))).status).toBe(200);
    expect(c.stats().disk.full).toBeUndefined();
    expect(storedSeqs(d.path).has(-2)).toBe(true);
    expect(acked.length).toBeGreaterThan(0);
  }, 30_000);
});

describe('file modes', () => {
  it('every file the collector creates is 0600 and every directory 0700, existing ones tightened', async () => {
    const d = tmp();
    const dataDir = join(d.path, 'data');
    // A data dir left by an older version, with wide modes.
    mkdirSync(join(dataDir, 'segments'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'segments'), 0o755);
    const old = process.umask(0o022);
    try {
      const c = await start({ dataDir, maxSegmentBytes: 8 * 1024, grpcPort: null });
      for (let i = 0; i < 6; i++) expect((await postLogs(c.httpUrl, body(i))).status).toBe(200);
      const modes: Record<string, string> = {};
      const walk = (dir: string, rel: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          const st = statSync(p);
          modes[`${rel}${name}${st.isDirectory() ? '/' : ''}`] = (st.mode & 0o777).toString(8);
          if (st.isDirectory()) walk(p, `${rel}${name}/`);
        }
      };
      modes['./'] = (statSync(dataDir).mode & 0o777).toString(8);
      walk(dataDir, '');
      expect(Object.keys(modes)).toEqual(expect.arrayContaining(['./', 'collector.json', 'collector.pid', 'segments/']));
      expect(Object.keys(modes).filter((k) => k.endsWith('.raw')).length).toBeGreaterThan(1);
      for (const [name, mode] of Object.entries(modes)) expect(`${name} ${mode}`).toBe(`${name} ${name.endsWith('/') ? '700' : '600'}`);
    } finally {
      process.umask(old);
    }
  });
});
