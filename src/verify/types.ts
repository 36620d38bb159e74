/**
 * `cc-otel verify` (issue 4): an ordered list of checks, each `{ id, title, required, run(vctx) }`,
 * testable one at a time (style.md habit 12). A check returns a value; the runner (runner.ts)
 * turns the list into results and an exit code; only src/commands/verify.ts prints.
 */
import type { Context } from '../context.js';
import type { Dirs } from '../config/dirs.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { ErrorCode } from '../errors.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import type { Signal } from '../otel/endpoint.js';
import type { ChainResult } from '../secrets/chain.js';
import type { LoadedScopes, SettingsStatus } from '../claude/effective-settings.js';
import type { LocalProbeFinder, ProbeOptions, ProbeOutcome, ReadbackResult } from '../probe/index.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** What a check's `run()` returns; the runner adds id, title, required and timing. */
export interface CheckOutcome {
  status: CheckStatus;
  /** what was found, one line (never a secret) */
  value?: string;
  /** where it came from: a file, a variable, a key reference, an endpoint */
  source?: string;
  /** what to change (warn/fail), or why a check was skipped */
  fix?: string;
  /** one line per problem found, shown under the row */
  problems?: string[];
  /** machine-readable specifics for --json (never secrets) */
  details?: Record<string, unknown>;
  /** the error code when the check failed on a CcOtelError; CONFIG_* / USAGE make the run exit 2 */
  code?: ErrorCode;
}

export interface CheckResult extends CheckOutcome {
  id: string;
  title: string;
  required: boolean;
  durationMs: number;
}

export interface Check {
  id: string;
  title: string;
  /** a required check that fails makes the run exit 1; others only report (and fail under --strict) */
  required: boolean;
  /** ids of checks that must pass (or warn) first; otherwise this one is skipped with the reason */
  needs?: readonly string[];
  run(v: VerifyContext): Promise<CheckOutcome>;
}

export interface VerifyOptions {
  /** config-overriding flags (precedence level 1), as for `cc-otel env` */
  flags?: Config;
  flagNames?: Record<string, string>;
  /** read the probe back from the backend (--query) */
  query?: boolean;
  /** read-back wait window (--wait), ms */
  waitMs?: number;
  /** Claude Code's project directory (default $CLAUDE_PROJECT_DIR or the cwd) */
  projectDir?: string;
  /** directory of managed-settings.json (tests: a temp dir) */
  managedDir?: string;
  /** what `claude --settings` would get, if Claude Code is started with it */
  settingsFile?: string;
  /** default: a random UUID; one id for every signal of the run */
  probeId?: string;
  /** helper answer time above which the helper check warns (default 1000 ms, claude-code-facts §2) */
  slowHelperMs?: number;
  /** hard bound on one helper run (default 10 000 ms) */
  helperTimeoutMs?: number;
}

/** Injectable for tests; defaults are the real implementations. */
export interface VerifyDeps {
  sendProbe?: (opts: ProbeOptions) => Promise<ProbeOutcome>;
  /** read-back HTTP (every module takes `fetch`) */
  fetch?: typeof fetch;
  /** local read-back finder (default: src/collector's findProbe) */
  findProbe?: LocalProbeFinder;
  /** between read-back polls (default 5000 ms) */
  pollIntervalMs?: number;
}

/** What checks hand on to later checks. */
export interface VerifyState {
  probeId: string;
  loaded?: LoadedConfig;
  dirs?: Dirs;
  /** the plan; rebuilt with the key once the key check resolved it */
  plan?: TelemetryPlan;
  chain?: ChainResult;
  scopes?: LoadedScopes;
  settings?: SettingsStatus;
  /** settings env values only (no process environment): what the helper runs with */
  settingsEnv?: Record<string, string>;
  probes: Partial<Record<Signal, ProbeOutcome>>;
  readbacks?: Promise<ReadbackRun>;
}

export interface ReadbackRun {
  module: string;
  title: string;
  results: Partial<Record<Signal, Promise<ReadbackResult>>>;
}

export interface VerifyContext {
  ctx: Context;
  options: VerifyOptions;
  deps: VerifyDeps;
  state: VerifyState;
  /** results so far, by check id */
  results: ReadonlyMap<string, CheckResult>;
  /** aborted when --timeout is reached */
  signal: AbortSignal;
  remainingMs(): number;
  /** a progress line for stderr (waits, probes) */
  progress(message: string): void;
}

export interface VerifyReport {
  version: 1;
  ok: boolean;
  exitCode: 0 | 1 | 2;
  strict: boolean;
  backend: string | null;
  probeId: string;
  durationMs: number;
  summary: Record<CheckStatus, number>;
  checks: CheckResult[];
}
