// Hook stdin: parseHookInput never throws; readStdinFd never waits past its timeout, even on a
// pipe that nobody writes to or closes (a FIFO here: a real fd, like the hook's fd 0).
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseHookInput, readStdinFd, type ParsedHookInput } from '../../../src/claude/hook-input.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      /* readStdinFd owns (and closes) the fds it reads through a stream */
    }
  }
  for (const d of dirs.splice(0)) d.cleanup();
});

function tmp(): string {
  const d = makeTempDir('cc-otel-hook-input');
  dirs.push(d);
  return d.path;
}

// claude-code-facts §4, measured on 2.1.197
const SESSION_START = {
  session_id: 'a61e0f4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b',
  transcript_path: '/home/dev/.claude/projects/-home-dev-proj/a61e0f4c.jsonl',
  cwd: '/home/dev/proj',
  hook_event_name: 'SessionStart',
  source: 'startup',
};

describe('parseHookInput', () => {
  it.each<[string, string, ParsedHookInput]>([
    ['empty', '', { ok: false, input: {}, problem: 'no input on stdin' }],
    ['whitespace', ' \n\t', { ok: false, input: {}, problem: 'no input on stdin' }],
    ['array', '[1,2]', { ok: false, input: {}, problem: 'stdin JSON is not an object' }],
    ['null', 'null', { ok: false, input: {}, problem: 'stdin JSON is not an object' }],
    ['string', '"SessionStart"', { ok: false, input: {}, problem: 'stdin JSON is not an object' }],
    ['number', '42', { ok: false, input: {}, problem: 'stdin JSON is not an object' }],
    ['SessionStart', JSON.stringify(SESSION_START), { ok: true, input: SESSION_START }],
    ['SessionStart with a trailing newline', `${JSON.stringify(SESSION_START)}\n`, { ok: true, input: SESSION_START }],
    ['SessionEnd', '{"session_id":"s","hook_event_name":"SessionEnd","reason":"other","prompt_id":"p"}', { ok: true, input: { session_id: 's', hook_event_name: 'SessionEnd', reason: 'other', prompt_id: 'p' } }],
    ['no session_id at all', '{"hook_event_name":"Stop"}', { ok: true, input: { hook_event_name: 'Stop' } }],
    ['numeric session_id', '{"session_id":123,"cwd":"/p"}', { ok: false, input: { session_id: undefined, cwd: '/p' }, problem: 'session_id is not a string' }],
    ['null session_id', '{"session_id":null}', { ok: false, input: { session_id: undefined }, problem: 'session_id is not a string' }],
    ['object session_id', '{"session_id":{"a":1}}', { ok: false, input: { session_id: undefined }, problem: 'session_id is not a string' }],
  ])('%s', (_n, text, want) => {
    expect(parseHookInput(text)).toEqual(want);
  });

  it.each(['garbage', '{"session_id":', '{session_id: "x"}', '\u0000', '{"a":1}{"b":2}'])('garbage %j → not JSON, no throw', (text) => {
    const r = parseHookInput(text);
    expect(r.ok).toBe(false);
    expect(r.input).toEqual({});
    expect(!r.ok && r.problem).toMatch(/^stdin is not JSON: /);
  });

  it('unknown fields are kept (events carry more than we name)', () => {
    const r = parseHookInput('{"session_id":"s","effort":{"level":"high"},"tool_input":{"command":"ls"}}');
    expect(r).toEqual({ ok: true, input: { session_id: 's', effort: { level: 'high' }, tool_input: { command: 'ls' } } });
  });
});

/** A FIFO with the read end as a real fd. */
function fifo(): { path: string } {
  const path = join(tmp(), 'stdin.fifo');
  execFileSync('mkfifo', [path]);
  return { path };
}

async function timed<T>(p: Promise<T>): Promise<{ v: T; ms: number }> {
  const t0 = performance.now();
  const v = await p;
  return { v, ms: performance.now() - t0 };
}

const READERS = [
  ['libuv stream handle', readStdinFd],
  ['node:net fallback', (fd: number, t: number, max?: number) => readStdinFd(fd, t, max, { viaNet: true })],
] as const;

