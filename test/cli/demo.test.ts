// `cc-otel demo` is the README's first command: it must pass on a fresh machine with no account,
// and leave nothing behind.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('cc-otel demo', () => {
  it('installs into a throwaway Claude config, verifies with read-back from the embedded collector, and cleans up', async () => {
    const home = makeTempDir('cc-otel-demo-home');
    try {
      const r = await runCcOtel(['demo'], { env: { HOME: home.path, USER: 'demo-user', TMPDIR: home.path }, cwd: home.path, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      for (const signal of ['metrics', 'logs', 'traces']) {
        expect(r.stdout).toMatch(new RegExp(`pass\\s+Probe ${signal}\\s+accepted`));
        expect(r.stdout).toMatch(new RegExp(`pass\\s+Read-back ${signal}\\s+the local collector wrote the ${signal} probe`));
      }
      expect(r.stdout).toMatch(/0 failed/);
      // the report says what it found — verify's probes, no Claude Code usage — not "start a collector"
      expect(r.stdout).not.toMatch(/Start a collector/i);
      expect(r.stdout).toMatch(/^No Claude Code usage: \S+ holds \d+ records?, none of them Claude Code's/m);
      expect(r.stdout).toContain('The pipeline works end to end');
      expect(r.stdout).toContain('"OTEL_RESOURCE_ATTRIBUTES": "engineer=demo-user,team=demo,org=cc-otel"');
      // nothing of the user's was touched, and the temp dir is gone
      expect(existsSync(`${home.path}/.claude`)).toBe(false);
      expect(existsSync(`${home.path}/.config/cc-otel`)).toBe(false);
      const tempRoot = /embedded collector: \S+ \(data in (\S+)\/data\)/.exec(r.stdout)?.[1];
      expect(tempRoot).toBeDefined();
      expect(existsSync(tempRoot!)).toBe(false);
    } finally {
      home.cleanup();
    }
  });
});
