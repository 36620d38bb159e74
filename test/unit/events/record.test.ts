// The event record: hook input + time + id + config switches → one JSONL line. Table-driven over
// the inputs Claude Code 2.1.197 sends (claude-code-facts §4) and an unknown future event.
import { describe, expect, it } from 'vitest';
import { buildEventRecord, cutUtf8, fitLine, LINE_PREFIX, LINE_PREFIX_LENGTH, MAX_LINE_BYTES, newEventId, recordAttributes, startsLikeEventLog, type RecordOptions } from '../../../src/events/record.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0, 123);
const base = { session_id: 's-1', transcript_path: '/h/.claude/projects/p/s-1.jsonl', cwd: '/work/p' };
const opts = (o: Partial<RecordOptions> = {}): RecordOptions => ({
  event: 'PreToolUse',
  now: NOW,
  id: '01TESTID',
  attributes: { engineer: 'ada', team: 'platform', org: 'acme' },
  privacy: {},
  ...o,
});

const INPUTS = {
  SessionStart: { ...base, hook_event_name: 'SessionStart', source: 'startup' },
  UserPromptSubmit: { ...base, hook_event_name: 'UserPromptSubmit', prompt_id: 'p-1', permission_mode: 'default', prompt: 'fix the build ✓' },
  PreToolUse: { ...base, hook_event_name: 'PreToolUse', prompt_id: 'p-1', permission_mode: 'default', effort: { level: 'high' }, tool_name: 'Bash', tool_input: { command: 'ls -la' }, tool_use_id: 'toolu_1' },
  PostToolUse: { ...base, hook_event_name: 'PostToolUse', prompt_id: 'p-1', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 'toolu_1', tool_response: { stdout: 'a\nb', stderr: '', interrupted: false }, duration_ms: 42 },
  Stop: { ...base, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'Done.', background_tasks: [], session_crons: [] },
  SessionEnd: { ...base, hook_event_name: 'SessionEnd', prompt_id: 'p-1', reason: 'other' },
} as const;

describe('buildEventRecord', () => {
  it.each([
    ['SessionStart', { event: 'SessionStart', session_id: 's-1', cwd: '/work/p', source: 'startup' }],
    ['UserPromptSubmit', { prompt_id: 'p-1', permission_mode: 'default', prompt_bytes: Buffer.byteLength('fix the build ✓') }],
    ['PreToolUse', { prompt_id: 'p-1', tool_name: 'Bash', tool_use_id: 'toolu_1', effort: 'high', tool_input_bytes: JSON.stringify({ command: 'ls -la' }).length }],
    ['PostToolUse', { tool_use_id: 'toolu_1', duration_ms: 42, tool_response_bytes: JSON.stringify(INPUTS.PostToolUse.tool_response).length }],
    ['Stop', { stop_hook_active: false, last_assistant_message_bytes: 5, background_tasks: 0 }],
    ['SessionEnd', { prompt_id: 'p-1', reason: 'other' }],
  ] as const)('%s: metadata and sizes', (event, expected) => {
    const rec = buildEventRecord(INPUTS[event], opts({ event }));
    expect(rec).toMatchObject({ id: '01TESTID', time: '2026-11-22T10:00:00.123Z', event, v: 1, engineer: 'ada', team: 'platform', org: 'acme', ...expected });
  });

  it('leaves every content field out by default', () => {
    for (const [event, input] of Object.entries(INPUTS)) {
      const rec = buildEventRecord(input, opts({ event }));
      for (const k of ['prompt', 'tool_input', 'tool_response', 'last_assistant_message', 'error', 'custom_instructions']) expect(rec, `${event}.${k}`).not.toHaveProperty(k);
      expect(JSON.stringify(rec)).not.toMatch(/fix the build|ls -la|Done\./);
    }
  });

  it.each([
    ['prompts', 'UserPromptSubmit', 'prompt', 'fix the build ✓'],
    ['toolDetails', 'PreToolUse', 'tool_input', { command: 'ls -la' }],
    ['toolContent', 'PostToolUse', 'tool_response', { stdout: 'a\nb', stderr: '', interrupted: false }],
    ['assistantResponses', 'Stop', 'last_assistant_message', 'Done.'],
  ] as const)('privacy.%s on → %s carries %s', (sw, event, field, value) => {
    const rec = buildEventRecord(INPUTS[event], opts({ event, privacy: { [sw]: true } }));
    expect(rec[field]).toEqual(value);
    expect(rec[`${field}_bytes`]).toBeGreaterThan(0);
  });

  it('toolDetails does not reveal tool output, toolContent does not reveal tool input', () => {
    expect(buildEventRecord(INPUTS.PostToolUse, opts({ privacy: { toolDetails: true } }))).not.toHaveProperty('tool_response');
    expect(buildEventRecord(INPUTS.PostToolUse, opts({ privacy: { toolContent: true } }))).not.toHaveProperty('tool_input');
  });

  it('an unknown future event: ids, numbers and booleans kept, free text only as a size', () => {
    const rec = buildEventRecord(
      { ...base, hook_event_name: 'WorkflowStep', step_id: 'wf-9:step/2', attempt: 3, retried: true, summary: 'the user asked to rm -rf things', payload: { a: 1 } },
      opts({ event: 'WorkflowStep' }),
    );
    expect(rec).toMatchObject({ event: 'WorkflowStep', step_id: 'wf-9:step/2', attempt: 3, retried: true, summary_bytes: 31, payload_bytes: 7 });
    expect(rec).not.toHaveProperty('summary');
    expect(rec).not.toHaveProperty('payload');
  });

  it('ignores wrongly typed metadata and empty attributes', () => {
    const rec = buildEventRecord({ session_id: 42, duration_ms: '12', tool_name: null }, opts({ attributes: { engineer: 'ada', team: undefined, org: '' } }));
    expect(rec).not.toHaveProperty('session_id');
    expect(rec).not.toHaveProperty('duration_ms');
    expect(rec).not.toHaveProperty('team');
    expect(rec).not.toHaveProperty('org');
    // a number under an unknown key is kept; session_id is a known key with the wrong type: dropped
    expect(rec.engineer).toBe('ada');
  });
});

