import { expect, test } from 'vitest';
import { unifiedDiff } from '../../../src/claude/unified-diff.js';

test('no change, no diff', () => {
  expect(unifiedDiff('s.json', '{}\n', '{}\n')).toBe('');
});

test('a new file', () => {
  expect(unifiedDiff('s.json', null, '{\n  "a": 1\n}\n')).toBe('--- /dev/null\n+++ s.json\n@@ -0,0 +1,3 @@\n+{\n+  "a": 1\n+}\n');
});

test('a deleted file', () => {
  expect(unifiedDiff('s.json', '{}\n', null)).toBe('--- s.json\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-{}\n');
});

test('an insertion in the middle, with three lines of context', () => {
  const a = ['{', '  "a": 1,', '  "b": 2,', '  "c": 3,', '  "d": 4,', '  "e": 5', '}', ''].join('\n');
  const b = ['{', '  "a": 1,', '  "b": 2,', '  "c": 3,', '  "x": 0,', '  "d": 4,', '  "e": 5', '}', ''].join('\n');
  expect(unifiedDiff('s.json', a, b)).toBe(['--- s.json', '+++ s.json', '@@ -2,6 +2,7 @@', '   "a": 1,', '   "b": 2,', '   "c": 3,', '+  "x": 0,', '   "d": 4,', '   "e": 5', ' }', ''].join('\n'));
});

test('a missing final newline is shown', () => {
  expect(unifiedDiff('s.json', '{}', '{"a":1}')).toBe('--- s.json\n+++ s.json\n@@ -1,1 +1,1 @@\n-{}\n\\ No newline at end of file\n+{"a":1}\n\\ No newline at end of file\n');
});

test('changes far apart make separate hunks', () => {
  const lines = Array.from({ length: 20 }, (_, k) => `l${k}`);
  const changed = [...lines];
  changed[1] = 'X';
  changed[18] = 'Y';
  const d = unifiedDiff('f', `${lines.join('\n')}\n`, `${changed.join('\n')}\n`);
  expect(d.match(/^@@/gm)).toHaveLength(2);
  expect(d).toContain('@@ -1,5 +1,5 @@');
  expect(d).toContain('@@ -16,5 +16,5 @@');
});
