// `cc-otel install` / `uninstall` as real processes of bin/cc-otel.js with a cleared environment, a
// temp HOME, project dir and managed-settings root. The settings-file rules themselves (ownership,
// byte-for-byte round trips on odd files, conflicts) are tested in test/unit/claude; here: what the
// commands write, print and exit with.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CC_OTEL_BIN, CC_OTEL_PACKAGE_DIR, describeCcOtel, placeInstalledPackage, runCcOtel, type CcOtelRun } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

const KEY = 'sk-install-test-4f1e2d3c';
const CONFIG = {
  backend: 'otlp',
  endpoint: 'http://127.0.0.1:4318',
  header: 'authorization',
  headerValue: 'Bearer {key}',
  key: ['env:TEST_KEY'],
  team: 'platform',
  org: 'acme',
};
const ORIGINAL = `{
    "model": "opus",
    "permissions": { "allow": ["Bash(npm test)"] },
    "env": {
        "HTTPS_PROXY": "http://proxy:3128"
    },
    "hooks": {
        "SessionStart": [
            { "matcher": "startup", "hooks": [{ "type": "command", "command": "echo hi" }] }
        ]
    }
}`; // 4-space indent, no final newline

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

const sq = (s: string) => (/^[A-Za-z0-9_/.,:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const NODE = sq(process.execPath);
/** The installed bin link (`<prefix>/bin/cc-otel`); install writes the real path it leads to. */
const BIN = CC_OTEL_BIN;
const INSTALLED_SCRIPT = join(CC_OTEL_PACKAGE_DIR, 'bin', 'cc-otel.js');

interface World {
  root: string;
  home: string;
  proj: string;
  managed: string;
  userSettings: string;
  env: Record<string, string>;
  run(args: string[], extra?: Record<string, string | undefined>): Promise<CcOtelRun>;
}

/** A temp world: HOME with the user-level cc-otel config, a project, a managed-settings root. */
function world(config: Record<string, unknown> | null = CONFIG, files: Record<string, string> = {}): World {
  const dir = makeTempDir('cc-otel-install');
  dirs.push(dir);
  const root = dir.path;
  writeTree(root, {
    'home/.keep': '',
    'proj/README.md': 'a project\n',
    ...(config ? { 'home/.config/cc-otel/config.json': `${JSON.stringify(config, null, 2)}\n` } : {}),
    ...files,
  });
  const home = join(root, 'home');
  const proj = join(root, 'proj');
  const managed = join(root, 'managed');
  const env = { HOME: home, USER: 'ada', TEST_KEY: KEY };
  return {
    root,
    home,
    proj,
    managed,
    userSettings: join(home, '.claude', 'settings.json'),
    env,
    run: (args, extra = {}) => runCcOtel([...args, '--managed-dir', managed], { cwd: proj, env: { ...env, ...extra } }),
  };
}

/** Every file under `dir` with its bytes and mode, for "nothing changed" checks. */
function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const p of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const abs = join(dir, p);
    const st = statSync(abs);
    if (st.isFile()) out[p] = `${(st.mode & 0o777).toString(8)} ${st.mtimeMs} ${readFileSync(abs, 'utf8')}`;
  }
  return out;
}

/** Where install keeps the record of `file` for the user `home`: cc-otel's state dir, keyed by the real path. */
const recordOf = (home: string, file: string) =>
  join(home, '.local', 'state', 'cc-otel', 'install-records', `${createHash('sha256').update(realpathSync(file)).digest('hex').slice(0, 16)}-${basename(file)}.record`);

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, any>;
const modeOf = (p: string) => statSync(p).mode & 0o777;

/** What `cc-otel env --format settings` prints for this world (the install's env block). */
async function settingsEnvOf(w: World): Promise<Record<string, string>> {
  const r = await runCcOtel(['env', '--format', 'settings'], { cwd: w.proj, env: w.env });
  expect(r.code, describeCcOtel(r)).toBe(0);
  return (JSON.parse(r.stdout) as { env: Record<string, string> }).env;
}

