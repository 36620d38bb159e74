/**
 * The Claude Code hook events cc-otel records: one table for the hook command (kebab-case argument
 * ↔ event name) and for `install --events` (which events, matcher, timeout). Any other event name
 * is still recorded generically — Claude Code adds events often (claude-code-facts §4; hooks docs).
 *
 * Only events whose hook cannot change what Claude Code does when it exits 0 with no output are in
 * the table: WorktreeCreate (a hook *replaces* worktree creation) and Elicitation (a hook may answer
 * it) are deliberately absent, and FileChanged needs a matcher naming the files to watch.
 */

export interface HookEventSpec {
  /** Claude Code's `hook_event_name` */
  event: string;
  /** the `cc-otel hook <arg>` argument */
  arg: string;
  /** settings matcher; undefined → the group has no matcher (matches everything) */
  matcher?: string;
  /** settings `timeout`, seconds (the hook's own deadline is 5 s; it normally takes ~60 ms) */
  timeout: number;
  /** part of `install --events` without a list */
  default: boolean;
  description: string;
}

const SESSION_START_MATCHER = 'startup|resume|clear|compact';

export const HOOK_EVENTS: readonly HookEventSpec[] = [
  { event: 'SessionStart', arg: 'session-start', matcher: SESSION_START_MATCHER, timeout: 10, default: true, description: 'session starts (also writes $CLAUDE_ENV_FILE)' },
  { event: 'UserPromptSubmit', arg: 'user-prompt-submit', timeout: 10, default: true, description: 'the user submits a prompt' },
  { event: 'PreToolUse', arg: 'pre-tool-use', matcher: '*', timeout: 10, default: true, description: 'before a tool runs (never blocks it)' },
  { event: 'PermissionRequest', arg: 'permission-request', matcher: '*', timeout: 10, default: true, description: 'a permission dialog is shown (never answers it)' },
  { event: 'PostToolUse', arg: 'post-tool-use', matcher: '*', timeout: 10, default: true, description: 'a tool succeeded' },
  { event: 'PostToolUseFailure', arg: 'post-tool-use-failure', matcher: '*', timeout: 10, default: true, description: 'a tool failed' },
  { event: 'Notification', arg: 'notification', timeout: 10, default: true, description: 'Claude Code notifies the user' },
  { event: 'SubagentStart', arg: 'subagent-start', timeout: 10, default: true, description: 'a subagent starts' },
  { event: 'SubagentStop', arg: 'subagent-stop', timeout: 10, default: true, description: 'a subagent finishes' },
  { event: 'Stop', arg: 'stop', timeout: 10, default: true, description: 'the main agent finishes its turn' },
  { event: 'StopFailure', arg: 'stop-failure', timeout: 10, default: true, description: 'a turn ends in an error' },
  { event: 'PreCompact', arg: 'pre-compact', timeout: 10, default: true, description: 'before context compaction' },
  { event: 'PostCompact', arg: 'post-compact', timeout: 10, default: true, description: 'after context compaction' },
  // SessionEnd hooks share a 1.5 s budget: the hook only appends and hands shipping to a background process.
  { event: 'SessionEnd', arg: 'session-end', timeout: 5, default: true, description: 'session ends (triggers shipping)' },
  { event: 'PermissionDenied', arg: 'permission-denied', matcher: '*', timeout: 10, default: false, description: 'a permission request was denied' },
  { event: 'TaskCreated', arg: 'task-created', timeout: 10, default: false, description: 'a task is created' },
  { event: 'TaskCompleted', arg: 'task-completed', timeout: 10, default: false, description: 'a task is marked completed' },
  { event: 'TeammateIdle', arg: 'teammate-idle', timeout: 10, default: false, description: 'an agent-team teammate goes idle' },
  { event: 'InstructionsLoaded', arg: 'instructions-loaded', timeout: 10, default: false, description: 'CLAUDE.md or a rules file is loaded' },
  { event: 'ConfigChange', arg: 'config-change', timeout: 10, default: false, description: 'a settings file changes' },
  { event: 'CwdChanged', arg: 'cwd-changed', timeout: 10, default: false, description: 'the working directory changes' },
  { event: 'UserPromptExpansion', arg: 'user-prompt-expansion', timeout: 10, default: false, description: 'a slash command expands into a prompt' },
  { event: 'PostToolBatch', arg: 'post-tool-batch', timeout: 10, default: false, description: 'a batch of parallel tool calls finished' },
  { event: 'Setup', arg: 'setup', timeout: 10, default: false, description: 'one-time setup (claude --init)' },
];

/**
 * Events where Claude Code takes a decision from the hook: cc-otel's hook exits 0 with no output
 * there even with --strict, so it can never allow, deny or ask anything.
 */
export const DECISION_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PermissionRequest']);

/** `pre-tool-use` → `PreToolUse` (table first, then the mechanical rule for unknown events). */
export function eventNameOf(arg: string): string {
  const hit = HOOK_EVENTS.find((e) => e.arg === arg);
  if (hit) return hit.event;
  return arg
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join('');
}

/** `PreToolUse` → `pre-tool-use` */
export function argOf(event: string): string {
  const hit = HOOK_EVENTS.find((e) => e.event === event);
  if (hit) return hit.arg;
  return event.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** An event name we are willing to record as such (Claude Code's are PascalCase words). */
export function isEventName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name);
}

/** The table rows `install --events [a,b,c]` registers; accepts event names or kebab args. */
export function selectHookEvents(list?: readonly string[]): { events: HookEventSpec[]; unknown: string[] } {
  if (!list || list.length === 0) return { events: HOOK_EVENTS.filter((e) => e.default), unknown: [] };
  const events: HookEventSpec[] = [];
  const unknown: string[] = [];
  for (const raw of list) {
    const name = raw.trim();
    if (!name) continue;
    if (name === 'all') {
      for (const e of HOOK_EVENTS) if (!events.includes(e)) events.push(e);
      continue;
    }
    const hit = HOOK_EVENTS.find((e) => e.event === name || e.arg === name || e.event.toLowerCase() === name.toLowerCase());
    if (!hit) unknown.push(name);
    else if (!events.includes(hit)) events.push(hit);
  }
  return { events, unknown };
}
