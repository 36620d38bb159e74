// The file layer, on real files in temp dirs (never the real HOME or /etc): every scope × a matrix of
// starting files, symlinks, permissions, sidecars, and "a re-run writes nothing".
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeTempDir } from '../../helpers/tmp.js';
import type { TempDir } from '../../helpers/tmp.js';
import { makeContext } from '../../../src/context.js';
import { isCcOtelError } from '../../../src/errors.js';
import { applySettingsEdit, planSettingsEdit } from '../../../src/claude/settings-edit.js';
import { readSettingsFile } from '../../../src/claude/settings-file.js';
import { backupPath, installRecordPath, settingsFilePath } from '../../../src/claude/settings-paths.js';
import type { ScopePathOptions, SettingsScope } from '../../../src/claude/settings-paths.js';
import { INSTALL, OTHER_TOOL_HOOKS, STARTING_FILES } from './settings-fixtures.js';

const isRoot = process.getuid?.() === 0;

let tmp: TempDir;
let root: string;
beforeEach(() => {
  tmp = makeTempDir('cc-otel-settings');
  root = realpathSync(tmp.path);
  mkdirSync(join(root, 'home'));
  mkdirSync(join(root, 'proj'));
});
afterEach(() => {
  // a test may have left something read-only
  for (const d of walkDirs(root)) chmodSync(d, 0o755);
  tmp.cleanup();
});

function walkDirs(dir: string): string[] {
  const out = [dir];
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...walkDirs(join(dir, e.name)));
  return out;
}

