/**
 * Entry point, and the only place that maps results to exit codes (0 ok, 1 failed, 2 usage or
 * config). `hook` and `headers` run at every Claude Code session start, so they skip commander
 * entirely: a plain argv switch, then one lazily loaded module.
 */
import { processContext } from './context.js';

const argv = process.argv.slice(2);
const cliPath = process.argv[1] ?? '';
// `cc-otel env | head` closes our stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const wantsHelp = argv.includes('--help') || argv.includes('-h');

async function main(): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'headers' && !wantsHelp && rest.length === 0) {
    const { runHeaders } = await import('./commands/headers.js');
    return runHeaders(processContext(), cliPath);
  }
  if (cmd === 'hook' && !wantsHelp && rest[0] && !rest[0].startsWith('-')) {
    const { runHook } = await import('./commands/hook.js');
    const code = await runHook({ ctx: processContext(), event: rest[0], strict: rest.includes('--strict'), cliPath, stdin: process.stdin });
    process.exit(code);
  }
  if (cmd === '__refresh-key' && rest[0]) {
    const { runRefreshKey } = await import('./commands/cache.js');
    process.exit(await runRefreshKey(processContext(), rest[0]));
  }
  const { runProgram } = await import('./program.js');
  await runProgram(argv);
}

main().catch((e: unknown) => {
  process.stderr.write(`cc-otel: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nPlease report this with the output of \`cc-otel --version\` and \`node --version\`.\n`);
  process.exit(1);
});
