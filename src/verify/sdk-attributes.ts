/**
 * OTEL_RESOURCE_ATTRIBUTES as the real OpenTelemetry JS SDK reads it — Claude Code's own exporter
 * is built on it, so what `envDetector` returns is what Claude Code sends (style.md habit 5: the
 * SDK's parser is the oracle, here at run time too).
 *
 * The detector's only interface is the process environment, so the value is swapped in for the
 * synchronous detect() call and restored at once (nothing else can run in between).
 */
import { parseResourceAttributes } from '../otel/resource-attributes.js';

export interface SdkParse {
  attributes: Record<string, string>;
  /** the SDK silently discarded the whole variable; `reason` from cc-otel's own parser */
  discarded: boolean;
  reason?: string;
}

export async function parseWithSdk(raw: string): Promise<SdkParse> {
  const { envDetector } = await import('@opentelemetry/resources');
  const saved = { attrs: process.env.OTEL_RESOURCE_ATTRIBUTES, name: process.env.OTEL_SERVICE_NAME };
  let attributes: Record<string, string> = {};
  try {
    process.env.OTEL_RESOURCE_ATTRIBUTES = raw;
    delete process.env.OTEL_SERVICE_NAME;
    const detected = envDetector.detect().attributes ?? {};
    for (const [k, v] of Object.entries(detected)) attributes[k] = String(v);
  } finally {
    if (saved.attrs === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = saved.attrs;
    if (saved.name !== undefined) process.env.OTEL_SERVICE_NAME = saved.name;
  }
  const nonEmpty = raw.split(',').some((e) => e.trim() !== '');
  if (nonEmpty && Object.keys(attributes).length === 0) {
    let reason = 'the OpenTelemetry SDK rejected it';
    try {
      parseResourceAttributes(raw);
    } catch (e) {
      reason = (e as Error).message;
    }
    attributes = {};
    return { attributes, discarded: true, reason };
  }
  return { attributes, discarded: false };
}

/** Keys whose values differ between two maps (missing on either side counts). */
export function attributeDiff(want: Readonly<Record<string, string>>, got: Readonly<Record<string, string>>): string[] {
  const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
  return [...keys].filter((k) => want[k] !== got[k]).sort();
}
