// The error log (issue #11): appended through private-file.ts like every file cc-otel appends to.
// A symlink planted at errors.log is refused (its target unchanged), a state dir others can write is
// refused, and the state dir cc-otel creates is 0700 whatever the umask.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendErrorLog, errorLogPath, readErrorLog } from '../../../src/log/error-log.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
const tmp = () => {
  const d = makeTempDir('cc-otel-errlog');
  dirs.push(d);
  return d.path;
};
const rec = { time: '2026-01-01T00:00:00.000Z', command: 'hook stop', message: 'boom' };
const refusal = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return e as Error & { code?: string };
  }
  return undefined;
};

describe('appendErrorLog', () => {
  it('creates the state dir 0700 (chmod: umask-proof) and the log 0600; reads back', () => {
    const state = join(tmp(), 'home', '.local', 'state', 'cc-otel');
    const old = process.umask(0o277);
    try {
      appendErrorLog(state, rec);
    } finally {
      process.umask(old);
    }
    for (const d of [state, join(state, '..'), join(state, '..', '..'), join(state, '..', '..', '..')]) expect(statSync(d).mode & 0o7777, d).toBe(0o700);
    expect(statSync(errorLogPath(state)).mode & 0o777).toBe(0o600);
    expect(readErrorLog(state)).toEqual([rec]);
  });

  it('a symlink planted at errors.log: refused, the target unchanged', () => {
    const d = tmp();
    const state = join(d, 'state');
    mkdirSync(state, { mode: 0o700 });
    const target = join(d, 'bashrc');
    writeFileSync(target, 'export A=1\n');
    chmodSync(target, 0o644);
    symlinkSync(target, errorLogPath(state));
    const e = refusal(() => appendErrorLog(state, rec));
    expect(readFileSync(target, 'utf8')).toBe('export A=1\n');
    expect(lstatSync(target).mode & 0o777).toBe(0o644);
    expect(e?.code).toBe('UNSAFE_FILE');
  });

  it('a state dir others can write (0777): refused, nothing written', () => {
    const state = join(tmp(), 'state');
    mkdirSync(state);
    chmodSync(state, 0o777);
    const e = refusal(() => appendErrorLog(state, rec));
    expect(readErrorLog(state)).toEqual([]);
    expect(e?.code).toBe('UNSAFE_FILE');
    expect(e?.message).toMatch(/writable by group and others/);
  });
});
