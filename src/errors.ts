/**
 * The one error type deep code throws. Only src/cli.ts turns it into an exit code:
 * 0 ok, 1 check/operation failed, 2 usage/config error.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'USAGE'
  | 'KEY_NOT_FOUND'
  | 'KEY_SOURCE_FAILED'
  | 'KEY_TIMEOUT'
  | 'SETTINGS_INVALID'
  | 'SETTINGS_WRITE'
  | 'PROTOCOL_UNSUPPORTED'
  | 'CHECK_FAILED'
  | 'IO'
  | 'UNSAFE_FILE';

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set(['CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'USAGE', 'PROTOCOL_UNSUPPORTED']);

export class CcOtelError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  override readonly cause: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message);
    this.name = 'CcOtelError';
    this.code = code;
    this.hint = opts.hint;
    this.cause = opts.cause;
  }

  get exitCode(): 1 | 2 {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}

export function isCcOtelError(e: unknown): e is CcOtelError {
  return e instanceof CcOtelError;
}

/** A short, single-line description of anything thrown (never includes a stack). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? String(e);
  if (typeof e === 'string') return e.split('\n')[0] ?? e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
