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
 *  - a batch the backend refuses for good (HTTP 400/413, gRPC INVALID_ARGUMENT: never retried under
 *    OTLP) is bisected down to the records it refuses; those go to the dead-letter file beside the
 *    log (paths.ts) and the error log, the rest is shipped, and the offset moves on — one bad record
 *    does not stop shipping for good.
 *
 * Each record goes where the config it was recorded under says: its `dest` is an id into the
 * user's destination store (destination-store.ts), written by the hook that recorded it — never a
 * destination read from the log, which anyone who can write the log could forge (issue #11). A log
 * shared by several projects ships project A's records to A's backend and B's to B's, whichever
 * project's hook started the shipper. Records are grouped by destination within a batch; the
 * batch's offset moves only when every group was acknowledged, dead-lettered, or found permanently
 * unshippable — counted in `unroutable`, logged, left in the local log: its project's config gone
 * or shipping switched off there, or its `dest` not an id in the store (`unrecorded`: a forged
 * line, or one written by a cc-otel before the store, whose `dest` was an object or absent).
 * Loss is possible only through retention: rotation keeps 5 old files (paths.ts ROTATED_KEEP), and
 * files with unshipped events beyond those up to 10 × rotateBytes in all (event-log.ts).
 */
import type { Context } from '../context.js';
import { existsSync } from 'node:fs';
import type { Resource } from '@opentelemetry/resources';
import { CcOtelError, describeError, isCcOtelError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { appendPrivateFile } from '../fs/private-file.js';
import { appendErrorLog } from '../log/error-log.js';
import { userDirs } from '../config/dirs.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import type { LoadedConfig } from '../config/load.js';
import { projectNotice } from '../trust/notice.js';
import { holdsLock, readLockOwner, releaseLock, touchLock, tryLock, type Lock } from './lock.js';
import { eventLogPaths, shipEnabled, type EventLogPaths } from './paths.js';
import { backoffMs, readShipState, type ShipState } from './ship-state.js';
import { countPending, DEFAULT_LIMITS, hasPending, readBatches, scanLogFiles, viewName, type BatchLimits } from './log-reader.js';
import { resourceAttributesFor, toLogRecord } from './otlp-records.js';
import { createEventExporter, isPermanentRejection, type EventExporter, type ExportOutcome } from './exporter.js';
import { contextFor, destinationKey, destinationOf, sameConfigFile, type Destination } from './destination.js';
import { destinationResolver, destinationStorePath } from './destination-store.js';
import type { EventRecord } from './record.js';
import { SHIP_LOCK_STALE_MS, clearStartMarker } from './ship-trigger.js';

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
  /** of `skipped`: torn lines, a record's start whose append was cut short (a full disk); a record glued to one is still shipped (log-reader.ts) */
  torn: number;
  /** records the backend refused for good (400/413), moved to the dead-letter file */
  deadLettered: number;
  /** records whose project can no longer be shipped to (its config gone, or shipping off there), or `unrecorded`: left in the log */
  unroutable: number;
  /** of `unroutable`: records whose `dest` is not an id in this user's destination store (forged, or from an older cc-otel) */
  unrecorded: number;
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

/** Where a group of records goes: an exporter, or a permanent reason it cannot go anywhere. */
type Route = { exporter: EventExporter; resource: Resource } | { unroutable: string };

/** The shipper's own config: is shipping on here at all (no key, no OTel yet)? */
async function checkEnabled(opts: ShipOptions): Promise<{ dest: Destination | undefined; loaded: LoadedConfig | undefined } | { disabled: string }> {
  if (opts.plan) return { dest: undefined, loaded: undefined };
  const { loadConfig } = await import('../config/load.js');
  const loaded = loadConfig(opts.ctx);
  if (!loaded.configured) return { disabled: 'cc-otel is not configured (no backend)' };
  if (!shipEnabled(loaded.config, loaded.configured)) return { disabled: 'event shipping is off (events.ship: false)' };
  return { dest: destinationOf(loaded, opts.ctx), loaded };
}

/**
 * The plan for records recorded under `dest` (undefined: the shipper's own config, `own` when
 * checkEnabled loaded it already). Throws when the config or key cannot be resolved right now (a
 * failure: back off, retry); returns `unroutable` when the records can never go where they were
 * meant to.
 */
async function resolveRoute(opts: ShipOptions, dest: Destination | undefined, own: LoadedConfig | undefined): Promise<{ plan: TelemetryPlan } | { unroutable: string }> {
  if (opts.plan) return { plan: opts.plan };
  const ctx = dest ? contextFor(dest, opts.ctx) : opts.ctx;
  const { loadConfig } = await import('../config/load.js');
  const { resolveTelemetry } = await import('../resolve-telemetry.js');
  const loaded = dest === undefined && own ? own : loadConfig(ctx);
  const where = dest ? `recorded in ${dest.dir}${dest.config ? ` under ${dest.config}` : ''}` : 'in the log';
  if (dest && !sameConfigFile(dest, loaded)) return { unroutable: `events ${where}: that config is gone (now: ${loaded.files.map((f) => f.path).join(', ') || 'none'})` };
  // The trusted project file they were recorded under was edited since (half-written, or not yet
  // trusted again): untrusted for now, not gone — the records wait (back off), they are not dropped.
  const p = loaded.project;
  if (dest?.config && p?.path === dest.config && p.trust === 'changed') {
    const notice = projectNotice(loaded);
    throw new CcOtelError(p.invalid ? 'CONFIG_INVALID' : 'CONFIG_NOT_FOUND', `events ${where}: ${notice?.message ?? `${p.path} changed since it was trusted`}`, { hint: notice?.fix });
  }
  if (!loaded.configured) return { unroutable: `events ${where}: cc-otel is not configured there any more` };
  if (!shipEnabled(loaded.config, loaded.configured)) return { unroutable: `events ${where}: event shipping is off there (events.ship: false)` };
  const r = await resolveTelemetry(ctx, { key: 'if-needed', loaded });
  if (r.inert) return { unroutable: `events ${where}: cc-otel is not configured there any more` };
  if (r.chain?.error && r.plan.keyNeeded === 'required') throw r.chain.error;
  return { plan: r.plan };
}

export async function runShipper(opts: ShipOptions): Promise<ShipReport> {
  const paths = eventLogPaths(opts.log);
  const total: ShipReport = { status: 'ok', log: opts.log, sent: 0, batches: 0, skipped: 0, torn: 0, deadLettered: 0, unroutable: 0, unrecorded: 0, pending: 0, files: 0 };
  // Background: after releasing the lock, look once more for lines a hook appended meanwhile
  // (ship-trigger.ts explains why that closes the hand-over race); bounded, to never spin.
  for (let round = 0; round < 5; round++) {
    const r = await shipOnce(opts, paths, round === 0 ? (opts.waitForLockMs ?? 0) : 0);
    total.status = r.status;
    total.sent += r.sent;
    total.batches += r.batches;
    total.skipped += r.skipped;
    total.torn += r.torn;
    total.deadLettered += r.deadLettered;
    total.unroutable += r.unroutable;
    total.unrecorded += r.unrecorded;
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
  const report: ShipReport = { status: 'ok', log: opts.log, sent: 0, batches: 0, skipped: 0, torn: 0, deadLettered: 0, unroutable: 0, unrecorded: 0, pending: 0, files: 0 };
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
  // Started by a hook: the lock is ours (or another shipper's, which will see the hook's line
  // when it looks again after releasing): the hook's starting marker has done its job.
  if (opts.mode === 'background') clearStartMarker(paths.startMarker);
  if (!lock) {
    const holder = readLockOwner(paths.shipLock)?.owner?.pid;
    return { ...report, status: 'busy', ...(holder ? { holder } : {}) };
  }
  const exporters: EventExporter[] = [];
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
  const failFrom = (e: unknown, prefix = ''): ShipReport => (isCcOtelError(e) ? fail(`${prefix}${e.message}`, e.code, e.hint) : fail(`${prefix}${describeError(e)}`));
  try {
    let own: Destination | undefined;
    let ownLoaded: LoadedConfig | undefined;
    try {
      const enabled = await checkEnabled(opts);
      if ('disabled' in enabled) return { ...report, status: 'disabled', error: { message: enabled.disabled } };
      own = enabled.dest;
      ownLoaded = enabled.loaded;
    } catch (e) {
      return failFrom(e, 'cannot ship events: ');
    }
    const ownKey = own ? destinationKey(own) : '';
    const store = destinationResolver(destinationStorePath(userDirs(ctx).state));
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    // One route per destination and run; '' is the shipper's own config.
    const routes = new Map<string, Route>();
    const unroutableLogged = new Set<string>();
    const routeFor = async (key: string, dest: Destination | undefined): Promise<Route> => {
      const known = routes.get(key);
      if (known) return known;
      const r = await resolveRoute(opts, key === '' ? undefined : dest, ownLoaded);
      let route: Route;
      if ('unroutable' in r) route = r;
      else {
        const exporter = await createEventExporter(r.plan, opts.timeoutMs);
        exporters.push(exporter);
        report.endpoint ??= exporter.endpoint;
        report.protocol ??= exporter.protocol;
        route = { exporter, resource: resourceFromAttributes(resourceAttributesFor(r.plan.resourceAttributes)) };
      }
      routes.set(key, route);
      return route;
    };
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
          // Every group of the batch must be done with before its offset may move.
          for (const group of groupByDestination(batch.records, ownKey, store.lookup)) {
            if (!group.dest) {
              // Not an id this user's hooks wrote: never routed by what the line says.
              report.unroutable += group.records.length;
              report.unrecorded += group.records.length;
              if (!unroutableLogged.has(group.key)) {
                unroutableLogged.add(group.key);
                const problem = store.problem();
                logError(
                  ctx,
                  opts,
                  `events in ${opts.log} not recorded by this user's cc-otel (destination not in the store ${store.path}${problem ? `; ${problem}` : ''}): left in the local log, not shipped`,
                  'CONFIG_NOT_FOUND',
                  'a forged line, or one written by a cc-otel before the destination store (docs/events.md, "Where records go")',
                );
              }
              continue;
            }
            let route: Route;
            try {
              route = await routeFor(group.key, group.dest);
            } catch (e) {
              return failFrom(e, 'cannot ship events: ');
            }
            if ('unroutable' in route) {
              report.unroutable += group.records.length;
              if (!unroutableLogged.has(group.key)) {
                unroutableLogged.add(group.key);
                logError(ctx, opts, `${route.unroutable}; left in the local log, not shipped`, 'CONFIG_NOT_FOUND');
              }
              continue;
            }
            const sent = await sendOrBisect(route, group.records, ctx.now());
            if (!sent.ok) return fail(`shipping ${group.records.length} events to ${route.exporter.endpoint} failed: ${sent.out.error}`, 'IO', hintFor(sent.out.status));
            if (sent.rejected.length) {
              try {
                writeDeadLetters(paths, sent.rejected, ctx.now());
              } catch (e) {
                // Not kept anywhere else: the offset must not move past them.
                if (isCcOtelError(e)) return fail(e.message, e.code, e.hint);
                return fail(`cannot write the dead-letter file ${paths.deadLetter}: ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`, 'IO', 'the directory of the event log must be writable');
              }
              report.deadLettered += sent.rejected.length;
              const first = sent.rejected[0]!;
              logError(ctx, opts, `${route.exporter.endpoint} refused ${sent.rejected.length} event${sent.rejected.length === 1 ? '' : 's'} for good (${first.reason}); moved to ${paths.deadLetter}`, 'IO', hintFor(400));
            }
            if (sent.acked) {
              report.sent += sent.acked;
              report.batches += sent.requests;
            }
          }
          report.skipped += batch.skipped;
          report.torn += batch.torn;
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
    if (report.torn)
      logError(
        ctx,
        opts,
        `${report.torn} torn line${report.torn === 1 ? '' : 's'} in ${opts.log}: an append was cut short (a full disk, a file-size limit, a killed hook); ${report.torn === 1 ? 'that record is' : 'those records are'} lost, the lines after them were shipped`,
        'IO',
        'free disk space where the event log lives; docs/events.md, "Torn lines"',
      );
    return report;
  } finally {
    for (const e of exporters) await e.shutdown();
    releaseLock(lock);
  }
}

export interface Group {
  /** destinationKey, '' for the shipper's own config, UNRECORDED for records without a stored destination */
  key: string;
  /** undefined: the record's `dest` is not an id in the destination store */
  dest: Destination | undefined;
  records: EventRecord[];
}

export const UNRECORDED = 'unrecorded';

/**
 * The batch's records by destination, in first-seen order. `lookup` is the destination store
 * (destination-store.ts): a record's `dest` counts only as an id found there — an object, a
 * missing dest or an unknown id all land in the UNRECORDED group, which is never shipped.
 */
export function groupByDestination(records: readonly EventRecord[], ownKey: string, lookup: (id: unknown) => Destination | undefined): Group[] {
  const groups = new Map<string, Group>();
  for (const rec of records) {
    const dest = lookup(rec.dest);
    let key = dest ? destinationKey(dest) : UNRECORDED;
    if (dest && key === ownKey) key = ''; // the shipper's own project: one route for both
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, dest, records: [] }));
    g.records.push(rec);
  }
  return [...groups.values()];
}

