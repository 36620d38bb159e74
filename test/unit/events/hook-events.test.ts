// The HOOK_EVENTS table that `install --events` registers from, and the arg ↔ event name rules.
import { describe, expect, it } from 'vitest';
import { argOf, DECISION_EVENTS, eventNameOf, HOOK_EVENTS, isEventName, selectHookEvents } from '../../../src/events/hook-events.js';

describe('HOOK_EVENTS', () => {
  it('every row: arg ↔ event round-trips, names unique, timeouts sane', () => {
    const names = new Set<string>();
    for (const e of HOOK_EVENTS) {
      expect(eventNameOf(e.arg), e.event).toBe(e.event);
      expect(argOf(e.event), e.event).toBe(e.arg);
      expect(e.arg).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(e.timeout).toBeGreaterThanOrEqual(1);
      expect(names.has(e.event)).toBe(false);
      names.add(e.event);
    }
  });

  it('the issue\'s events are registered by default; tool events match every tool', () => {
    const defaults = selectHookEvents().events.map((e) => e.event);
    expect(defaults).toEqual(
      expect.arrayContaining(['SessionStart', 'SessionEnd', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'Stop', 'SubagentStart', 'SubagentStop', 'Notification', 'PreCompact', 'PostCompact']),
    );
    for (const e of HOOK_EVENTS.filter((x) => ['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionRequest'].includes(x.event))) expect(e.matcher).toBe('*');
    expect(HOOK_EVENTS.find((e) => e.event === 'SessionStart')?.matcher).toBe('startup|resume|clear|compact');
    expect(HOOK_EVENTS.find((e) => e.event === 'Stop')?.matcher).toBeUndefined();
  });

  it('leaves out events whose hook could replace Claude Code behaviour', () => {
    for (const risky of ['WorktreeCreate', 'WorktreeRemove', 'Elicitation', 'ElicitationResult', 'FileChanged']) expect(HOOK_EVENTS.some((e) => e.event === risky)).toBe(false);
  });

  it('PreToolUse and PermissionRequest are decision events', () => {
    expect([...DECISION_EVENTS].sort()).toEqual(['PermissionRequest', 'PreToolUse']);
  });
});

describe('selectHookEvents', () => {
  it.each([
    [['stop', 'PreToolUse', 'pre-tool-use', 'sessionend'], ['Stop', 'PreToolUse', 'SessionEnd'], []],
    [['Stop', 'Bogus'], ['Stop'], ['Bogus']],
    [['all'], HOOK_EVENTS.map((e) => e.event), []],
  ])('%j → %j (unknown %j)', (list, events, unknown) => {
    const r = selectHookEvents(list);
    expect(r.events.map((e) => e.event)).toEqual(events);
    expect(r.unknown).toEqual(unknown);
  });
});

describe('eventNameOf / isEventName', () => {
  it.each([
    ['pre-tool-use', 'PreToolUse'],
    ['post-tool-use-failure', 'PostToolUseFailure'],
    ['some-future-event', 'SomeFutureEvent'],
  ])('%s → %s', (arg, name) => expect(eventNameOf(arg)).toBe(name));

  it.each([
    ['PreToolUse', true],
    ['', false],
    ['Pre Tool', false],
    [42, false],
    ['x'.repeat(65), false],
  ])('%j → %j', (v, ok) => expect(isEventName(v)).toBe(ok));
});
