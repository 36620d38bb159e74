/** `cc-otel cache clear` and the hidden background refresher. */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { describeError } from '../errors.js';

export function define(program: Command, getCtx: () => Context): void {
  const cache = program.command('cache').description('the key cache for slow sources (1Password, Secret Manager)');
  cache
    .command('clear')
    .description('delete every cached key (the next hook or headers call fetches again)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean }) => {
      const ctx = getCtx();
      const { userDirs } = await import('../config/dirs.js');
      const { clearCache } = await import('../secrets/cache.js');
      const dir = userDirs(ctx).cache;
      const removed = clearCache(dir);
      process.stdout.write(o.json ? `${JSON.stringify({ dir, removed })}\n` : `removed ${removed} cached key${removed === 1 ? '' : 's'} from ${dir}\n`);
    });
}

/** `cc-otel __refresh-key <ref>` — spawned detached when a stale cached key was served. */
export async function runRefreshKey(ctx: Context, ref: string): Promise<number> {
  const { loadConfig } = await import('../config/load.js');
  const { userDirs } = await import('../config/dirs.js');
  const { refreshKey } = await import('../secrets/chain.js');
  const { chainOptions, deadlineOf } = await import('../resolve-telemetry.js');
  const { appendErrorLog } = await import('../log/error-log.js');
  const dirs = userDirs(ctx);
  try {
    const loaded = loadConfig(ctx);
    const opts = chainOptions(ctx, loaded, dirs, {}, Math.max(deadlineOf(loaded, ctx.env), 10_000));
    const status = await refreshKey(ctx, ref, opts);
    if (status === 'failed') appendErrorLog(dirs.state, { time: new Date(ctx.now()).toISOString(), command: 'refresh-key', message: `background refresh of ${ref} failed; the cached key stays in use` });
    return 0;
  } catch (e) {
    appendErrorLog(dirs.state, { time: new Date(ctx.now()).toISOString(), command: 'refresh-key', message: describeError(e) });
    return 1;
  }
}
