// `cc-otel init` as a real process with a cleared environment and a fresh temp HOME: it creates
// cc-otel's config dir (0700) and a 0600 config.json that `env` and `status` then load without a
// config error; it refuses to overwrite without --force; it never asks without a terminal; a raw
// key is refused and never echoed; the project scope writes .cc-otel.json at the git root, trusted.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { quoteArg } from '../../src/claude/quote-arg.js';
import { CC_OTEL_BIN, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

/** A fresh machine: an empty HOME (no ~/.config at all) and a git checkout in it. */
function fresh() {
  const dir = makeTempDir('cc-otel-init');
  dirs.push(dir);
  const home = join(dir.path, 'home');
  writeTree(home, { 'src/app/.git/HEAD': 'ref: refs/heads/main\n', 'src/app/web/index.js': '\n' });
  const env = { HOME: home, USER: 'ada' };
  const run = (args: string[], cwd = home, extra: Record<string, string> = {}) => runCcOtel(args, { cwd, env: { ...env, ...extra } });
  return { home, env, run, userFile: join(home, '.config', 'cc-otel', 'config.json'), repo: join(home, 'src', 'app') };
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe('cc-otel init --scope user', () => {
  test('on a fresh HOME: creates the config dir 0700 and a 0600 file that env and status load', async () => {
    const w = fresh();
    expect(existsSync(join(w.home, '.config'))).toBe(false);
    const r = await w.run(['init', '--backend', 'local', '--team', 'platform']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(readFileSync(w.userFile, 'utf8'))).toEqual({ backend: 'local', team: 'platform' });
    expect(mode(w.userFile)).toBe(0o600);
    expect(mode(join(w.home, '.config', 'cc-otel'))).toBe(0o700);
    expect(r.stdout).toContain(`wrote ${w.userFile} (0600)`);
    expect(r.stdout).toMatch(/Next:\n {2}cc-otel collect --detach\n {2}cc-otel install\n/);
    expect(r.stderr).toBe('');

    const env = await w.run(['env', '--format', 'json']);
    expect(env.code, describeCcOtel(env)).toBe(0);
    expect(JSON.parse(env.stdout)).toMatchObject({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:4318/v1/logs', OTEL_RESOURCE_ATTRIBUTES: 'engineer=ada,team=platform' });
    const status = await w.run(['status', '--json', '--managed-dir', join(w.home, 'no-managed')]);
    expect(status.code, describeCcOtel(status)).toBe(0);
    expect(status.stdout).toContain(w.userFile);
    expect(status.stderr).not.toMatch(/invalid|CONFIG_/);
  });

  test('refuses to overwrite without --force, naming the file; --force replaces it, still 0600', async () => {
    const w = fresh();
    expect((await w.run(['init', '--backend', 'local'])).code).toBe(0);
    const before = readFileSync(w.userFile, 'utf8');
    const again = await w.run(['init', '--backend', 'newrelic', '--region', 'eu', '--key', 'env:NR_LICENSE_KEY']);
    expect(again.code, describeCcOtel(again)).toBe(2);
    expect(again.stderr).toContain(`refusing to overwrite ${w.userFile}: it exists`);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(w.userFile, 'utf8')).toBe(before);

    const forced = await w.run(['init', '--backend', 'newrelic', '--region', 'eu', '--key', 'env:NR_LICENSE_KEY', '--force']);
    expect(forced.code, describeCcOtel(forced)).toBe(0);
    expect(forced.stdout).toContain(`replaced ${w.userFile}`);
    expect(JSON.parse(readFileSync(w.userFile, 'utf8'))).toEqual({ backend: 'newrelic', region: 'eu', key: ['env:NR_LICENSE_KEY'] });
    expect(mode(w.userFile)).toBe(0o600);
    // The written config resolves the key through its reference.
    const env = await w.run(['env', '--format', 'json', '--reveal'], w.home, { NR_LICENSE_KEY: 'nr-license-test' });
    expect(env.code, describeCcOtel(env)).toBe(0);
    expect(JSON.parse(env.stdout)).toMatchObject({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=nr-license-test', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://otlp.eu01.nr-data.net/v1/metrics' });
  });

  test('--dry-run prints the file and writes nothing; --json is the plan', async () => {
    const w = fresh();
    const dry = await w.run(['init', '--backend', 'grafana-cloud', '--endpoint', 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', '--instance-id', '123456', '--key', 'op://Eng/Grafana/token', '--dry-run']);
    expect(dry.code, describeCcOtel(dry)).toBe(0);
    expect(dry.stdout).toContain(`would write ${w.userFile} (0600)`);
    expect(dry.stdout).toContain('"instanceId": "123456"');
    expect(dry.stdout).toContain('Dry run: nothing written');
    expect(existsSync(join(w.home, '.config'))).toBe(false);

    const json = await w.run(['init', '--backend', 'honeycomb', '--dataset', 'cc-metrics', '--json']);
    expect(json.code, describeCcOtel(json)).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan).toMatchObject({ action: 'init', scope: 'user', path: w.userFile, backend: 'honeycomb', dryRun: false, wrote: true, mode: '0600', config: { backend: 'honeycomb', dataset: 'cc-metrics' } });
    expect(plan.notes.join('\n')).toContain(join(w.home, '.config', 'cc-otel', '.env'));
  });

  test('without a terminal it asks nothing: a missing required field is a usage error naming the flag', async () => {
    const w = fresh();
    // stdin is a pipe left open: a prompt would wait for it until the timeout.
    const r = await runCcOtel(['init', '--backend', 'grafana-cloud', '--key', 'env:GRAFANA_TOKEN'], { cwd: w.home, env: w.env, input: { keepOpen: true }, timeoutMs: 10_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code, describeCcOtel(r)).toBe(2);
    expect(r.stderr).toContain('backend grafana-cloud needs --endpoint');
    expect(r.stderr).toContain('--instance-id');
    expect(existsSync(w.userFile)).toBe(false);
    const none = await w.run(['init']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('init needs --backend');
    expect(none.stderr).toContain('local, otlp, signoz-cloud');
  });

  test('a raw key is refused, never echoed, with where it belongs; nothing is written', async () => {
    const w = fresh();
    const secret = 'hcaik_01hq8z7y6x5w4v3u2t1s0r9q8p7o';
    for (const json of [false, true]) {
      const r = await w.run(['init', '--backend', 'honeycomb', '--key', secret, ...(json ? ['--json'] : [])]);
      expect(r.code, describeCcOtel(r)).toBe(2);
      expect(r.stdout + r.stderr).not.toContain(secret);
      expect(r.stdout + r.stderr).not.toContain(secret.slice(4));
      expect(r.stderr).toContain('is not a key reference');
      expect(r.stderr).toContain(`${join(w.home, '.config', 'cc-otel', '.env')} (chmod 600)`);
      if (json) expect(JSON.parse(r.stdout).error.code).toBe('USAGE');
    }
    expect(existsSync(join(w.home, '.config'))).toBe(false);
  });
});

describe('cc-otel init --scope project', () => {
  test('writes .cc-otel.json at the git root and trusts it: env applies its backend from a subdirectory', async () => {
    const w = fresh();
    const web = join(w.repo, 'web');
    const file = join(w.repo, '.cc-otel.json');
    const r = await w.run(['init', '--scope', 'project', '--backend', 'otlp', '--endpoint', 'http://127.0.0.1:4318', '--team', 'web'], web);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ backend: 'otlp', endpoint: 'http://127.0.0.1:4318', team: 'web' });
    expect(mode(file)).toBe(0o644);
    expect(r.stdout).toContain(`Trusted ${file} for you`);
    expect(r.stdout).toContain(`cc-otel install --scope project --project-dir ${w.repo}`);
    expect(existsSync(w.userFile)).toBe(false);

    // Untrusted, a project file's backend would be ignored and cc-otel inert: env would fail.
    const env = await w.run(['env', '--format', 'json'], web);
    expect(env.code, describeCcOtel(env)).toBe(0);
    expect(JSON.parse(env.stdout)).toMatchObject({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' });
    const status = await w.run(['status', '--managed-dir', join(w.home, 'no-managed')], web);
    expect(status.code, describeCcOtel(status)).toBe(0);
    expect(status.stdout).toContain(`project file ${file}: trusted`);

    const again = await w.run(['init', '--scope', 'project', '--backend', 'local'], web);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`refusing to overwrite ${file}`);
  });

  test('--dry-run writes nothing and trusts nothing', async () => {
    const w = fresh();
    const r = await w.run(['init', '--scope', 'project', '--backend', 'local', '--dry-run'], w.repo);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toContain(`Would trust ${join(w.repo, '.cc-otel.json')}`);
    expect(existsSync(join(w.repo, '.cc-otel.json'))).toBe(false);
    expect(existsSync(join(w.home, '.local'))).toBe(false);
  });
});

// A real terminal: util-linux `script` runs init on a pty, and the answers are typed when each
// question appears (Linux only: BSD script takes other arguments).
const hasScript = process.platform === 'linux' && spawnSync('script', ['-qec', 'true', '/dev/null'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasScript)('cc-otel init on a terminal', () => {
  test('asks for the missing required fields (again after a wrong choice), then writes the file', async () => {
    const w = fresh();
    const cmd = [process.execPath, CC_OTEL_BIN, 'init', '--backend', 'signoz-cloud', '--key', 'env:SIGNOZ_KEY'].map((a) => quoteArg(a, 'linux')).join(' ');
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: w.home, env: { ...w.env, PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const answers = ['mars', 'eu'];
    let asked = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const questions = out.split('signoz-cloud region — one of us, eu, in:').length - 1;
      while (asked < questions && answers.length) {
        asked++;
        child.stdin.write(`${answers.shift()}\n`);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    expect(code, out).toBe(0);
    expect(asked, out).toBe(2);
    expect(JSON.parse(readFileSync(w.userFile, 'utf8'))).toEqual({ backend: 'signoz-cloud', region: 'eu', key: ['env:SIGNOZ_KEY'] });
    expect(mode(w.userFile)).toBe(0o600);
  });
});
