// The shipper in-process against the independent OTLP receiver (official protos): OTLP mapping,
// every protocol, progress kept across runs and failures, back-off, the lock, the hand-over.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { makeContext, type Context } from '../../../src/context.js';
import { groupByDestination, runShipper, UNRECORDED, type ShipOptions } from '../../../src/events/shipper.js';
import { loadConfig } from '../../../src/config/load.js';
import { destinationKey, destinationOf, type Destination } from '../../../src/events/destination.js';
import { destinationStorePath, registerDestination } from '../../../src/events/destination-store.js';
import { eventLogPaths } from '../../../src/events/paths.js';
import { readShipState } from '../../../src/events/ship-state.js';
import { eventAttributes, resourceAttributesFor, toLogRecord } from '../../../src/events/otlp-records.js';
import { buildEventRecord, fitLine, newEventId, type EventRecord } from '../../../src/events/record.js';
import { tryLock } from '../../../src/events/lock.js';
import { rotateLog } from '../../../src/events/event-log.js';
import { readErrorLog } from '../../../src/log/error-log.js';
import { userDirs } from '../../../src/config/dirs.js';
import { decodeOtlpProtobuf, flattenAttributes, startOtlpReceiver, type OtlpReceiver } from '../../helpers/otlp-receiver.js';
import { trustProject } from '../../helpers/trust.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

let rx: OtlpReceiver;
let down = false;
/** fail every logs request after this many (since the last reset) */
let failAfter = Infinity;
/** runs when a logs request arrives, before it is answered (the shipper is waiting meanwhile) */
let onLogsRequest: (() => void) | undefined;
/** answer 400 to every logs request that carries this text (a record the backend refuses for good) */
let rejectMarker: string | undefined;
beforeAll(async () => {
  rx = await startOtlpReceiver({
    grpc: true,
    respond: (req) => {
      if (req.signal === 'logs') onLogsRequest?.();
      if (req.signal === 'logs' && rejectMarker && JSON.stringify(req.body ?? {}).includes(rejectMarker)) return { status: 400, body: 'bad record' };
      return down || rx.bySignal('logs').indexOf(req) >= failAfter ? { status: 503 } : undefined;
    },
  });
});
afterAll(() => rx.close());

function world(env: Record<string, string> = {}): { ctx: Context; log: string; home: string } {
  const d = makeTempDir('cc-otel-ship');
  dirs.push(d);
  const home = d.path;
  const ctx = makeContext({ env: { HOME: home, CC_OTEL_BACKEND: 'local', CC_OTEL_ENDPOINT: rx.url, CC_OTEL_TEAM: 'platform', USER: 'ada', ...env }, cwd: home, homeDir: home });
  return { ctx, log: join(home, '.claude', 'logs', 'hooks.jsonl'), home };
}

/** The id a hook in this world stamps on its records: its destination, in the world's store. */
function destId(w: { ctx: Context }): string {
  return registerDestination(destinationStorePath(userDirs(w.ctx).state), destinationOf(loadConfig(w.ctx), w.ctx), Date.now()).id!;
}

let seq = 0;
function record(i: number, extra: Record<string, unknown> = {}, dest?: string): EventRecord {
  return buildEventRecord(
    { session_id: 'sess-1', prompt_id: 'prompt-1', tool_name: 'Bash', tool_use_id: `toolu_${i}`, duration_ms: 7, ...extra },
    { event: 'PostToolUse', now: Date.UTC(2026, 0, 1) + i, id: newEventId(Date.UTC(2026, 0, 1) + i) + String(seq++), attributes: { engineer: 'ada', team: 'platform' }, privacy: {}, ...(dest ? { dest } : {}) },
  );
}
/** `n` records as this world's hooks would write them (stamped with its destination id). */
function writeEvents(w: { ctx: Context; log: string }, n: number): string[] {
  const { log } = w;
  const dest = destId(w);
  const ids: string[] = [];
  let text = '';
  for (let i = 0; i < n; i++) {
    const r = record(i, {}, dest);
    ids.push(r.id);
    text += fitLine(r);
  }
  if (!existsSync(join(log, '..'))) spawnSync('mkdir', ['-p', join(log, '..')]);
  appendFileSync(log, text);
  return ids;
}
const ship = (w: { ctx: Context; log: string }, o: Partial<ShipOptions> = {}) => runShipper({ ctx: w.ctx, log: w.log, mode: 'flush', timeoutMs: 2000, ...o });
const arrivedIds = (includeRejected = false) => rx.logs({ includeRejected }).filter((l) => l.attributes['hook.event_name']).map((l) => String(l.attributes['log.record.uid']));

