/**
 * `cc-otel bridge`: live Claude Code sessions (their manifests) as metrics, exported to the
 * configured backend — see docs/sessions.md and src/bridge/.
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { NOT_CONFIGURED_HINT } from './env.js';

interface BridgeCliOptions {
  once?: boolean;
  interval: string;
  grace: string;
  timeout: number;
  json?: boolean;
}

export function define(program: Command, getCtx: () => Context, version: string): void {
  const bridge = program
    .command('bridge')
    .description('export live Claude Code sessions as metrics (cc.sessions.active, .stale, .silent, cc.session.started) to your backend')
    .option('--once', 'one tick: read the manifests, export, exit (exit 1 when the export failed)')
    .option('--interval <duration>', 'time between ticks, e.g. 30s, 1m', '30s')
    .option('--grace <duration>', 'a live session with no Claude Code telemetry this long is silent (embedded collector only)', '5m')
    .addOption(new Option('--timeout <ms>', 'per export, retries included').argParser((v) => Number(v)).default(10_000))
    .option('--json', 'print each tick as one JSON line')
    .addHelpText(
      'after',
      `
Same destination, auth header (key chain + cache), temporality and resource attributes (engineer,
team, org, detectors) as Claude Code's own telemetry; service.name cc-otel-bridge. Reads
~/.claude/sessions (never writes there); counted session ids: <state dir>/bridge-sessions.json (0600).
Prometheus names: cc_sessions_active, cc_sessions_stale, cc_session_started_total,
cc_sessions_silent (backend = cc-otel collect) or cc_session_alive{session_id} (elsewhere).
Run it as a user service: cc-otel bridge install. Docs: docs/sessions.md.`,
    )
    .action(async (o: BridgeCliOptions) => {
      const ctx = getCtx();
      const { parseDuration } = await import('../collector/disk-budget.js');
      const intervalMs = parseDuration(o.interval);
      const graceMs = parseDuration(o.grace);
      if (!Number.isInteger(o.timeout) || o.timeout < 100) throw new CcOtelError('USAGE', `--timeout must be an integer ≥ 100 (ms), got "${String(o.timeout)}"`);
      const { openBridge, describeTick } = await import('../bridge/run.js');
      const b = await openBridge({ ctx, version, timeoutMs: o.timeout, graceMs, notConfiguredHint: NOT_CONFIGURED_HINT });
      const print = (r: Awaited<ReturnType<typeof b.tick>>) => {
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        else process.stdout.write(describeTick(r) + '\n');
      };
      if (o.once) {
        try {
          const r = await b.tick();
          print(r);
          if (!r.export.ok) throw new CcOtelError('CHECK_FAILED', `the session metrics were not delivered to ${r.endpoint}: ${r.export.error}`, { hint: 'check the endpoint and key with `cc-otel verify`' });
        } finally {
          await b.close();
        }
        return;
      }
      // Until SIGINT/SIGTERM: a failed tick is reported on stderr and retried at the next one.
      let stop: () => void = () => {};
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      process.once('SIGINT', () => stop());
      process.once('SIGTERM', () => stop());
      let done = false;
      void stopped.then(() => (done = true));
      while (!done) {
        try {
          const r = await b.tick();
          print(r);
          if (!r.export.ok) ctx.log.warn(`bridge: not delivered to ${r.endpoint}: ${r.export.error} (next try in ${o.interval})`);
        } catch (e) {
          ctx.log.warn(`bridge: ${(e as Error).message}${(e as CcOtelError).hint ? ` — ${(e as CcOtelError).hint}` : ''} (next try in ${o.interval})`);
        }
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([stopped, new Promise<void>((r) => (timer = setTimeout(r, intervalMs)))]);
        clearTimeout(timer);
      }
      await b.close();
    });
}
