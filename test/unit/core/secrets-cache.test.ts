// The key cache: age → fresh/stale/expired/miss with a fake `now`, private modes, the O_EXCL
// refresh lock, and atomic writes under real concurrency (20 OS processes running the same
// compiled writeCache at the same moment).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { cacheFile, clearCache, readCache, tryLock, writeCache, type CacheEntry, type CachePolicy } from '../../../src/secrets/cache.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function tmp(): string {
  const d = makeTempDir('cc-otel-cache');
  dirs.push(d);
  return d.path;
}

const POLICY: CachePolicy = { ttlMs: 1000, maxAgeMs: 5000 };
const T0 = 1_700_000_000_000;
const entry = (over: Partial<CacheEntry> = {}): CacheEntry => ({ v: 1, source: 'op', ref: 'op://v/i/f', value: 'secret', fetchedAt: T0, ...over });

describe('readCache by age', () => {
  it.each<[number, string]>([
    [0, 'fresh'],
    [999, 'fresh'],
    [1000, 'stale'],
    [4999, 'stale'],
    [5000, 'expired'],
    [86_400_000, 'expired'],
    [-60_000, 'fresh'], // clock went backwards: treated as age 0
  ])('age %i ms → %s', (age, state) => {
    const dir = tmp();
    writeCache(dir, entry());
    const r = readCache(dir, 'op', 'op://v/i/f', T0 + age, POLICY);
    expect(r.state).toBe(state);
    if (r.state !== 'miss') {
      expect(r.entry.value).toBe('secret');
      expect(r.ageMs).toBe(Math.max(0, age));
    }
  });

  it.each<[string, (dir: string) => void]>([
    ['no file', () => {}],
    ['no directory', () => {}],
    ['truncated JSON', (d) => writeFileSync(cacheFile(d, 'op', 'op://v/i/f'), '{"v":1,"source":"op","ref":"op://v/i/f","val')],
    ['not an object', (d) => writeFileSync(cacheFile(d, 'op', 'op://v/i/f'), 'null')],
    ['another version', (d) => writeFileSync(cacheFile(d, 'op', 'op://v/i/f'), JSON.stringify({ ...entry(), v: 2 }))],
    ['value not a string', (d) => writeFileSync(cacheFile(d, 'op', 'op://v/i/f'), JSON.stringify({ ...entry(), value: 42 }))],
    ['fetchedAt missing', (d) => writeFileSync(cacheFile(d, 'op', 'op://v/i/f'), JSON.stringify({ ...entry(), fetchedAt: undefined }))],
    ['another ref in the file (name collision)', (d) => writeFileSync(cacheFile(d, 'op', 'op://v/i/f'), JSON.stringify({ ...entry(), ref: 'op://x/y/z' }))],
  ])('%s → miss', (name, prepare) => {
    const dir = name === 'no directory' ? join(tmp(), 'absent') : tmp();
    prepare(dir);
    expect(readCache(dir, 'op', 'op://v/i/f', T0, POLICY)).toEqual({ state: 'miss' });
  });

  it('entries are per source and per ref', () => {
    const dir = tmp();
    writeCache(dir, entry({ ref: 'op://a/b/c', value: 'one' }));
    writeCache(dir, entry({ ref: 'op://a/b/d', value: 'two' }));
    writeCache(dir, entry({ source: 'gcp', ref: 'op://a/b/c', value: 'three' }));
    expect(readCache(dir, 'op', 'op://a/b/c', T0, POLICY)).toMatchObject({ entry: { value: 'one' } });
    expect(readCache(dir, 'op', 'op://a/b/d', T0, POLICY)).toMatchObject({ entry: { value: 'two' } });
    expect(readCache(dir, 'gcp', 'op://a/b/c', T0, POLICY)).toMatchObject({ entry: { value: 'three' } });
    expect(new Set([cacheFile(dir, 'op', 'op://a/b/c'), cacheFile(dir, 'op', 'op://a/b/d'), cacheFile(dir, 'gcp', 'op://a/b/c')]).size).toBe(3);
    // the file name does not reveal the reference
    for (const f of readdirSync(dir)) expect(f).toMatch(/^[a-z0-9-]+-[0-9a-f]{16}\.json$/);
  });
});

