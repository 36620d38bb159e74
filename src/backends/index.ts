/** The preset registry: a lookup table, one file per backend beside this one. */
import type { Preset } from './types.js';
import { local } from './local.js';
import { otlp } from './otlp.js';
import { signoz, signozCloud } from './signoz.js';
import { grafanaCloud } from './grafana-cloud.js';
import { honeycomb } from './honeycomb.js';
import { datadog } from './datadog.js';
import { newrelic } from './newrelic.js';
import { dynatrace } from './dynatrace.js';
import { axiom } from './axiom.js';
import { langfuse } from './langfuse.js';

export const PRESETS: Readonly<Record<string, Preset>> = Object.fromEntries(
  [local, otlp, signozCloud, signoz, grafanaCloud, honeycomb, datadog, newrelic, dynatrace, axiom, langfuse].map((p) => [p.name, p]),
);

export const PRESET_NAMES: readonly string[] = Object.keys(PRESETS);

export function getPreset(name: string): Preset | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
}

export type { Preset, PresetConfig, Temporality } from './types.js';
