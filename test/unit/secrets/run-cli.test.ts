import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath, raceDeadline, runCli, stderrReason, TIMED_OUT } from '../../../src/secrets/sources/run-cli.js';
import { installFakeOp, type FakeOp } from '../../helpers/fake-op/index.js';
import { makeTempDir, writeTree, type TempDir } from '../../helpers/tmp.js';

const posix = process.platform !== 'win32';

/** Running (a zombie counts as dead: it is killed, only not reaped yet by an init that reaps lazily). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

describe.skipIf(!posix)('runCli', () => {
  let op: FakeOp;
  let tmp: TempDir;
  beforeAll(() => {
    op = installFakeOp();
    tmp = makeTempDir('cc-otel-run-cli');
  });
  afterAll(() => {
    op.cleanup();
    tmp.cleanup();
  });

  it('returns stdout/exit code, passes argv verbatim (no shell) and only the given env', async () => {
    const weird = `op://My Vault/it's "quoted" $(touch /tmp/pwned) ; | & \`x\`/credential`;
    const r = await runCli(join(op.binDir, 'op'), ['read', '--no-newline', weird], {
      env: op.env('success', { FAKE_OP_SECRET: 'v1', FAKE_OP_PROBE: 'from-ctx-env' }),
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'v1', timedOut: false, aborted: false });
    expect(op.argv()).toEqual(['read', '--no-newline', weird]);
    // exactly ctx.env: a variable only in it is seen, HOME from process.env is not
    expect(op.envSeen()).toEqual({ FAKE_OP_PROBE: 'from-ctx-env', HOME: 'unset' });
  });

  it('gives the child /dev/null as stdin (it can never wait for input)', async () => {
    const r = await runCli(join(op.binDir, 'op'), ['read', 'op://a/b/c'], { env: op.env('success'), timeoutMs: 5000 });
    expect(r.exitCode).toBe(0);
    const [fd0, bytes] = op.stdin().split('|');
    if (process.platform === 'linux') expect(fd0).toBe('/dev/null');
    expect(bytes).toBe('0');
  });

  it('bounds a child whose grandchild holds the pipes, and kills the whole process group', async () => {
    const t0 = performance.now();
    const r = await runCli(join(op.binDir, 'op'), ['read', 'op://a/b/c'], { env: op.env('hang'), timeoutMs: 800 });
    const ms = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(790);
    expect(ms).toBeLessThan(2000);
    const pid = op.grandchildPid();
    expect(pid).toBeTypeOf('number');
    // SIGTERM went to the group: the grandchild `sleep 30` is gone too.
    expect(await waitUntil(() => !alive(pid!), 1000)).toBe(true);
  });

  it('settles promptly when the signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const t0 = performance.now();
    const r = await runCli(join(op.binDir, 'op'), ['read', 'op://a/b/c'], { env: op.env('hang'), timeoutMs: 10_000, signal: ac.signal });
    expect(r.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('reports spawn errors instead of throwing', async () => {
    const r = await runCli(join(tmp.path, 'does-not-exist'), [], { env: {}, timeoutMs: 1000 });
    expect(r.error?.code).toBe('ENOENT');
  });

  it('kills a child that floods stdout past maxBuffer', async () => {
    const [yes] = writeTree(tmp.path, { 'flood.sh': { content: '#!/bin/sh\nexec /usr/bin/yes 0123456789\n', mode: 0o755 } });
    const r = await runCli(yes!, [], { env: {}, timeoutMs: 5000, maxBuffer: 64 * 1024 });
    expect(r.overflow).toBe(true);
    expect(r.stdout.length).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('findOnPath', () => {
  it.skipIf(!posix)('finds executables on env.PATH only', () => {
    const t = makeTempDir('cc-otel-which');
    try {
      writeTree(t.path, { 'a/tool': { content: '#!/bin/sh\n', mode: 0o755 }, 'b/notexec': { content: 'x', mode: 0o644 } });
      const PATH = [join(t.path, 'missing'), join(t.path, 'b'), join(t.path, 'a')].join(':');
      expect(findOnPath('tool', { PATH }, 'linux')).toBe(join(t.path, 'a', 'tool'));
      expect(findOnPath('notexec', { PATH }, 'linux')).toBeUndefined();
      expect(findOnPath('tool', {}, 'linux')).toBeUndefined();
    } finally {
      t.cleanup();
    }
  });
});

describe('stderrReason', () => {
  it.each([
    ['[ERROR] 2026/11/22 10:00:00 You are not currently signed in.\n', 'You are not currently signed in.'],
    ['noise\n[ERROR] 2026/11/22 10:00:00 first\n[ERROR] 2026/11/22 10:00:01 second\n', 'second'],
    ['ERROR: (gcloud.secrets.versions.access) NOT_FOUND: x\n\n', 'ERROR: (gcloud.secrets.versions.access) NOT_FOUND: x'],
    ['', undefined],
  ])('%j → %j', (stderr, want) => {
    expect(stderrReason(stderr)).toBe(want);
  });
});

describe('raceDeadline', () => {
  it('returns TIMED_OUT at the deadline and swallows the late rejection', async () => {
    const never = () => new Promise<string>((_, reject) => setTimeout(() => reject(new Error('late')), 200));
    const t0 = performance.now();
    expect(await raceDeadline(never, new AbortController().signal, 50)).toBe(TIMED_OUT);
    expect(performance.now() - t0).toBeLessThan(195) // before the late rejection at 200 ms;
    await new Promise((r) => setTimeout(r, 250)); // an unhandled rejection would fail the run
  });
  it('returns TIMED_OUT on abort and the value otherwise', async () => {
    const ac = new AbortController();
    const p = raceDeadline(() => new Promise<string>(() => {}), ac.signal, 10_000);
    ac.abort();
    expect(await p).toBe(TIMED_OUT);
    expect(await raceDeadline(async () => 'v', new AbortController().signal, 1000)).toBe('v');
  });
});
