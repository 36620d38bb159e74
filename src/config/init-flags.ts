/**
 * `cc-otel init`'s preset-field flags, derived from the presets (backends/*.ts) and typed by the
 * config schema: a new preset field is a new flag, with no second list to keep. Kept apart from
 * init-plan.ts so registering the command loads only this (the plan loads lazily).
 */
import { PRESETS, type PresetConfig } from '../backends/index.js';
import { CONFIG_FIELDS } from './schema.js';

/** One `--<flag>` per distinct preset field, in the order the presets declare them. */
export interface InitFieldFlag {
  field: keyof PresetConfig;
  /** e.g. "--instance-id" */
  flag: string;
  /** commander's attribute name for it (= field) */
  attr: string;
  /** the value on the command line: a string, or NAME=VALUE pairs for a map field (datasets) */
  kind: 'string' | 'map';
  /** the presets that have this field */
  presets: string[];
  description: string;
}

export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function fieldFlags(): InitFieldFlag[] {
  const out = new Map<string, InitFieldFlag>();
  for (const p of Object.values(PRESETS)) {
    for (const f of p.fields) {
      const known = out.get(f.name);
      if (known) {
        known.presets.push(p.name);
        continue;
      }
      const spec = CONFIG_FIELDS[f.name];
      const kind = spec?.type === 'stringMap' ? 'map' : 'string';
      out.set(f.name, {
        field: f.name,
        flag: `--${kebab(f.name)}`,
        attr: f.name,
        kind,
        presets: [p.name],
        description: spec?.description ?? f.description,
      });
    }
  }
  return [...out.values()];
}

export const INIT_FIELD_FLAGS: readonly InitFieldFlag[] = fieldFlags();