describe('OTLP mapping', () => {
  it('typed attributes joinable with Claude Code\'s events, survives the official serializer', () => {
    const rec = { ...record(1, { tool_input_bytes: 12 }), truncated: ['tool_response'] };
    const attrs = eventAttributes(rec);
    expect(attrs).toMatchObject({
      'event.name': 'cc_otel.hook.PostToolUse', // one name: the same as eventName and body
      'hook.event_name': 'PostToolUse',
      'log.record.uid': rec.id,
      'session.id': 'sess-1',
      'prompt.id': 'prompt-1',
      tool_use_id: 'toolu_1',
      tool_name: 'Bash',
      duration_ms: 7,
      engineer: 'ada',
    });
    expect(attrs).not.toHaveProperty('session_id');
    const resource = resourceFromAttributes(resourceAttributesFor({ team: 'platform' }));
    const bytes = ProtobufLogsSerializer.serializeRequest([toLogRecord(rec, resource, Date.now())])!;
    const decoded = decodeOtlpProtobuf('logs', bytes);
    const lr = decoded.resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
    expect(lr.body?.stringValue).toBe('cc_otel.hook.PostToolUse');
    expect(lr.eventName).toBe('cc_otel.hook.PostToolUse');
    expect(flattenAttributes(lr.attributes)['event.name']).toBe(lr.eventName);
    expect(String(lr.timeUnixNano)).toBe(String(BigInt(Date.UTC(2026, 0, 1) + 1) * 1_000_000n));
    const flat = flattenAttributes(lr.attributes);
    expect(flat.duration_ms).toBe(7);
    expect(lr.attributes!.find((a) => a.key === 'duration_ms')!.value!.intValue).toBeDefined(); // an int, not a string
    expect(lr.attributes!.find((a) => a.key === 'truncated')!.value!.arrayValue).toBeDefined();
    expect(flattenAttributes(decoded.resourceLogs![0]!.resource!.attributes)).toMatchObject({ 'service.name': 'cc-otel', team: 'platform' });
  });
});

