// Exit codes are a contract (0 ok, 1 failed, 2 usage/config): commander's own usage errors in any
// subcommand must be 2 as well, and --help/--version 0.
import { describe, expect, it } from 'vitest';
import { runCcOtel } from '../helpers/cc-otel.js';

describe('usage errors and help', () => {
  it.each([
    [['env', '--format', 'bogus'], 2],
    [['report', '--by', 'nope'], 2],
    [['install', '--scope', 'galaxy'], 2],
    [['no-such-command'], 2],
    [['--help'], 0],
    [['verify', '--help'], 0],
    [['--version'], 0],
  ])('cc-otel %j exits %i', async (args, code) => {
    const r = await runCcOtel(args, { env: { HOME: '/nonexistent-home' } });
    expect(r.code, r.stderr).toBe(code);
    if (code === 2) expect(r.stderr).toMatch(/error|unknown/i);
  });
});

describe('help text', () => {
  /** The headings of `cc-otel --help` and the command names under each, in order. */
  function commandGroups(help: string): Array<{ heading: string; commands: string[] }> {
    const groups: Array<{ heading: string; commands: string[] }> = [];
    let current: { heading: string; commands: string[] } | undefined;
    for (const line of help.split('\n')) {
      if (/^\S.*:$/.test(line) && !/^(Usage|Options):/.test(line)) groups.push((current = { heading: line, commands: [] }));
      else if (line === '' || /^\S/.test(line)) current = undefined;
      else if (current && /^ {2}\S/.test(line)) current.commands.push(line.trim().split(/\s+/)[0] as string);
    }
    return groups;
  }

  it('top-level --help: getting started first, the commands Claude Code runs last under their own heading', async () => {
    const r = await runCcOtel(['--help'], { env: { HOME: '/nonexistent-home' } });
    expect(r.code, r.stderr).toBe(0);
    const groups = commandGroups(r.stdout);
    expect(groups.map((g) => g.heading)).toEqual(['Getting started:', 'More commands:', 'Called by Claude Code:']);
    expect(groups[0]?.commands.slice(0, 2)).toEqual(['init', 'install']);
    expect(groups[0]?.commands).toEqual(expect.arrayContaining(['demo', 'collect', 'report', 'status', 'verify']));
    expect(groups[2]?.commands).toEqual(['hook', 'headers']);
    // every command exactly once
    const all = groups.flatMap((g) => g.commands);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining(['env', 'exec', 'trust', 'flush', 'cache', 'uninstall', 'help']));
  });

  it('hook --help lists every event the hook dispatches on, and says cc-otel install registers it', async () => {
    const { HOOK_EVENTS } = await import('../../src/events/hook-events.js');
    const r = await runCcOtel(['hook', '--help'], { env: { HOME: '/nonexistent-home' } });
    expect(r.code, r.stderr).toBe(0);
    expect(HOOK_EVENTS.length).toBeGreaterThan(10);
    for (const e of HOOK_EVENTS) expect(r.stdout).toMatch(new RegExp(`^ {2}${e.arg} +${e.event}: `, 'm'));
    expect(r.stdout).toContain('Registered by `cc-otel install`');
  });
});
