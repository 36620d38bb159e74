/** The config-overriding flags shared by env, install and verify (precedence level 1). */
import { Option, type Command } from 'commander';
import { PRESET_NAMES } from '../backends/index.js';
import { PROTOCOLS } from '../otel/endpoint.js';
import type { Config } from '../config/schema.js';
import type { InstallFlags } from '../claude/install-plan.js';

/** The same shape install persists as CC_OTEL_* (one definition, in the core). */
export type ConfigFlagValues = InstallFlags;

export function addConfigFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--backend <name>', 'backend preset').choices(PRESET_NAMES))
    .option('--endpoint <url>', 'OTLP base URL (overrides the preset)')
    .addOption(new Option('--protocol <protocol>', 'OTLP protocol').choices(PROTOCOLS))
    .option('--region <region>', 'preset region')
    .option('--team <team>', 'team attribute')
    .option('--org <org>', 'org attribute')
    .option('--engineer <name>', 'engineer attribute (default $USER)')
    .option('--key <ref...>', 'key references, in order (env:NAME, dotenv:NAME, op://…, gcp-sm://…)')
    .option('--config <file>', 'use this config file only (same as CC_OTEL_CONFIG)');
}

export function flagsToConfig(o: ConfigFlagValues): { flags: Config; flagNames: Record<string, string> } {
  const flags: Record<string, unknown> = {};
  const flagNames: Record<string, string> = {};
  for (const k of ['backend', 'endpoint', 'protocol', 'region', 'team', 'org', 'engineer', 'key'] as const) {
    if (o[k] !== undefined) {
      flags[k] = o[k];
      flagNames[k] = `--${k}`;
    }
  }
  return { flags: flags as Config, flagNames };
}

/** --config is sugar for CC_OTEL_CONFIG: apply it to the env the context carries. */
export function envWithConfigFlag(env: Record<string, string | undefined>, o: ConfigFlagValues): Record<string, string | undefined> {
  return o.config ? { ...env, CC_OTEL_CONFIG: o.config } : env;
}
