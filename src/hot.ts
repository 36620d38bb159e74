/**
 * The hot path, bundled on its own (dist/hot.js, no chunk fan-out): what Claude Code runs at every
 * session start and every hook event. No commander, no OTel, no SDKs — those load only from
 * dist/cli.js or lazily, inside the branch that needs them.
 */
import { processContext } from './context.js';
import { runHeaders } from './commands/headers.js';
import { runHook } from './commands/hook.js';

let configured = false;
const onConfigured = () => {
  configured = true;
};

/** May the loader (bin/cc-otel.js) write this run's V8 code cache? Only when cc-otel is configured: unconfigured, it is inert and writes nothing. */
export function codeCacheWanted(): boolean {
  return configured;
}

export async function runHot(argv: string[], cliPath: string): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'headers') return runHeaders(processContext(), cliPath, onConfigured);
  if (cmd === 'hook' && rest[0]) {
    const code = await runHook({ ctx: processContext(), event: rest[0], strict: rest.includes('--strict'), cliPath, stdinFd: 0, onConfigured });
    process.exit(code);
  }
}

