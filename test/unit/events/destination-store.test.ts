// The destination store (issue #11, case 4): ids → destinations in the user's state dir, so that a
// record's `dest` is only ever an id, resolved here, never a destination read from the log.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import {
  STORE_MAX_ENTRIES,
  STORE_TTL_MS,
  destinationResolver,
  destinationStorePath,
  findDestinationId,
  lookupDestination,
  newDestinationId,
  readDestinationStore,
  registerDestination,
  type DestinationStore,
} from '../../../src/events/destination-store.js';
import type { Destination } from '../../../src/events/destination.js';
import { tryLock } from '../../../src/events/lock.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
/** a store path under a state dir that does not exist yet */
function storePath(): string {
  const d = makeTempDir('cc-otel-dstore');
  dirs.push(d);
  return destinationStorePath(join(d.path, 'state', 'cc-otel'));
}
const NOW = Date.UTC(2026, 5, 1);
const A: Destination = { dir: '/p/a', config: '/p/a/.cc-otel.json', env: { CC_OTEL_ENDPOINT: 'http://a', CC_OTEL_KEY: 'env:K' } };
const B: Destination = { dir: '/p/b' };
const onDisk = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as DestinationStore;

describe('registerDestination / lookup', () => {
  it('adds a destination under a new random id, finds it again by its identity, resolves the id back', () => {
    const path = storePath();
    const a = registerDestination(path, A, NOW);
    expect(a.problem).toBeUndefined();
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    // Same identity (env in another order): the same id, no write.
    const mtime = statSync(path).mtimeMs;
    expect(registerDestination(path, { ...A, env: { CC_OTEL_KEY: 'env:K', CC_OTEL_ENDPOINT: 'http://a' } }, NOW + 1000).id).toBe(a.id);
    expect(statSync(path).mtimeMs).toBe(mtime);
    const b = registerDestination(path, B, NOW);
    expect(b.id).not.toBe(a.id);
    const { store, problem } = readDestinationStore(path);
    expect(problem).toBeUndefined();
    expect(lookupDestination(store, a.id)).toEqual(A);
    expect(lookupDestination(store, b.id)).toEqual(B);
    expect(findDestinationId(store, B)).toBe(b.id);
    // Only a string id that is in the store resolves.
    for (const v of [undefined, null, 5, A, { ...A }, 'f'.repeat(32), `${a.id}x`, a.id!.toUpperCase(), '__proto__', 'constructor']) expect(lookupDestination(store, v)).toBeUndefined();
  });

  it('the file is 0600 in a 0700 dir, and holds no key', () => {
    const path = storePath();
    registerDestination(path, { dir: '/p', env: { CC_OTEL_KEY: 'env:SECRET_NAME' } }, NOW);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(path, '..')).sort()).toEqual(['destinations.json']); // no temp file, no lock left
  });

  it('a missing store is read as empty without a problem; ids are 128 random bits', () => {
    expect(readDestinationStore(storePath())).toEqual({ store: { v: 1, entries: {} }, stamp: '' });
    const ids = new Set(Array.from({ length: 2000 }, () => newDestinationId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['not JSON', '{"v":1,"entries":{'],
    ['another format', '{"v":2,"entries":{}}'],
    ['entries not an object', '{"v":1,"entries":[1,2]}'],
  ])('a corrupt store (%s) is treated as empty and rewritten', (_, text) => {
    const path = storePath();
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, text, { mode: 0o600 });
    expect(readDestinationStore(path).problem).toMatch(/corrupt/);
    const a = registerDestination(path, A, NOW);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.problem).toMatch(/corrupt/);
    expect(readDestinationStore(path)).toMatchObject({ store: { entries: { [a.id!]: { dest: A, seen: NOW } } } });
    expect(readDestinationStore(path).problem).toBeUndefined();
    expect(registerDestination(path, A, NOW)).toEqual({ id: a.id });
  });

  it('malformed entries are dropped, well-formed ones kept', () => {
    const path = storePath();
    const good = newDestinationId();
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, JSON.stringify({ v: 1, entries: { [good]: { dest: B, seen: NOW }, 'not-an-id': { dest: A, seen: NOW }, [newDestinationId()]: { dest: { dir: 5 }, seen: NOW } } }), { mode: 0o600 });
    expect(Object.keys(readDestinationStore(path).store.entries)).toEqual([good]);
  });

  it.skipIf(typeof process.getuid !== 'function')('a store writable by others is not trusted: treated as empty, rewritten private', () => {
    const path = storePath();
    const a = registerDestination(path, A, NOW);
    chmodSync(path, 0o666);
    expect(readDestinationStore(path)).toMatchObject({ store: { entries: {} }, problem: expect.stringMatching(/not private/) });
    expect(destinationResolver(path).lookup(a.id)).toBeUndefined();
    const again = registerDestination(path, A, NOW);
    expect(again.problem).toMatch(/not private/);
    expect(again.id).not.toBe(a.id);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('drops entries not seen for 90 days when adding, and keeps at most STORE_MAX_ENTRIES (least recently seen go first)', () => {
    const path = storePath();
    const old = newDestinationId();
    const recent = newDestinationId();
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, JSON.stringify({ v: 1, entries: { [old]: { dest: { dir: '/old' }, seen: NOW - STORE_TTL_MS - 1 }, [recent]: { dest: { dir: '/recent' }, seen: NOW - STORE_TTL_MS + 60_000 } } }), { mode: 0o600 });
    const a = registerDestination(path, A, NOW);
    expect(Object.keys(onDisk(path).entries).sort()).toEqual([recent, a.id].sort());

    const entries: DestinationStore['entries'] = {};
    const ids = Array.from({ length: STORE_MAX_ENTRIES }, (_, i) => {
      const id = newDestinationId();
      entries[id] = { dest: { dir: `/p${i}` }, seen: NOW - 1000 * (STORE_MAX_ENTRIES - i) }; // ids[0] least recently seen
      return id;
    });
    writeFileSync(path, JSON.stringify({ v: 1, entries }), { mode: 0o600 });
    const b = registerDestination(path, B, NOW);
    const kept = Object.keys(onDisk(path).entries);
    expect(kept).toHaveLength(STORE_MAX_ENTRIES);
    expect(kept).toContain(b.id);
    expect(kept).not.toContain(ids[0]);
    expect(kept).toContain(ids[1]);
  });

  it('a hook refreshes `seen` at most once a day', () => {
    const path = storePath();
    const a = registerDestination(path, A, NOW);
    registerDestination(path, A, NOW + 60 * 60_000);
    expect(onDisk(path).entries[a.id!]!.seen).toBe(NOW);
    registerDestination(path, A, NOW + 25 * 60 * 60_000);
    expect(onDisk(path).entries[a.id!]!.seen).toBe(NOW + 25 * 60 * 60_000);
  });

  it('a store lock that stays held: the destination is still added (without the lock) and found', () => {
    const path = storePath();
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const lock = tryLock(join(path, '..', '.destinations.json.lock'), Date.now(), 600_000, process.ppid); // a live "other" writer
    expect(lock).toBeDefined();
    const a = registerDestination(path, A, Date.now());
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(lookupDestination(readDestinationStore(path).store, a.id)).toEqual(A);
  });

  it('an unwritable state dir: no id, a problem, no exception', () => {
    const d = makeTempDir('cc-otel-dstore-ro');
    dirs.push(d);
    writeFileSync(join(d.path, 'state'), 'a file where the state dir should be');
    const r = registerDestination(destinationStorePath(join(d.path, 'state', 'cc-otel')), A, NOW);
    expect(r.id).toBeUndefined();
    expect(r.problem).toMatch(/cannot write the destination store .*not be shipped/);
  });
});

