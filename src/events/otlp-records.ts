/**
 * Event record → OTLP log record, for the official OTel exporters (which take the SDK's
 * ReadableLogRecord). Pure. Attribute names follow Claude Code's own events where they overlap, so
 * the two join: `session.id`, `prompt.id` (claude-code-facts §4: equal to Claude Code's), and
 * `tool_use_id`, `tool_name`, `duration_ms` as Claude Code spells them. `log.record.uid` (OTel
 * semantic conventions) carries the event id — the key to drop the duplicates that at-least-once
 * delivery may produce.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Resource } from '@opentelemetry/resources';
import type { AnyValue, LogAttributes } from '@opentelemetry/api-logs';
import type { EventRecord } from './record.js';

declare const __CC_OTEL_VERSION__: string | undefined;
export const SCOPE_VERSION = typeof __CC_OTEL_VERSION__ === 'string' ? __CC_OTEL_VERSION__ : '0.0.0-dev';
export const SCOPE = { name: 'cc-otel/hook-events', version: SCOPE_VERSION };
const SEVERITY_INFO = 9;

/** Record keys renamed to Claude Code's attribute names. */
const RENAMED: Readonly<Record<string, string>> = { session_id: 'session.id', prompt_id: 'prompt.id' };
/** Record keys that become fields of the log record rather than attributes. */
const STRUCTURAL = new Set(['id', 'time', 'event', 'v', 'dest']);

/**
 * The one name of a hook event in OTLP — the record's `eventName`, its body and its `event.name`
 * attribute alike (docs/events.md), so a query on any of them finds the same records.
 */
export const hookEventName = (event: string): string => `cc_otel.hook.${event}`;

export function eventAttributes(rec: EventRecord): LogAttributes {
  const attrs: LogAttributes = {
    'event.name': hookEventName(rec.event),
    'hook.event_name': rec.event,
    'log.record.uid': rec.id,
    'event.timestamp': rec.time,
  };
  for (const [k, v] of Object.entries(rec)) {
    if (STRUCTURAL.has(k) || v === undefined || v === null) continue;
    attrs[RENAMED[k] ?? k] = toAttributeValue(v);
  }
  return attrs;
}

/** Strings, numbers, booleans and string arrays stay typed; other objects become their JSON text. */
function toAttributeValue(v: unknown): AnyValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function hrTimeOf(ms: number): [number, number] {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

export function toLogRecord(rec: EventRecord, resource: Resource, observedMs: number): ReadableLogRecord {
  const t = Date.parse(rec.time);
  return {
    hrTime: hrTimeOf(Number.isFinite(t) ? t : observedMs),
    hrTimeObserved: hrTimeOf(observedMs),
    severityNumber: SEVERITY_INFO,
    severityText: 'INFO',
    body: hookEventName(rec.event),
    eventName: hookEventName(rec.event),
    resource,
    instrumentationScope: SCOPE,
    attributes: eventAttributes(rec),
    droppedAttributesCount: 0,
  };
}

/** The resource of shipped events: the plan's attributes, named `cc-otel` unless the user named it. */
export function resourceAttributesFor(planAttributes: Readonly<Record<string, string>>): Record<string, string> {
  return { 'service.name': 'cc-otel', 'service.version': SCOPE_VERSION, ...planAttributes };
}