describe('writeCache: private modes', () => {
  it('a new nested directory is 0700 and the file 0600', () => {
    const dir = join(tmp(), 'a', 'b', 'cache');
    writeCache(dir, entry());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(cacheFile(dir, 'op', 'op://v/i/f')).mode & 0o777).toBe(0o600);
  });

  it('an existing 0755 directory is tightened; an existing 0644 file is replaced by a 0600 one', () => {
    const dir = join(tmp(), 'cache');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const file = cacheFile(dir, 'op', 'op://v/i/f');
    writeFileSync(file, '{}', { mode: 0o644 });
    chmodSync(file, 0o644);
    writeCache(dir, entry({ value: 'v2' }));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).value).toBe('v2');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('tryLock', () => {
  it('a second locker is refused until the first unlocks', () => {
    const dir = tmp();
    const now = Date.now();
    const unlock = tryLock(dir, 'op', 'op://v/i/f', now);
    expect(unlock).toBeTypeOf('function');
    expect(statSync(`${cacheFile(dir, 'op', 'op://v/i/f')}.lock`).mode & 0o777).toBe(0o600);
    expect(tryLock(dir, 'op', 'op://v/i/f', now)).toBeUndefined();
    // another entry is independent
    const other = tryLock(dir, 'op', 'op://v/i/other', now);
    expect(other).toBeTypeOf('function');
    unlock?.();
    unlock?.(); // idempotent
    const again = tryLock(dir, 'op', 'op://v/i/f', now);
    expect(again).toBeTypeOf('function');
    again?.();
    other?.();
  });

  it('a stale lock (older than staleMs) is taken over; a fresh one is not', () => {
    const dir = tmp();
    const lock = `${cacheFile(dir, 'op', 'op://v/i/f')}.lock`;
    tryLock(dir, 'op', 'op://v/i/f', Date.now()); // abandoned: never unlocked
    const mtime = statSync(lock).mtimeMs;
    expect(tryLock(dir, 'op', 'op://v/i/f', mtime + 59_000, 60_000)).toBeUndefined();
    const taken = tryLock(dir, 'op', 'op://v/i/f', mtime + 61_000, 60_000);
    expect(taken).toBeTypeOf('function');
    // and the taken-over lock now blocks others again
    expect(tryLock(dir, 'op', 'op://v/i/f', statSync(lock).mtimeMs + 1000, 60_000)).toBeUndefined();
    taken?.();
  });

  it('an old mtime (a refresher that died an hour ago) with the default staleMs', () => {
    const dir = tmp();
    tryLock(dir, 'op', 'op://v/i/f', Date.now());
    const lock = `${cacheFile(dir, 'op', 'op://v/i/f')}.lock`;
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lock, hourAgo, hourAgo);
    expect(tryLock(dir, 'op', 'op://v/i/f', Date.now())).toBeTypeOf('function');
  });
});

describe('clearCache', () => {
  it('removes entries, locks and temp files; counts entries; a missing dir is 0', () => {
    const dir = tmp();
    writeCache(dir, entry({ ref: 'a' }));
    writeCache(dir, entry({ ref: 'b' }));
    tryLock(dir, 'op', 'a', Date.now());
    writeFileSync(join(dir, '.x.json.1.tmp'), '');
    writeFileSync(join(dir, 'keep.txt'), '');
    expect(clearCache(dir)).toBe(2);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    expect(clearCache(join(dir, 'absent'))).toBe(0);
  });
});

describe('concurrent writers (separate OS processes)', () => {
  it('20 processes writing the same entry at once leave one whole value and no temp files; readers never see half', async () => {
    const root = tmp();
    const dir = join(root, 'cache');
    const go = join(root, 'go');
    // The real writeCache (and writeFileAtomic), compiled from src for plain node.
    buildSync({
      entryPoints: [resolve(import.meta.dirname, '../../../src/secrets/cache.ts')],
      outfile: join(root, 'cache.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
    });
    writeFileSync(
      join(root, 'writer.mjs'),
      `import { existsSync } from 'node:fs';
import { writeCache } from './cache.mjs';
const [dir, id, go, rounds] = process.argv.slice(2);
const value = 'w' + id + ':' + String.fromCharCode(97 + (Number(id) % 26)).repeat(65536) + ':w' + id;
process.stdout.write('ready\\n');
const cell = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(go)) Atomics.wait(cell, 0, 0, 1); // a barrier: all start together
for (let i = 0; i < Number(rounds); i++) writeCache(dir, { v: 1, source: 'race', ref: 'op://v/i/f', value, fetchedAt: Date.now() });
`,
    );
    const expected = (id: number) => `w${id}:${String.fromCharCode(97 + (id % 26)).repeat(65536)}:w${id}`;
    const N = 20;
    let ready = 0;
    let allReady!: () => void;
    const readyP = new Promise<void>((r) => (allReady = r));
    const exits = Array.from({ length: N }, (_, id) => {
      const child = spawn(process.execPath, [join(root, 'writer.mjs'), dir, String(id), go, '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.stdout.once('data', () => {
        if (++ready === N) allReady();
      });
      return new Promise<{ code: number | null; err: string }>((res) => child.on('close', (code) => res({ code, err })));
    });
    await readyP;
    writeFileSync(go, '');

    // Read while they write: every read is either nothing yet or one writer's whole entry.
    const file = cacheFile(dir, 'race', 'op://v/i/f');
    let done = false;
    const reads = { whole: 0, absent: 0, torn: [] as string[] };
    const reader = (async () => {
      while (!done) {
        let text: string | undefined;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          reads.absent++;
        }
        if (text !== undefined) {
          try {
            const v = JSON.parse(text).value as string;
            const id = Number(/^w(\d+):/.exec(v)?.[1]);
            if (v === expected(id)) reads.whole++;
            else reads.torn.push(text.slice(0, 40));
          } catch {
            reads.torn.push(text.slice(0, 40));
          }
        }
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const results = await Promise.all(exits);
    done = true;
    await reader;

    for (const r of results) expect(r, r.err).toMatchObject({ code: 0 });
    expect(reads.torn).toEqual([]);
    expect(reads.whole).toBeGreaterThan(0);

    const final = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
    const id = Number(/^w(\d+):/.exec(final.value)?.[1]);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(id).toBeLessThan(N);
    expect(final.value).toBe(expected(id));
    expect(final).toMatchObject({ v: 1, source: 'race', ref: 'op://v/i/f' });
    expect(readdirSync(dir)).toEqual([file.slice(dir.length + 1)]); // no temp files left behind
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 20_000);
});
