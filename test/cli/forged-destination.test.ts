// Issue #11, case 4: a hostile repository commits `.claude/logs/hooks.jsonl` (the log of
// `events.projectLog: true`) with records whose `dest` points at the attacker's endpoint and names
// the user's AWS secret as the key. Destinations never come from a log line: only an id the user's
// own hooks put in the destination store routes a record. The forged records — an object `dest`,
// a made-up id, none at all (as an older cc-otel wrote) — are not shipped, reach nobody, and are
// reported as unroutable; the user's genuine record in the same log still ships.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, type Context } from '../../src/context.js';
import { recordHookEvent } from '../../src/events/hook-recorder.js';
import { runShipper } from '../../src/events/shipper.js';
import { readErrorLog } from '../../src/log/error-log.js';
import { userDirs } from '../../src/config/dirs.js';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const SECRET = 'AKIA-SENTINEL-wJalrXUtnFEMI-K7MDENG-bPxRfiCY';
const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
let user: OtlpReceiver;
let attacker: OtlpReceiver;
beforeAll(async () => {
  [user, attacker] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
});
afterAll(async () => {
  await Promise.all([user.close(), attacker.close()]);
});

interface Clone {
  env: Record<string, string>;
  ctx: Context;
  repo: string;
  log: string;
  genuine: string;
  forged: string[];
}

/** The user's machine with a freshly cloned hostile repository, after one real hook event in it. */
async function clone(): Promise<Clone> {
  const d = makeTempDir('cc-otel-forged');
  dirs.push(d);
  const home = join(d.path, 'home');
  const repo = join(d.path, 'hostile-repo');
  // The user's own config: their backend, and a log per project.
  mkdirSync(join(home, '.config', 'cc-otel'), { recursive: true });
  writeFileSync(join(home, '.config', 'cc-otel', 'config.json'), JSON.stringify({ backend: 'local', endpoint: user.url, team: 'ada-team', events: { projectLog: true } }));
  // What the repository committed: its "log", with forged records first.
  const log = join(repo, '.claude', 'logs', 'hooks.jsonl');
  mkdirSync(join(repo, '.claude', 'logs'), { recursive: true });
  const forgedDest = {
    dir: repo,
    env: { CC_OTEL_BACKEND: 'otlp', CC_OTEL_ENDPOINT: attacker.url, CC_OTEL_KEY: 'env:AWS_SECRET_ACCESS_KEY', CC_OTEL_HEADER: 'x-exfil' },
  };
  const line = (id: string, dest?: unknown) => `${JSON.stringify({ id, time: '2026-01-01T00:00:00.000Z', event: 'PostToolUse', v: 1, session_id: 'evil', ...(dest === undefined ? {} : { dest }) })}\n`;
  const forged = ['01FORGED0BJECT0DEST0000000', '01FORGED0FAKE0ID0000000000', '01FORGED0N0DEST00000000000'];
  writeFileSync(log, line(forged[0]!, forgedDest) + line(forged[1]!, 'f'.repeat(32)) + line(forged[2]!));
  const env = { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: repo, AWS_SECRET_ACCESS_KEY: SECRET };
  const ctx = makeContext({ env, cwd: repo, homeDir: home });
  // The user works in the clone: their hook appends a genuine record to that same log.
  const cli = join(d.path, 'no-op-cli.cjs'); // the hook's background shipper: the test ships itself
  writeFileSync(cli, '');
  const r = await recordHookEvent({
    ctx,
    arg: 'post-tool-use',
    input: { hook_event_name: 'PostToolUse', session_id: 'real', tool_name: 'Bash', tool_use_id: 'toolu_real' },
    startedAt: Date.now(),
    cliPath: cli,
    log: () => {},
  });
  expect(r?.path).toBe(log);
  return { env, ctx, repo, log, genuine: r!.id, forged };
}

/** Every byte either receiver was sent: headers and decoded bodies. */
const everything = (rx: OtlpReceiver) => JSON.stringify(rx.requests.map((q) => ({ path: q.path, headers: q.headers, body: q.body })));
const uids = (rx: OtlpReceiver) => rx.logs().map((l) => String(l.attributes['log.record.uid']));

describe('a hostile repository\'s committed event log (issue #11, case 4)', () => {
  it('the shipper sends nothing where a log line says: forged records are unroutable, the secret goes nowhere, the genuine record ships', async () => {
    user.reset();
    attacker.reset();
    const c = await clone();
    const r = await runShipper({ ctx: c.ctx, log: c.log, mode: 'flush', timeoutMs: 2000 });
    expect(attacker.requests, 'nothing reaches the endpoint a forged line names').toEqual([]);
    expect(everything(user)).not.toContain(SECRET);
    expect(uids(user)).toEqual([c.genuine]);
    expect(r).toMatchObject({ status: 'ok', sent: 1, unroutable: 3, unrecorded: 3, pending: 0 });
    // Logged once, saying why; the offset moved past them: a second run neither ships nor counts them again.
    const errors = readErrorLog(userDirs(c.ctx).state).map((e) => e.message);
    expect(errors.filter((m) => m.includes("not recorded by this user's cc-otel"))).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toContain(SECRET);
    expect(await runShipper({ ctx: c.ctx, log: c.log, mode: 'flush', timeoutMs: 2000 })).toMatchObject({ status: 'ok', sent: 0, unroutable: 0, pending: 0 });
    // They stay in the local log.
    for (const id of c.forged) expect(readFileSync(c.log, 'utf8')).toContain(id);
  });

  it('`cc-otel flush` (a real process) reports them as unroutable and why; nothing reaches the attacker', async () => {
    user.reset();
    attacker.reset();
    const c = await clone();
    const human = await runCcOtel(['flush'], { env: c.env, cwd: c.repo });
    expect(attacker.requests).toEqual([]);
    expect(human.code, describeCcOtel(human)).toBe(0);
    expect(human.stdout).toMatch(/^shipped 1 event in 1 request to .*; 0 pending; 3 events not shipped: not recorded by this user's cc-otel \(destination not in the store/);
    expect(human.stdout + human.stderr + everything(user)).not.toContain(SECRET);
    expect(uids(user)).toEqual([c.genuine]);

    const c2 = await clone();
    const json = await runCcOtel(['flush', '--json'], { env: c2.env, cwd: c2.repo });
    expect(JSON.parse(json.stdout), describeCcOtel(json)).toMatchObject({ status: 'ok', sent: 1, unroutable: 3, unrecorded: 3 });
    expect(attacker.requests).toEqual([]);
  });
});
