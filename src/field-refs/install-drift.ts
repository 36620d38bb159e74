/**
 * What `install` wrote from a reference, against what the reference gives now (issue #17).
 *
 * Claude Code's own exporter takes its endpoint from the settings `env` (or the process
 * environment) and nothing else: the headers helper supplies headers only, and the SessionStart
 * hook's $CLAUDE_ENV_FILE reaches tools run from Bash, not the exporter (claude-code-facts §1).
 * So a preset field read from the secret store is written into the settings file as it resolved
 * at install time — it is not secret (the auth headers stay with the helper) — and `status` and
 * `verify` say "re-run install" once the reference resolves to something else. Pure: no I/O.
 */
import type { LoadedConfig } from '../config/load.js';
import { formatSource, settingsEnv, type TelemetryPlan } from '../otel/build-env.js';
import type { FieldResolution } from './resolve.js';

export interface RefDrift {
  variable: string;
  /** the settings file cc-otel wrote it into */
  scope: string;
  path: string;
  installed: string;
  now: string;
  /** the fields read from the secret store, with their reference ("endpoint ← gcp-sm://… json "grpc"") */
  fields: string[];
  message: string;
  fix: string;
}

export interface InstalledEnv {
  /** variable → the value Claude Code gets, and the settings file it comes from */
  env: Readonly<Record<string, { value: string; source: string; path: string | null }>>;
  /** the files cc-otel installed into, with the env keys it owns there */
  installs: ReadonlyArray<{ source: string; path: string; envKeys: readonly string[] }>;
}

/** The settings variables a preset field shapes (the auth-header fields shape none: the helper carries them). */
const FEEDS: ReadonlyArray<[RegExp, RegExp]> = [
  [/^(endpoint|region|site)$/, /^OTEL_EXPORTER_OTLP_(?:(?:TRACES|METRICS|LOGS)_)?ENDPOINT$|^OTEL_EXPORTER_OTLP_INSECURE$/],
  [/^(dataset|datasets\.\w+)$/, /^OTEL_EXPORTER_OTLP_(?:TRACES|METRICS|LOGS)_HEADERS$/],
  [/^ingestionVersion$/, /^OTEL_EXPORTER_OTLP_HEADERS$/],
];

export function refDrift(plan: TelemetryPlan, loaded: LoadedConfig, fields: readonly FieldResolution[], installed: InstalledEnv, mask: (key: string, value: string) => string = (_k, v) => v): RefDrift[] {
  if (!fields.length) return [];
  const out: RefDrift[] = [];
  for (const [variable, now] of Object.entries(settingsEnv(plan))) {
    // Only what a field read from the store shapes: another difference (a team, an attribute) is not this warning's.
    const feeding = fields.filter((f) => FEEDS.some(([field, vars]) => field.test(f.field) && vars.test(variable)));
    if (!feeding.length) continue;
    const e = installed.env[variable];
    if (!e || e.path === null || e.value === now) continue;
    const from = feeding.map((f) => `${f.field} ← ${loaded.sources[f.field]?.ref ?? formatSource(loaded.sources[f.field], f.field)}`);
    const ours = installed.installs.some((i) => i.path === e.path && i.source === e.source && i.envKeys.includes(variable));
    if (!ours) continue;
    const fix = `re-run \`cc-otel install${e.source === 'user' ? '' : ` --scope ${e.source}`}\``;
    out.push({
      variable,
      scope: e.source,
      path: e.path,
      installed: mask(variable, e.value),
      now: mask(variable, now),
      fields: from,
      message: `${variable} in ${e.source} settings ${e.path} is ${mask(variable, e.value)}, written at install time; the config now gives ${mask(variable, now)} (it reads ${from.join('; ')} from the secret store, which now resolves differently)`,
      fix,
    });
  }
  return out;
}
