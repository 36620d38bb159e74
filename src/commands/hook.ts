/**
 * `cc-otel hook <event>` — Claude Code command hooks. First, do no harm: whatever fails, print
 * nothing on stdout (a SessionStart hook's stdout goes into the model's context), exit 0 within
 * a hard deadline, and log the failure (error log + one stderr line). `--strict` exits non-zero.
 *
 * session-start: append shell-safe `export K='v'` lines to $CLAUDE_ENV_FILE, which Claude Code
 * sources before each Bash command — the only way OTel config reaches tools run from Bash, since
 * Claude Code strips OTEL_* from its children (claude-code-facts §3).
 *
 * Every event (session-start included, and names we don't know yet): one line in the local event
 * log, then — if shipping is on and no shipper is running — a detached background shipper. The hook
 * itself never touches the network (docs/events.md). PreToolUse and PermissionRequest exit 0 with
 * no output whatever happens, even with --strict: recording must never allow, deny or ask.
 *
 * Unconfigured (no config file, no CC_OTEL_BACKEND) the hook is inert: it drains its stdin and exits
 * 0 having written nothing anywhere — no event log, no error log, not even for garbage input.
 */
import type { Context } from '../context.js';
import { describeError, isCcOtelError } from '../errors.js';
import { deadlineOf, resolveTelemetry } from '../resolve-telemetry.js';
import { headersEnvRefusal, refusedHeaderVariables } from '../otel/build-env.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { userDirs } from '../config/dirs.js';
import { appendErrorLog } from '../log/error-log.js';
import { isoTime } from '../log/iso-time.js';
import { parseHookInput, readStdinFd } from '../claude/hook-input.js';
import { appendEnvFile, renderExports } from '../claude/env-file.js';
import { spawnBackgroundRefresh } from '../secrets/background-refresh.js';
import { armWatchdog, writeStdout } from './watchdog.js';
import { DECISION_EVENTS, eventNameOf } from '../events/hook-events.js';
import { recordHookEvent } from '../events/hook-recorder.js';
import { firstNotice, firstTime, hasProjectNotice, projectNotice } from '../trust/notice.js';

export interface HookRun {
  ctx: Context;
  event: string;
  strict: boolean;
  cliPath: string;
  /** where the hook JSON comes from (0 = stdin) */
  stdinFd: number;
  /** called once a configuration was found (an unconfigured cc-otel leaves no trace: bin/cc-otel.js) */
  onConfigured?: () => void;
}

export async function runHook(run: HookRun): Promise<number> {
  const { ctx } = run;
  const startedAt = ctx.now();
  // Recording must never change a decision Claude Code takes from this hook's exit code.
  const decides = DECISION_EVENTS.has(eventNameOf(run.event));
  const strict = run.strict && !decides;
  const stateDir = userDirs(ctx).state;
  let sessionId: string | undefined;
  const problems: string[] = [];
  let inert = false;
  let errorLogRefused = false;
  const log = (message: string, code?: string, hint?: string) => {
    if (inert) return;
    problems.push(message);
    // A decision hook (PreToolUse, PermissionRequest) prints nothing at all: the error log has it.
    if (!decides) ctx.log.warn(`hook ${run.event}: ${message}${hint ? ` (hint: ${hint})` : ''}`);
    try {
      appendErrorLog(stateDir, {
        time: isoTime(ctx.now()),
        command: `hook ${run.event}`,
        message,
        ...(code ? { code } : {}),
        ...(hint ? { hint } : {}),
        ...(sessionId ? { session: sessionId } : {}),
      });
    } catch (e) {
      // Logging must not break the hook either. An error log refused as unsafe (a symlink planted at
      // errors.log, a state dir others can write) is said once on stderr: there is nowhere else.
      if (isCcOtelError(e) && !decides && !errorLogRefused) {
        errorLogRefused = true;
        ctx.log.warn(`hook ${run.event}: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`);
      }
    }
  };
  // A problem that stays until something changes: counted for --strict at every run, but written
  // to the error log (and stderr) once — not a line at every session start (notice.ts firstTime).
  const logOnce = (key: string, message: string, hint?: string) => {
    if (inert) return;
    if (firstTime(stateDir, key, '1')) return log(`${message} (logged once)`, undefined, hint);
    problems.push(message);
    if (strict) ctx.log.warn(`hook ${run.event}: ${message}${hint ? ` (hint: ${hint})` : ''}`);
  };
  // Armed at once with the default (or CC_OTEL_DEADLINE_MS), moved below to the config's
  // deadlineMs: the process must end at the deadline the user configured, not at 5 s.
  const dog = armWatchdog(deadlineOf(undefined, ctx.env), (ms) => {
    log(`gave up at the ${ms} ms deadline`, 'KEY_TIMEOUT', 'a key source is slow or hung; `cc-otel env --explain` shows which');
    return strict ? 1 : 0;
  });
  try {
    // Loaded once, for the deadline, the event record and the env file.
    let loaded: LoadedConfig | Error;
    try {
      loaded = loadConfig(ctx);
    } catch (e) {
      loaded = e instanceof Error ? e : new Error(String(e));
    }
    // No config file and no CC_OTEL_BACKEND: cc-otel is inert — nothing logged, recorded or written.
    inert = !(loaded instanceof Error) && !loaded.configured;
    if (!(loaded instanceof Error) && loaded.configured) dog.moveTo(deadlineOf(loaded, ctx.env));
    // Read (bounded) even when inert: Claude Code writes the hook JSON and must not meet EPIPE.
    const text = await readStdinFd(run.stdinFd, Math.min(1000, dog.ms / 4));
    // A project file that did not (fully) apply — untrusted, changed, path keys — is told once per
    // version, at session start: in the error log, and to the user as a SessionStart systemMessage
    // (shown by Claude Code, never added to the model's context: measured, 2.1.197). Even when that
    // file is the only config: the user may expect it to switch cc-otel on.
    if (run.event === 'session-start' && !(loaded instanceof Error) && hasProjectNotice(loaded)) tellProjectFile(ctx, loaded, stateDir);
    if (inert) return 0;
    run.onConfigured?.();
    const parsed = parseHookInput(text);
    if (!parsed.ok) log(`hook input: ${parsed.problem}`);
    sessionId = parsed.input.session_id ?? ctx.env.CLAUDE_CODE_SESSION_ID;
    // Record first: it takes a millisecond, and a hung key source in session-start must not cost the event.
    const input = sessionId && parsed.input.session_id === undefined ? { ...parsed.input, session_id: sessionId } : parsed.input;
    try {
      await recordHookEvent({ ctx, arg: run.event, input, startedAt, cliPath: run.cliPath, log, loaded });
    } catch (e) {
      log(`recording the event failed: ${describeError(e)} (please report)`);
    }
    if (run.event === 'session-start') {
      if (loaded instanceof Error) throw loaded;
      await sessionStart(run, loaded, sessionId, log, logOnce, startedAt);
    }
  } catch (e) {
    if (isCcOtelError(e)) log(e.message, e.code, e.hint);
    else log(`unexpected error: ${describeError(e)} (please report)`);
  } finally {
    dog.disarm();
  }
  return strict && problems.length ? 1 : 0;
}

