/**
 * One hook event → one record (a line of the local JSONL log, later one OTLP log record). Pure:
 * the hook input, the time, an id and the config switches go in; a value comes out.
 *
 * Privacy (off by default, the config's `privacy` switches — the same ones that drive Claude Code's
 * OTEL_LOG_* flags): prompt text only with `prompts`, tool input only with `toolDetails`, tool output
 * and error text only with `toolContent`, the last assistant message only with `assistantResponses`.
 * Otherwise only their sizes (`<field>_bytes`). Unknown fields of unknown future events keep numbers,
 * booleans and identifier-like strings; anything else is reduced to its size too.
 */
import type { Config } from '../config/schema.js';
import type { Env } from '../context.js';
import { isoTime } from '../log/iso-time.js';

export const RECORD_VERSION = 1;
/** A line never exceeds this (content fields are cut first, see fitLine). */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Every line cc-otel writes to an event log starts so: `id` is a record's first key (buildEventRecord,
 * fitLine; `jq -c .record` of a dead letter keeps the order). Appending to an existing file requires
 * it (event-log.ts), so cc-otel never appends to a file that is not its log.
 */
export const LINE_PREFIX = '{"id":"';
const LINE_PREFIX_BYTES = Buffer.from(LINE_PREFIX, 'latin1');
/** The bytes startsLikeEventLog needs for its fast answer. */
export const LINE_PREFIX_LENGTH = LINE_PREFIX_BYTES.length;

/** `head` starts with LINE_PREFIX (a byte loop: cheaper on a hook's first call than subarray + equals). */
export function hasLinePrefix(head: Uint8Array): boolean {
  if (head.length < LINE_PREFIX_LENGTH) return false;
  for (let i = 0; i < LINE_PREFIX_LENGTH; i++) if (head[i] !== LINE_PREFIX_BYTES[i]) return false;
  return true;
}

/**
 * Does `head` — the first bytes of a file — start like a cc-otel event log? The fast answer is the
 * prefix; a log whose keys were reordered (`jq -S`) passes when its first whole line parses as a
 * record (then `head` must hold that line: up to MAX_LINE_BYTES + 1 bytes).
 */
export function startsLikeEventLog(head: Uint8Array): boolean {
  if (hasLinePrefix(head)) return true;
  const nl = head.indexOf(0x0a);
  if (nl < 0 || head[0] !== 0x7b) return false;
  try {
    const v = JSON.parse(Buffer.from(head.buffer, head.byteOffset, nl).toString('utf8')) as Partial<EventRecord> | null;
    return !!v && typeof v === 'object' && typeof v.id === 'string' && v.v === RECORD_VERSION;
  } catch {
    return false;
  }
}
type Scalar = string | number | boolean;

export interface EventRecord {
  /** ULID: unique, time-ordered; OTLP `log.record.uid` — the key to drop duplicates on */
  id: string;
  /** ISO 8601, when the hook ran */
  time: string;
  /** Claude Code's hook_event_name (PreToolUse, …) */
  event: string;
  v: number;
  session_id?: string;
  prompt_id?: string;
  tool_name?: string;
  tool_use_id?: string;
  cwd?: string;
  source?: string;
  reason?: string;
  duration_ms?: number;
  permission_mode?: string;
  engineer?: string;
  team?: string;
  org?: string;
  /** id of the config identity it was recorded under, in the user's destination store (destination-store.ts): the shipper ships it there */
  dest?: string;
  /** metadata of specific events: agent_id, agent_type, notification_type, trigger, effort, … */
  [field: string]: unknown;
}

export interface RecordOptions {
  /** the event name (input's hook_event_name, else from the command argument) */
  event: string;
  now: number;
  id: string;
  attributes: { engineer?: string | undefined; team?: string | undefined; org?: string | undefined };
  privacy: NonNullable<Config['privacy']>;
  /** destination-store id */
  dest?: string;
}

/** Top-level input fields copied as they are when they have the right type. */
const METADATA: Readonly<Record<string, 'string' | 'number' | 'boolean'>> = {
  session_id: 'string',
  prompt_id: 'string',
  tool_name: 'string',
  tool_use_id: 'string',
  cwd: 'string',
  source: 'string',
  reason: 'string',
  duration_ms: 'number',
  permission_mode: 'string',
  transcript_path: 'string',
  agent_id: 'string',
  agent_type: 'string',
  agent_transcript_path: 'string',
  notification_type: 'string',
  trigger: 'string',
  stop_hook_active: 'boolean',
  is_interrupt: 'boolean',
  model: 'string',
  old_cwd: 'string',
  new_cwd: 'string',
  file_path: 'string',
  // Notification text is Claude Code's own UI string ("Claude needs your permission to use Bash").
  message: 'string',
  title: 'string',
};

/** Content fields: included only with their privacy switch, else only `<field>_bytes`. */
const CONTENT: Readonly<Record<string, keyof NonNullable<Config['privacy']>>> = {
  prompt: 'prompts',
  custom_instructions: 'prompts',
  tool_input: 'toolDetails',
  tool_response: 'toolContent',
  error: 'toolContent',
  last_assistant_message: 'assistantResponses',
};
export const CONTENT_FIELDS: readonly string[] = Object.keys(CONTENT);

