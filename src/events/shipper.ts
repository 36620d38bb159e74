/**
 * The shipper: ships the event log's unshipped lines as OTLP logs, in batches, and remembers how far
 * it got. At most one runs per log (lock.ts); hooks start it in the background (ship-trigger.ts),
 * `cc-otel flush` runs it in the foreground.
 *
 * At least once, by construction:
 *  - the progress offset of a file only moves past a batch after the backend acknowledged it, and
 *    the state file is replaced atomically — a crash or kill at any point leaves the old offset, so
 *    the batch is sent again (a duplicate, recognisable by `log.record.uid`), never skipped;
 *  - files are known by their first line (ship-state.ts), so rotation renames lose nothing and a
 *    recycled inode inherits nothing; every log file, rotated ones included, is read on every pass,
 *    so a late write into a just-rotated file is found; a name that holds another file by the time
 *    it is read (rotated between scan and read) is not read at all, the pass is simply redone;
 *  - only complete lines are read; a line still being written waits for the next pass;
 *  - a failed batch stops the run with a back-off; the records stay in the log for the next run.
 * Loss is possible only through retention: rotation keeps 5 old files (paths.ts ROTATED_KEEP).
 */
import type { Context } from '../context.js';
import { existsSync } from 'node:fs';
import { describeError, isCcOtelError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { appendErrorLog } from '../log/error-log.js';
import { userDirs } from '../config/dirs.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import { holdsLock, readLockOwner, releaseLock, touchLock, tryLock, type Lock } from './lock.js';
import { eventLogPaths, shipEnabled, type EventLogPaths } from './paths.js';
import { backoffMs, readShipState, type ShipState } from './ship-state.js';
import { countPending, DEFAULT_LIMITS, hasPending, readBatches, scanLogFiles, viewName, type BatchLimits } from './log-reader.js';
import { resourceAttributesFor, toLogRecord } from './otlp-records.js';
import { createEventExporter, type EventExporter } from './exporter.js';
import { SHIP_LOCK_STALE_MS } from './ship-trigger.js';

export interface ShipOptions {
  ctx: Context;
  /** the event log (hooks.jsonl) */
  log: string;
  /** background: started by a hook, lingers briefly for more lines; flush: once, reports */
  mode: 'background' | 'flush';
  /** per export request, retries included */
  timeoutMs: number;
  /** how long to wait for a running shipper to finish before giving up */
  waitForLockMs?: number;
  /** background: keep watching for new lines this long after the last one */
  lingerMs?: number;
  limits?: BatchLimits;
  /** tests: the plan, instead of resolving config and key */
  plan?: TelemetryPlan;
}

export type ShipStatus = 'ok' | 'failed' | 'busy' | 'disabled';

export interface ShipReport {
  status: ShipStatus;
  log: string;
  endpoint?: string;
  protocol?: string;
  /** events acknowledged by the backend in this run */
  sent: number;
  batches: number;
  /** lines that are not cc-otel records, stepped over */
  skipped: number;
  /** complete lines still unshipped when the run ended */
  pending: number;
  /** log files looked at */
  files: number;
  error?: { message: string; code?: string; hint?: string };
  /** a running shipper's pid when busy */
  holder?: number;
}

const MAX_EAGER_PASSES = 20;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function acquire(paths: EventLogPaths, ctx: Context, waitMs: number): Promise<Lock | undefined> {
  const until = ctx.now() + waitMs;
  for (;;) {
    const lock = tryLock(paths.shipLock, ctx.now(), SHIP_LOCK_STALE_MS);
    if (lock || ctx.now() >= until) return lock;
    await sleep(100);
  }
}

function saveState(paths: EventLogPaths, state: ShipState): void {
  writeFileAtomic(paths.state, `${JSON.stringify(state)}\n`, { mode: 0o600, dirMode: 0o700 });
}

async function resolvePlan(opts: ShipOptions): Promise<{ plan: TelemetryPlan } | { disabled: string }> {
  if (opts.plan) return { plan: opts.plan };
  const { resolveTelemetry } = await import('../resolve-telemetry.js');
  const r = await resolveTelemetry(opts.ctx, { key: 'if-needed' });
  if (r.inert) return { disabled: 'cc-otel is not configured (no backend)' };
  if (!shipEnabled(r.loaded.config, r.loaded.configured)) return { disabled: 'event shipping is off (events.ship: false)' };
  if (r.chain?.error && r.plan.keyNeeded === 'required') throw r.chain.error;
  return { plan: r.plan };
}

export async function runShipper(opts: ShipOptions): Promise<ShipReport> {
  const paths = eventLogPaths(opts.log);
  const total: ShipReport = { status: 'ok', log: opts.log, sent: 0, batches: 0, skipped: 0, pending: 0, files: 0 };
  // Background: after releasing the lock, look once more for lines a hook appended meanwhile
  // (ship-trigger.ts explains why that closes the hand-over race); bounded, to never spin.
  for (let round = 0; round < 5; round++) {
    const r = await shipOnce(opts, paths, round === 0 ? (opts.waitForLockMs ?? 0) : 0);
    total.status = r.status;
    total.sent += r.sent;
    total.batches += r.batches;
    total.skipped += r.skipped;
    total.pending = r.pending;
    total.files = r.files;
    for (const k of ['endpoint', 'protocol', 'error', 'holder'] as const) if (r[k] !== undefined) (total as unknown as Record<string, unknown>)[k] = r[k];
    if (r.status !== 'ok' || opts.mode !== 'background') break;
    if (!hasPending(opts.log, readShipState(paths.state))) break;
  }
  if (total.status === 'ok' && opts.mode === 'flush') total.pending = countPending(opts.log, readShipState(paths.state));
  return total;
}

async function shipOnce(opts: ShipOptions, paths: EventLogPaths, waitMs: number): Promise<ShipReport> {
  const { ctx } = opts;
  const report: ShipReport = { status: 'ok', log: opts.log, sent: 0, batches: 0, skipped: 0, pending: 0, files: 0 };
  // No log directory: nothing to ship — and nothing to create (it may have just been deleted).
  if (!existsSync(paths.dir)) return report;
  let lock: Lock | undefined;
  try {
    lock = await acquire(paths, ctx, waitMs);
  } catch (e) {
    const message = `cannot take the shipper lock ${paths.shipLock}: ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`;
    logError(ctx, opts, message, 'IO');
    return { ...report, status: 'failed', error: { message, code: 'IO', hint: 'the directory of the event log must be writable' } };
  }
  if (!lock) {
    const holder = readLockOwner(paths.shipLock)?.owner?.pid;
    return { ...report, status: 'busy', ...(holder ? { holder } : {}) };
  }
  let exporter: EventExporter | undefined;
  let state = readShipState(paths.state);
  const fail = (message: string, code?: string, hint?: string): ShipReport => {
    state = readShipState(paths.state);
    state.failures += 1;
    state.retryAt = ctx.now() + backoffMs(state.failures);
    state.lastError = message;
    state.lastAttemptAt = ctx.now();
    // A log directory deleted under us (a removed temp HOME): nothing to protect, nothing to recreate.
    if (!existsSync(paths.dir)) return { ...report, status: 'failed', error: { message } };
    try {
      if (holdsLock(lock)) saveState(paths, state);
    } catch {
      /* the next run retries anyway */
    }
    logError(ctx, opts, message, code, hint);
    return { ...report, status: 'failed', error: { message, ...(code ? { code } : {}), ...(hint ? { hint } : {}) }, pending: safeCount(opts.log, state) };
  };
  try {
    let resolved;
    try {
      resolved = await resolvePlan(opts);
    } catch (e) {
      if (isCcOtelError(e)) return fail(`cannot ship events: ${e.message}`, e.code, e.hint);
      return fail(`cannot ship events: ${describeError(e)}`);
    }
    if ('disabled' in resolved) return { ...report, status: 'disabled', error: { message: resolved.disabled } };
    try {
      exporter = await createEventExporter(resolved.plan, opts.timeoutMs);
    } catch (e) {
      return isCcOtelError(e) ? fail(e.message, e.code, e.hint) : fail(describeError(e));
    }
    report.endpoint = exporter.endpoint;
    report.protocol = exporter.protocol;
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    const resource = resourceFromAttributes(resourceAttributesFor(resolved.plan.resourceAttributes));
    const limits = opts.limits ?? DEFAULT_LIMITS;
    const lingerMs = opts.mode === 'background' ? (opts.lingerMs ?? 0) : 0;
    let idleSince = ctx.now();
    // Passes without a pause: after a rotation between scan and read (a view `moved`), and in a
    // flush after any progress (lines appended meanwhile are shipped too). Bounded: hooks that
    // never stop writing must not keep a flush running.
    let eagerPasses = 0;
    for (;;) {
      const views = scanLogFiles(opts.log, state);
      report.files = views.length;
      let progressed = false;
      for (const view of views) {
        for (const batch of readBatches(view, limits)) {
          if (!holdsLock(lock)) return { ...report, status: 'busy' }; // displaced (we looked hung): stop
          if (batch.records.length) {
            const observed = ctx.now();
            const out = await exporter.export(batch.records.map((r) => toLogRecord(r, resource, observed)));
            if (!out.ok) return fail(`shipping ${batch.records.length} events to ${exporter.endpoint} failed: ${out.error}`, 'IO', hintFor(out.status));
            report.sent += batch.records.length;
            report.batches += 1;
          }
          report.skipped += batch.skipped;
          state.files[view.fp] = { offset: batch.end, name: viewName(view) };
          state.failures = 0;
          delete state.retryAt;
          delete state.lastError;
          state.lastSuccessAt = state.lastAttemptAt = ctx.now();
          // Progress is written only after the acknowledgement, and only by the lock's holder.
          if (!holdsLock(lock)) return { ...report, status: 'busy' };
          saveState(paths, state);
          touchLock(lock, ctx.now());
          progressed = true;
        }
      }
      const moved = views.some((v) => v.moved);
      // Forget files that are gone (rotated out of retention): their fingerprints never come back.
      // Not after a pass that lost sight of a file: it is still there under another name.
      if (!moved) {
        const present = new Set(views.map((v) => v.fp));
        for (const fp of Object.keys(state.files)) if (!present.has(fp)) delete state.files[fp];
      }
      if (progressed) idleSince = ctx.now();
      if ((moved || (progressed && opts.mode === 'flush')) && eagerPasses++ < MAX_EAGER_PASSES) continue;
      if (ctx.now() - idleSince >= lingerMs) break;
      await sleep(Math.min(200, lingerMs));
      touchLock(lock, ctx.now());
    }
    if (holdsLock(lock)) saveState(paths, state);
    return report;
  } finally {
    await exporter?.shutdown();
    releaseLock(lock);
  }
}

function hintFor(status: number | undefined): string {
  if (status === 401 || status === 403) return 'the backend rejected the key: `cc-otel env --explain` shows where it came from';
  if (status === 404) return 'wrong endpoint path: check "endpoint" (a base URL, without /v1/logs)';
  if (status === 400 || status === 413) return 'the backend refused the batch; events stay in the local log';
  return 'events stay in the local log; `cc-otel flush` retries now, hooks retry after a back-off';
}

function logError(ctx: Context, opts: ShipOptions, message: string, code?: string, hint?: string): void {
  try {
    appendErrorLog(userDirs(ctx).state, {
      time: new Date(ctx.now()).toISOString(),
      command: opts.mode === 'flush' ? 'flush' : 'ship',
      message,
      ...(code ? { code } : {}),
      ...(hint ? { hint } : {}),
    });
  } catch {
    /* best effort */
  }
}

function safeCount(log: string, state: ShipState): number {
  try {
    return countPending(log, state);
  } catch {
    return 0;
  }
}
