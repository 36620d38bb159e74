/**
 * `cc-otel collect [status|stop]`: the embedded local backend (docs/collect.md).
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { userDirs } from '../config/dirs.js';
import { writeSync } from 'node:fs';
import { formatBytes as fmtBytes, formatDuration, parseDuration, parseSize } from '../collector/disk-budget.js';

interface CollectOptions {
  port: number;
  grpcPort: number;
  grpc: boolean;
  listen?: string;
  dataDir?: string;
  detach?: boolean;
  bridge?: boolean;
  bridgeInterval: string;
  maxDisk?: string;
  retain?: string;
  maxItemsPerRequest?: number;
  maxAttributesPerItem?: number;
  maxValuesPerRequest?: number;
  maxInflightBytes?: number;
  maxInflightRequests?: number;
  metricsDropLabel: string[];
}

/** The request-bounding flags (docs/collect.md § Limits), passed on to a --detach child as given. */
const LIMIT_OPTIONS = [
  ['--max-items-per-request <n>', 'maxItemsPerRequest', 'log records, data points or spans per request (default 8192; over → 413)'],
  ['--max-attributes-per-item <n>', 'maxAttributesPerItem', 'attributes on one record, data point, span, resource or scope (default 128; over → 413)'],
  ['--max-values-per-request <n>', 'maxValuesPerRequest', 'messages and repeated values the decode may create per request (default 131072; over → 413)'],
  ['--max-inflight-bytes <bytes>', 'maxInflightBytes', 'bytes held by the requests in flight, bodies and decoded (default 134217728 = 128 MiB; over → 503 + Retry-After)'],
  ['--max-inflight-requests <n>', 'maxInflightRequests', 'requests in flight (default 512; over → 503 + Retry-After)'],
] as const;

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CcOtelError('USAGE', `"${value}" is not a positive whole number`);
  return Number(value);
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CcOtelError('USAGE', `"${value}" is not a port number (0–65535)`);
  return n;
}

function dataDirOf(ctx: Context, opt: string | undefined): string {
  return opt ?? ctx.env.CC_OTEL_DATA_DIR ?? userDirs(ctx).data;
}

/** The collector's log: stderr (collector.log when detached). A full disk makes this write fail too: never a crash. */
function logLine(line: string): void {
  try {
    writeSync(2, `cc-otel collect: ${line}\n`);
  } catch {
    /* nowhere to say it */
  }
}

