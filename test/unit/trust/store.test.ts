// The trust store (src/trust/store.ts): by content, with the stat tuple as the fast path.
import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { readTrustStore, revokePaths, sha256Hex, snapshotFile, trustSnapshot, trustStorePath, trustVerdict } from '../../../src/trust/store.js';
import { makeTempDir } from '../../helpers/tmp.js';

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

function setup(content = '{"backend":"local"}') {
  const d = makeTempDir('cc-otel-trust-store');
  dirs.push(d);
  const file = join(d.path, '.cc-otel.json');
  writeFileSync(file, content);
  return { file, state: join(d.path, 'state') };
}

describe('trust store', () => {
  test('never trusted → untrusted; trusted → trusted; the store is 0600 in a 0700 dir, with the sha256', () => {
    const { file, state } = setup();
    expect(trustVerdict(state, 'config', snapshotFile(file))).toBe('untrusted');
    const e = trustSnapshot(state, 'config', snapshotFile(file), Date.UTC(2026, 0, 2));
    expect(e.sha256).toBe(sha256Hex(readFileSync(file)));
    expect(e.trustedAt).toBe('2026-01-02T00:00:00.000Z');
    expect(trustVerdict(state, 'config', snapshotFile(file))).toBe('trusted');
    expect(statSync(trustStorePath(state)).mode & 0o777).toBe(0o600);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    // Trusted as a config is not trusted as a .env.
    expect(trustVerdict(state, 'dotenv', snapshotFile(file))).toBe('untrusted');
  });

  test('a changed content is untrusted again ("changed"), even with the old size and mtime put back', () => {
    const { file, state } = setup('{"team":"aaaa"}');
    trustSnapshot(state, 'config', snapshotFile(file), 0);
    const st = statSync(file);
    writeFileSync(file, '{"team":"bbbb"}'); // same size
    utimesSync(file, st.atime, st.mtime); // mtime forged back; ctime cannot be
    expect(trustVerdict(state, 'config', snapshotFile(file))).toBe('changed');
  });

  test('the same content with a new stat tuple (touch, chmod) is still trusted — by hash — and a settled tuple is recorded, so the next check hashes nothing', () => {
    const { file, state } = setup();
    trustSnapshot(state, 'config', snapshotFile(file), 0);
    const old = readTrustStore(state).files[snapshotFile(file).realPath]!.stat;
    // A tuple seen within a timestamp tick of the file's last change is "racy" and not recorded
    // (it could still change without its timestamps moving): just trusted, the file is that fresh.
    expect(old).toEqual([0, 0, 0, 0, 0]);
    utimesSync(file, new Date(2020, 1, 1), new Date(2020, 1, 1));
    chmodSync(file, 0o600);
    expect(trustVerdict(state, 'config', snapshotFile(file))).toBe('trusted');
    expect(readTrustStore(state).files[snapshotFile(file).realPath]!.stat).toEqual(old);
    // Checked later (the clock 10 s on): matched by hash, and now the tuple is recorded.
    const later = Date.now() + 10_000;
    expect(trustVerdict(state, 'config', snapshotFile(file), undefined, later)).toBe('trusted');
    const fresh = readTrustStore(state).files[snapshotFile(file).realPath]!.stat;
    expect(fresh).toEqual(snapshotFile(file).tuple);
    // Unchanged since: node:crypto is not asked for a hash.
    const spy = vi.spyOn(process, 'getBuiltinModule');
    expect(trustVerdict(state, 'config', snapshotFile(file), undefined, later)).toBe('trusted');
    expect(spy.mock.calls.filter(([m]) => m === 'node:crypto')).toEqual([]);
    spy.mockRestore();
  });

  test('a torn or foreign store trusts nothing and does not throw; revoke forgets', () => {
    const { file, state } = setup();
    trustSnapshot(state, 'config', snapshotFile(file), 0);
    writeFileSync(trustStorePath(state), '{"v":1,"files":');
    expect(trustVerdict(state, 'config', snapshotFile(file))).toBe('untrusted');
    writeFileSync(trustStorePath(state), JSON.stringify({ v: 2, files: {} }));
    expect(readTrustStore(state).files).toEqual({});
    trustSnapshot(state, 'config', snapshotFile(file), 0);
    expect(revokePaths(state, [snapshotFile(file).realPath, '/nonexistent'])).toEqual([snapshotFile(file).realPath]);
    expect(trustVerdict(state, 'config', snapshotFile(file))).toBe('untrusted');
  });

  test('an entry for "__proto__" or "constructor" in the store cannot trust anything', () => {
    const { file, state } = setup();
    mkdirSync(state, { recursive: true });
    writeFileSync(trustStorePath(state), '{"v":1,"files":{"__proto__":{"kind":"config","sha256":"x","stat":[0,0,0,0,0]}}}');
    expect(trustVerdict(state, 'config', { ...snapshotFile(file), realPath: 'constructor' })).toBe('untrusted');
  });
});
