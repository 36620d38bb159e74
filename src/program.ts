/**
 * makeProgram(): the commander tree for everything but the hot path (src/cli.ts handles `hook`
 * and `headers` without loading commander). Command modules are small: each declares its options
 * and help, and lazily imports the domain code it runs.
 */
import { Command, CommanderError } from 'commander';
import { HOOK_EVENTS } from './events/hook-events.js';
import { processContext, type Context } from './context.js';
import { isCcOtelError } from './errors.js';
import { define as defineEnv } from './commands/env.js';
import { define as defineCache } from './commands/cache.js';
import { define as defineExec } from './commands/exec.js';
import { define as defineDemo } from './commands/demo.js';
import { define as defineVerify } from './commands/verify.js';
import { define as defineCollect } from './commands/collect.js';
import { define as defineReport } from './commands/report.js';
import { define as defineDashboard } from './commands/dashboard.js';
import { define as defineInstall } from './commands/install.js';
import { define as defineUninstall } from './commands/uninstall.js';
import { define as defineStatus } from './commands/status.js';
import { define as defineFlush } from './commands/flush.js';
import { define as defineTrust } from './commands/trust.js';
import { define as defineInit } from './commands/init.js';
import { define as defineStack } from './commands/stack.js';
import { define as defineSessions } from './commands/sessions.js';
import { define as defineBridge } from './commands/bridge.js';

declare const __CC_OTEL_VERSION__: string | undefined;
export const VERSION = typeof __CC_OTEL_VERSION__ === 'string' ? __CC_OTEL_VERSION__ : '0.0.0-dev';

type Define = (program: Command, getCtx: () => Context) => void;

/** Help headings, in the order `cc-otel --help` shows them. */
const HELP_GROUPS = {
  start: 'Getting started:',
  more: 'More commands:',
  claude: 'Called by Claude Code:',
} as const;

/**
 * Every command, in help order: what a new user runs first, then the rest, then what Claude Code
 * runs. A new command goes in here with its group (`more` when in doubt).
 */
const COMMANDS: ReadonlyArray<readonly [Define, keyof typeof HELP_GROUPS]> = [
  [defineInit, 'start'],
  [defineInstall, 'start'],
  [defineDemo, 'start'],
  [defineCollect, 'start'],
  [defineReport, 'start'],
  [defineDashboard, 'start'],
  [defineSessions, 'start'],
  [defineStatus, 'start'],
  [defineVerify, 'start'],
  [defineEnv, 'more'],
  [defineExec, 'more'],
  [defineTrust, 'more'],
  [defineFlush, 'more'],
  [defineCache, 'more'],
  [defineUninstall, 'more'],
  [defineStack, 'more'],
  [(program, getCtx) => defineBridge(program, getCtx, VERSION), 'more'],
  [defineHook, 'claude'],
  [defineHeaders, 'claude'],
];

export function makeProgram(getCtx: () => Context): Command {
  const program = new Command('cc-otel')
    .description("Get Claude Code's OpenTelemetry to your observability backend, keyed at run time and tagged with engineer/team/org.")
    .version(VERSION, '-V, --version')
    .option('--verbose', 'print stack traces and debug lines')
    .enablePositionalOptions()
    // Before any .command(): subcommands copy this, so their usage errors also reach runProgram (exit 2).
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
The last two are run by Claude Code, not by you: \`cc-otel install\` registers them.

Configuration: ~/.config/cc-otel/config.json (user), .cc-otel.json (project, once \`cc-otel trust\`ed),
CC_OTEL_* variables, flags.
Docs: README.md and docs/ in the package.`,
    );
  for (const [define, group] of COMMANDS) {
    const before = program.commands.length;
    define(program, getCtx);
    for (const cmd of program.commands.slice(before)) cmd.helpGroup(HELP_GROUPS[group]);
  }
  // `help [command]` is commander's own: with the general commands.
  program.commandsGroup(HELP_GROUPS.more).helpCommand(true);
  return program;
}

/** `cc-otel hook <event>`: the events come from the table the hook dispatches on. */
function defineHook(program: Command, getCtx: () => Context): void {
  program
    .command('hook <event>')
    .description('Claude Code hook (session-start, …): reads the hook JSON on stdin; run by Claude Code, not by you')
    .option('--strict', 'exit non-zero when something failed (default: exit 0, log the failure)')
    .addHelpText(
      'after',
      `
Events (any other name is recorded too):
${HOOK_EVENTS.map((e) => `  ${e.arg.padEnd(22)} ${e.event}: ${e.description}`).join('\n')}

Prints nothing on stdout — except, at session start, a one-line {"systemMessage": …} when the
project's .cc-otel.json did not fully apply (untrusted or changed; once per version of the file):
Claude Code shows it to the user and never to the model. Registered by \`cc-otel install\`
(\`--events\` for the event hooks); see docs/events.md.`,
    )
    .action(async (event: string, o: { strict?: boolean }) => {
      const { runHook } = await import('./commands/hook.js');
      process.exitCode = await runHook({ ctx: getCtx(), event, strict: o.strict === true, cliPath: process.argv[1] ?? '', stdinFd: 0 });
    });
}

function defineHeaders(program: Command, getCtx: () => Context): void {
  program
    .command('headers')
    .description("Claude Code's otelHeadersHelper: prints {\"header\":\"value\"} for the configured backend")
    .action(async () => {
      const { runHeaders } = await import('./commands/headers.js');
      await runHeaders(getCtx(), process.argv[1] ?? '');
    });
}

/** Parse and run; the only place (with cli.ts) that turns errors into exit codes. */
export async function runProgram(argv: string[]): Promise<void> {
  const verbose = argv.includes('--verbose');
  let ctx: Context | undefined;
  const getCtx = () => (ctx ??= processContext({ verbose }));
  const program = makeProgram(getCtx);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isCcOtelError(e)) {
      process.stderr.write(`cc-otel: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    throw e;
  }
}
