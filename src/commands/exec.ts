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
    // A CI checkout's .cc-otel.json is untrusted like any fresh clone: say so before the run is silent.
    const notice = (await import('../trust/notice.js')).projectNotice(r.loaded);
    if (notice) ctx.log.warn(`warning: ${notice.message}`);
    if (r.inert) throw new CcOtelError('CONFIG_NOT_FOUND', 'cc-otel is not configured: nothing to add to the environment', { hint: notice ? `if you trust it: ${notice.fix}` : NOT_CONFIGURED_HINT });
    if (r.chain?.error && !(r.plan.keyNeeded === 'optional' && r.chain.error.code === 'KEY_NOT_FOUND')) throw r.chain.error;
    for (const w of r.plan.warnings) ctx.log.warn(`warning: ${w}`);
    // A header OTEL_EXPORTER_OTLP_HEADERS cannot carry is refused, not passed on split (issue #12).
    const { headersEnvRefusal } = await import('../otel/build-env.js');
    const refusal = headersEnvRefusal(r.plan, 'exec');
    if (refusal) throw refusal;
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const v of r.plan.vars) childEnv[v.name] = v.value;
    const [cmd, ...args] = argv;
    if (!cmd) throw new CcOtelError('USAGE', 'no command given', { hint: 'cc-otel exec -- <command> [args…]' });
    for (const w of await shadowWarnings(ctx, r.plan.vars.map((v) => v.name), childEnv)) ctx.log.warn(`warning: ${w}`);

    const { spawn } = await import('node:child_process');
    const child = spawn(cmd, args, { stdio: 'inherit', env: childEnv });
    // Signals sent to us (Ctrl-C, CI cancellation) go to the child; we exit the way it exits.
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const handlers = sigs.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }>((resolve) => {
      child.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    for (const [s, h] of handlers) process.off(s, h);
    if ('error' in result) {
      // The shell's conventions: 127 command not found, 126 found but not runnable.
      const e = result.error;
      const notFound = e.code === 'ENOENT';
      process.stderr.write(
        `cc-otel exec: cannot run ${JSON.stringify(cmd)}: ${notFound ? (cmd.includes('/') ? 'no such file' : 'command not found on PATH') : e.code === 'EACCES' ? 'permission denied (not executable?)' : e.message}\n` +
          `  hint: ${notFound ? 'check the command name and PATH (`which ' + cmd + '`)' : 'check the file is executable (chmod +x)'}\n`,
      );
      process.exitCode = notFound ? 127 : 126;
      return;
    }
    if (result.signal) {
      process.kill(process.pid, result.signal);
      return;
    }
    process.exitCode = result.code ?? 1;
  });
}

/**
 * Claude Code gives a settings `env` value precedence over its process environment
 * (claude-code-facts §1): a project, local or managed file can silently switch off or redirect
 * what exec sets. Say so for each variable exec sets that a settings file overrides, and for
 * CLAUDE_CODE_ENABLE_TELEMETRY off anywhere that wins.
 */
async function shadowWarnings(ctx: Context, names: readonly string[], childEnv: NodeJS.ProcessEnv): Promise<string[]> {
  const { buildSettingsStatus, loadScopes, truthy } = await import('../claude/effective-settings.js');
  const { shownValue } = await import('../claude/sensitive-keys.js');
  const processEnv: Record<string, string> = {};
  for (const k of names) if (childEnv[k] !== undefined) processEnv[k] = childEnv[k] as string;
  const projectDir = ctx.env.CLAUDE_PROJECT_DIR || undefined;
  const st = buildSettingsStatus(loadScopes(ctx, projectDir ? { projectDir } : {}), { processEnv });
  const out: string[] = [];
  for (const k of names) {
    const e = st.env[k];
    if (!e || e.source === 'process' || e.value === processEnv[k]) continue;
    out.push(`${k}=${shownValue(k, JSON.stringify(e.value))} from ${e.source} settings (${e.path}) overrides the value cc-otel exec sets: Claude Code uses the settings value`);
  }
  const tele = st.env.CLAUDE_CODE_ENABLE_TELEMETRY;
  if (tele && tele.source !== 'process' && !truthy(tele.value))
    out.push(`CLAUDE_CODE_ENABLE_TELEMETRY=${JSON.stringify(tele.value)} in ${tele.source} settings (${tele.path}): Claude Code will export no telemetry from this run`);
  return out;
}