describe('destinationResolver (the shipper)', () => {
  it('re-reads the store when an id is not found and the file changed since', () => {
    const path = storePath();
    const a = registerDestination(path, A, NOW);
    const r = destinationResolver(path);
    expect(r.lookup(a.id)).toEqual(A);
    const b = registerDestination(path, B, NOW); // a hook added one after the shipper read the store
    expect(r.lookup(b.id)).toEqual(B);
    expect(r.lookup(newDestinationId())).toBeUndefined();
    expect(r.lookup(A)).toBeUndefined(); // an object is never a destination
    expect(r.problem()).toBeUndefined();
  });
});

describe('concurrent hooks (separate OS processes)', () => {
  it('writers adding the same new destinations at once converge: one id per destination, every destination kept', async () => {
    const d = makeTempDir('cc-otel-dstore-race');
    dirs.push(d);
    const root = d.path;
    const path = destinationStorePath(join(root, 'state'));
    const go = join(root, 'go');
    // The real registerDestination (with writeFileAtomic and lock.ts), compiled from src for plain node.
    buildSync({
      entryPoints: [resolve(import.meta.dirname, '../../../src/events/destination-store.ts')],
      outfile: join(root, 'store.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
    });
    writeFileSync(
      join(root, 'writer.mjs'),
      `import { existsSync } from 'node:fs';
import { registerDestination } from './store.mjs';
const [path, dir, go] = process.argv.slice(2);
process.stdout.write('ready\\n');
const cell = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(go)) Atomics.wait(cell, 0, 0, 1); // a barrier: all start together
process.stdout.write(JSON.stringify(registerDestination(path, { dir }, Date.now())) + '\\n');
`,
    );
    const N = 12; // two destinations, six first hooks each
    let ready = 0;
    let allReady!: () => void;
    const readyP = new Promise<void>((r) => (allReady = r));
    const runs = Array.from({ length: N }, (_, i) => {
      const dir = i % 2 ? '/proj/one' : '/proj/two';
      const child = spawn(process.execPath, [join(root, 'writer.mjs'), path, dir, go], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => {
        if (!out && ++ready === N) allReady();
        out += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      return new Promise<{ dir: string; code: number | null; out: string; err: string }>((res) => child.on('close', (code) => res({ dir, code, out, err })));
    });
    await readyP;
    writeFileSync(go, '');
    const results = await Promise.all(runs);
    const idOf = new Map<string, Set<string>>();
    for (const r of results) {
      expect(r.code, r.err).toBe(0);
      const got = JSON.parse(r.out.split('\n')[1]!) as { id?: string; problem?: string };
      expect(got.problem).toBeUndefined();
      expect(got.id).toMatch(/^[0-9a-f]{32}$/);
      if (!idOf.has(r.dir)) idOf.set(r.dir, new Set());
      idOf.get(r.dir)!.add(got.id!);
    }
    expect([...idOf.values()].map((s) => s.size)).toEqual([1, 1]); // every hook of a destination stamped the same id
    const { store } = readDestinationStore(path);
    for (const [dir, ids] of idOf) expect(lookupDestination(store, [...ids][0])).toEqual({ dir });
    expect(Object.keys(store.entries)).toHaveLength(2);
    expect(existsSync(join(path, '..', '.destinations.json.lock'))).toBe(false);
  });
});