/** Input fields that are structure, not data: never copied (hook_event_name becomes `event`). */
const SKIP = new Set(['hook_event_name', 'effort', 'background_tasks', 'session_crons', 'dest']);
const MAX_METADATA_CHARS = 1024;
const IDENTIFIER = /^[\w.:@/+-]{1,128}$/;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function sizeOf(v: unknown): number {
  if (typeof v === 'string') return utf8Bytes(v);
  try {
    return utf8Bytes(JSON.stringify(v) ?? '');
  } catch {
    return 0;
  }
}

export function buildEventRecord(input: Readonly<Record<string, unknown>>, opts: RecordOptions): EventRecord {
  const rec: EventRecord = { id: opts.id, time: isoTime(opts.now), event: opts.event, v: RECORD_VERSION };
  for (const [key, type] of Object.entries(METADATA)) {
    const v = input[key];
    if (typeof v !== type) continue;
    rec[key] = typeof v === 'string' && v.length > MAX_METADATA_CHARS ? `${v.slice(0, MAX_METADATA_CHARS)}…` : v;
  }
  const effort = input.effort;
  if (effort && typeof effort === 'object' && typeof (effort as { level?: unknown }).level === 'string') rec.effort = (effort as { level: string }).level;
  if (Array.isArray(input.background_tasks)) rec.background_tasks = input.background_tasks.length;
  for (const [k, v] of Object.entries(opts.attributes)) if (v) rec[k] = v;
  if (opts.dest) rec.dest = opts.dest;

  for (const [key, value] of Object.entries(input)) {
    if (Object.hasOwn(METADATA, key) || SKIP.has(key) || value === undefined || value === null) continue;
    const switchName = CONTENT[key];
    if (switchName) {
      rec[`${key}_bytes`] = sizeOf(value);
      if (opts.privacy[switchName] === true) rec[key] = value;
      continue;
    }
    // An unknown field (a new event, a new Claude Code version): keep what cannot be content.
    if (typeof value === 'number' || typeof value === 'boolean') rec[key] = value;
    else if (typeof value === 'string' && IDENTIFIER.test(value)) rec[key] = value;
    else rec[`${key}_bytes`] = sizeOf(value);
  }
  return rec;
}

/**
 * Serialise a record as one JSONL line (with the newline), at most `maxBytes`: when too long, the
 * biggest content fields are cut (objects become their JSON text, cut) and listed in `truncated`.
 */
export function fitLine(rec: EventRecord, maxBytes = MAX_LINE_BYTES): string {
  let line = `${JSON.stringify(rec)}\n`;
  if (utf8Bytes(line) <= maxBytes) return line;
  const out: EventRecord = { ...rec };
  const truncated: string[] = [];
  for (let round = 0; round < 2 * CONTENT_FIELDS.length && utf8Bytes(line) > maxBytes; round++) {
    const biggest = CONTENT_FIELDS.filter((k) => out[k] !== undefined && out[k] !== '…')
      .map((k) => ({ k, text: typeof out[k] === 'string' ? (out[k] as string) : (JSON.stringify(out[k]) ?? '') }))
      .sort((a, b) => utf8Bytes(b.text) - utf8Bytes(a.text))[0];
    if (!biggest) break;
    if (!truncated.includes(biggest.k)) truncated.push(biggest.k);
    out.truncated = truncated;
    out[biggest.k] = '';
    const room = maxBytes - utf8Bytes(JSON.stringify(out)) - 1 - 8;
    // JSON escaping can make the text longer than its UTF-8 bytes: scale the cut by that ratio.
    const ratio = utf8Bytes(JSON.stringify(biggest.text)) / Math.max(1, utf8Bytes(biggest.text));
    out[biggest.k] = cutUtf8(biggest.text, Math.floor(Math.max(0, room) / ratio) - 4);
    line = `${JSON.stringify(out)}\n`;
  }
  if (utf8Bytes(line) <= maxBytes) return line;
  // Metadata alone is too big (absurd input): keep what identifies the event.
  // …and where it goes: without `dest` it would not be shipped at all.
  const minimal: EventRecord = { id: rec.id, time: rec.time, event: rec.event, v: rec.v, ...(rec.dest ? { dest: rec.dest } : {}), truncated: ['*'] };
  for (const k of ['session_id', 'prompt_id', 'tool_name', 'tool_use_id']) if (typeof rec[k] === 'string') minimal[k] = (rec[k] as string).slice(0, 256);
  return `${JSON.stringify(minimal)}\n`;
}

/** The first `bytes` bytes of `s` as text, never splitting a character, plus an ellipsis. */
export function cutUtf8(s: string, bytes: number): string {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= bytes) return s;
  let end = Math.max(0, bytes);
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // don't end inside a multi-byte sequence
  return `${buf.subarray(0, end).toString('utf8')}…`;
}

/** engineer / team / org, with the same precedence as the resource attributes (build-env.ts). */
export function recordAttributes(config: Config, env: Env, osUser: string | undefined): RecordOptions['attributes'] {
  const engineer = config.engineer ?? (env.USER || env.USERNAME || env.LOGNAME || osUser);
  return { engineer: engineer || undefined, team: config.team, org: config.org };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits, 26 characters,
 * sortable by time. Math.random rather than node:crypto keeps crypto off the hook's hot path; V8
 * seeds it per process from the OS, and uniqueness (not secrecy) is all an event id needs.
 */
export function newEventId(now: number, random: () => number = Math.random): string {
  let t = Math.max(0, Math.floor(now));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[Math.floor(random() * 32) & 31]!;
  return time + rand;
}
