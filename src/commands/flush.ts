/**
 * `cc-otel flush` — ship every hook event not yet shipped, now, and say how many; and the hidden
 * `cc-otel __ship <log>`, the background shipper a hook starts (src/events/ship-trigger.ts).
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { NOT_CONFIGURED_HINT } from './env.js';

interface FlushOptions {
  json?: boolean;
  timeout: number;
  log?: string;
  wait: number;
  maxBatch?: number;
}

const int = (name: string, min: number) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new CcOtelError('USAGE', `${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
};

export function define(program: Command, getCtx: () => Context): void {
  program
    .command('flush')
    .description('ship every hook event the backend has not acknowledged yet, now, and report counts')
    .option('--json', 'print the report as JSON')
    .addOption(new Option('--timeout <ms>', 'per request, retries included').argParser(int('--timeout', 100)).default(10_000))
    .addOption(new Option('--wait <ms>', 'wait this long for a running background shipper to finish').argParser(int('--wait', 0)).default(15_000))
    .option('--log <path>', 'the event log (default: from the config, ~/.claude/logs/hooks.jsonl)')
    .addOption(new Option('--max-batch <n>', 'events per request').argParser(int('--max-batch', 1)).hideHelp())
    .addHelpText('after', '\nEvents stay in the local log (the source of truth) until the backend acknowledges them; see docs/events.md.')
    .action(async (o: FlushOptions) => {
      const ctx = getCtx();
      const { runShipper } = await import('../events/shipper.js');
      const log = o.log ?? (await defaultLog(ctx));
      const report = await runShipper({
        ctx,
        log,
        mode: 'flush',
        timeoutMs: o.timeout,
        waitForLockMs: o.wait,
        ...(o.maxBatch ? { limits: { maxRecords: o.maxBatch, maxBytes: 1 << 20 } } : {}),
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        if (report.status !== 'ok') process.exitCode = report.status === 'disabled' ? 2 : 1;
        return;
      }
      const where = report.endpoint ? ` to ${report.endpoint} (${report.protocol})` : '';
      const skipped =
        (report.skipped > report.torn ? `; skipped ${report.skipped - report.torn} line${report.skipped - report.torn === 1 ? '' : 's'} that are not cc-otel events` : '') +
        (report.torn ? `; ${report.torn} torn line${report.torn === 1 ? '' : 's'} (an append cut short, e.g. on a full disk: ${report.torn === 1 ? 'that record is' : 'those records are'} lost, the rest was read; see docs/events.md)` : '') +
        (report.deadLettered ? `; ${report.deadLettered} event${report.deadLettered === 1 ? '' : 's'} refused for good by the backend, kept in ${log}.rejected` : '') +
        (report.unroutable > report.unrecorded ? `; ${plural(report.unroutable - report.unrecorded)} not shipped: their project's config is gone or ships no events (see \`cc-otel status\`)` : '') +
        (report.unrecorded ? `; ${plural(report.unrecorded)} not shipped: not recorded by this user's cc-otel (destination not in the store; forged, or from an older cc-otel — see docs/events.md)` : '');
      switch (report.status) {
        case 'ok':
          process.stdout.write(
            report.sent === 0 && !report.deadLettered && !report.unroutable
              ? `nothing to ship: every event in ${log} has been shipped${skipped}\n`
              : `shipped ${report.sent} event${report.sent === 1 ? '' : 's'} in ${report.batches} request${report.batches === 1 ? '' : 's'}${where}; ${report.pending} pending${skipped}\n`,
          );
          return;
        case 'disabled':
          throw new CcOtelError('CONFIG_NOT_FOUND', report.error?.message ?? 'event shipping is off', {
            hint: report.error?.message.includes('not configured') ? NOT_CONFIGURED_HINT : 'set "events": {"ship": true} in the config to ship hook events',
          });
        case 'busy':
          throw new CcOtelError('IO', `another shipper${report.holder ? ` (pid ${report.holder})` : ''} is still running for ${log}`, {
            hint: 'it ships the same events; try again in a moment, or wait longer with --wait',
          });
        default:
          throw new CcOtelError('IO', `${report.error?.message ?? 'shipping failed'}${report.sent ? ` (shipped ${report.sent} before that)` : ''}; ${report.pending} events pending in ${log}`, {
            hint: report.error?.hint ?? 'events stay in the local log; run `cc-otel flush` again when the backend is reachable',
          });
      }
    });

  program
    .command('__ship <log>', { hidden: true })
    .description('background shipper started by hooks')
    .addOption(new Option('--timeout <ms>').argParser(int('--timeout', 100)).default(5_000))
    .addOption(new Option('--linger <ms>').argParser(int('--linger', 0)).default(3_000))
    .addOption(new Option('--max-batch <n>').argParser(int('--max-batch', 1)))
    .action(async (log: string, o: { timeout: number; linger: number; maxBatch?: number }) => {
      const { runShipper } = await import('../events/shipper.js');
      // Its failures are in the error log (runShipper writes them); nobody reads this exit code.
      await runShipper({
        ctx: getCtx(),
        log,
        mode: 'background',
        timeoutMs: o.timeout,
        lingerMs: o.linger,
        ...(o.maxBatch ? { limits: { maxRecords: o.maxBatch, maxBytes: 1 << 20 } } : {}),
      });
    });
}

const plural = (n: number): string => `${n} event${n === 1 ? '' : 's'}`;

async function defaultLog(ctx: Context): Promise<string> {
  const { loadConfig } = await import('../config/load.js');
  const { eventLogFile } = await import('../events/paths.js');
  const loaded = loadConfig(ctx);
  return eventLogFile(loaded.config, ctx, loaded.projectDir);
}
