/**
 * Entry point for everything but the hot path (src/hot.ts), and with it the only place that maps
 * results to exit codes (0 ok, 1 failed, 2 usage or config).
 */
import { processContext } from './context.js';

// `cc-otel env | head` closes our stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === '__refresh-key' && rest[0]) {
    const { runRefreshKey } = await import('./commands/cache.js');
    process.exit(await runRefreshKey(processContext(), rest[0]));
  }
  const { runProgram } = await import('./program.js');
  await runProgram(argv);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`cc-otel: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nPlease report this with the output of \`cc-otel --version\` and \`node --version\`.\n`);
  process.exit(1);
});