describe.skipIf(process.platform === 'win32').each(READERS)('readStdinFd (%s)', (_name, readStdinFd) => {
  it('a pipe that is never written to or closed (blocking read) resolves at the timeout', async () => {
    const { path } = fifo();
    const fd = openSync(path, constants.O_RDWR); // we hold a writer too, so it never reaches EOF
    fds.push(fd);
    const { v, ms } = await timed(readStdinFd(fd, 120));
    expect(v).toBe('');
    expect(ms).toBeGreaterThanOrEqual(110);
    expect(ms).toBeLessThan(1000); // generous: a loaded 2-CPU box
  });

  it('partial input then silence: resolves at the timeout with what arrived', async () => {
    const { path } = fifo();
    const fd = openSync(path, constants.O_RDWR);
    fds.push(fd);
    writeSync(fd, '{"session_id":"abc"');
    const { v, ms } = await timed(readStdinFd(fd, 120));
    expect(v).toBe('{"session_id":"abc"');
    expect(ms).toBeGreaterThanOrEqual(110);
    expect(ms).toBeLessThan(1000); // generous: a loaded 2-CPU box
    expect(parseHookInput(v).ok).toBe(false);
  });

  it('a non-blocking pipe with a silent writer (EAGAIN) resolves at the timeout', async () => {
    const { path } = fifo();
    const rfd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    fds.push(rfd);
    const wfd = openSync(path, constants.O_WRONLY);
    fds.push(wfd);
    const { v, ms } = await timed(readStdinFd(rfd, 120));
    expect(v).toBe('');
    expect(ms).toBeGreaterThanOrEqual(110);
    expect(ms).toBeLessThan(1000); // generous: a loaded 2-CPU box
  });

  it('a pipe whose writer sends JSON and closes resolves at EOF, long before the timeout', async () => {
    const { path } = fifo();
    const rfd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    fds.push(rfd);
    const wfd = openSync(path, constants.O_WRONLY);
    writeSync(wfd, JSON.stringify(SESSION_START));
    closeSync(wfd);
    const { v, ms } = await timed(readStdinFd(rfd, 5000));
    expect(ms).toBeLessThan(1000);
    expect(parseHookInput(v)).toEqual({ ok: true, input: SESSION_START });
  });

  it('a pipe fed in many writes by another process (300 KB: beyond the pipe buffer) is read whole', async () => {
    const { path } = fifo();
    const big = { ...SESSION_START, prompt: 'p'.repeat(300_000) };
    const src = join(tmp(), 'big.json');
    writeFileSync(src, JSON.stringify(big));
    const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const fd=fs.openSync(process.argv[1],'w');const s=fs.readFileSync(process.argv[2]);for(let i=0;i<s.length;i+=4096)fs.writeSync(fd,s.subarray(i,i+4096));`, path, src], { stdio: 'ignore' });
    const rfd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const exited = new Promise((r) => writer.on('exit', r));
    const { v, ms } = await timed(readStdinFd(rfd, 10_000));
    await exited;
    expect(ms).toBeLessThan(5000);
    expect(parseHookInput(v)).toEqual({ ok: true, input: big });
  });

  it('a regular file (stdin redirected from a file) is read whole', async () => {
    const file = join(tmp(), 'input.json');
    const big = { ...SESSION_START, prompt: 'p'.repeat(200_000) };
    writeFileSync(file, JSON.stringify(big));
    const fd = openSync(file, 'r');
    fds.push(fd);
    expect(parseHookInput(await readStdinFd(fd, 5000))).toEqual({ ok: true, input: big });
  });

  it('input beyond maxBytes is cut (and then fails to parse) instead of growing without bound', async () => {
    const file = join(tmp(), 'input.json');
    writeFileSync(file, JSON.stringify({ ...SESSION_START, prompt: 'p'.repeat(300_000) }));
    const fd = openSync(file, 'r');
    fds.push(fd);
    const text = await readStdinFd(fd, 5000, 100_000);
    expect(text.length).toBeLessThanOrEqual(100_000);
    expect(parseHookInput(text).ok).toBe(false);
  });

  it('a character device (TTY, /dev/null) and a bad fd give "" at once', async () => {
    const fd = openSync('/dev/null', 'r');
    fds.push(fd);
    const { v, ms } = await timed(readStdinFd(fd, 5000));
    expect(v).toBe('');
    expect(ms).toBeLessThan(500); // no waiting for the 5 s timeout
    expect(await readStdinFd(987_654, 5000)).toBe('');
  });
});
