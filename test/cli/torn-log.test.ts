// Issue #12, "the event log resyncs", through the real hook: an append cut short for real — the hook
// runs under a file-size limit (prlimit --fsize: write() returns short, then EFBIG; Node ignores
// SIGXFSZ) — leaves a torn line in hooks.jsonl. The next hook's record must start on a new line,
// `cc-otel flush` must ship it and report the torn line (text and --json).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventLogPaths } from '../../src/events/paths.js';
import { releaseLock, tryLock } from '../../src/events/lock.js';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const HAVE_PRLIMIT = spawnSync('prlimit', ['--version']).status === 0;
const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
let rx: OtlpReceiver;
beforeAll(async () => {
  rx = await startOtlpReceiver();
});
afterAll(() => rx.close());

interface World {
  home: string;
  proj: string;
  log: string;
  env: Record<string, string>;
}

function world(): World {
  const d = makeTempDir('cc-otel-torn');
  dirs.push(d);
  const home = join(d.path, 'home');
  const proj = join(d.path, 'proj');
  mkdirSync(join(home, '.config', 'cc-otel'), { recursive: true });
  mkdirSync(proj);
  writeFileSync(join(home, '.config', 'cc-otel', 'config.json'), JSON.stringify({ backend: 'local', endpoint: rx.url }));
  return { home, proj, log: join(home, '.claude', 'logs', 'hooks.jsonl'), env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj } };
}

/** `cc-otel hook pre-tool-use` as Claude Code runs it; with `fsize`, under that file-size limit (bytes). */
function hook(w: World, tool: string, fsize?: number): Promise<number | null> {
  const input = JSON.stringify({ session_id: 's-torn', cwd: w.proj, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: tool });
  const argv = [process.execPath, CC_OTEL_BIN, 'hook', 'pre-tool-use'];
  const [cmd, ...args] = fsize === undefined ? argv : ['prlimit', `--fsize=${fsize}`, '--', ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, { cwd: w.proj, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...w.env }, stdio: ['pipe', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
    child.stdin.end(input);
  });
}

/** Three hooks, the second one cut short 20 bytes into its line. Returns the tool_use_ids that must arrive. */
async function tornLog(w: World): Promise<string[]> {
  // No background shipper while the log is being torn: a live lock holder (this process) makes the
  // hooks leave shipping to it (ship-trigger.ts); the test's `flush` ships everything afterwards.
  mkdirSync(join(w.log, '..'), { recursive: true, mode: 0o700 });
  const lock = tryLock(eventLogPaths(w.log).shipLock, Date.now(), 600_000);
  expect(lock).toBeDefined();
  try {
    expect(await hook(w, 'toolu_before')).toBe(0);
    const size = statSync(w.log).size;
    expect(await hook(w, 'toolu_torn', size + 20), 'the hook does no harm: exit 0').toBe(0);
    expect(statSync(w.log).size, 'the limit cut the append short').toBe(size + 20);
    expect(await hook(w, 'toolu_after')).toBe(0);
  } finally {
    releaseLock(lock!);
  }
  const lines = readFileSync(w.log, 'utf8').split('\n');
  // The torn line stands alone; the record after it starts on its own line.
  expect(lines.filter((l) => l.includes('toolu_after'))).toEqual([expect.stringMatching(/^\{"id":"/)]);
  expect(lines.filter((l) => l.length > 0)).toHaveLength(3);
  return ['toolu_before', 'toolu_after'];
}

const arrived = () => rx.logs().map((l) => String(l.attributes.tool_use_id)).sort();

describe.skipIf(!HAVE_PRLIMIT)('a short write on the event log (issue #12, real process under prlimit --fsize)', () => {
  it('the record after the torn line is shipped; `cc-otel flush` reports the torn line', async () => {
    rx.reset();
    const w = world();
    const want = await tornLog(w);
    const r = await runCcOtel(['flush'], { cwd: w.proj, env: w.env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toMatch(/^shipped 2 events in 1 request to .*; 0 pending; 1 torn line \(an append cut short/);
    expect(r.stdout).not.toMatch(/not cc-otel events/);
    expect(arrived()).toEqual(want.sort());
  });

  it('`cc-otel flush --json`: torn: 1 in the ShipReport', async () => {
    rx.reset();
    const w = world();
    await tornLog(w);
    const r = await runCcOtel(['flush', '--json'], { cwd: w.proj, env: w.env });
    expect(JSON.parse(r.stdout), describeCcOtel(r)).toMatchObject({ status: 'ok', sent: 2, skipped: 1, torn: 1, pending: 0 });
  });
});