/** Run a settings command line the way Claude Code does: through a shell, with a useless PATH. */
function runLikeClaude(command: string, env: Record<string, string>, input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', command], { env: { ...env, PATH: '/nonexistent' }, input, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cc-otel install (real process)', () => {
  test('--dry-run shows the diff and writes nothing', async () => {
    const w = world(CONFIG, { 'home/.claude/settings.json': ORIGINAL });
    const before = snapshot(w.home);
    const r = await w.run(['install', '--dry-run']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toContain(`--- ${w.userSettings}\n+++ ${w.userSettings}\n@@ `);
    expect(r.stdout).toMatch(/^\+ {4}"otelHeadersHelper": /m);
    expect(r.stdout).toContain('+        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"');
    expect(r.stdout).toContain('Dry run: nothing written');
    expect(r.stdout).not.toContain(KEY);
    expect(snapshot(w.home)).toEqual(before);

    // A missing file: the diff is against /dev/null, and not even the directory appears.
    const w2 = world();
    const r2 = await w2.run(['install', '--dry-run']);
    expect(r2.code, describeCcOtel(r2)).toBe(0);
    expect(r2.stdout).toContain(`--- /dev/null\n+++ ${w2.userSettings}`);
    expect(existsSync(join(w2.home, '.claude'))).toBe(false);
  });

  test('writes the env block, otelHeadersHelper and the SessionStart hook with absolute, quoted paths that run with any PATH', async () => {
    const w = world();
    // cc-otel installed in a directory with a space in its name, run through a bin link elsewhere
    // (as npm links it): the entries name the package's real bin/cc-otel.js, quoted
    const oddBin = placeInstalledPackage(join(w.root, 'tools dir', 'cc-otel'));
    mkdirSync(join(w.root, 'links'));
    symlinkSync(oddBin, join(w.root, 'links', 'cc-otel'));
    const r = await runCcOtel(['install', '--managed-dir', w.managed], { bin: join(w.root, 'links', 'cc-otel'), cwd: w.proj, env: w.env });
    expect(r.code, describeCcOtel(r)).toBe(0);

    const s = readJson(w.userSettings);
    const prefix = `${NODE} '${oddBin}'`;
    expect(s.env).toEqual(await settingsEnvOf(w));
    expect(s.env).toMatchObject({ CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_RESOURCE_ATTRIBUTES: 'engineer=ada,team=platform,org=acme' });
    for (const v of Object.values(s.env)) expect(typeof v).toBe('string');
    expect(s.env.OTEL_EXPORTER_OTLP_HEADERS).toBeUndefined();
    expect(s.otelHeadersHelper).toBe(`${prefix} headers`);
    expect(s.hooks).toEqual({
      SessionStart: [{ matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: `${prefix} hook session-start`, timeout: 10 }] }],
    });
    expect(readFileSync(w.userSettings, 'utf8')).not.toContain(KEY);
    expect(modeOf(w.userSettings)).toBe(0o644);
    expect(r.stdout).toContain(`Wrote `);
    expect(r.stdout).toContain('Undo with: cc-otel uninstall --scope user');

    // The helper, run as Claude Code runs it (a shell, PATH useless, the settings env added), prints the header.
    const helper = runLikeClaude(s.otelHeadersHelper, { HOME: w.home, TEST_KEY: KEY, ...s.env });
    expect(helper.status, helper.stderr).toBe(0);
    expect(JSON.parse(helper.stdout)).toEqual({ authorization: `Bearer ${KEY}` });
    // The hook too: it writes the OTel set into $CLAUDE_ENV_FILE.
    const envFile = join(w.root, 'session.env');
    const hookCmd = s.hooks.SessionStart[0].hooks[0].command as string;
    const hook = runLikeClaude(hookCmd, { HOME: w.home, CLAUDE_ENV_FILE: envFile, CLAUDE_PROJECT_DIR: w.proj }, JSON.stringify({ session_id: 's-1', hook_event_name: 'SessionStart', source: 'startup' }));
    expect(hook.status, hook.stderr).toBe(0);
    expect(hook.stdout).toBe('');
    expect(readFileSync(envFile, 'utf8')).toContain("export OTEL_EXPORTER_OTLP_PROTOCOL='http/protobuf'");
  });

  test('re-install changes nothing: same bytes, same mtime, no sidecar rewritten', async () => {
    const w = world(CONFIG, { 'home/.claude/settings.json': ORIGINAL });
    const first = await w.run(['install']);
    expect(first.code, describeCcOtel(first)).toBe(0);
    const after = snapshot(w.home);
    const again = await w.run(['install']);
    expect(again.code, describeCcOtel(again)).toBe(0);
    expect(again.stdout).toContain('Nothing to change');
    expect(again.stdout).not.toContain('@@');
    expect(snapshot(w.home)).toEqual(after);
    const json = await w.run(['install', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ changed: false, applied: false, diff: '', files: { wrote: [], removed: [] } });
  });

  test('a key that does not resolve now: install still writes, and warns that Claude Code then exports nothing (with the chain\'s fix)', async () => {
    const w = world();
    const r = await w.run(['install'], { TEST_KEY: undefined });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(existsSync(w.userSettings)).toBe(true);
    expect(r.stderr).toMatch(/warning: the key does not resolve here now \(no key found: env:TEST_KEY: TEST_KEY is not set\): until it does, the headers helper fails and Claude Code exports nothing at all/);
    expect(r.stderr).toMatch(/fix: set TEST_KEY \(export it in the environment claude starts from\)/);
    const json = await w.run(['install', '--json', '--dry-run'], { TEST_KEY: undefined });
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^the key does not resolve here now/)]));
    // With the key there, no such warning (the --json test below: stderr is empty).
    const ok = await w.run(['install', '--dry-run']);
    expect(ok.stderr).not.toMatch(/does not resolve/);
  });

  test('--json: the plan and what was written', async () => {
    const w = world();
    const r = await w.run(['install', '--json', '--events', 'pre-tool-use,stop']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['action', 'scope', 'path', 'target', 'output', 'dryRun', 'changed', 'applied', 'diff', 'env', 'otelHeadersHelper', 'hooks', 'secretInSettings', 'conflicts', 'warnings', 'overrides', 'files']);
    const prefix = `${NODE} ${sq(INSTALLED_SCRIPT)}`;
    expect(j).toMatchObject({
      action: 'install',
      scope: 'user',
      path: w.userSettings,
      target: w.userSettings,
      output: false,
      dryRun: false,
      changed: true,
      applied: true,
      env: await settingsEnvOf(w),
      otelHeadersHelper: `${prefix} headers`,
      secretInSettings: [],
      conflicts: [],
      overrides: [],
      files: { wrote: [recordOf(w.home, w.userSettings), w.userSettings], removed: [] },
    });
    expect(j.hooks).toEqual([
      { event: 'SessionStart', matcher: 'startup|resume|clear|compact', command: `${prefix} hook session-start`, timeout: 10 },
      { event: 'PreToolUse', matcher: '*', command: `${prefix} hook pre-tool-use`, timeout: 10 },
      { event: 'Stop', matcher: null, command: `${prefix} hook stop`, timeout: 10 },
    ]);
    expect(j.diff).toMatch(/^--- \/dev\/null\n\+\+\+ /);
    expect(readJson(w.userSettings).hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: `${prefix} hook stop`, timeout: 10 }] }]);
  });

  test('--events: kept by a plain re-install, removed by --no-events; unknown events are a usage error', async () => {
    const w = world();
    expect((await w.run(['install', '--events'])).code).toBe(0);
    const events = Object.keys(readJson(w.userSettings).hooks);
    expect(events).toEqual(expect.arrayContaining(['SessionStart', 'PreToolUse', 'PostToolUse', 'Stop', 'SessionEnd']));
    expect(events).not.toContain('Setup'); // not in the default set
    expect((await w.run(['install'])).stdout).toContain('Nothing to change');
    expect(Object.keys(readJson(w.userSettings).hooks)).toEqual(events);
    expect((await w.run(['install', '--no-events'])).code).toBe(0);
    expect(Object.keys(readJson(w.userSettings).hooks)).toEqual(['SessionStart']);
    const bad = await w.run(['install', '--events', 'pre-tool-use,nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown hook event: nope');
  });

  test('grpc with a secret header: refused with the explanation; --allow-secret-in-settings writes it 0600 and warns', async () => {
    const w = world({ ...CONFIG, protocol: 'grpc' }, { 'home/.claude/settings.json': ORIGINAL });
    const before = snapshot(w.home);
    const refused = await w.run(['install']);
    expect(refused.code, describeCcOtel(refused)).toBe(2);
    expect(refused.stderr).toContain('otelHeadersHelper only with http/protobuf and http/json');
    expect(refused.stderr).toContain('cc-otel install --protocol http/protobuf');
    expect(refused.stderr).toContain('--allow-secret-in-settings');
    expect(snapshot(w.home)).toEqual(before);

    // The project file is meant to be committed: never, even when asked.
    const project = await w.run(['install', '--scope', 'project', '--allow-secret-in-settings']);
    expect(project.code).toBe(2);
    expect(project.stderr).toContain('refused for --scope project');
    expect(existsSync(join(w.proj, '.claude'))).toBe(false);

    // Asked for by name: written, 0600 (file and record), key never printed, a loud warning.
    const r = await w.run(['install', '--allow-secret-in-settings']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect(r.stdout).toContain('"OTEL_EXPORTER_OTLP_HEADERS": "<redacted>"');
    expect(r.stderr).toContain('SECRET IN SETTINGS FILE: OTEL_EXPORTER_OTLP_HEADERS');
    const s = readJson(w.userSettings);
    expect(s.env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`authorization=Bearer ${KEY}`); // raw: see src/otel/headers.ts
    expect(s.env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('grpc');
    expect(s.otelHeadersHelper).toBeUndefined(); // useless with grpc
    expect(modeOf(w.userSettings)).toBe(0o600);
    expect(modeOf(recordOf(w.home, w.userSettings))).toBe(0o600);
    expect(existsSync(`${w.userSettings}.cc-otel.record`)).toBe(false); // not beside the file any more
    const j = JSON.parse((await w.run(['install', '--allow-secret-in-settings', '--json'])).stdout);
    expect(j).toMatchObject({ changed: false, secretInSettings: ['OTEL_EXPORTER_OTLP_HEADERS'], env: { OTEL_EXPORTER_OTLP_HEADERS: '<redacted>' } });
    // someone made it readable again: a re-install with nothing else to change still puts it back to 0600
    chmodSync(w.userSettings, 0o644);
    expect((await w.run(['install', '--allow-secret-in-settings'])).code).toBe(0);
    expect(modeOf(w.userSettings)).toBe(0o600);

    // uninstall: the original bytes AND the original mode
    const u = await w.run(['uninstall']);
    expect(u.code, describeCcOtel(u)).toBe(0);
    expect(readFileSync(w.userSettings, 'utf8')).toBe(ORIGINAL);
    expect(modeOf(w.userSettings)).toBe(0o644);
    expect(readdirSync(join(w.home, '.claude'))).toEqual(['settings.json']);
  });

  test('diffs and --json never print a key: the old one after a rotation, the current one on uninstall, the user\'s own API key', async () => {
    const USERS = 'sk-ant-TOPSECRET-0000';
    const mine = `{\n  "env": {\n    "ANTHROPIC_API_KEY": "${USERS}",\n    "HTTPS_PROXY": "http://proxy:3128"\n  }\n}\n`;
    const w = world({ ...CONFIG, protocol: 'grpc' }, { 'home/.claude/settings.json': mine });
    const first = await w.run(['install', '--allow-secret-in-settings']);
    expect(first.code, describeCcOtel(first)).toBe(0);
    expect(first.stdout).toContain('"ANTHROPIC_API_KEY": "<redacted>"');
    const NEW = 'sk-install-rotated-9a8b7c6d';
    const leaks = (r: CcOtelRun) => [KEY, NEW, USERS].filter((k) => (r.stdout + r.stderr).includes(k));
    const dry = await w.run(['install', '--allow-secret-in-settings', '--dry-run'], { TEST_KEY: NEW });
    expect(dry.code, describeCcOtel(dry)).toBe(0);
    expect(dry.stdout).toMatch(/^- {4}"OTEL_EXPORTER_OTLP_HEADERS": "<redacted>"/m);
    expect(leaks(dry)).toEqual([]);
    const dryJson = await w.run(['install', '--allow-secret-in-settings', '--dry-run', '--json'], { TEST_KEY: NEW });
    expect(JSON.parse(dryJson.stdout).diff).toContain('OTEL_EXPORTER_OTLP_HEADERS');
    expect(leaks(dryJson)).toEqual([]);
    for (const args of [['uninstall', '--dry-run'], ['uninstall', '--dry-run', '--json']]) {
      const u = await w.run(args);
      expect(u.code, describeCcOtel(u)).toBe(0);
      expect(u.stdout).toContain('OTEL_EXPORTER_OTLP_HEADERS');
      expect(leaks(u)).toEqual([]);
    }
    const u = await w.run(['uninstall', '--json']);
    expect(leaks(u)).toEqual([]);
    expect(readFileSync(w.userSettings, 'utf8')).toBe(mine);
  });

  test('local scope with a secret: nothing beside the file but the settings; a warning while git would commit it', async () => {
    const w = world({ ...CONFIG, protocol: 'grpc' });
    const git = (...args: string[]) => spawnSync('git', args, { cwd: w.proj, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_SYSTEM: '/dev/null' } });
    expect(git('init', '-q').status).toBe(0);
    const local = join(w.proj, '.claude', 'settings.local.json');
    const r = await w.run(['install', '--scope', 'local', '--allow-secret-in-settings']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stderr).toContain(`SECRET IN A FILE GIT WOULD COMMIT: ${realpathSync(local)} is in the git work tree`);
    expect(r.stderr).toContain("echo '.claude/settings.local.json' >> .gitignore");
    // the record (a copy of the file, key included) is in cc-otel's state dir, not in the project
    expect(readdirSync(join(w.proj, '.claude'))).toEqual(['settings.local.json']);
    expect(readFileSync(recordOf(w.home, local), 'utf8')).toContain(realpathSync(local));
    expect(modeOf(recordOf(w.home, local))).toBe(0o600);
    expect(modeOf(join(w.home, '.local', 'state', 'cc-otel', 'install-records'))).toBe(0o700);
    expect(git('status', '--porcelain', '--untracked-files=all').stdout).toContain('.claude/settings.local.json');

    writeFileSync(join(w.proj, '.gitignore'), '.claude/settings.local.json\n');
    const again = await w.run(['install', '--scope', 'local', '--allow-secret-in-settings', '--dry-run']);
    expect(again.code, describeCcOtel(again)).toBe(0);
    expect(again.stderr).not.toContain('GIT WOULD COMMIT');
    expect(again.stderr).toContain('SECRET IN SETTINGS FILE'); // the plain warning stays
    const record = recordOf(w.home, local);
    expect((await w.run(['uninstall', '--scope', 'local'])).code).toBe(0);
    expect(existsSync(join(w.proj, '.claude'))).toBe(false);
    expect(existsSync(record)).toBe(false);
  });

  test('an install record beside the file (cc-otel 0.1) is still used by uninstall, and moved away by a re-install', async () => {
    const w = world(CONFIG, { 'home/.claude/settings.json': ORIGINAL });
    expect((await w.run(['install'])).code).toBe(0);
    const legacy = `${w.userSettings}.cc-otel.record`;
    const old = () => renameSync(recordOf(w.home, w.userSettings), legacy); // as an older cc-otel left it
    old();
    const status = JSON.parse((await w.run(['status', '--json'])).stdout);
    expect(status.scopes.find((l: { scope: string }) => l.scope === 'user')).toMatchObject({ installed: true, hasRecord: true });
    const u = await w.run(['uninstall']);
    expect(u.code, describeCcOtel(u)).toBe(0);
    expect(readFileSync(w.userSettings, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(join(w.home, '.claude'))).toEqual(['settings.json']);

    expect((await w.run(['install'])).code).toBe(0);
    old();
    const re = await w.run(['install']);
    expect(re.code, describeCcOtel(re)).toBe(0);
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(recordOf(w.home, w.userSettings))).toBe(true);
    expect((await w.run(['uninstall'])).code).toBe(0);
    expect(readFileSync(w.userSettings, 'utf8')).toBe(ORIGINAL);
    expect(existsSync(recordOf(w.home, w.userSettings))).toBe(false);
  });

  // chmod does not stop root, so the unit test of a read-only directory skips itself there; as root,
  // run the real CLI as `nobody` (setpriv) so the check runs in root CI too.
  // (`nobody` must be able to read the checkout: not so in one under a 0700 directory such as mktemp -d.)
  const asNobody =
    process.getuid?.() === 0 &&
    existsSync('/usr/bin/setpriv') &&
    spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sh', '-c', 'test -r "$0" && test -r "$1"', INSTALLED_SCRIPT, join(CC_OTEL_PACKAGE_DIR, 'dist', 'cli.js')]).status === 0;
  test.runIf(asNobody)('a read-only project directory, for a user who cannot write it: a clear error, nothing written', () => {
    const w = world(null, { 'proj/.cc-otel.json': JSON.stringify({ backend: 'local' }), 'proj/.claude/settings.json': '{}\n' });
    chmodSync(w.root, 0o755);
    spawnSync('chown', ['-R', '65534:65534', w.root]);
    chmodSync(join(w.proj, '.claude'), 0o555);
    const before = snapshot(w.proj);
    const r = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'install', '--scope', 'project', '--managed-dir', w.managed], {
      cwd: w.proj,
      env: { HOME: w.home, PATH: '/usr/bin:/bin' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`permission denied on ${join(w.proj, '.claude')}`);
    expect(r.stderr).toContain('--scope');
    expect(snapshot(w.proj)).toEqual(before);
    chmodSync(join(w.proj, '.claude'), 0o755); // for the cleanup
  });

  test('a value cc-otel did not write is a conflict: exit 1, nothing written; --force overwrites and uninstall puts it back', async () => {
    const mine = '{\n  "env": {\n    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"\n  }\n}\n';
    const w = world(CONFIG, { 'home/.claude/settings.json': mine });
    const r = await w.run(['install']);
    expect(r.code, describeCcOtel(r)).toBe(1);
    expect(r.stdout).toContain('Refused: env.OTEL_EXPORTER_OTLP_PROTOCOL is already "http/json"');
    expect(r.stderr).toContain('--force');
    expect(readFileSync(w.userSettings, 'utf8')).toBe(mine);
    const dry = await w.run(['install', '--dry-run', '--json']);
    expect(dry.code).toBe(1);
    expect(JSON.parse(dry.stdout).conflicts).toEqual([{ key: 'env.OTEL_EXPORTER_OTLP_PROTOCOL', message: 'env.OTEL_EXPORTER_OTLP_PROTOCOL is already "http/json"' }]);

    const forced = await w.run(['install', '--force']);
    expect(forced.code, describeCcOtel(forced)).toBe(0);
    expect(forced.stderr).toContain('overwrote env.OTEL_EXPORTER_OTLP_PROTOCOL');
    expect(readJson(w.userSettings).env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
    expect((await w.run(['uninstall'])).code).toBe(0);
    expect(readFileSync(w.userSettings, 'utf8')).toBe(mine);
  });

  test('scopes: CLAUDE_CONFIG_DIR for user; project and local files; install → uninstall is byte-for-byte in each', async () => {
    const w = world(null, {
      'proj/.cc-otel.json': JSON.stringify(CONFIG), // the project scope needs a config its users have
      'claude-cfg/settings.json': ORIGINAL,
      'proj/.claude/settings.json': '{\r\n  "model": "sonnet"\r\n}\r\n',
      'proj/.claude/settings.local.json': '{\n\t"permissions": {\n\t\t"deny": []\n\t}\n}\n',
    });
    trustProject(w.proj, w.env); // the user and local installs read it too: the user trusts it
    const cases: Array<[string[], string, Record<string, string>]> = [
      [['--scope', 'user'], join(w.root, 'claude-cfg', 'settings.json'), { CLAUDE_CONFIG_DIR: join(w.root, 'claude-cfg') }],
      [['--scope', 'project'], join(w.proj, '.claude', 'settings.json'), {}],
      [['--scope', 'local'], join(w.proj, '.claude', 'settings.local.json'), {}],
    ];
    for (const [flags, file, extra] of cases) {
      const original = readFileSync(file, 'utf8');
      const r = await w.run(['install', ...flags], extra);
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stdout).toContain(`: ${file}\n`);
      expect(readJson(file).otelHeadersHelper).toBe(`${NODE} ${sq(INSTALLED_SCRIPT)} headers`);
      const u = await w.run(['uninstall', ...flags], extra);
      expect(u.code, describeCcOtel(u)).toBe(0);
      expect(readFileSync(file, 'utf8'), file).toBe(original);
      expect(existsSync(`${file}.cc-otel.record`) || existsSync(`${file}.cc-otel.bak`)).toBe(false);
    }
    expect(existsSync(join(w.home, '.claude'))).toBe(false); // CLAUDE_CONFIG_DIR was respected
  });

  test('project scope: no engineer taken from $USER (the file is shared), a note about machine paths', async () => {
    const w = world(null, { 'proj/.cc-otel.json': JSON.stringify(CONFIG) });
    const r = await w.run(['install', '--scope', 'project']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const s = readJson(join(w.proj, '.claude', 'settings.json'));
    expect(s.env.OTEL_RESOURCE_ATTRIBUTES).toBe('team=platform,org=acme');
    // the committed .cc-otel.json is not duplicated into the env block
    expect(Object.keys(s.env).filter((k) => k.startsWith('CC_OTEL_'))).toEqual([]);
    expect(r.stderr).toContain('left engineer=ada (from env USER) out of OTEL_RESOURCE_ATTRIBUTES');
    expect(r.stderr).toContain('teammates need cc-otel there too');
    // what to do instead: a command on their PATH or a path that is the same everywhere — never npx
    expect(r.stderr).toContain('--command cc-otel');
    expect(r.stderr).not.toContain('npx');
    // The file install tells the installer to commit is trusted for them (issue #11), and they are told teammates must trust it.
    expect(r.stderr).toContain(`trusted ${join(w.proj, '.cc-otel.json')} for you`);
    expect(r.stderr).toContain('everyone else runs `cc-otel trust`');
    const list = JSON.parse((await runCcOtel(['trust', '--list', '--json'], { cwd: w.proj, env: w.env })).stdout) as { trusted: Array<{ path: string; state: string }> };
    expect(list.trusted).toEqual([expect.objectContaining({ path: join(w.proj, '.cc-otel.json'), state: 'ok' })]);
    // an engineer someone set on purpose stays, and the flag is kept for the helper and the hook
    const r2 = await w.run(['install', '--scope', 'project', '--engineer', 'grace']);
    expect(r2.code, describeCcOtel(r2)).toBe(0);
    expect(readJson(join(w.proj, '.claude', 'settings.json')).env).toMatchObject({ OTEL_RESOURCE_ATTRIBUTES: 'engineer=grace,team=platform,org=acme', CC_OTEL_ENGINEER: 'grace' });
  });

  test("shared files carry the installer's non-secret config as CC_OTEL_*: the helper works for someone with no config at all", async () => {
    const HC = { backend: 'honeycomb', key: ['env:HC_KEY'], team: 'plat', org: 'acme', engineer: 'ada-personal' };
    const w = world(HC);
    const other = join(w.root, 'other-home'); // another user: no ~/.config/cc-otel, no CC_OTEL_* in the shell
    mkdirSync(other);
    const helperFor = (file: string) => {
      const s = readJson(file);
      const h = runLikeClaude(s.otelHeadersHelper, { HOME: other, HC_KEY: 'hc-other-user-key', ...s.env });
      expect(h.status, h.stderr).toBe(0);
      return JSON.parse(h.stdout) as Record<string, string>;
    };

    // managed drop-in, from the user config file
    const m = await w.run(['install', '--scope', 'managed']);
    expect(m.code, describeCcOtel(m)).toBe(0);
    const dropIn = join(w.managed, 'managed-settings.d', 'cc-otel.json');
    expect(readJson(dropIn).env).toMatchObject({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:HC_KEY', CC_OTEL_TEAM: 'plat', CC_OTEL_ORG: 'acme', OTEL_RESOURCE_ATTRIBUTES: 'team=plat,org=acme' });
    expect(readJson(dropIn).env.CC_OTEL_ENGINEER).toBeUndefined(); // the installer's own name stays out
    expect(m.stderr).toContain('wrote your configuration into the managed settings file as CC_OTEL_BACKEND');
    expect(Object.keys(helperFor(dropIn))).toEqual(['x-honeycomb-team']);
    expect(readFileSync(dropIn, 'utf8')).not.toContain('hc-');
    expect((await w.run(['uninstall', '--scope', 'managed'])).code).toBe(0);
    expect(existsSync(join(w.managed, 'managed-settings.d'))).toBe(false);

    // an --output package, from CC_OTEL_* in the installer's shell (no config file at all)
    const w2 = world(null);
    const pkg = join(w2.root, 'pkg.json');
    const p = await w2.run(['install', '--output', pkg], { CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:HC_KEY', CC_OTEL_TEAM: 'plat' });
    expect(p.code, describeCcOtel(p)).toBe(0);
    expect(readJson(pkg).env).toMatchObject({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:HC_KEY', CC_OTEL_TEAM: 'plat' });
    expect(Object.keys(helperFor(pkg))).toEqual(['x-honeycomb-team']);
    // uninstall (same shell) removes the package's keys, CC_OTEL_* included
    const u = await w2.run(['uninstall', '--output', pkg], { CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:HC_KEY', CC_OTEL_TEAM: 'plat' });
    expect(u.code, describeCcOtel(u)).toBe(0);
    expect(readJson(pkg)).toEqual({}); // no record beside a package: emptied, not deleted

    // project scope from the user config: carried too
    const pr = await w.run(['install', '--scope', 'project']);
    expect(pr.code, describeCcOtel(pr)).toBe(0);
    const projFile = join(w.proj, '.claude', 'settings.json');
    expect(readJson(projFile).env).toMatchObject({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_KEY: 'env:HC_KEY', CC_OTEL_TEAM: 'plat' });
    expect(Object.keys(helperFor(projFile))).toEqual(['x-honeycomb-team']);
    expect((await w.run(['uninstall', '--scope', 'project'])).code).toBe(0);
    expect(existsSync(join(w.proj, '.claude'))).toBe(false);
  });

  test('--output with config flags: the printed undo command, and uninstall with the same flags, remove every key install wrote', async () => {
    const w = world(null);
    const pkg = join(w.root, 'pkg dir', 'pkg.json');
    const r = await w.run(['install', '--output', pkg, '--backend', 'honeycomb', '--team', 'plat']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(readJson(pkg).env).toMatchObject({ CC_OTEL_BACKEND: 'honeycomb', CC_OTEL_TEAM: 'plat' });
    const undo = /^Undo with: (cc-otel uninstall .*)$/m.exec(r.stdout)?.[1];
    expect(undo).toContain('--backend honeycomb --team plat');
    // run the printed line as a user would paste it
    const u = spawnSync('/bin/sh', ['-c', `cc_otel() { ${sq(process.execPath)} ${sq(BIN)} "$@"; }; ${undo?.replace(/^cc-otel /, 'cc_otel ')}`], { cwd: w.proj, env: { ...w.env, PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(u.status, u.stderr).toBe(0);
    expect(readJson(pkg)).toEqual({});

    expect((await w.run(['install', '--output', pkg, '--backend', 'honeycomb', '--team', 'plat'])).code).toBe(0);
    const again = await w.run(['uninstall', '--output', pkg, '--backend', 'honeycomb', '--team', 'plat']);
    expect(again.code, describeCcOtel(again)).toBe(0);
    expect(readJson(pkg)).toEqual({});
  });

  test('a shared file carries preset fields as CC_OTEL_* (header, headerValue): the helper works for someone without the user config', async () => {
    const w = world(); // CONFIG: generic otlp with header/headerValue in the user file
    const r = await w.run(['install', '--scope', 'managed']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const file = readdirSync(w.managed, { recursive: true }).map(String).find((f) => f.endsWith('.json'))!;
    const settings = JSON.parse(readFileSync(join(w.managed, file), 'utf8')) as { env: Record<string, string>; otelHeadersHelper: string };
    expect(settings.env).toMatchObject({ CC_OTEL_BACKEND: 'otlp', CC_OTEL_HEADER: 'authorization', CC_OTEL_HEADER_VALUE: 'Bearer {key}', CC_OTEL_KEY: 'env:TEST_KEY' });
    expect(JSON.stringify(settings)).not.toContain(KEY);
    // someone else: another HOME (no user config), the settings env block as Claude Code would pass it
    const other = join(w.root, 'other-home');
    mkdirSync(other);
    const helper = spawnSync('/bin/sh', ['-c', settings.otelHeadersHelper], { cwd: w.proj, env: { PATH: process.env.PATH, HOME: other, TEST_KEY: 'theirs', ...settings.env }, encoding: 'utf8' });
    expect(helper.status, helper.stderr).toBe(0);
    expect(JSON.parse(helper.stdout)).toEqual({ authorization: 'Bearer theirs' });
  });

  test('a shared file that cannot carry what the helper needs is refused, with how to fix it', async () => {
    // axiom's per-signal datasets (an object) in the user file: no CC_OTEL_* holds it
    const w = world({ backend: 'axiom', datasets: { traces: 't', logs: 'l', metrics: 'm' }, key: ['env:TEST_KEY'] });
    for (const [args, hint] of [
      [['--scope', 'managed'], '--config'],
      [['--scope', 'project'], '.cc-otel.json'],
    ] as const) {
      const r = await w.run(['install', ...args]);
      expect(r.code, describeCcOtel(r)).toBe(2);
      expect(r.stderr).toContain('"datasets" (from');
      expect(r.stderr).toContain(hint);
    }
    expect(existsSync(join(w.proj, '.claude'))).toBe(false);
    expect(existsSync(w.managed)).toBe(false);
  });

  test('user scope built from a project config: a warning that the helper and hooks read the config of wherever Claude Code runs', async () => {
    const w = world(null, { 'proj/.cc-otel.json': JSON.stringify(CONFIG) });
    trustProject(w.proj, w.env); // the user trusts the project's .cc-otel.json (a user install does not trust it for them)
    const r = await w.run(['install']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stderr).toContain(`the env block was built with the project config ${join(w.proj, '.cc-otel.json')}, but user settings apply in every project`);
  });

  test('config flags are persisted as CC_OTEL_* so the helper and the hook see what install saw', async () => {
    const w = world(null);
    const cfg = join(w.root, 'elsewhere.json');
    writeFileSync(cfg, JSON.stringify({ ...CONFIG, team: 'from-file' }));
    const r = await w.run(['install', '--config', cfg, '--team', 'sre']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const s = readJson(w.userSettings);
    expect(s.env).toMatchObject({ CC_OTEL_CONFIG: cfg, CC_OTEL_TEAM: 'sre', OTEL_RESOURCE_ATTRIBUTES: 'engineer=ada,team=sre,org=acme' });
    // The helper finds the config only through the env block (no config in HOME).
    const helper = runLikeClaude(s.otelHeadersHelper, { HOME: w.home, TEST_KEY: KEY, ...s.env });
    expect(JSON.parse(helper.stdout)).toEqual({ authorization: `Bearer ${KEY}` });
  });

  test('managed: a drop-in under a temp managed root; --output: a package file with no sidecars', async () => {
    const w = world(null);
    const fleetConfig = join(w.root, 'etc-cc-otel.json'); // what the package ships to every machine
    writeFileSync(fleetConfig, JSON.stringify(CONFIG));
    writeTree(w.managed, { 'managed-settings.json': '{"permissions":{"deny":["WebFetch"]}}\n' });
    const r = await w.run(['install', '--scope', 'managed', '--config', fleetConfig]);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const dropIn = join(w.managed, 'managed-settings.d', 'cc-otel.json');
    const s = readJson(dropIn);
    expect(s.otelHeadersHelper).toBe(`${NODE} ${sq(INSTALLED_SCRIPT)} headers`);
    expect(s.env.OTEL_RESOURCE_ATTRIBUTES).toBe('team=platform,org=acme');
    expect(modeOf(dropIn)).toBe(0o644); // every user who runs Claude Code reads it
    // nothing beside it ends in .json (Claude Code would load it as one more drop-in)
    expect(readdirSync(join(w.managed, 'managed-settings.d')).filter((f) => f.endsWith('.json'))).toEqual(['cc-otel.json']);
    expect(readFileSync(join(w.managed, 'managed-settings.json'), 'utf8')).toBe('{"permissions":{"deny":["WebFetch"]}}\n');
    expect(s.env.CC_OTEL_CONFIG).toBe(fleetConfig);
    const named = await w.run(['install', '--scope', 'managed', '--drop-in', '50-otel', '--dry-run', '--config', fleetConfig]);
    expect(named.stdout).toContain(join(w.managed, 'managed-settings.d', '50-otel.json'));
    const u = await w.run(['uninstall', '--scope', 'managed', '--config', fleetConfig]);
    expect(u.code, describeCcOtel(u)).toBe(0);
    expect(existsSync(join(w.managed, 'managed-settings.d'))).toBe(false);
    expect(readdirSync(w.managed)).toEqual(['managed-settings.json']);

    const out = join(w.root, 'pkg', 'cc-otel.json');
    const p = await w.run(['install', '--scope', 'managed', '--output', out, '--config', fleetConfig]);
    expect(p.code, describeCcOtel(p)).toBe(0);
    expect(readdirSync(join(w.root, 'pkg'))).toEqual(['cc-otel.json']);
    expect(readJson(out)).toMatchObject({ otelHeadersHelper: `${NODE} ${sq(INSTALLED_SCRIPT)} headers`, env: { CLAUDE_CODE_ENABLE_TELEMETRY: '1' } });
    expect(p.stderr).toContain(`the commands in the package ${out} use paths on this machine`);
    expect(p.stderr).toContain('--command');
    expect(r.stderr).toContain('every user of it must be able to run them');
    const fleet = await w.run(['install', '--output', join(w.root, 'pkg2.json'), '--config', fleetConfig, '--command', '/usr/local/bin/cc-otel']);
    expect(fleet.code, describeCcOtel(fleet)).toBe(0);
    expect(fleet.stderr).not.toContain('use paths on this machine');
    expect(readJson(join(w.root, 'pkg2.json')).otelHeadersHelper).toBe('/usr/local/bin/cc-otel headers');
    const again = await w.run(['install', '--output', out, '--config', fleetConfig]); // --output implies managed
    expect(again.stdout).toContain('Nothing to change');
    const bad = await w.run(['install', '--scope', 'project', '--output', out]);
    expect(bad.code).toBe(2);
  });

  test('--command replaces the <node> <script> prefix; one that does not run cc-otel is refused', async () => {
    const w = world();
    const r = await w.run(['install', '--command', 'cc-otel']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    const s = readJson(w.userSettings);
    expect(s.otelHeadersHelper).toBe('cc-otel headers');
    expect(s.hooks.SessionStart[0].hooks[0].command).toBe('cc-otel hook session-start');
    const bad = await w.run(['install', '--command', '/usr/bin/true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('does not run cc-otel');
  });

  test("run from npx's cache: refused (exit 2, nothing written) with the command to run instead; --command with an installed cc-otel goes through", async () => {
    const w = world(CONFIG, { 'home/.claude/settings.json': ORIGINAL });
    // npx's layout: ~/.npm/_npx/<hash>/node_modules/cc-otel, reached through node_modules/.bin/cc-otel
    const npxDir = join(w.home, '.npm', '_npx', '5a7b1c2d3e4f5a6b', 'node_modules');
    placeInstalledPackage(join(npxDir, 'cc-otel'));
    mkdirSync(join(npxDir, '.bin'));
    symlinkSync('../cc-otel/bin/cc-otel.js', join(npxDir, '.bin', 'cc-otel'));
    const before = snapshot(w.home);
    for (const args of [['install'], ['install', '--dry-run'], ['install', '--scope', 'project']]) {
      const r = await runCcOtel([...args, '--managed-dir', w.managed], { bin: join(npxDir, '.bin', 'cc-otel'), cwd: w.proj, env: w.env });
      expect(r.code, describeCcOtel(r)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`cc-otel runs from npx's cache (${join(npxDir, 'cc-otel', 'bin', 'cc-otel.js')})`);
      expect(r.stderr).toContain('npm install -g .');
      expect(r.stderr).toContain('--command <absolute path to cc-otel>');
    }
    const json = await runCcOtel(['install', '--json', '--managed-dir', w.managed], { bin: join(npxDir, '.bin', 'cc-otel'), cwd: w.proj, env: w.env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'USAGE', hint: expect.stringContaining('npm install -g .') } });
    expect(snapshot(w.home)).toEqual(before);
    expect(existsSync(join(w.proj, '.claude'))).toBe(false);

    // nor can --command point into it
    const viaCommand = await w.run(['install', '--command', join(npxDir, '.bin', 'cc-otel')]);
    expect(viaCommand.code, describeCcOtel(viaCommand)).toBe(2);
    expect(viaCommand.stderr).toContain("points into npx's cache");
    expect(snapshot(w.home)).toEqual(before);

    // the way out the hint names: --command with the absolute path of an installed cc-otel
    const ok = await runCcOtel(['install', '--command', BIN, '--managed-dir', w.managed], { bin: join(npxDir, '.bin', 'cc-otel'), cwd: w.proj, env: w.env });
    expect(ok.code, describeCcOtel(ok)).toBe(0);
    expect(readJson(w.userSettings).otelHeadersHelper).toBe(`${BIN} headers`);
    // run by Claude Code through a shell whose PATH has node (the bin link's `#!/usr/bin/env node`)
    const helper = spawnSync('/bin/sh', ['-c', readJson(w.userSettings).otelHeadersHelper], { env: { HOME: w.home, TEST_KEY: KEY, PATH: dirname(process.execPath) }, encoding: 'utf8' });
    expect(helper.status, helper.stderr).toBe(0);
    expect(JSON.parse(helper.stdout)).toEqual({ authorization: `Bearer ${KEY}` });
  });

  test('not configured: exit 2 with how to configure; nothing written', async () => {
    const w = world(null);
    const r = await w.run(['install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not configured');
    expect(existsSync(join(w.home, '.claude'))).toBe(false);
  });

  test('--json: an error is a JSON document on stdout too, with the same exit code', async () => {
    const w = world(null);
    const r = await w.run(['install', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'CONFIG_NOT_FOUND', message: expect.stringContaining('not configured'), hint: expect.any(String) } });
    expect(r.stderr).toContain('not configured');
    const w2 = world(CONFIG, { 'home/.claude/settings.json': '{ "env": ' });
    for (const cmd of ['install', 'uninstall']) {
      const e = await w2.run([cmd, '--json']);
      expect(e.code, describeCcOtel(e)).toBe(1); // SETTINGS_INVALID: the operation failed
      expect(JSON.parse(e.stdout).error).toMatchObject({ code: 'SETTINGS_INVALID', message: expect.stringContaining('is not valid JSON') });
    }
  });

  test('conflicting flags and an empty file are refused with a way out', async () => {
    const w = world(CONFIG, { 'home/.claude/settings.json': '  \n' });
    const both = await w.run(['install', '--scope', 'user', '--output', join(w.root, 'pkg.json')]);
    expect(both.code, describeCcOtel(both)).toBe(2);
    expect(both.stderr).toContain('--output is for managed settings packages, not --scope user');
    expect(existsSync(join(w.root, 'pkg.json'))).toBe(false);
    const empty = await w.run(['install']);
    expect(empty.code, describeCcOtel(empty)).toBe(1);
    expect(empty.stderr).toContain('is empty (3 bytes of whitespace)');
    expect(empty.stderr).toContain("echo '{}' >");
    expect(readFileSync(w.userSettings, 'utf8')).toBe('  \n');
  });

  test('install warns when a higher scope overrides what it writes', async () => {
    const w = world(CONFIG, {
      'proj/.claude/settings.json': JSON.stringify({ env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://other:4318/v1/logs', OTEL_RESOURCE_ATTRIBUTES: 'team=web' } }),
      'proj/.claude/settings.local.json': JSON.stringify({ env: { CLAUDE_CODE_ENABLE_TELEMETRY: '0' } }),
    });
    const r = await w.run(['install', '--dry-run']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stderr).toContain('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://other:4318/v1/logs" from project');
    expect(r.stderr).toContain('[ENDPOINT_SHADOWED]');
    expect(r.stderr).toContain('[RESOURCE_ATTRIBUTES_REPLACED]');
    expect(r.stderr).toContain('CLAUDE_CODE_ENABLE_TELEMETRY="0" from local');
    const j = JSON.parse((await w.run(['install', '--dry-run', '--json'])).stdout);
    expect(j.overrides.map((o: { code: string }) => o.code).sort()).toEqual(['ENDPOINT_SHADOWED', 'ENV_SHADOWED', 'RESOURCE_ATTRIBUTES_REPLACED', 'TELEMETRY_DISABLED']);
  });
});

describe('cc-otel uninstall (real process)', () => {
  test('removes exactly what install added: the original bytes come back; a file install created goes, with its directory', async () => {
    const w = world(CONFIG, { 'home/.claude/settings.json': ORIGINAL });
    expect((await w.run(['install', '--events'])).code).toBe(0);
    const dry = await w.run(['uninstall', '--dry-run']);
    expect(dry.code, describeCcOtel(dry)).toBe(0);
    expect(dry.stdout).toMatch(/^- {4}"otelHeadersHelper": /m);
    expect(readFileSync(w.userSettings, 'utf8')).not.toBe(ORIGINAL);
    const r = await w.run(['uninstall', '--json']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'uninstall', scope: 'user', changed: true, applied: true, deleted: false, stillInstalled: [] });
    expect(readFileSync(w.userSettings, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(join(w.home, '.claude'))).toEqual(['settings.json']);
    const again = await w.run(['uninstall']);
    expect(again.stdout).toContain('Nothing to remove');

    const w2 = world();
    expect((await w2.run(['install'])).code).toBe(0);
    const r2 = await w2.run(['uninstall']);
    expect(r2.code, describeCcOtel(r2)).toBe(0);
    expect(existsSync(join(w2.home, '.claude'))).toBe(false);
  });

  test('after two installs into a file install created: no backup is left, and the directory install created goes too', async () => {
    const w = world(null, { 'proj/.cc-otel.json': JSON.stringify(CONFIG) });
    trustProject(w.proj, w.env);
    expect((await w.run(['install', '--scope', 'project'])).code).toBe(0);
    const second = await w.run(['install', '--scope', 'project', '--events', 'SessionStart,Stop']);
    expect(second.code, describeCcOtel(second)).toBe(0);
    expect(readdirSync(join(w.proj, '.claude'))).toEqual(['settings.json']);
    const u = await w.run(['uninstall', '--scope', 'project']);
    expect(u.code, describeCcOtel(u)).toBe(0);
    expect(existsSync(join(w.proj, '.claude'))).toBe(false);
    expect(readdirSync(w.proj).sort()).toEqual(['.cc-otel.json', 'README.md']);
  });

  test('says where cc-otel is still installed, and works with a broken config', async () => {
    const w = world();
    expect((await w.run(['install'])).code).toBe(0);
    expect((await w.run(['install', '--scope', 'local'])).code).toBe(0);
    writeFileSync(join(w.home, '.config', 'cc-otel', 'config.json'), '{ not json');
    const r = await w.run(['uninstall', '--scope', 'local']);
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toContain(`cc-otel is still installed in: user (${w.userSettings})`);
    expect(existsSync(join(w.proj, '.claude'))).toBe(false);
  });
});
