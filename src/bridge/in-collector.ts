/**
 * `cc-otel collect --bridge`: the session bridge inside the collector process — its destination is
 * this collector (local preset at its own HTTP URL; the rest of your configuration, e.g. team/org,
 * still applies), and the silent rule reads this collector's data dir. Zero accounts, one process.
 */
import type { Context } from '../context.js';
import { NOT_CONFIGURED_HINT } from '../commands/env.js';
import { openBridge } from './run.js';

declare const __CC_OTEL_VERSION__: string | undefined;
const VERSION = typeof __CC_OTEL_VERSION__ === 'string' ? __CC_OTEL_VERSION__ : '0.0.0-dev';

export interface CollectorBridge {
  close(): Promise<void>;
}

export async function startCollectorBridge(o: { ctx: Context; httpUrl: string; dataDir: string; intervalMs: number; log: (line: string) => void }): Promise<CollectorBridge> {
  const b = await openBridge({
    ctx: o.ctx,
    version: VERSION,
    timeoutMs: 10_000,
    notConfiguredHint: NOT_CONFIGURED_HINT,
    flags: { backend: 'local', endpoint: o.httpUrl, protocol: 'http/protobuf' },
    dataDir: o.dataDir,
  });
  let last = '';
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return; // a slow tick is not stacked on
    running = (async () => {
      try {
        const r = await b.tick();
        // Say it when something changed (or failed), not every tick.
        const now = r.export.ok ? `bridge: ${r.live} live, ${r.stale} stale${r.silent === undefined ? '' : `, ${r.silent} silent`} Claude Code session(s)` : `bridge: not exported: ${r.export.error}`;
        if (now !== last) o.log(now);
        last = now;
      } catch (e) {
        const now = `bridge: ${(e as Error).message}`;
        if (now !== last) o.log(now);
        last = now;
      } finally {
        running = undefined;
      }
    })();
  };
  tick();
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      await running;
      await b.close();
    },
  };
}
