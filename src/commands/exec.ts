/**
 * `cc-otel exec -- <command> [args…]` — run a command (typically `claude -p …` in CI, including
 * `--bare` runs that skip hooks) with the full resolved environment, secret headers included, in
 * ITS process environment only. Exit code and signals pass through; stdio is the child's.
 */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { addConfigFlags, envWithConfigFlag, flagsToConfig, type ConfigFlagValues } from './config-flags.js';
import { NOT_CONFIGURED_HINT } from './env.js';

export function define(program: Command, getCtx: () => Context): void {
  addConfigFlags(
    program
      .command('exec')
      .description('run a command with the telemetry environment (secret headers included, in that process only)')
      .argument('<command...>', 'the command and its arguments, after --')
      .passThroughOptions()
      .addHelpText('after', '\nExamples:\n  cc-otel exec -- claude -p "run the tests" --allowedTools Bash\n  cc-otel exec -- claude -p --bare "…"     # --bare skips hooks; the environment still configures the exporter'),
  ).action(async (argv: string[], o: ConfigFlagValues) => {
    const base = getCtx();
    const ctx = { ...base, env: envWithConfigFlag(base.env, o) };
    const { resolveTelemetry } = await import('../resolve-telemetry.js');
    const { flags, flagNames } = flagsToConfig(o);
    const r = await resolveTelemetry(ctx, { flags, flagNames, key: 'if-needed' });
    if (r.inert) throw new CcOtelError('CONFIG_NOT_FOUND', 'cc-otel is not configured: nothing to add to the environment', { hint: NOT_CONFIGURED_HINT });
    if (r.chain?.error && !(r.plan.keyNeeded === 'optional' && r.chain.error.code === 'KEY_NOT_FOUND')) throw r.chain.error;
    for (const w of r.plan.warnings) ctx.log.warn(`warning: ${w}`);
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const v of r.plan.vars) childEnv[v.name] = v.value;
    const [cmd, ...args] = argv;
    if (!cmd) throw new CcOtelError('USAGE', 'no command given', { hint: 'cc-otel exec -- <command> [args…]' });
    const { spawn } = await import('node:child_process');
    const child = spawn(cmd, args, { stdio: 'inherit', env: childEnv });
    // Signals sent to us (Ctrl-C, CI cancellation) go to the child; we exit the way it exits.
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const handlers = sigs.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(new CcOtelError('USAGE', `cannot run ${cmd}: ${e.code === 'ENOENT' ? 'not found on PATH' : e.message}`, { hint: 'check the command name and PATH' })),
      );
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    for (const [s, h] of handlers) process.off(s, h);
    if (result.signal) {
      process.kill(process.pid, result.signal);
      return;
    }
    process.exitCode = result.code ?? 1;
  });
}
