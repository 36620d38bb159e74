/**
 * The hook and helper entries cc-otel registers in settings (claude-code-facts §4), and how cc-otel
 * recognises its own entries later.
 *
 * Ownership is by marker, not by exact string: an entry is cc-otel's when its command runs a program
 * named `cc-otel` (any directory, `.js`/`.cmd`/`.exe`, `npx cc-otel@x`, or a path through a `cc-otel`
 * directory such as `node /opt/cc-otel/dist/cli.js`) followed later by the subcommand (`hook` for
 * hooks, `headers` for otelHeadersHelper). So an uninstall after cc-otel moved (nvm switch, new
 * global prefix) still finds the entries an older install wrote.
 */

export interface HookCommand {
  type: 'command';
  command: string;
  timeout?: number;
}

/** One registration: `hooks[event]` gets a group `{ matcher?, hooks: [hook] }`. */
export interface HookSpec {
  event: string;
  matcher?: string;
  hook: HookCommand;
}

export const SESSION_START_MATCHER = 'startup|resume|clear|compact';
export const DEFAULT_HOOK_TIMEOUT_S = 10;

/** Events whose matcher is a tool name: cc-otel matches every tool with "*". */
export const TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionRequest']);

/** `{"matcher":"startup|resume|clear|compact","hooks":[{"type":"command","command":…,"timeout":10}]}` */
export function sessionStartHook(command: string, timeout = DEFAULT_HOOK_TIMEOUT_S): HookSpec {
  return { event: 'SessionStart', matcher: SESSION_START_MATCHER, hook: { type: 'command', command, timeout } };
}

/** A hook for `install --events`: tool events match "*", the others take no matcher. */
export function eventHook(event: string, command: string, opts: { matcher?: string; timeout?: number } = {}): HookSpec {
  const matcher = opts.matcher ?? (TOOL_EVENTS.has(event) ? '*' : undefined);
  const hook: HookCommand = { type: 'command', command, timeout: opts.timeout ?? DEFAULT_HOOK_TIMEOUT_S };
  return matcher === undefined ? { event, hook } : { event, matcher, hook };
}

/** The group object written into `hooks[event]` (key order: matcher, hooks). */
export function hookGroup(spec: HookSpec): Record<string, unknown> {
  return spec.matcher === undefined ? { hooks: [spec.hook] } : { matcher: spec.matcher, hooks: [spec.hook] };
}

/**
 * Split a command line into words as a POSIX shell would for plain words: '…' (no escapes inside),
 * "…" (backslash escapes ", \\, $ and `), and a backslash outside quotes escaping the next special
 * character — so the '\'' form quoteArg writes for a path with a single quote reads back whole.
 */
export function commandWords(command: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  const chars = [...command];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < chars.length && '"\\$`'.includes(chars[i + 1] as string)) cur += chars[++i];
      else cur += c;
    } else if (c === '\\' && i + 1 < chars.length && !/[A-Za-z0-9_.-]/.test(chars[i + 1] as string)) {
      // Only before a character the shell treats specially: C:\tools\cc-otel.js (Windows) keeps its backslashes.
      const next = chars[++i] as string;
      if (next !== '\n') cur += next; // backslash-newline is a line continuation
      inWord = true;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const PROGRAM = /^cc-otel(?:@[^/\\]*)?(?:\.(?:js|mjs|cjs|cmd|exe|ps1|sh))?$/i;

function isCcOtelWord(word: string): boolean {
  return word.split(/[/\\]/).some((seg) => PROGRAM.test(seg));
}

/** Does `command` run cc-otel's `subcommand`? */
export function isCcOtelCommand(command: string, subcommand: 'hook' | 'headers'): boolean {
  const words = commandWords(command);
  const at = words.findIndex(isCcOtelWord);
  return at >= 0 && words.slice(at + 1).includes(subcommand);
}

export function isCcOtelHookCommand(command: string): boolean {
  return isCcOtelCommand(command, 'hook');
}

export function isCcOtelHeadersCommand(command: string): boolean {
  return isCcOtelCommand(command, 'headers');
}
