/**
 * The world, passed in. No module reads process.env, cwd() or homedir() at load time:
 * the entry point builds one Context and everything below takes it as an argument,
 * so tests pass `{ env: {...} }` directly instead of stubbing globals.
 */
import { homedir, userInfo } from 'node:os';

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
  /** the OS login name, used when $USER/$USERNAME/$LOGNAME are unset */
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
  return {
    env: process.env,
    cwd: process.cwd(),
    homeDir: process.env.HOME || homedir(),
    user: osUser(),
    platform: process.platform,
    now: Date.now,
    log: stderrLogger(opts.verbose ?? process.env.CC_OTEL_DEBUG === '1'),
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
    return userInfo().username;
  } catch {
    return undefined;
  }
}