describe('fitLine', () => {
  it('one line, newline-terminated, parseable', () => {
    const line = fitLine(buildEventRecord(INPUTS.PreToolUse, opts()));
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ id: '01TESTID', tool_name: 'Bash' });
  });

  it('cuts the biggest content field to fit and says so', () => {
    const huge = 'é\n"'.repeat(60_000); // multi-byte and JSON-escaped characters
    const rec = buildEventRecord({ ...INPUTS.PostToolUse, tool_response: { stdout: huge } }, opts({ event: 'PostToolUse', privacy: { toolContent: true, toolDetails: true } }));
    const line = fitLine(rec);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    const back = JSON.parse(line);
    expect(back.truncated).toEqual(['tool_response']);
    expect(typeof back.tool_response).toBe('string');
    expect(back.tool_response.endsWith('…')).toBe(true);
    expect(back.tool_input).toEqual({ command: 'ls' }); // small fields untouched
    expect(back.tool_response_bytes).toBeGreaterThan(MAX_LINE_BYTES);
  });

  it('falls back to the identifying fields when even the metadata is too long', () => {
    const input: Record<string, unknown> = { ...INPUTS.PreToolUse };
    for (let i = 0; i < 5000; i++) input[`k${i}`] = i;
    const line = fitLine(buildEventRecord(input, opts()), 4096);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(line)).toEqual({ id: '01TESTID', time: '2026-11-22T10:00:00.123Z', event: 'PreToolUse', v: 1, truncated: ['*'], session_id: 's-1', prompt_id: 'p-1', tool_name: 'Bash', tool_use_id: 'toolu_1' });
  });
});

describe('cutUtf8', () => {
  it.each([
    ['abc', 10, 'abc'],
    ['abcdef', 3, 'abc…'],
    ['ééé', 3, 'é…'], // never half a character
    ['ééé', 0, '…'],
  ])('%j to %d bytes → %j', (s, n, want) => expect(cutUtf8(s, n)).toBe(want));
});

describe('newEventId (ULID)', () => {
  it('26 Crockford base32 characters, time prefix sorts by time', () => {
    const a = newEventId(NOW);
    const b = newEventId(NOW + 1);
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a.slice(0, 10) < b.slice(0, 10)).toBe(true);
    expect(newEventId(0, () => 0)).toBe('0'.repeat(26));
    expect(newEventId(1469918176385, () => 0).slice(0, 10)).toBe('01ARYZ6S41'); // the ULID spec's example time
  });

  it('unique across many calls in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newEventId(NOW)));
    expect(ids.size).toBe(10_000);
  });
});

describe('recordAttributes', () => {
  it.each([
    [{ engineer: 'cfg' }, { USER: 'u' }, 'os', 'cfg'],
    [{}, { USER: 'u' }, 'os', 'u'],
    [{}, { USER: '', USERNAME: 'w' }, 'os', 'w'],
    [{}, {}, 'os', 'os'],
    [{}, {}, undefined, undefined],
  ])('config %j env %j os %j → engineer %j', (config, env, os, want) => {
    expect(recordAttributes(config, env, os).engineer).toBe(want);
  });
});

describe('startsLikeEventLog (issue #11: cc-otel appends only to its own log)', () => {
  const rec = buildEventRecord({ session_id: 's', tool_input: { command: 'ls' } }, { event: 'PreToolUse', now: Date.UTC(2026, 0, 1), id: newEventId(Date.UTC(2026, 0, 1)), attributes: { team: 't' }, privacy: {} });
  it.each([
    ['a record line', fitLine(rec), true],
    ['its first 7 bytes', fitLine(rec).slice(0, LINE_PREFIX_LENGTH), true],
    ['the minimal record fitLine falls back to', fitLine({ ...rec, session_id: 'x'.repeat(70_000) }), true],
    ['keys reordered (jq -S), whole first line', `${JSON.stringify({ event: 'Stop', id: 'X', time: 't', v: 1 })}\n`, true],
    ['keys reordered, no v', `${JSON.stringify({ event: 'Stop', id: 'X' })}\n`, false],
    ['a shell file', 'export PATH=/bin\n', false],
    ['another JSON line', '{"ts":1,"hook":"Stop"}\n', false],
    ['JSON with spaces, no whole line', '{ "id": "x", "v": 1 }', false],
    ['empty', '', false],
  ])('%s → %j', (_name, text, want) => {
    expect(startsLikeEventLog(Buffer.from(text))).toBe(want);
  });
  it('every line starts with LINE_PREFIX', () => expect(fitLine(rec).startsWith(LINE_PREFIX)).toBe(true));
});
