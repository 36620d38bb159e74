// A burst of hooks with no shipper running starts one background shipper, not one per hook (the
// O_EXCL "starting" marker, ship-trigger.ts) — and every event still ships. Real processes: the
// built CLI (`npm run build`); shippers are counted from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** pids of live processes whose command line has every one of `parts` */
function processesWith(parts: readonly string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const args = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (parts.every((p) => args.includes(p))) out.push(Number(e));
    } catch {
      /* exited */
    }
  }
  return out;
}

describe.skipIf(process.platform !== 'linux')('starting the background shipper', () => {
  test('40 concurrent hooks with no shipper running: at most 2 shippers start; every event arrives', async () => {
    const d = makeTempDir('cc-otel-start');
    cleanups.push(() => d.cleanup());
    const rx: OtlpReceiver = await startOtlpReceiver();
    cleanups.push(() => rx.close());
    const home = join(d.path, 'home');
    const proj = join(d.path, 'proj');
    writeTree(d.path, { 'proj/.cc-otel.json': JSON.stringify({ backend: 'local', endpoint: rx.url }), 'home/.keep': '' });
    trustProject(proj, { HOME: home }); // the user trusts the project's .cc-otel.json
    const log = join(home, '.claude', 'logs', 'hooks.jsonl');

    const seen = new Set<number>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const pid of processesWith(['__ship', log])) seen.add(pid);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const N = 40;
    const runs = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        runCcOtel(['hook', 'post-tool-use'], {
          env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj },
          cwd: proj,
          input: JSON.stringify({ session_id: 'burst', hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: `toolu_${i}` }),
          timeoutMs: 60_000,
        }),
      ),
    );
    for (const r of runs) expect(r.code, describeCcOtel(r)).toBe(0);
    // Every event ships without a flush: the started shipper (lingering 3 s) picks them all up.
    await rx.waitFor((x) => new Set(x.logs().map((l) => l.attributes['log.record.uid'])).size >= N, 30_000, `${N} hook events`);
    watching = false;
    await watcher;
    expect(seen.size, `shippers started: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(seen.size, `shippers started: ${[...seen].join(', ')}`).toBeLessThanOrEqual(2);
    const ids = new Set(rx.logs().map((l) => String(l.attributes['log.record.uid'])));
    expect(ids.size).toBe(N);
  }, 90_000);
});