/** The error-log key of "no $CLAUDE_ENV_FILE" (logged once: notices.json). */
const NO_ENV_FILE_NOTICE = 'hook session-start: no $CLAUDE_ENV_FILE';

async function sessionStart(
  run: HookRun,
  loaded: LoadedConfig,
  sessionId: string | undefined,
  log: (m: string, code?: string, hint?: string) => void,
  logOnce: (key: string, m: string, hint?: string) => void,
  startedAt: number,
): Promise<void> {
  const { ctx } = run;
  const envFile = ctx.env.CLAUDE_ENV_FILE;
  if (!envFile) {
    // Not run by Claude Code's SessionStart (by hand, from another event, an old Claude Code): nothing to write to.
    logOnce(
      NO_ENV_FILE_NOTICE,
      "$CLAUDE_ENV_FILE is not set: no OTel variables were written for tools run from Bash (Claude Code's own telemetry does not depend on it)",
      'Claude Code sets $CLAUDE_ENV_FILE for SessionStart hooks: run the hook from SessionStart (`cc-otel install`), or update Claude Code; run by hand, the hook has nowhere to write',
    );
    return;
  }
  // The key goes into the env file only when asked (sessionEnv.includeSecrets): otherwise the key
  // chain is not touched at all.
  const includeSecrets = loaded.config.sessionEnv?.includeSecrets === true;
  const r = await resolveTelemetry(ctx, {
    startedAt,
    key: includeSecrets ? 'if-needed' : 'never',
    sessionId,
    loaded,
    onStale: (ref) => void spawnBackgroundRefresh(run.cliPath, ref, process.env),
  });
  if (r.inert) return;
  if (r.chain?.error) log(`${r.chain.error.message} — writing the env file without the key`, r.chain.error.code, r.chain.error.hint);
  let vars = r.plan.vars.filter((v) => includeSecrets || !v.secret);
  // A header OTEL_EXPORTER_OTLP_HEADERS cannot carry (issue #12): the variable is left out and the
  // refusal logged — the session goes on; the helper still gives Claude Code the headers.
  const refusal = headersEnvRefusal(r.plan, 'env-file', vars.map((v) => v.name));
  if (refusal) {
    const refused = refusedHeaderVariables(r.plan);
    log(`${refusal.message}; wrote the env file without it`, refusal.code, refusal.hint);
    vars = vars.filter((v) => !refused.includes(v.name));
  }
  try {
    appendEnvFile(envFile, `# cc-otel ${r.plan.backend}\n${renderExports(vars)}`);
  } catch (e) {
    if (isCcOtelError(e)) log(e.message, e.code, e.hint); // refused as unsafe (a symlink, a FIFO, someone else's file)
    else log(`cannot write $CLAUDE_ENV_FILE (${envFile}): ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`, 'IO', 'check that the file and its directory are writable');
  }
}

/** The untrusted-project notice, once per file version: one error-log line and a systemMessage on stdout (the hook's only stdout). */
function tellProjectFile(ctx: Context, loaded: LoadedConfig, stateDir: string): void {
  const notice = projectNotice(loaded);
  if (!notice || !firstNotice(stateDir, notice)) return;
  try {
    appendErrorLog(stateDir, { time: isoTime(ctx.now()), command: 'hook session-start', code: 'PROJECT_UNTRUSTED', message: notice.message, hint: notice.fix });
  } catch {
    /* best effort */
  }
  writeStdout(`${JSON.stringify({ systemMessage: `cc-otel: ${notice.message}` })}\n`);
}