interface Rejected {
  record: EventRecord;
  reason: string;
}

type SendResult = { ok: true; acked: number; requests: number; rejected: Rejected[] } | { ok: false; out: ExportOutcome & { ok: false } };

/**
 * Send `records`; when the backend refuses them for good, halve and resend until the refused
 * records are alone (log2(n) rounds for one bad record). A retryable failure anywhere fails the
 * whole group: nothing moves, the halves already acknowledged are sent again next time.
 */
async function sendOrBisect(route: { exporter: EventExporter; resource: Resource }, records: EventRecord[], observed: number): Promise<SendResult> {
  const out = await route.exporter.export(records.map((r) => toLogRecord(r, route.resource, observed)));
  if (out.ok) return { ok: true, acked: records.length, requests: 1, rejected: [] };
  if (!isPermanentRejection(out)) return { ok: false, out };
  if (records.length === 1) return { ok: true, acked: 0, requests: 0, rejected: [{ record: records[0]!, reason: out.error }] };
  const mid = Math.ceil(records.length / 2);
  const a = await sendOrBisect(route, records.slice(0, mid), observed);
  if (!a.ok) return a;
  const b = await sendOrBisect(route, records.slice(mid), observed);
  if (!b.ok) return b;
  return { ok: true, acked: a.acked + b.acked, requests: a.requests + b.requests, rejected: [...a.rejected, ...b.rejected] };
}

/** Append refused records to the dead-letter file (private, like the log): `{at, reason, record}` per line. */
function writeDeadLetters(paths: EventLogPaths, rejected: readonly Rejected[], now: number): void {
  const at = new Date(now).toISOString();
  const text = rejected.map((r) => `${JSON.stringify({ at, reason: r.reason.slice(0, 500), record: r.record })}\n`).join('');
  // A symlink or someone else's file at the name is refused, never followed (private-file.ts).
  appendPrivateFile(paths.deadLetter, text, { what: 'the dead-letter file', resync: true });
}

function hintFor(status: number | undefined): string {
  if (status === 401 || status === 403) return 'the backend rejected the key: `cc-otel env --explain` shows where it came from';
  if (status === 404) return 'wrong endpoint path: check "endpoint" (a base URL, without /v1/logs)';
  if (status === 400 || status === 413) return 'the backend refused these events as invalid or too large; they are kept in the dead-letter file beside the log (`<log>.rejected`)';
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
