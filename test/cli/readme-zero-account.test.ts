// The README's zero-account block, run exactly as pasted: the shell commands between
// <!-- zero-account:start --> and <!-- zero-account:end -->, with `bash -e`, on a fresh machine —
// an empty temp HOME (no ~/.config at all), a cleared environment, and a PATH whose first entry
// holds a `cc-otel` that execs the built CLI. (It once failed: `echo … > ~/.config/cc-otel/…`, no
// such directory on a fresh machine.)
//
// Ports: the block starts `cc-otel collect --detach` on its documented fixed ports (4318/4317), and
// the CLI has no environment variable to move them (`cc-otel collect --help`). So the block runs in a
// network namespace of its own (`unshare -rn`: a private loopback), where those ports collide with
// nothing on the machine, and the collector it started is stopped afterwards. Without unshare (not
// Linux, or user namespaces disabled) the test is skipped, never run on the host's ports.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const SYSTEM_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

/** The shell commands of the ```sh fences between the markers, in order. */
function zeroAccountBlock(markdown: string): string {
  const start = markdown.indexOf('<!-- zero-account:start -->');
  const end = markdown.indexOf('<!-- zero-account:end -->');
  if (start < 0 || end < start) throw new Error('README.md has no <!-- zero-account:start --> … <!-- zero-account:end --> block');
  const fences = [...markdown.slice(start, end).matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  if (!fences.length) throw new Error('the zero-account block has no ```sh fence');
  return fences.join('\n');
}

const canUnshare = !process.env.CC_OTEL_TEST_NO_UNSHARE && process.platform === 'linux' && spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore', env: { PATH: SYSTEM_PATH } }).status === 0;

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

describe('README zero-account block', () => {
  test('is marked, and sets cc-otel up with `cc-otel init` (no hand-made directory)', () => {
    const block = zeroAccountBlock(readFileSync(README, 'utf8'));
    expect(block).toMatch(/^cc-otel init --backend local\b/m);
    expect(block).toMatch(/^cc-otel collect --detach\b/m);
    expect(block).toMatch(/^cc-otel install\b/m);
  });

  // Without a private network namespace (no unshare, or user namespaces off, as in some CI
  // containers) the block runs on the host with its one fixed-port line given ports 0: the rest
  // of the block then finds the collector's ports in its state file (the local preset).
  test(`works as pasted on a fresh machine: config, collector, install, verify read-back, report${canUnshare ? '' : ' (host network, collector on ports 0)'}`, async () => {
    const pasted = zeroAccountBlock(readFileSync(README, 'utf8'));
    const block = canUnshare ? pasted : pasted.replace(/^cc-otel collect --detach\b/m, 'cc-otel collect --detach --port 0 --grpc-port 0');
    const dir = makeTempDir('cc-otel-readme');
    dirs.push(dir);
    const home = join(dir.path, 'home');
    const bin = join(dir.path, 'bin');
    writeTree(dir.path, { 'home/.keep': '', 'bin/cc-otel': { content: `#!/bin/sh\nexec '${process.execPath}' '${CC_OTEL_BIN}' "$@"\n`, mode: 0o755 } });
    const script = join(dir.path, 'block.sh');
    writeFileSync(script, block);
    const env = { HOME: home, USER: 'ada', PATH: `${bin}:${dirname(process.execPath)}:${SYSTEM_PATH}` };
    expect(existsSync(join(home, '.config'))).toBe(false);

    let run: { code: number | null; out: string };
    let httpPort: number | undefined;
    try {
      run = await new Promise((resolve) => {
        const child = canUnshare
          ? spawn('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && exec bash -e "$0"', script], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn('bash', ['-e', script], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
      // The collector the block started is still running (in its namespace), on the data dir under HOME.
      const status = await runCcOtel(['collect', 'status', '--json'], { cwd: home, env });
      const st = JSON.parse(status.stdout) as { state?: { httpPort?: number } };
      expect(st, describeCcOtel(status)).toMatchObject({ running: true, dataDir: join(home, '.local', 'share', 'cc-otel') });
      httpPort = canUnshare ? 4318 : st.state?.httpPort;
    } finally {
      const stop = await runCcOtel(['collect', 'stop'], { cwd: home, env });
      const pidFile = join(home, '.local', 'share', 'cc-otel', 'collector.pid');
      if (stop.code !== 0 && existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }

    expect(run.code, `${block}\n--- output ---\n${run.out}`).toBe(0);
    const config = join(home, '.config', 'cc-otel', 'config.json');
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ backend: 'local' });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
    expect(settings.env).toMatchObject({ CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `http://127.0.0.1:${httpPort}/v1/logs` });
    // verify --query: each probe was accepted and read back from the collector the block started.
    for (const signal of ['metrics', 'logs', 'traces']) expect(run.out).toContain(`the local collector wrote the ${signal} probe`);
    expect(run.out).toMatch(/ 0 failed .*OK \(exit 0/);
  });
});