/** Everything under the temp root: path → content / link target / 'dir', with modes. */
function tree(dir = root): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const rel = relative(root, p);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[rel] = `link → ${readlinkSync(p)}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${(st.mode & 0o777).toString(8)}`;
      Object.assign(out, tree(p));
    } else out[rel] = `${(st.mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
  }
  return out;
}

type Variant = { name: string; scope: SettingsScope; env?: Record<string, string>; opts?: ScopePathOptions };
const VARIANTS: Variant[] = [
  { name: 'user', scope: 'user' },
  { name: 'user via CLAUDE_CONFIG_DIR', scope: 'user', env: { CLAUDE_CONFIG_DIR: 'cfg/claude' } },
  { name: 'project', scope: 'project' },
  { name: 'local', scope: 'local' },
  { name: 'managed drop-in', scope: 'managed' },
  { name: 'managed --output file', scope: 'managed', opts: { outputFile: 'pkg/managed/cc-otel.json' } },
];

function pathFor(v: Variant): string {
  const ctx = makeContext({ env: v.env ?? {}, homeDir: join(root, 'home'), cwd: join(root, 'proj'), platform: process.platform });
  return settingsFilePath(ctx, v.scope, { managedDir: join(root, 'etc', 'claude-code'), ...v.opts });
}

function put(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (mode !== undefined) chmodSync(path, mode);
}

function thrown(f: () => unknown): { code?: string; message: string; hint?: string } {
  try {
    f();
  } catch (e) {
    return isCcOtelError(e) ? { code: e.code, message: e.message, hint: e.hint } : { message: String(e) };
  }
  throw new Error('expected an error');
}

const MATRIX = ['missing', 'empty {}', '{} without final newline', '4-space indent with env keys', 'tab indent', 'existing SessionStart hooks from another tool', 'one-line JSON, unicode keys, nested arrays', 'CRLF line endings', 'UTF-8 BOM (Windows editors)'];

describe.each(VARIANTS)('scope: $name', (v) => {
  test.each(MATRIX)('%s: install → re-install (no write) → uninstall leaves every byte as it was', (name) => {
    const text = STARTING_FILES[name] as string | null;
    const path = pathFor(v);
    if (text !== null) put(path, text);
    const initial = tree();

    const plan = planSettingsEdit(path, INSTALL);
    expect(plan.conflicts).toEqual([]);
    applySettingsEdit(plan);
    const read = readSettingsFile(path);
    expect(read.status).toBe('ok');
    if (read.status === 'ok') {
      expect(read.settings.env).toMatchObject(INSTALL.env);
      expect(read.settings.otelHeadersHelper).toBe(INSTALL.otelHeadersHelper);
    }
    expect(readFileSync(installRecordPath(path), 'utf8')).toContain('"version": 1');
    if (text === null) expect(() => statSync(backupPath(path))).toThrow();
    else expect(readFileSync(backupPath(path), 'utf8')).toBe(text);

    // Re-running plans nothing and touches nothing: same inode, same mtime, for all three files.
    const stamp = () => [path, installRecordPath(path), ...(text === null ? [] : [backupPath(path)])].map((p) => `${statSync(p).ino}:${statSync(p).mtimeMs}`);
    const before = stamp();
    const again = planSettingsEdit(path, INSTALL);
    expect(again).toMatchObject({ changed: false, ops: [], diff: '' });
    expect(applySettingsEdit(again)).toEqual({ wrote: [], removed: [] });
    expect(stamp()).toEqual(before);

    applySettingsEdit(planSettingsEdit(path, { action: 'uninstall' }));
    expect(tree()).toEqual(initial);
  });

  test('invalid JSON is refused with line and column, and nothing changes', () => {
    const path = pathFor(v);
    put(path, '{\n  "env": {\n    "A": "1"\n  \n}\n');
    const initial = tree();
    const e = thrown(() => planSettingsEdit(path, INSTALL));
    expect(e.code).toBe('SETTINGS_INVALID');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/at line 6, column 1/);
    expect(e.hint).toContain('changed nothing');
    expect(tree()).toEqual(initial);
  });

  test('a read-only file (mode 0444) is refused, even for root, and nothing is written', () => {
    const path = pathFor(v);
    put(path, '{}\n', 0o444);
    const initial = tree();
    const e = thrown(() => applySettingsEdit(planSettingsEdit(path, INSTALL)));
    expect(e.code).toBe('SETTINGS_WRITE');
    expect(e.message).toContain('read-only');
    expect(e.hint).toContain('chmod u+w');
    expect(tree()).toEqual(initial);
  });
});

describe('permissions and odd paths', () => {
  // chmod does not stop root, so this one runs only for a normal user; the ENOTDIR test below
  // covers the same "cannot write there" path when the suite runs as root.
  test.skipIf(isRoot)('a read-only directory is a clear error and nothing is written', () => {
    const path = pathFor({ name: 'project', scope: 'project' });
    put(path, '{}\n');
    chmodSync(dirname(path), 0o555);
    const initial = tree();
    const e = thrown(() => applySettingsEdit(planSettingsEdit(path, INSTALL)));
    expect(e.code).toBe('SETTINGS_WRITE');
    expect(e.message).toContain('permission denied');
    expect(e.hint).toContain('--scope');
    expect(tree()).toEqual(initial);
  });

  test('a file where a directory should be (ENOTDIR) is a clear error and nothing is written', () => {
    const path = pathFor({ name: 'project', scope: 'project' });
    writeFileSync(join(root, 'proj', '.claude'), 'not a dir');
    const initial = tree();
    const plan = planSettingsEdit(path, INSTALL);
    expect(plan.before).toBeNull();
    const e = thrown(() => applySettingsEdit(plan));
    expect(e.code).toBe('SETTINGS_WRITE');
    expect(e.message).toContain(`${join(root, 'proj', '.claude')} is a file, not a directory`);
    expect(tree()).toEqual(initial);
  });

  test('a directory where the settings file should be is a clear error', () => {
    const path = pathFor({ name: 'user', scope: 'user' });
    mkdirSync(path, { recursive: true });
    const e = thrown(() => planSettingsEdit(path, INSTALL));
    expect(e.code).toBe('SETTINGS_INVALID');
    expect(e.message).toContain('is a directory');
  });

  test('the file mode is kept, and sidecars get the same mode', () => {
    const path = pathFor({ name: 'user', scope: 'user' });
    put(path, '{"model": "opus"}\n', 0o600);
    applySettingsEdit(planSettingsEdit(path, INSTALL));
    for (const p of [path, installRecordPath(path), backupPath(path)]) expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  test.skipIf(!isRoot)('as root, the owner of a user file is kept', () => {
    const path = pathFor({ name: 'user', scope: 'user' });
    put(path, '{}\n');
    chownSync(path, 4321, 4321);
    applySettingsEdit(planSettingsEdit(path, INSTALL));
    expect([statSync(path).uid, statSync(path).gid]).toEqual([4321, 4321]);
  });
});

describe('symlinks', () => {
  test('the link is kept, its target is edited, and uninstall restores the target byte for byte', () => {
    const target = join(root, 'dotfiles', 'claude-settings.json');
    put(target, OTHER_TOOL_HOOKS);
    const path = pathFor({ name: 'user', scope: 'user' });
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync('../../dotfiles/claude-settings.json', path);
    const initial = tree();

    const plan = planSettingsEdit(path, INSTALL);
    expect(plan.target).toBe(target);
    applySettingsEdit(plan);
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path)).toBe('../../dotfiles/claude-settings.json');
    expect(JSON.parse(readFileSync(target, 'utf8')).env).toMatchObject(INSTALL.env);
    expect(readFileSync(backupPath(target), 'utf8')).toBe(OTHER_TOOL_HOOKS); // sidecars beside the real file

    applySettingsEdit(planSettingsEdit(path, { action: 'uninstall' }));
    expect(tree()).toEqual(initial);
  });

  test('a dangling link: install creates its target, uninstall removes it again', () => {
    const path = pathFor({ name: 'project', scope: 'project' });
    mkdirSync(join(root, 'shared'));
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(join(root, 'shared', 'settings.json'), path);
    const initial = tree();
    applySettingsEdit(planSettingsEdit(path, INSTALL));
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(root, 'shared', 'settings.json'), 'utf8')).otelHeadersHelper).toBe(INSTALL.otelHeadersHelper);
    applySettingsEdit(planSettingsEdit(path, { action: 'uninstall' }));
    expect(tree()).toEqual(initial);
  });
});

describe('apply safety', () => {
  test('a conflicting value is refused without --force (hint) and nothing is written', () => {
    const path = pathFor({ name: 'local', scope: 'local' });
    put(path, '{\n  "env": {\n    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318"\n  }\n}\n');
    const initial = tree();
    const plan = planSettingsEdit(path, INSTALL);
    expect(plan.diff).toContain('+    "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example.com",');
    const e = thrown(() => applySettingsEdit(plan));
    expect(e.code).toBe('SETTINGS_WRITE');
    expect(e.message).toContain('env.OTEL_EXPORTER_OTLP_ENDPOINT is already "http://localhost:4318"');
    expect(e.hint).toContain('--force');
    expect(tree()).toEqual(initial);

    applySettingsEdit(planSettingsEdit(path, { ...INSTALL, force: true }));
    applySettingsEdit(planSettingsEdit(path, { action: 'uninstall' }));
    expect(tree()).toEqual(initial);
  });

  test('a file changed between plan and apply is not overwritten', () => {
    const path = pathFor({ name: 'user', scope: 'user' });
    put(path, '{}\n');
    const plan = planSettingsEdit(path, INSTALL);
    writeFileSync(path, '{"model": "opus"}\n');
    expect(thrown(() => applySettingsEdit(plan)).message).toContain('changed while cc-otel was working on it');
    expect(readFileSync(path, 'utf8')).toBe('{"model": "opus"}\n');
  });

  test('the backup is made once: a later install keeps the first original', () => {
    const path = pathFor({ name: 'project', scope: 'project' });
    put(path, '{\n  "model": "opus"\n}\n');
    applySettingsEdit(planSettingsEdit(path, INSTALL));
    applySettingsEdit(planSettingsEdit(path, { ...INSTALL, env: { ...INSTALL.env, OTEL_LOGS_EXPORTER: 'none' } }));
    expect(readFileSync(backupPath(path), 'utf8')).toBe('{\n  "model": "opus"\n}\n');
  });

  test('a file that is not UTF-8 is refused (it could not be written back exactly)', () => {
    const path = pathFor({ name: 'user', scope: 'user' });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    const e = thrown(() => planSettingsEdit(path, INSTALL));
    expect(e.code).toBe('SETTINGS_INVALID');
    expect(e.message).toContain('UTF-8');
  });
});

describe('install records in a state dir (recordDir)', () => {
  test('nothing beside the file; the record is 0600 in a 0700 dir; an old sidecar is read and migrated', () => {
    const path = join(root, 'proj', '.claude', 'settings.local.json');
    const recordDir = join(root, 'state', 'install-records');
    put(path, STARTING_FILES['4-space indent with env keys'] as string);
    const initial = tree();
    applySettingsEdit(planSettingsEdit(path, INSTALL, { recordDir }));
    expect(readdirSync(dirname(path)).sort()).toEqual(['settings.local.json', 'settings.local.json.cc-otel.bak']);
    const [rec] = readdirSync(recordDir);
    expect(rec).toMatch(/^[0-9a-f]{16}-settings\.local\.json\.record$/);
    expect(statSync(join(recordDir, rec as string)).mode & 0o777).toBe(0o600);
    expect(statSync(recordDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(recordDir, rec as string), 'utf8')).target).toBe(path);
    expect(planSettingsEdit(path, INSTALL, { recordDir })).toMatchObject({ changed: false, ops: [] });
    applySettingsEdit(planSettingsEdit(path, { action: 'uninstall' }, { recordDir }));
    expect(readdirSync(recordDir)).toEqual([]);

    // an install by an older cc-otel: the record beside the file
    applySettingsEdit(planSettingsEdit(path, INSTALL));
    expect(readFileSync(installRecordPath(path), 'utf8')).toContain('"version": 1');
    const migrated = planSettingsEdit(path, INSTALL, { recordDir });
    expect(migrated.ops.map((o) => o.op)).toEqual(['write', 'delete']);
    applySettingsEdit(migrated);
    expect(() => statSync(installRecordPath(path))).toThrow();
    applySettingsEdit(planSettingsEdit(path, { action: 'uninstall' }, { recordDir }));
    const t = tree();
    delete t['state'];
    delete t['state/install-records'];
    expect(t).toEqual(initial);
  });

  test('a record in the state dir and an old sidecar at once: uninstall removes both', () => {
    const path = join(root, 'proj', '.claude', 'settings.local.json');
    const recordDir = join(root, 'state', 'install-records');
    put(path, '{}\n');
    applySettingsEdit(planSettingsEdit(path, INSTALL, { recordDir }));
    // an older cc-otel wrote its sidecar too (the same record, beside the file)
    const [rec] = readdirSync(recordDir);
    writeFileSync(installRecordPath(path), readFileSync(join(recordDir, rec as string), 'utf8'));
    applySettingsEdit(planSettingsEdit(path, { action: 'uninstall' }, { recordDir }));
    expect(readdirSync(recordDir)).toEqual([]);
    expect(() => statSync(installRecordPath(path))).toThrow();
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
  });
});
