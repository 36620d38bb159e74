// `cc-otel collect status` as a real process: the exit codes its --help states are the ones it
// exits with — running (0), not running or a stale pid file (1), a usage error (2).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir } from '../helpers/tmp.js';

const tmp = makeTempDir('cc-otel-collect-status');
afterAll(() => tmp.cleanup());
const env = { HOME: tmp.path };

/** The "Exit codes" block of `collect status --help`: code → what it says. */
async function statedExitCodes(): Promise<Map<number, string>> {
  const help = await runCcOtel(['collect', 'status', '--help'], { env });
  expect(help.code, describeCcOtel(help)).toBe(0);
  const block = /^Exit codes[^\n]*:\n((?: +\d +.+\n?)+)/m.exec(help.stdout)?.[1];
  expect(block, help.stdout).toBeDefined();
  return new Map([...block!.matchAll(/^ +(\d) +(.+)$/gm)].map((m) => [Number(m[1]), m[2]!]));
}

describe('cc-otel collect status: exit codes', () => {
  test('--help states 0, 1 and 2, and status exits with each where it says', async () => {
    const codes = await statedExitCodes();
    expect([...codes.keys()]).toEqual([0, 1, 2]);
    expect(codes.get(0)).toMatch(/running/);
    expect(codes.get(1)).toMatch(/none is running.*stale/);
    expect(codes.get(2)).toMatch(/usage/);

    // 1: nothing ever ran here — text and --json alike
    const empty = join(tmp.path, 'empty');
    for (const json of [[], ['--json']]) {
      const r = await runCcOtel(['collect', 'status', '--data-dir', empty, ...json], { env });
      expect(r.code, describeCcOtel(r)).toBe(1);
      if (json.length) expect(JSON.parse(r.stdout)).toMatchObject({ running: false, stale: false });
      else expect(r.stdout).toMatch(/^not running\n/);
    }

    // 1: a stale pid file (its process is gone)
    const stale = join(tmp.path, 'stale');
    mkdirSync(stale, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(stale, 'collector.pid'), `${gone}\n`);
    const s = await runCcOtel(['collect', 'status', '--data-dir', stale], { env });
    expect(s.code, describeCcOtel(s)).toBe(1);
    expect(s.stdout).toContain(`stale pid file for pid ${gone}`);

    // 2: a usage error
    const u = await runCcOtel(['collect', 'status', '--data-dir', empty, '--no-such-option'], { env });
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown option/);

    // 0: a background collector is running
    const live = join(tmp.path, 'live');
    const start = await runCcOtel(['collect', '--detach', '--port', '0', '--grpc-port', '0', '--data-dir', live], { env });
    expect(start.code, describeCcOtel(start)).toBe(0);
    try {
      for (const json of [[], ['--json']]) {
        const r = await runCcOtel(['collect', 'status', '--data-dir', live, ...json], { env });
        expect(r.code, describeCcOtel(r)).toBe(0);
        if (json.length) expect(JSON.parse(r.stdout)).toMatchObject({ running: true });
        else expect(r.stdout).toMatch(/^running \(pid \d+\)/);
      }
    } finally {
      const stop = await runCcOtel(['collect', 'stop', '--data-dir', live], { env });
      expect(stop.code, describeCcOtel(stop)).toBe(0);
    }
    const after = await runCcOtel(['collect', 'status', '--data-dir', live], { env });
    expect(after.code).toBe(1);
  }, 60_000);
});
