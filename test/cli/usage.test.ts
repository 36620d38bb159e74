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
