import { describe, expect, test } from 'vitest';
import { commandWords, eventHook, hookGroup, isCcOtelHeadersCommand, isCcOtelHookCommand, sessionStartHook } from '../../../src/claude/hook-entries.js';

describe('isCcOtelHookCommand recognises cc-otel wherever it lives', () => {
  test.each([
    ['cc-otel hook session-start', true],
    ['/usr/local/bin/cc-otel hook session-start', true],
    ['"/Users/me/.nvm/versions/node/v20.19.0/bin/cc-otel" hook session-start', true],
    ["'/opt/my tools/cc-otel' hook post-tool-use", true],
    ['C:\\Users\\me\\AppData\\Roaming\\npm\\cc-otel.cmd hook session-start', true],
    ['npx -y cc-otel@0.3.1 hook session-start', true],
    ['node /home/me/src/cc-otel/bin/cc-otel.js hook session-start', true],
    ['node /opt/cc-otel/dist/cli.js hook stop', true],
    ['cc-otel --verbose hook session-start', true],
    ['cc-otel headers', false],
    ['cc-otel-fork hook session-start', false],
    ['my-cc-otel hook session-start', false],
    ['other-tool hook session-start', false],
    ['echo hook', false],
    ['', false],
  ])('%j → %s', (cmd, want) => {
    expect(isCcOtelHookCommand(cmd)).toBe(want);
  });
});

describe('isCcOtelHeadersCommand', () => {
  test.each([
    ['cc-otel headers', true],
    ['/usr/bin/cc-otel headers --profile work', true],
    ['npx cc-otel headers', true],
    ['cc-otel hook session-start', false],
    ['/usr/local/bin/get-otel-headers.sh', false],
  ])('%j → %s', (cmd, want) => {
    expect(isCcOtelHeadersCommand(cmd)).toBe(want);
  });
});

test('commandWords honours quotes', () => {
  expect(commandWords(`a "b c" 'd e'f  g""`)).toEqual(['a', 'b c', 'd ef', 'g']);
});

test('the SessionStart registration has the documented shape', () => {
  expect(hookGroup(sessionStartHook('cc-otel hook session-start'))).toEqual({
    matcher: 'startup|resume|clear|compact',
    hooks: [{ type: 'command', command: 'cc-otel hook session-start', timeout: 10 }],
  });
});

test('tool events match "*", the others take no matcher', () => {
  expect(hookGroup(eventHook('PostToolUse', 'cc-otel hook post-tool-use'))).toEqual({ matcher: '*', hooks: [{ type: 'command', command: 'cc-otel hook post-tool-use', timeout: 10 }] });
  expect(hookGroup(eventHook('Stop', 'cc-otel hook stop'))).toEqual({ hooks: [{ type: 'command', command: 'cc-otel hook stop', timeout: 10 }] });
  expect(eventHook('SessionEnd', 'cc-otel hook session-end', { timeout: 2 }).hook.timeout).toBe(2);
});
