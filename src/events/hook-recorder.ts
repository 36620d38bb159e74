/**
 * What `cc-otel hook <event>` does for every event: build the record, append it to the local log,
 * and — when shipping is on — make sure a background shipper will pick it up. Runs on the hook's hot
 * path: config is read (cheap: a few small JSON files) but no key, no OTel, no network.
 *
 * Unconfigured (no config file, no CC_OTEL_BACKEND), cc-otel stays inert: nothing is recorded. A
 * config that exists but is broken still records (with defaults): the user meant cc-otel to run.
 */
import type { Context } from '../context.js';
import { describeError, isCcOtelError } from '../errors.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { userDirs } from '../config/dirs.js';
import { destinationOf } from './destination.js';
import { destinationStorePath, registerDestination } from './destination-store.js';
import { appendEventLine } from './event-log.js';
import { eventNameOf, isEventName } from './hook-events.js';
import { eventLogLocation, eventLogPaths, shipEnabled } from './paths.js';
import { buildEventRecord, fitLine, newEventId, recordAttributes } from './record.js';
import { triggerShipper, type TriggerOutcome } from './ship-trigger.js';

export interface RecordHookEventInput {
  ctx: Context;
  /** the command argument, e.g. pre-tool-use */
  arg: string;
  input: Readonly<Record<string, unknown>>;
  /** when the hook started (the event's timestamp) */
  startedAt: number;
  cliPath: string;
  log: (message: string, code?: string, hint?: string) => void;
  /** the config the hook already loaded (or the error loading it threw): loaded once per hook */
  loaded?: LoadedConfig | Error;
}

export interface RecordedEvent {
  id: string;
  event: string;
  path: string;
  shipper: TriggerOutcome | 'off';
}

export async function recordHookEvent(r: RecordHookEventInput): Promise<RecordedEvent | undefined> {
  const { ctx } = r;
  let config: Config = {};
  let configured = false;
  let projectDir: string | undefined;
  let loaded: LoadedConfig | undefined;
  try {
    if (r.loaded instanceof Error) throw r.loaded;
    loaded = r.loaded ?? loadConfig(ctx);
    ({ config, configured, projectDir } = loaded);
    // No config file and no CC_OTEL_BACKEND: cc-otel is inert and the hook writes nothing anywhere.
    if (!configured) return undefined;
  } catch (e) {
    // A broken config must not cost the event: record it with defaults, report the config.
    if (isCcOtelError(e)) r.log(`${e.message} — event recorded with default settings`, e.code, e.hint);
    else r.log(`cannot load the config: ${describeError(e)} — event recorded with default settings`);
  }
  const event = isEventName(r.input.hook_event_name) ? r.input.hook_event_name : eventNameOf(r.arg);
  const id = newEventId(r.startedAt);
  // Which config it was recorded under, as an id into this user's destination store — in the store
  // before the line is in the log, and the log holds nothing a forged line could route by (issue #11).
  const dest = registerDestination(destinationStorePath(userDirs(ctx).state), destinationOf(loaded, ctx), ctx.now());
  if (dest.problem)
    r.log(dest.problem, 'IO', dest.id ? 'the store was rewritten: events already in the log under ids it held are not shipped' : 'cc-otel\'s state dir must be writable by you; events recorded without a destination are not shipped');
  const rec = buildEventRecord(r.input, {
    event,
    now: r.startedAt,
    id,
    attributes: recordAttributes(config, ctx.env, ctx.user),
    privacy: config.privacy ?? {},
    // A shared log is shipped record by record to each one's backend.
    ...(dest.id ? { dest: dest.id } : {}),
  });
  const shipping = shipEnabled(config, configured);
  let path = '';
  try {
    // A logFile outside the allowed roots, an unsafe file or directory: refused (CcOtelError), logged.
    const { log: logPath, scope } = eventLogLocation(config, ctx, projectDir);
    path = logPath;
    // Shipping on: rotation must not delete unshipped events (retention.ts, loaded only then).
    const appended = appendEventLine(path, fitLine(rec), { rotateBytes: config.events?.rotateBytes, now: ctx.now(), rotate: !shipping, scope });
    if (appended.rotateDue) {
      const { rotateKeepingUnshipped } = await import('./retention.js');
      rotateKeepingUnshipped(path, {
        ...appended.rotateDue,
        now: ctx.now(),
        warn: (m) => r.log(m, 'IO', 'run `cc-otel flush` to see why events are not shipped'),
      });
    }
  } catch (e) {
    if (isCcOtelError(e)) r.log(e.message, e.code, e.hint);
    else r.log(`cannot append to the event log ${path}: ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`, 'IO', 'check that the directory is writable, or set "events": {"logFile": …}');
    return undefined;
  }
  if (!shipping) return { id, event, path, shipper: 'off' };
  const shipper = triggerShipper({ paths: eventLogPaths(path), now: ctx.now(), force: event === 'SessionEnd', cliPath: r.cliPath, env: ctx.env });
  if (shipper === 'spawn-failed') r.log('could not start the background shipper; events stay in the local log', 'IO', 'run `cc-otel flush`');
  return { id, event, path, shipper };
}
