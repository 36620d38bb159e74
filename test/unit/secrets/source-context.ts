// A SourceContext the way the chain builds one (src/secrets/chain.ts runSource): the signal
// aborts when the source's timeout passes.
import { makeContext, type Env } from '../../../src/context.js';
import type { SourceContext } from '../../../src/secrets/types.js';

export function sourceContext(opts: { env: Env; timeoutMs?: number; homeDir?: string; cwd?: string; platform?: NodeJS.Platform }): SourceContext {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('timeout')), timeoutMs).unref();
  return {
    ...makeContext({
      env: opts.env,
      homeDir: opts.homeDir ?? '/nonexistent-home',
      cwd: opts.cwd ?? process.cwd(),
      ...(opts.platform ? { platform: opts.platform } : {}),
    }),
    signal: ac.signal,
    timeoutMs,
    projectDir: undefined,
    userConfigDir: '/nonexistent-config',
  };
}
