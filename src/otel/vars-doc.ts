/** docs/env-vars.md, rendered from the definitions tables (vars.ts, config schema, presets). */
import { CC_OTEL_INPUTS, OTEL_OUTPUTS } from './vars.js';
import { CONFIG_FIELDS, type FieldSpec } from '../config/schema.js';
import { PRESETS } from '../backends/index.js';

function typeOf(f: FieldSpec): string {
  switch (f.type) {
    case 'enum':
      return f.choices.map((c) => `\`${c}\``).join(' \\| ');
    case 'int':
      return `integer ${f.min}–${f.max}`;
    case 'stringArray':
      // Key references: one string is a one-element chain (schema.ts normalises it).
      if (f.keyRefs) return 'string or array of strings';
      return f.itemChoices ? `array of ${f.itemChoices.map((c) => `\`${c}\``).join(' \\| ')}` : 'array of strings';
    case 'stringMap':
      return f.keys ? `object: ${f.keys.map((c) => `\`${c}\``).join(', ')}` : 'object of strings';
    default:
      return f.type;
  }
}

function configRows(fields: Readonly<Record<string, FieldSpec>>, prefix = ''): string[] {
  const rows: string[] = [];
  for (const [k, f] of Object.entries(fields)) {
    if (k === '$schema') continue;
    if (f.type === 'object') rows.push(...configRows(f.fields, `${prefix}${k}.`));
    else rows.push(`| \`${prefix}${k}\` | ${typeOf(f)}${f.refable ? ', or from the secret store: `{"ref", "json"}` or a list of references (docs/field-refs.md)' : f.type === 'stringMap' && f.refableValues ? '; each value may be from the secret store: `{"ref", "json"}` (docs/field-refs.md)' : ''} | ${f.description} |`);
  }
  return rows;
}

export function renderEnvVarsDoc(): string {
  const out: string[] = [];
  out.push('# Variables and configuration keys', '');
  out.push('<!-- Generated from src/otel/vars.ts, src/config/schema.ts and src/backends/ by `npm run docs:env`. Do not edit by hand: a test fails when this file is stale. -->', '');
  out.push('## What cc-otel writes', '');
  out.push('Written to the settings `env` block (non-secret ones), `$CLAUDE_ENV_FILE`, `cc-otel env` and `cc-otel exec`. Secret ones are masked unless `--reveal` and never written to a settings file.', '');
  out.push('| variable | secret | meaning |', '|---|---|---|');
  for (const v of OTEL_OUTPUTS) out.push(`| \`${v.name}\` | ${v.secret ? 'yes (when it carries auth)' : ''} | ${v.description} |`);
  out.push('', '## What cc-otel reads', '');
  out.push('| variable | overrides config key | meaning |', '|---|---|---|');
  for (const v of CC_OTEL_INPUTS) out.push(`| \`${v.name}\` | ${v.configKey ? `\`${v.configKey}\`` : ''} | ${v.description} |`);
  out.push('', '## Config file keys', '');
  out.push('`.cc-otel.json` (project) and `~/.config/cc-otel/config.json` (user). Unknown keys are an error.', '');
  out.push('| key | type | meaning |', '|---|---|---|');
  out.push(...configRows(CONFIG_FIELDS));
  out.push('', '## Backend presets', '');
  out.push('| backend | protocols | signals | temporality | key | fields |', '|---|---|---|---|---|---|');
  for (const p of Object.values(PRESETS)) {
    const fields = p.fields.map((f) => `\`${f.name}\`${f.required ? ' (required)' : ''}`).join(', ');
    out.push(`| \`${p.name}\` — ${p.title} | ${p.protocols.join(', ')} | ${p.signals.join(', ')} | ${p.temporality} | ${p.key} | ${fields} |`);
  }
  out.push('');
  return out.join('\n');
}
