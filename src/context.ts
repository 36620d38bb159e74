/**
 * The world, passed in. No module reads process.env, cwd() or homedir() at load time:
 * the entry point builds one Context and everything below takes it as an argument,
 * so tests pass `{ env: {...} }` directly instead of stubbing globals.
 */
import type * as Os from 'node:os';

/** node:os on demand: loading it costs ~0.5 ms, and the hot path needs it only without $HOME / $USER. */
const os = (): typeof Os => process.getBuiltinModule('node:os') as typeof Os;
const homedir = () => os().homedir();

export type Env = Readonly<Record<string, string | undefined>>;

export interface Logger {
  /** Diagnostics for humans: always stderr, never stdout (stdout may be JSON or hook output). */
  warn(msg: string): void;
  debug(msg: string): void;
}

export interface Context {
  env: Env;
  cwd: string;
  homeDir: string;
  /** the OS login name, used when $USER/$USERNAME/$LOGNAME are unset (processContext looks it up only then) */
  user?: string | undefined;
  platform: NodeJS.Platform;
  now: () => number;
  log: Logger;
}

export function stderrLogger(verbose: boolean): Logger {
  return {
    warn: (m) => process.stderr.write(`cc-otel: ${m}\n`),
    debug: (m) => {
      if (verbose) process.stderr.write(`cc-otel: ${m}\n`);
    },
  };
}

export const silentLogger: Logger = { warn: () => {}, debug: () => {} };

export function processContext(opts: { verbose?: boolean } = {}): Context {
  const env = process.env;
  return {
    env,
    cwd: process.cwd(),
    homeDir: env.HOME || homedir(),
    // Its one use is the engineer when $USER, $USERNAME and $LOGNAME are all unset: only then is
    // it looked up (getpwuid, and node:os).
    user: env.USER || env.USERNAME || env.LOGNAME ? undefined : osUser(),
    platform: process.platform,
    now: Date.now,
    log: stderrLogger(opts.verbose ?? env.CC_OTEL_DEBUG === '1'),
  };
}

/** For tests and for sub-tools: a context with an explicit env. */
export function makeContext(partial: Partial<Context> & { env: Env }): Context {
  return {
    cwd: partial.cwd ?? process.cwd(),
    homeDir: partial.homeDir ?? partial.env.HOME ?? homedir(),
    user: partial.user,
    platform: partial.platform ?? process.platform,
    now: partial.now ?? Date.now,
    log: partial.log ?? silentLogger,
    env: partial.env,
  };
}

function osUser(): string | undefined {
  try {
    return os().userInfo().username;
  } catch {
    return undefined;
  }
}
