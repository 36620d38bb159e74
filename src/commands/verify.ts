/** `cc-otel verify` — is Claude Code's telemetry reaching the backend, and if not, exactly why (docs/verify.md). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { addConfigFlags, envWithConfigFlag, flagsToConfig, type ConfigFlagValues } from './config-flags.js';

interface VerifyFlags extends ConfigFlagValues {
  json?: boolean;
  strict?: boolean;
  timeout?: number;
  query?: boolean;
  wait?: number;
  skip?: string[];
  projectDir?: string;
  managedDir?: string;
  settings?: string;
}

function positiveMs(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n <= 0) throw new InvalidArgumentError('expected a positive number of milliseconds, e.g. 30000');
  return n;
}

export function define(program: Command, getCtx: () => Context): void {
  addConfigFlags(
    program
      .command('verify')
      .description('prove Claude Code telemetry reaches the backend: config, key, environment, Claude Code settings, a probe per signal, and (--query) read-back')
      .option('--json', 'print the result as JSON (same checks, same exit code)')
      .option('--strict', 'also fail (exit 1) on warnings')
      .addOption(new Option('--timeout <ms>', 'bound the whole run (default 60000, plus --wait with --query)').argParser(positiveMs))
      .option('--query', 'read the probe back from the backend (read credentials: "verify" in the config)')
      .addOption(new Option('--wait <ms>', 'read-back wait window (default 90000)').argParser(positiveMs))
      .option('--skip <check...>', 'check ids (or groups: env, claude, probe, readback) not to run, e.g. --skip claude when claude is started with `cc-otel exec`')
      .option('--project-dir <dir>', "Claude Code's project directory for the project/local settings (default $CLAUDE_PROJECT_DIR or the cwd)")
      .option('--managed-dir <dir>', 'directory of managed-settings.json (default: the platform\'s)')
      .option('--settings <file-or-json>', 'what claude is started with as `claude --settings …`, if it is')
      .addHelpText(
        'after',
        '\nExit codes: 0 every required check passed · 1 a check failed (or warned, with --strict) · 2 usage or configuration error.\n' +
          '\nExamples:\n  cc-otel verify                      # config, key, settings, one probe per signal\n' +
          '  cc-otel verify --query --wait 120000 # and find the probe in the backend\n' +
          '  cc-otel verify --json --strict      # CI',
      ),
  ).action(async (o: VerifyFlags) => {
    const base = getCtx();
    const ctx = { ...base, env: envWithConfigFlag(base.env, o) };
    const { runVerify, renderReport } = await import('../verify/index.js');
    const { flags, flagNames } = flagsToConfig(o);
    const report = await runVerify(ctx, {
      flags,
      flagNames,
      query: o.query === true,
      strict: o.strict === true,
      ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}),
      ...(o.wait !== undefined ? { waitMs: o.wait } : {}),
      ...(o.skip ? { skip: o.skip } : {}),
      ...(o.projectDir ? { projectDir: o.projectDir } : {}),
      ...(o.managedDir ? { managedDir: o.managedDir } : {}),
      ...(o.settings ? { settingsFile: o.settings } : {}),
      progress: (m) => process.stderr.write(`cc-otel verify: ${m}\n`),
    });
    if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(renderReport(report, { color: process.stdout.isTTY === true && !ctx.env.NO_COLOR }));
    process.exitCode = report.exitCode;
  });
}
