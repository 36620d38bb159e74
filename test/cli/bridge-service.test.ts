// `cc-otel bridge install|uninstall|status` of the installed package: the systemd user unit names
// node and the package's real path absolutely, passes Debian's `systemd-analyze verify` (a path with a
// space and a % too), and without a user service manager install says so, prints the command and
// writes nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CC_OTEL_PACKAGE_DIR, describeCcOtel, placeInstalledPackage, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir } from '../helpers/tmp.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
function tmp(): string {
  const d = makeTempDir('cc-otel-bridge-service');
  cleanups.push(() => d.cleanup());
  return d.path;
}

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasAnalyze && process.env.CI === 'true') throw new Error('systemd-analyze is missing in CI: apt-get install -y systemd');
/** A user manager answering on this machine: then install would really enable the unit in it. */
const userManager = spawnSync('systemctl', ['--user', 'show-environment'], { timeout: 5000 }).status === 0;

/** `systemd-analyze verify --user` of a unit file, with a private runtime dir (none in a container). */
function verifyUnit(file: string): { status: number | null; out: string } {
  const rt = tmp();
  const r = spawnSync('systemd-analyze', ['verify', '--user', file], { env: { ...process.env, XDG_RUNTIME_DIR: rt }, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(process.platform !== 'linux')('cc-otel bridge install (systemd user unit)', () => {
  it('--print: absolute node and real cc-otel path, bridge --interval 30s; systemd-analyze verify passes', async (t) => {
    const home = tmp();
    const r = await runCcOtel(['bridge', 'install', '--print'], { env: { HOME: home } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const unit = r.stdout;
    expect(unit).toContain(`ExecStart=${process.execPath} --max-semi-space-size=4 ${realpathSync(join(CC_OTEL_PACKAGE_DIR, 'bin', 'cc-otel.js'))} bridge --interval 30s\n`);
    expect(unit).toMatch(/^WantedBy=default.target$/m);
    expect(unit).toContain(`EnvironmentFile=-${home}/.config/cc-otel/bridge.env`);
    expect(existsSync(join(home, '.config', 'systemd'))).toBe(false);
    if (!hasAnalyze) return t.skip('systemd-analyze missing: apt-get install -y systemd');
    const dir = tmp();
    writeFileSync(join(dir, 'cc-otel-bridge.service'), unit);
    const v = verifyUnit(join(dir, 'cc-otel-bridge.service'));
    expect(v.status, v.out).toBe(0);
    // the check is real: the same unit naming a node that is not there fails it
    writeFileSync(join(dir, 'broken.service'), unit.replace(`ExecStart=${process.execPath}`, 'ExecStart=/nonexistent/node'));
    expect(verifyUnit(join(dir, 'broken.service')).status).not.toBe(0);
  });

  it('a package path with a space and a % is quoted and escaped for systemd', async (t) => {
    const root = join(tmp(), 'my tools 100%');
    const bin = placeInstalledPackage(root);
    const home = tmp();
    const r = await runCcOtel(['bridge', 'install', '--print', '--interval', '1m'], { env: { HOME: home }, bin });
    expect(r.code, describeCcOtel(r)).toBe(0);
    const script = join(realpathSync(root), 'bin', 'cc-otel.js');
    expect(r.stdout).toContain(`ExecStart=${process.execPath} --max-semi-space-size=4 "${script.replace(/%/g, '%%')}" bridge --interval 1m\n`);
    if (!hasAnalyze) return t.skip('systemd-analyze missing: apt-get install -y systemd');
    const dir = tmp();
    writeFileSync(join(dir, 'cc-otel-bridge.service'), r.stdout);
    const v = verifyUnit(join(dir, 'cc-otel-bridge.service'));
    expect(v.status, v.out).toBe(0);
  });

  it.skipIf(userManager)('without a user service manager: says so, prints the command to run, writes nothing', async () => {
    const home = tmp();
    const r = await runCcOtel(['bridge', 'install'], { env: { HOME: home } });
    expect(r.code, describeCcOtel(r)).toBe(1);
    expect(r.stderr).toMatch(/no user service manager to run the bridge \(systemctl --user show-environment: .+\); nothing was written/);
    expect(r.stderr).toContain(`run it yourself, e.g. in tmux or from your login script: ${process.execPath} --max-semi-space-size=4 ${realpathSync(join(CC_OTEL_PACKAGE_DIR, 'bin', 'cc-otel.js'))} bridge --interval 30s`);
    expect(existsSync(join(home, '.config', 'systemd'))).toBe(false);

    const st = await runCcOtel(['bridge', 'status', '--json'], { env: { HOME: home } });
    expect(st.code, describeCcOtel(st)).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ installed: false, manager: 'systemd', running: null, file: join(home, '.config', 'systemd', 'user', 'cc-otel-bridge.service') });

    const un = await runCcOtel(['bridge', 'uninstall'], { env: { HOME: home } });
    expect(un.code, describeCcOtel(un)).toBe(0);
    expect(un.stdout).toMatch(/not installed/);

    // A unit left from a machine that had a manager: status says installed, uninstall removes it.
    const file = join(home, '.config', 'systemd', 'user', 'cc-otel-bridge.service');
    mkdirSync(join(home, '.config', 'systemd', 'user'), { recursive: true });
    writeFileSync(file, '[Service]\nExecStart=/bin/true\n');
    const st2 = await runCcOtel(['bridge', 'status'], { env: { HOME: home } });
    expect(st2.stdout).toMatch(/bridge service: installed \(.+\), state unknown: systemctl --user show-environment/);
    const main = await runCcOtel(['status', '--json'], { env: { HOME: home } });
    expect(JSON.parse(main.stdout).bridge).toMatchObject({ installed: true, file, running: null });
    const un2 = await runCcOtel(['bridge', 'uninstall'], { env: { HOME: home } });
    expect(un2.code, describeCcOtel(un2)).toBe(0);
    expect(existsSync(file)).toBe(false);
  });
});
