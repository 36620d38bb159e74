// `cc-otel dashboard` (the packed artifact) against a real background collector (`collect
// --detach`): the page the tarball ships is served at the URL it prints; it opens that URL with
// xdg-open when there is a display (a recording xdg-open on PATH), prints it over SSH / with
// --print, and says how to start a collector when none runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const tmp = makeTempDir('cc-otel-dashboard-cli');
afterAll(() => tmp.cleanup());
const env = { HOME: tmp.path };

describe('cc-otel dashboard', () => {
  test('no collector: exit 1 naming the data dir, with the command that starts one', async () => {
    const dataDir = join(tmp.path, 'none');
    const r = await runCcOtel(['dashboard', '--print', '--data-dir', dataDir], { env });
    expect(r.code, describeCcOtel(r)).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no collector is running for ${dataDir}`);
    expect(r.stderr).toContain(`hint: start one: \`cc-otel collect --detach --data-dir ${dataDir}\``);
  });

  test('a running collector: --print and SSH print its URL, which serves the page; with a display it runs xdg-open with the URL', async () => {
    const dataDir = join(tmp.path, 'live');
    const start = await runCcOtel(['collect', '--detach', '--port', '0', '--no-grpc', '--data-dir', dataDir], { env });
    expect(start.code, describeCcOtel(start)).toBe(0);
    try {
      const printed = await runCcOtel(['dashboard', '--print', '--data-dir', dataDir], { env: { ...env, DISPLAY: ':99' } });
      expect(printed.code, describeCcOtel(printed)).toBe(0);
      const url = printed.stdout.trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(printed.stderr).toBe('');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('<script type="module" src="/dashboard.js"></script>');
      const report = (await (await fetch(`${url}api/report?since=all`)).json()) as { totals: { costUsd: number } };
      expect(report.totals.costUsd).toBe(0);

      // over SSH, no display: printed, saying why
      const ssh = await runCcOtel(['dashboard', '--data-dir', dataDir], { env: { ...env, SSH_CONNECTION: '10.0.0.2 5000 10.0.0.1 22' } });
      expect(ssh.code, describeCcOtel(ssh)).toBe(0);
      expect(ssh.stdout).toBe(`${url}\n`);
      expect(ssh.stderr).toContain('not opened: an SSH session without a display');

      // a display: xdg-open (a recording one, first on PATH) gets the URL
      const bin = join(tmp.path, 'bin');
      const log = join(tmp.path, 'xdg-open.log');
      writeTree(bin, { 'xdg-open': { content: `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}'\n`, mode: 0o755 } });
      const opened = await runCcOtel(['dashboard', '--data-dir', dataDir], { env: { ...env, DISPLAY: ':99', PATH: `${bin}:${process.env.PATH}` } });
      expect(opened.code, describeCcOtel(opened)).toBe(0);
      expect(opened.stderr).toContain('opened the dashboard with xdg-open');
      const deadline = Date.now() + 5000;
      while (!existsSync(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(log, 'utf8')).toBe(`${url}\n`);
    } finally {
      const stop = await runCcOtel(['collect', 'stop', '--data-dir', dataDir], { env });
      expect(stop.code, describeCcOtel(stop)).toBe(0);
    }
  }, 60_000);
});
