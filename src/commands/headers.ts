/**
 * `cc-otel headers` — Claude Code's otelHeadersHelper. Prints {"header":"raw value"} on stdout and
 * nothing else. Answers from the key cache on the common path; on failure a clear message on
 * stderr and a non-zero exit within the deadline (Claude Code then exports without the headers,
 * which the backend rejects visibly — better than hanging the session's telemetry).
 */
import type { Context } from '../context.js';
import { describeError, isCcOtelError } from '../errors.js';
import { deadlineOf, resolveTelemetry } from '../resolve-telemetry.js';
import { helperHeaders } from '../otel/build-env.js';
import { renderHeadersJson } from '../otel/headers.js';
import { appendErrorLog } from '../log/error-log.js';
import { isoTime } from '../log/iso-time.js';
import { userDirs } from '../config/dirs.js';
import { loadConfig } from '../config/load.js';
import { spawnBackgroundRefresh } from '../secrets/background-refresh.js';
import { armWatchdog, writeAndExit } from './watchdog.js';

/** `onConfigured`: called once a configuration was found (an unconfigured cc-otel leaves no trace: bin/cc-otel.js). */
export async function runHeaders(ctx: Context, cliPath: string, onConfigured?: () => void): Promise<void> {
  const stateDir = userDirs(ctx).state;
  const fail = (message: string, hint?: string, code?: string) => {
    process.stderr.write(`cc-otel headers: ${message}${hint ? `\n  hint: ${hint}` : ''}\n`);
    try {
      appendErrorLog(stateDir, { time: isoTime(ctx.now()), command: 'headers', message, ...(hint ? { hint } : {}), ...(code ? { code } : {}) });
    } catch {
      /* the log is best effort */
    }
  };
  // Armed at once with the default (or CC_OTEL_DEADLINE_MS), moved to the config's deadlineMs once
  // it is loaded: the process must end at the deadline the user configured.
  const startedAt = ctx.now();
  const dog = armWatchdog(deadlineOf(undefined, ctx.env), (ms) => {
    fail(`no headers within the ${ms} ms deadline`, 'a key source is slow or hung; `cc-otel env --explain` shows which');
    return 1;
  });
  try {
    const loaded = loadConfig(ctx);
    if (loaded.configured) onConfigured?.();
    dog.moveTo(deadlineOf(loaded, ctx.env));
    const r = await resolveTelemetry(ctx, {
      startedAt,
      key: 'if-needed',
      loaded,
      onStale: (ref) => void spawnBackgroundRefresh(cliPath, ref, process.env),
    });
    if (r.inert) return writeAndExit('{}\n', 0);
    if (r.chain?.error) {
      // An optional key (self-hosted SigNoz, generic otlp) that is absent is not an error.
      if (r.plan.keyNeeded === 'optional' && r.chain.error.code === 'KEY_NOT_FOUND') return writeAndExit(`${renderHeadersJson(helperHeaders(r.plan))}\n`, 0);
      fail(r.chain.error.message, r.chain.error.hint, r.chain.error.code);
      return writeAndExit('', 1);
    }
    writeAndExit(`${renderHeadersJson(helperHeaders(r.plan))}\n`, 0);
  } catch (e) {
    if (isCcOtelError(e)) fail(e.message, e.hint, e.code);
    else fail(`unexpected error: ${describeError(e)} (please report, with \`cc-otel --version\`)`);
    writeAndExit('', isCcOtelError(e) ? e.exitCode : 1);
  }
}