describe('runShipper', () => {
  it.each(['http/protobuf', 'http/json', 'grpc'] as const)('%s: ships every event once, remembers, ships nothing twice', async (protocol) => {
    rx.reset();
    const w = world({ CC_OTEL_PROTOCOL: protocol, ...(protocol === 'grpc' ? { CC_OTEL_ENDPOINT: rx.grpcUrl! } : {}) });
    const ids = writeEvents(w, 7);
    const r1 = await ship(w, { limits: { maxRecords: 3, maxBytes: 1 << 20 } });
    expect(r1).toMatchObject({ status: 'ok', sent: 7, batches: 3, pending: 0, skipped: 0, protocol });
    expect(arrivedIds().sort()).toEqual([...ids].sort());
    const rec = rx.logs().find((l) => l.attributes['log.record.uid'] === ids[0])!;
    expect(rec.record.protocol).toBe(protocol);
    expect(rec.resource).toMatchObject({ 'service.name': 'cc-otel', team: 'platform', engineer: 'ada' });
    const r2 = await ship(w);
    expect(r2).toMatchObject({ status: 'ok', sent: 0, batches: 0 });
    expect(arrivedIds()).toHaveLength(7);
    const more = writeEvents(w, 2);
    expect(await ship(w)).toMatchObject({ sent: 2 });
    expect(arrivedIds().sort()).toEqual([...ids, ...more].sort());
  });

  it('backend down: nothing advances, back-off recorded, error logged; back up: everything arrives', async () => {
    rx.reset();
    const w = world();
    const ids = writeEvents(w, 5);
    down = true;
    try {
      const r = await ship(w, { timeoutMs: 300 });
      expect(r.status).toBe('failed');
      expect(r.pending).toBe(5);
      expect(r.error?.message).toMatch(/failed/);
    } finally {
      down = false;
    }
    const st = readShipState(eventLogPaths(w.log).state);
    expect(st.failures).toBe(1);
    expect(st.retryAt).toBeGreaterThan(Date.now());
    expect(Object.values(st.files).every((f) => f.offset === 0)).toBe(true);
    expect(readErrorLog(userDirs(w.ctx).state).at(-1)).toMatchObject({ command: 'flush', code: 'IO' });
    expect(arrivedIds()).toEqual([]);
    const r2 = await ship(w);
    expect(r2).toMatchObject({ status: 'ok', sent: 5 });
    expect(arrivedIds().sort()).toEqual([...ids].sort());
    const st2 = readShipState(eventLogPaths(w.log).state);
    expect(st2.failures).toBe(0);
    expect(st2.retryAt).toBeUndefined();
  });

  it('a record the backend refuses for good (400): bisected out to the dead-letter file, the rest ships, shipping goes on', async () => {
    rx.reset();
    const w = world();
    const ids = writeEvents(w, 3);
    const bad = record(3, { tool_use_id: 'toolu_POISON' }, destId(w));
    appendFileSync(w.log, fitLine(bad));
    ids.push(...writeEvents(w, 4));
    rejectMarker = 'toolu_POISON';
    let r;
    try {
      r = await ship(w, { limits: { maxRecords: 10, maxBytes: 1 << 20 } });
    } finally {
      rejectMarker = undefined;
    }
    expect(r).toMatchObject({ status: 'ok', sent: 7, deadLettered: 1, pending: 0 });
    expect(arrivedIds().sort()).toEqual([...ids].sort());
    const paths = eventLogPaths(w.log);
    const dead = readFileSync(paths.deadLetter, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; record: EventRecord });
    expect(dead.map((d) => d.record.id)).toEqual([bad.id]);
    expect(dead[0]!.reason).toMatch(/400/);
    expect(statSync(paths.deadLetter).mode & 0o777).toBe(0o600);
    const st = readShipState(paths.state);
    expect(st.failures).toBe(0);
    expect(st.retryAt).toBeUndefined();
    expect(readErrorLog(userDirs(w.ctx).state).at(-1)?.message).toMatch(/refused 1 event .*rejected/);
    // The offset moved past it: shipping continues, the bad record is not sent again.
    const more = writeEvents(w, 2);
    expect(await ship(w)).toMatchObject({ status: 'ok', sent: 2, deadLettered: 0 });
    expect(arrivedIds().sort()).toEqual([...ids, ...more].sort());
  });

  it('a symlink planted at hooks.jsonl.rejected (issue #11): refused, its target unchanged, the refused record stays unshipped', async () => {
    rx.reset();
    const w = world();
    writeEvents(w, 1);
    const bad = record(1, { tool_use_id: 'toolu_POISON' }, destId(w));
    appendFileSync(w.log, fitLine(bad));
    const paths = eventLogPaths(w.log);
    const target = join(w.home, '.bashrc');
    writeFileSync(target, 'export A=1\n');
    symlinkSync(target, paths.deadLetter);
    rejectMarker = 'toolu_POISON';
    let r;
    try {
      r = await ship(w, { limits: { maxRecords: 10, maxBytes: 1 << 20 } });
    } finally {
      rejectMarker = undefined;
    }
    expect(readFileSync(target, 'utf8')).toBe('export A=1\n');
    expect(r).toMatchObject({ status: 'failed', deadLettered: 0 });
    expect(r?.error?.message).toMatch(/refusing to write the dead-letter file .*symbolic link/);
    expect(r?.pending).toBeGreaterThan(0); // the offset did not move past the refused record
  });

  it('a failure mid-way keeps the acknowledged batches: the next run sends only the rest', async () => {
    rx.reset();
    const w = world();
    const ids = writeEvents(w, 6);
    failAfter = 2; // 2 batches are acknowledged, then the backend fails
    let r;
    try {
      r = await ship(w, { limits: { maxRecords: 2, maxBytes: 1 << 20 }, timeoutMs: 300 });
    } finally {
      failAfter = Infinity;
    }
    expect(r).toMatchObject({ status: 'failed', sent: 4, pending: 2 });
    expect(arrivedIds().sort()).toEqual(ids.slice(0, 4).sort());
    const r2 = await ship(w, { limits: { maxRecords: 2, maxBytes: 1 << 20 } });
    expect(r2).toMatchObject({ status: 'ok', sent: 2 }); // progress was remembered: only the rest
    expect(arrivedIds().sort()).toEqual([...ids].sort());
  });

  it('the log rotates while a batch is in flight: nothing skipped, nothing attributed to the wrong file', async () => {
    rx.reset();
    const w = world();
    // Two files when the shipper scans: hooks.jsonl.1 and hooks.jsonl.
    const ids = writeEvents(w, 3);
    rotateLog(w.log, { rotateBytes: 1, keep: 5, now: Date.now() });
    ids.push(...writeEvents(w, 3));
    let rotations = 0;
    onLogsRequest = () => {
      // While the first batch of hooks.jsonl.1 is in flight: hooks.jsonl.1 → .2, hooks.jsonl → .1,
      // and a new hooks.jsonl, bigger than the scanned one, that a path-based read would mistake for it.
      if (rotations++ > 0) return;
      rotateLog(w.log, { rotateBytes: 1, keep: 5, now: Date.now() });
      ids.push(...writeEvents(w, 8));
    };
    let r;
    try {
      r = await ship(w, { limits: { maxRecords: 1, maxBytes: 1 << 20 } });
    } finally {
      onLogsRequest = undefined;
    }
    expect(r).toMatchObject({ status: 'ok', pending: 0, skipped: 0 });
    expect(arrivedIds().sort()).toEqual([...ids].sort()); // each event exactly once
    expect(await ship(w)).toMatchObject({ status: 'ok', sent: 0 });
  });

  it('skips foreign lines (another tool\'s hooks.jsonl) and still ships ours', async () => {
    rx.reset();
    const w = world();
    const ids = writeEvents(w, 1);
    appendFileSync(w.log, '{"ts":"2026-01-01","hook":"Stop"}\nnot json\n');
    ids.push(...writeEvents(w, 1));
    expect(await ship(w)).toMatchObject({ status: 'ok', sent: 2, skipped: 2 });
    expect(arrivedIds().sort()).toEqual(ids.sort());
  });

  it('busy while a live shipper holds the lock; takes over from a dead one', async () => {
    const w = world();
    writeEvents(w, 1);
    const paths = eventLogPaths(w.log);
    tryLock(paths.shipLock, Date.now(), 600_000, process.ppid); // a live "other" shipper
    expect(await ship(w, { waitForLockMs: 150 })).toMatchObject({ status: 'busy', holder: process.ppid });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(paths.shipLock, JSON.stringify({ pid: dead, at: Date.now() }));
    expect(await ship(w)).toMatchObject({ status: 'ok', sent: 1 });
    expect(existsSync(paths.shipLock)).toBe(false);
  });

  it('background: lingers for lines appended while it runs, then releases the lock', async () => {
    rx.reset();
    const w = world();
    const ids = writeEvents(w, 2);
    const late: string[] = [];
    setTimeout(() => late.push(...writeEvents(w, 3)), 250);
    const r = await ship(w, { mode: 'background', lingerMs: 600 });
    expect(r.status).toBe('ok');
    expect(arrivedIds().sort()).toEqual([...ids, ...late].sort());
    expect(existsSync(eventLogPaths(w.log).shipLock)).toBe(false);
  });

  it('no log directory (never written, or deleted with a temp HOME): nothing shipped, nothing created', async () => {
    const w = world();
    expect(await ship(w, { mode: 'background', lingerMs: 0 })).toMatchObject({ status: 'ok', sent: 0 });
    expect(existsSync(join(w.log, '..'))).toBe(false);
    expect(existsSync(userDirs(w.ctx).state)).toBe(false);
  });

  it('disabled when not configured, or events.ship is false', async () => {
    const w = world({ CC_OTEL_BACKEND: '' });
    writeEvents(w, 1);
    expect(await ship(w)).toMatchObject({ status: 'disabled' });
    // A project under HOME (HOME itself is not searched for a project file), trusted by the user.
    const w2 = world();
    const proj = join(w2.home, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, '.cc-otel.json'), JSON.stringify({ events: { ship: false } }));
    trustProject(proj, w2.ctx);
    writeEvents(w2, 1);
    expect(await ship({ ...w2, ctx: { ...w2.ctx, cwd: proj } })).toMatchObject({ status: 'disabled', error: { message: expect.stringMatching(/events.ship/) } });
  });

  it('a required key that cannot be resolved: failed with the key error, nothing sent', async () => {
    rx.reset();
    const w2 = world({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:NOPE_KEY' });
    writeEvents(w2, 1);
    const r2 = await ship(w2);
    expect(r2.status).toBe('failed');
    expect(r2.error?.code).toMatch(/KEY_/);
    expect(arrivedIds()).toEqual([]);
  });
});

describe('groupByDestination', () => {
  it('a record goes only where its store id says; the shipper\'s own destination, found by id, is its own route', () => {
    const own: Destination = { dir: '/own', config: '/own/.cc-otel.json' };
    const other: Destination = { dir: '/other', env: { CC_OTEL_ENDPOINT: 'http://other' } };
    const store = new Map<unknown, Destination>([['a'.repeat(32), own], ['b'.repeat(32), other]]);
    const recs = ['a'.repeat(32), 'b'.repeat(32), { ...own }, undefined, 'c'.repeat(32), 'a'.repeat(32)].map((dest, i) => ({ ...record(i), dest }) as EventRecord);
    const groups = groupByDestination(recs, destinationKey(own), (id) => store.get(id));
    expect(groups.map((g) => ({ key: g.key, dest: g.dest, n: g.records.length }))).toEqual([
      { key: '', dest: own, n: 2 },
      { key: destinationKey(other), dest: other, n: 1 },
      // an object (forged, or an older cc-otel's), none, an unknown id: never routed
      { key: UNRECORDED, dest: undefined, n: 3 },
    ]);
  });
});
