// The upward search for .cc-otel.json (src/config/project-file.ts): where it stops, what it skips.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findProjectFile } from '../../../src/config/project-file.js';
import { makeTempDir } from '../../helpers/tmp.js';

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));
const root = () => {
  const d = makeTempDir('cc-otel-search');
  dirs.push(d);
  return d.path;
};
const asRoot = process.getuid?.() === 0;

describe('findProjectFile', () => {
  test('found upward; the git root is searched, nothing above it', () => {
    const r = root();
    mkdirSync(join(r, 'a', 'repo', '.git'), { recursive: true });
    mkdirSync(join(r, 'a', 'repo', 'src', 'deep'), { recursive: true });
    writeFileSync(join(r, 'a', '.cc-otel.json'), '{}');
    expect(findProjectFile(join(r, 'a', 'repo', 'src', 'deep'), join(r, 'home'))).toEqual({ found: undefined, skipped: [] });
    writeFileSync(join(r, 'a', 'repo', '.cc-otel.json'), '{}');
    expect(findProjectFile(join(r, 'a', 'repo', 'src', 'deep'), join(r, 'home')).found).toBe(join(r, 'a', 'repo', '.cc-otel.json'));
  });

  test('$HOME and above are not searched', () => {
    const r = root();
    mkdirSync(join(r, 'home', 'src', 'x'), { recursive: true });
    writeFileSync(join(r, 'home', '.cc-otel.json'), '{}');
    writeFileSync(join(r, '.cc-otel.json'), '{}');
    expect(findProjectFile(join(r, 'home', 'src', 'x'), join(r, 'home'))).toEqual({ found: undefined, skipped: [] });
    expect(findProjectFile(join(r, 'home'), join(r, 'home')).found).toBeUndefined();
  });

  test('a group- or world-writable file is skipped, and the search ends there', () => {
    const r = root();
    mkdirSync(join(r, 'p', 'q'), { recursive: true });
    writeFileSync(join(r, '.cc-otel.json'), '{}');
    writeFileSync(join(r, 'p', '.cc-otel.json'), '{}');
    chmodSync(join(r, 'p', '.cc-otel.json'), 0o664);
    expect(findProjectFile(join(r, 'p', 'q'), '/nonexistent-home')).toEqual({ found: undefined, skipped: [{ path: join(r, 'p', '.cc-otel.json'), reason: 'the file is writable by its group (mode 0664)' }] });
  });

  test('a file beyond a world-writable directory on the way is skipped', () => {
    const r = root();
    mkdirSync(join(r, 'tmp', 'mine'), { recursive: true });
    chmodSync(join(r, 'tmp'), 0o1777);
    writeFileSync(join(r, '.cc-otel.json'), '{}');
    const s = findProjectFile(join(r, 'tmp', 'mine'), '/nonexistent-home');
    expect(s.found).toBeUndefined();
    expect(s.skipped).toEqual([{ path: join(r, '.cc-otel.json'), reason: `directory ${join(r, 'tmp')} is writable by group and others (mode 1777) (on the way to it)` }]);
  });

  test.runIf(asRoot)('a file owned by another user (not root) is skipped; a directory in its place is skipped too', () => {
    const r = root();
    mkdirSync(join(r, 'p'));
    writeFileSync(join(r, 'p', '.cc-otel.json'), '{}');
    chownSync(join(r, 'p', '.cc-otel.json'), 65534, 65534);
    expect(findProjectFile(join(r, 'p'), '/nonexistent-home').skipped[0]?.reason).toBe('the file belongs to uid 65534, not to you (uid 0) or root');
    const r2 = root();
    mkdirSync(join(r2, '.cc-otel.json'));
    expect(findProjectFile(r2, '/nonexistent-home').skipped[0]?.reason).toBe('not a regular file');
  });
});