export function define(program: Command, getCtx: () => Context): void {
  const collect = program
    .command('collect')
    .description('run a local OTLP receiver that stores telemetry on this machine (the `local` preset)')
    .option('--port <port>', 'OTLP/HTTP port (0 = any free port)', parsePort, 4318)
    .option('--grpc-port <port>', 'OTLP/gRPC port (0 = any free port)', parsePort, 4317)
    .option('--no-grpc', 'do not listen for OTLP/gRPC')
    .option('--listen <addr>', 'listen on this address instead of 127.0.0.1 (there is no authentication: required, explicitly, for anything but loopback)')
    .option('--data-dir <dir>', 'where to store the data (default: $CC_OTEL_DATA_DIR or the user data dir)')
    .option('--detach', 'run in the background (pid file and log in the data dir)')
    .option('--max-disk <size>', 'cap on the data dir (500MB, 2GiB, or "none"); past it requests get 503 / UNAVAILABLE, which clients retry (default: 5GiB, at most what is there plus half the free space)')
    .option('--retain <duration>', 'drop whole segments older than this (90d, 12h, 2w), at start and every 10 minutes (default: keep everything)')
    .option('--metrics-drop-label <key>', 'leave this attribute out of GET /metrics (session.id: one series per engineer, not per session); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--bridge', 'also run the session bridge in this process: live Claude Code sessions as cc.sessions.* metrics into this collector (docs/sessions.md)')
    .option('--bridge-interval <duration>', 'time between bridge ticks', '30s');
  for (const [flags, , description] of LIMIT_OPTIONS) collect.option(flags, description, parseCount);
  collect
    .addHelpText(
      'after',
      `
Receives OTLP/HTTP (/v1/traces, /v1/metrics, /v1/logs; protobuf or JSON; gzip) and OTLP/gRPC, and
appends what arrives to segment files in the data dir; it answers 200 only once the data is on disk.
Read it back with \`cc-otel report\`, or scrape GET /metrics (Prometheus; docs/metrics.md).
Point Claude Code here with the \`local\` preset.
The same HTTP port serves a dashboard to this machine: \`cc-otel dashboard\` opens it.

Examples:
  cc-otel collect                      foreground, Ctrl-C to stop
  cc-otel collect --detach             background; then \`cc-otel collect status\` / \`stop\`
  cc-otel collect --listen 0.0.0.0     a shared collector for a team (no auth: trusted networks only)`,
    )
    .action(async (opts: CollectOptions) => {
      const ctx = getCtx();
      const dataDir = dataDirOf(ctx, opts.dataDir);
      const host = opts.listen ?? '127.0.0.1';
      // Validated before anything starts, in the foreground and before --detach alike.
      const maxDiskBytes = opts.maxDisk === undefined ? undefined : /^(none|unlimited)$/i.test(opts.maxDisk) ? null : parseSize(opts.maxDisk);
      const retainMs = opts.retain === undefined ? undefined : parseDuration(opts.retain);
      const bridgeIntervalMs = opts.bridge ? parseDuration(opts.bridgeInterval) : undefined;
      const { isLoopback } = await import('../collector/collector.js');
      if (opts.listen !== undefined && !isLoopback(opts.listen)) {
        ctx.log.warn(`listening on ${opts.listen}: anyone who can reach this address can write telemetry (no authentication)`);
      }
      if (opts.detach) {
        const { collectorNodeArgs, spawnDetached } = await import('../collector/daemon.js');
        const args = ['--port', String(opts.port), '--data-dir', dataDir];
        if (opts.grpc) args.push('--grpc-port', String(opts.grpcPort));
        else args.push('--no-grpc');
        if (opts.listen !== undefined) args.push('--listen', opts.listen);
        if (opts.maxDisk !== undefined) args.push('--max-disk', opts.maxDisk);
        if (opts.retain !== undefined) args.push('--retain', opts.retain);
        for (const key of opts.metricsDropLabel) args.push('--metrics-drop-label', key);
        if (opts.bridge) args.push('--bridge', '--bridge-interval', opts.bridgeInterval);
        for (const [flags, key] of LIMIT_OPTIONS) if (opts[key] !== undefined) args.push(flags.split(' ')[0]!, String(opts[key]));
        const script = process.argv[1];
        if (!script) throw new CcOtelError('IO', 'cannot tell how this CLI was started, so cannot start it in the background');
        const state = await spawnDetached({ dataDir, entry: [process.execPath, ...collectorNodeArgs(process.execArgv), script], args, env: { ...ctx.env } as NodeJS.ProcessEnv });
        process.stdout.write(
          `cc-otel collect: started in the background (pid ${state.pid}): http ${state.host}:${state.httpPort}` +
            (state.grpcPort !== null ? `, grpc ${state.host}:${state.grpcPort}` : '') +
            ` → ${dataDir}\n`,
        );
        return;
      }

      const { startCollector } = await import('../collector/collector.js');
      const c = await startCollector({
        dataDir,
        host,
        allowNonLoopback: opts.listen !== undefined,
        httpPort: opts.port,
        grpcPort: opts.grpc ? opts.grpcPort : null,
        limits: { maxItemsPerRequest: opts.maxItemsPerRequest, maxAttributesPerItem: opts.maxAttributesPerItem, maxValuesPerRequest: opts.maxValuesPerRequest },
        inflight: { maxInflightBytes: opts.maxInflightBytes, maxInflightRequests: opts.maxInflightRequests },
        now: ctx.now,
        maxDiskBytes,
        retainMs,
        metrics: { dropLabels: opts.metricsDropLabel },
        log: logLine,
      });
      const where = `http ${c.httpUrl}` + (c.grpcPort !== undefined ? `, grpc ${host.includes(':') ? `[${host}]` : host}:${c.grpcPort}` : '');
      const tty = process.stdout.isTTY === true;
      const line = () => {
        const s = c.stats();
        return (
          `cc-otel collect: ${where} → ${dataDir} · ${s.requests.toLocaleString('en-US')} requests, ${s.records.toLocaleString('en-US')} records${s.rejected ? `, ${s.rejected} rejected` : ''}` +
          (s.disk.full ? ` · FULL (${s.disk.full.reason === 'cap' ? '--max-disk' : 'filesystem'}): refusing` : '')
        );
      };
      process.stdout.write(tty ? `${line()}  (Ctrl-C to stop)` : `${line()}\n`);
      const timer = tty ? setInterval(() => process.stdout.write(`\r\x1b[K${line()}`), 1000) : undefined;
      const { startCollectorBridge } = await import('../bridge/in-collector.js');
      const bridge = opts.bridge ? await startCollectorBridge({ ctx, httpUrl: c.httpUrl, dataDir, intervalMs: bridgeIntervalMs!, log: logLine }) : undefined;
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      if (timer) clearInterval(timer);
      await bridge?.close();
      await c.close();
      process.stdout.write(tty ? `\r\x1b[K${line()} · stopped\n` : `cc-otel collect: stopped\n`);
    });

  collect
    .command('status')
    .description('is a collector running for the data dir, and on which ports')
    .option('--data-dir <dir>', 'data dir (default: $CC_OTEL_DATA_DIR or the user data dir)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Exit codes (the same with --json):
  0  a collector is running for the data dir (also while it refuses data: see the FULL line)
  1  none is running (no pid file, or a stale one: the collector crashed or was killed)
  2  usage error (an unknown option)`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ dataDir?: string; json?: boolean }>();
      const ctx = getCtx();
      const { readCollectorStatus } = await import('../collector/daemon.js');
      const st = await readCollectorStatus(dataDirOf(ctx, opts.dataDir));
      if (opts.json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
      else if (st.running) {
        const s = st.state;
        process.stdout.write(
          `running (pid ${st.pid})` +
            (s ? `: http ${s.host}:${s.httpPort}${s.grpcPort !== null ? `, grpc ${s.host}:${s.grpcPort}` : ''}, since ${s.startedAt}` : '') +
            `\ndata: ${st.dataDir} (${st.segments} segments, ${fmtBytes(st.bytesOnDisk)}` +
            `${st.maxDiskBytes !== undefined ? ` of ${fmtBytes(st.maxDiskBytes)} (--max-disk)` : ''}` +
            `${st.freeBytes !== undefined ? `; ${fmtBytes(st.freeBytes)} free on its filesystem` : ''})\n` +
            `retention: ${st.retainMs !== undefined ? formatDuration(st.retainMs) : 'keep everything'}` +
            `${st.dropped && st.dropped.segments > 0 ? ` (dropped ${st.dropped.segments} segments, ${fmtBytes(st.dropped.bytes)}, last at ${st.dropped.lastAt})` : ''}\n` +
            (st.full
              ? `FULL: refusing data since ${st.full.since} (clients get 503 / UNAVAILABLE and retry; ${st.full.refused} refused so far): ${st.full.message}\n`
              : ''),
        );
      } else {
        process.stdout.write(
          `not running${st.stale ? ` (stale pid file for pid ${st.pid}: it crashed or was killed, or that pid is another process now; acknowledged data is safe)` : ''}\n` +
            `data: ${st.dataDir} (${st.segments} segments, ${fmtBytes(st.bytesOnDisk)})\n`,
        );
      }
      process.exitCode = st.running ? 0 : 1;
    });

  collect
    .command('stop')
    .description('stop the background collector for the data dir (it finishes what it is writing first)')
    .option('--data-dir <dir>', 'data dir (default: $CC_OTEL_DATA_DIR or the user data dir)')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ dataDir?: string }>();
      const ctx = getCtx();
      const { stopCollector } = await import('../collector/daemon.js');
      const r = await stopCollector(dataDirOf(ctx, opts.dataDir));
      process.stdout.write(r.wasRunning ? `stopped (pid ${r.pid})\n` : 'not running\n');
    });
}
