// Shared, state-free builders for the core unit tests: a LoadedConfig straight from a Config
// (what loadConfig would return for one file), so preset tests don't need a file tree.
import type { LoadedConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { buildTelemetry, type ResolvedKey, type TelemetryPlan } from '../../../src/otel/build-env.js';
import type { Env } from '../../../src/context.js';

export function loaded(config: Config, files: LoadedConfig['files'] = []): LoadedConfig {
  return { config, sources: {}, files, configured: true, projectDir: undefined, userConfigDir: '/nonexistent-config' };
}

export const KEY = 'k3y+/AB=='; // base64-ish: '+', '/', '='

export function build(config: Config, opts: { env?: Env; key?: string | undefined; sessionId?: string; user?: string } = {}): TelemetryPlan {
  const key: ResolvedKey | undefined = 'key' in opts ? (opts.key === undefined ? undefined : { value: opts.key, detail: 'test' }) : { value: KEY, detail: 'test' };
  return buildTelemetry(loaded(config), {
    env: opts.env ?? {},
    user: opts.user,
    key,
    ...(opts.sessionId !== undefined ? { sessionId: opts.sessionId } : {}),
  });
}

export function varsOf(plan: TelemetryPlan): Record<string, string> {
  return Object.fromEntries(plan.vars.map((v) => [v.name, v.value]));
}
