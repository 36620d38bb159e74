import { describe, expect, test } from 'vitest';
import { isCcOtelError } from '../../../src/errors.js';
import { sessionStartHook } from '../../../src/claude/hook-entries.js';
import { parseRecord } from '../../../src/claude/install-record.js';
import { planFromSnapshot } from '../../../src/claude/settings-edit.js';
import type { SettingsEdit, SettingsEditPlan } from '../../../src/claude/settings-edit.js';
import type { SettingsFileSnapshot } from '../../../src/claude/settings-file.js';
import { INSTALL, STARTING_FILES } from './settings-fixtures.js';

const TARGET = '/p/.claude/settings.json';
const RECORD = `${TARGET}.cc-otel.record`;
const BACKUP = `${TARGET}.cc-otel.bak`;

/** An in-memory file system of the settings file and its two sidecars. */
interface Files {
  [TARGET]?: string;
  [RECORD]?: string;
  [BACKUP]?: string;
}

function snapshot(files: Files): SettingsFileSnapshot {
  return {
    path: TARGET,
    target: TARGET,
    text: files[TARGET] ?? null,
    meta: null,
    recordText: files[RECORD] ?? null,
    backupText: files[BACKUP] ?? null,
    missingDirs: files[TARGET] === undefined ? ['/p/.claude'] : [],
  };
}

function apply(files: Files, plan: SettingsEditPlan): Files {
  const out: Record<string, string> = { ...(files as Record<string, string>) };
  for (const o of plan.ops) {
    if (o.op === 'write' && !(o.onlyIfAbsent && o.path in out)) out[o.path] = o.content;
    if (o.op === 'delete') delete out[o.path];
  }
  return out as Files;
}

function run(files: Files, edit: SettingsEdit): { files: Files; plan: SettingsEditPlan } {
  const plan = planFromSnapshot(snapshot(files), edit);
  return { files: apply(files, plan), plan };
}

const start = (text: string | null): Files => (text === null ? {} : { [TARGET]: text });
const parse = (t: string) => JSON.parse(t.replace(/^\uFEFF/, '')) as Record<string, any>; // JSON.parse rejects a BOM; Claude Code's reader and ours do not
const settingsOf = (f: Files) => parse(f[TARGET] as string);
const uninstall: SettingsEdit = { action: 'uninstall' };

describe('install → uninstall is byte-for-byte, on every starting file', () => {
  test.each(Object.entries(STARTING_FILES))('%s', (_name, text) => {
    const installed = run(start(text), INSTALL);
    expect(installed.plan.changed).toBe(true);
    const s = settingsOf(installed.files);
    expect(s.env).toMatchObject(INSTALL.env);
    expect(s.otelHeadersHelper).toBe(INSTALL.otelHeadersHelper);
    expect(s.hooks.SessionStart.at(-1)).toEqual({ matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: '/usr/local/bin/cc-otel hook session-start', timeout: 10 }] });
    // re-running changes nothing
    expect(run(installed.files, INSTALL).plan).toMatchObject({ changed: false, ops: [], diff: '' });
    const removed = run(installed.files, uninstall);
    expect(removed.files).toEqual(start(text));
  });

  // Without a record, a container cc-otel emptied is removed: it cannot know an empty "env": {} or
  // "hooks": {} was there before. Everything else comes back.
  const dropEmpty = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).filter(([k, x]) => !(['env', 'hooks'].includes(k) && JSON.stringify(x) === '{}')));
  test.each(Object.entries(STARTING_FILES).filter(([, t]) => t !== null))('%s: the structural removal alone (record lost) gives the same JSON', (_name, text) => {
    const installed = run(start(text), INSTALL);
    const noRecord = { [TARGET]: installed.files[TARGET] } as Files;
    const removed = run(noRecord, { action: 'uninstall', expectedEnv: INSTALL.env });
    expect(dropEmpty(parse(removed.files[TARGET] as string))).toEqual(dropEmpty(parse(text as string)));
  });
});

describe('env ownership', () => {
  const withEndpoint = '{\n  "env": {\n    "OTEL_EXPORTER_OTLP_ENDPOINT": "http:\\/\\/old-collector:4318",\n    "OTEL_METRICS_EXPORTER": "otlp"\n  }\n}\n';

  test('a key set to another value is a conflict; nothing is decided without --force', () => {
    const { plan } = run(start(withEndpoint), INSTALL);
    expect(plan.conflicts).toEqual([
      { key: 'env.OTEL_EXPORTER_OTLP_ENDPOINT', current: '"http:\\/\\/old-collector:4318"', wanted: 'https://otlp.example.com', message: 'env.OTEL_EXPORTER_OTLP_ENDPOINT is already "http:\\/\\/old-collector:4318"' },
    ]);
  });

  test('--force overwrites, remembers the exact old bytes, and uninstall puts them back', () => {
    const installed = run(start(withEndpoint), { ...INSTALL, force: true });
    expect(installed.plan.conflicts).toEqual([]);
    expect(installed.plan.warnings.join('\n')).toContain('overwrote env.OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(settingsOf(installed.files).env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('https://otlp.example.com');
    const rec = parseRecord(installed.files[RECORD] as string);
    expect(rec?.env.OTEL_EXPORTER_OTLP_ENDPOINT).toEqual({ value: 'https://otlp.example.com', previous: '"http:\\/\\/old-collector:4318"' });
    // the key that already had cc-otel's value is not cc-otel's
    expect(rec?.env.OTEL_METRICS_EXPORTER).toBeUndefined();
    expect(run(installed.files, uninstall).files).toEqual(start(withEndpoint));
  });

  test('a key with the same value is left alone and survives uninstall, even structurally', () => {
    const installed = run(start(withEndpoint), { ...INSTALL, force: true });
    const userEdit = (installed.files[TARGET] as string).replace('{\n', '{\n  "model": "opus",\n');
    const removed = run({ ...installed.files, [TARGET]: userEdit }, uninstall);
    expect(settingsOf(removed.files).env).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://old-collector:4318', OTEL_METRICS_EXPORTER: 'otlp' });
    expect(settingsOf(removed.files).model).toBe('opus');
  });

  test('re-install with new values updates cc-otel keys and drops the ones no longer wanted', () => {
    const first = run(start('{}\n'), INSTALL);
    const env = { ...INSTALL.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://other.example.com' } as Record<string, string>;
    delete env.OTEL_LOGS_EXPORTER;
    const second = run(first.files, { ...INSTALL, env });
    expect(second.plan.conflicts).toEqual([]);
    expect(settingsOf(second.files).env).toEqual(env);
    expect(Object.keys(parseRecord(second.files[RECORD] as string)?.env ?? {})).not.toContain('OTEL_LOGS_EXPORTER');
    expect(run(second.files, uninstall).files).toEqual(start('{}\n'));
  });

  test('a value the user changed after install is theirs: uninstall leaves it and says so', () => {
    const first = run(start('{}\n'), INSTALL);
    const edited = (first.files[TARGET] as string).replace('https://otlp.example.com', 'https://mine.example.com');
    const removed = run({ ...first.files, [TARGET]: edited }, uninstall);
    expect(settingsOf(removed.files)).toEqual({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://mine.example.com' } });
    expect(removed.plan.warnings.join('\n')).toContain('OTEL_EXPORTER_OTLP_ENDPOINT changed after cc-otel wrote it');
  });

  test('without a record, env keys stay unless they hold exactly the expected values', () => {
    const first = run(start('{}\n'), INSTALL);
    const orphan = { [TARGET]: first.files[TARGET] } as Files;
    expect(settingsOf(run(orphan, uninstall).files).env).toEqual(INSTALL.env);
    const guided = run(orphan, { action: 'uninstall', expectedEnv: { ...INSTALL.env, OTEL_METRICS_EXPORTER: 'prometheus' } });
    expect(settingsOf(guided.files)).toEqual({ env: { OTEL_METRICS_EXPORTER: 'otlp' } });
    expect(guided.plan.warnings.join('\n')).toContain('no install record');
  });
});

describe('otelHeadersHelper ownership', () => {
  test("another tool's helper is a conflict; --force replaces it and uninstall restores it", () => {
    const theirs = '{\n  "otelHeadersHelper": "/opt/corp/otel-headers.sh"\n}\n';
    expect(run(start(theirs), INSTALL).plan.conflicts.map((c) => c.key)).toEqual(['otelHeadersHelper']);
    const forced = run(start(theirs), { ...INSTALL, force: true });
    expect(settingsOf(forced.files).otelHeadersHelper).toBe('/usr/local/bin/cc-otel headers');
    expect(run(forced.files, uninstall).files).toEqual(start(theirs));
  });

  test('an older cc-otel helper (another path) is replaced without a conflict', () => {
    const old = '{\n  "otelHeadersHelper": "/old/prefix/bin/cc-otel headers"\n}\n';
    const { plan, files } = run(start(old), INSTALL);
    expect(plan.conflicts).toEqual([]);
    expect(settingsOf(files).otelHeadersHelper).toBe('/usr/local/bin/cc-otel headers');
  });

  test('installing without a helper (grpc) removes the one cc-otel wrote before', () => {
    const first = run(start('{}\n'), INSTALL);
    const { otelHeadersHelper: _, ...noHelper } = INSTALL;
    expect(settingsOf(run(first.files, noHelper).files).otelHeadersHelper).toBeUndefined();
  });
});

describe('hooks', () => {
  const otherAndOurs = (cmd: string) =>
    JSON.stringify(
      {
        hooks: {
          SessionStart: [
            { matcher: 'startup', hooks: [{ type: 'command', command: 'other-tool sync' }] },
            { matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: cmd, timeout: 10 }] },
          ],
        },
      },
      null,
      2,
    ) + '\n';

  test('the identical cc-otel hook already there is not duplicated', () => {
    const text = otherAndOurs('/usr/local/bin/cc-otel hook session-start');
    const { plan } = run(start(text), { action: 'install', env: {}, hooks: [sessionStartHook('/usr/local/bin/cc-otel hook session-start')] });
    expect(plan).toMatchObject({ changed: false, ops: [] });
  });

  test('cc-otel moved: the old entry is replaced, not duplicated, and the other tool keeps its hook', () => {
    const text = otherAndOurs('/home/me/.nvm/versions/node/v18.0.0/bin/cc-otel hook session-start');
    const { files } = run(start(text), { action: 'install', env: {}, hooks: [sessionStartHook('/usr/local/bin/cc-otel hook session-start')] });
    const groups = settingsOf(files).hooks.SessionStart;
    expect(groups).toEqual([
      { matcher: 'startup', hooks: [{ type: 'command', command: 'other-tool sync' }] },
      { matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: '/usr/local/bin/cc-otel hook session-start', timeout: 10 }] },
    ]);
  });

  test('uninstall finds hooks an older install wrote from another path', () => {
    const text = otherAndOurs('"C:\\\\Program Files\\\\nodejs\\\\cc-otel.cmd" hook session-start');
    const { files } = run(start(text), uninstall);
    expect(settingsOf(files).hooks.SessionStart).toEqual([{ matcher: 'startup', hooks: [{ type: 'command', command: 'other-tool sync' }] }]);
  });

  test('a cc-otel hook sharing a group with another hook: only ours goes', () => {
    const text = '{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"notify-send done"},{"type":"command","command":"cc-otel hook stop","timeout":10}]}]}}';
    const { files } = run(start(text), uninstall);
    expect(files[TARGET]).toBe('{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"notify-send done"}]}]}}');
  });

  test('fewer --events on re-install removes the dropped event hooks', () => {
    const first = run(start('{}\n'), INSTALL);
    const second = run(first.files, { ...INSTALL, hooks: INSTALL.hooks.slice(0, 1) });
    expect(Object.keys(settingsOf(second.files).hooks)).toEqual(['SessionStart']);
    expect(run(second.files, uninstall).files).toEqual(start('{}\n'));
  });

  test('containers that existed before install stay after a structural uninstall', () => {
    const text = '{\n  "env": {},\n  "hooks": {}\n}\n';
    const first = run(start(text), INSTALL);
    // the user edits something else, so the original bytes cannot simply be put back
    const edited = (first.files[TARGET] as string).replace('{\n', '{\n  "model": "opus",\n');
    const { files } = run({ ...first.files, [TARGET]: edited }, uninstall);
    expect(files[TARGET]).toBe('{\n  "model": "opus",\n  "env": {},\n  "hooks": {}\n}\n');
  });
});

describe('refusals', () => {
  const code = (f: () => unknown): [string | undefined, string] => {
    try {
      f();
    } catch (e) {
      return [isCcOtelError(e) ? e.code : undefined, (e as Error).message];
    }
    return [undefined, 'did not throw'];
  };

  test('invalid JSON: where it breaks, nothing planned', () => {
    const [c, msg] = code(() => run(start('{\n  "env": {\n    "A": "1",\n  }\n}\n'), INSTALL));
    expect(c).toBe('SETTINGS_INVALID');
    expect(msg).toContain('trailing comma at line 4, column 3');
  });

  test.each([
    ['[]', 'top level is not a JSON object'],
    ['{"env": "OTEL=1"}', '"env" is not an object'],
    ['{"hooks": []}', '"hooks" is not an object'],
    ['{"hooks": {"SessionStart": {}}}', '"hooks.SessionStart" is not an array'],
  ])('%s', (text, want) => {
    const [c, msg] = code(() => run(start(text), INSTALL));
    expect(c).toBe('SETTINGS_INVALID');
    expect(msg).toContain(want);
  });

  test('an unreadable install record is ignored with a warning', () => {
    const { plan } = run({ [TARGET]: '{}\n', [RECORD]: 'garbage' }, INSTALL);
    expect(plan.warnings.join('\n')).toContain('not an install record');
  });
});

describe('sidecars', () => {
  test('the backup is taken once, of the file before cc-otel first changed it', () => {
    const original = '{\n  "model": "opus"\n}\n';
    const first = run(start(original), INSTALL);
    expect(first.files[BACKUP]).toBe(original);
    const edited = { ...first.files, [TARGET]: (first.files[TARGET] as string).replace('"opus"', '"sonnet"') };
    const second = run(edited, { ...INSTALL, env: { ...INSTALL.env, OTEL_LOGS_EXPORTER: 'none' } });
    expect(second.plan.ops.some((o) => o.op === 'write' && o.path === BACKUP)).toBe(false);
    expect(second.files[BACKUP]).toBe(original);
  });

  test('a new file gets no backup; its uninstall deletes it and the directory install created', () => {
    const first = run({}, INSTALL);
    expect(first.files[BACKUP]).toBeUndefined();
    expect(parseRecord(first.files[RECORD] as string)).toMatchObject({ original: null, createdDirs: ['/p/.claude'] });
    const removed = run(first.files, uninstall);
    expect(removed.plan.ops).toEqual([{ op: 'delete', path: TARGET }, { op: 'delete', path: RECORD }, { op: 'rmdir', path: '/p/.claude' }]);
  });

  test('a re-install of a file install created takes no backup (it would hold cc-otel\'s own entries); uninstall then removes the file and the directory', () => {
    const first = run({}, INSTALL);
    const second = run(first.files, { ...INSTALL, hooks: INSTALL.hooks.slice(0, 2) });
    expect(second.plan.changed).toBe(true);
    expect(second.files[BACKUP]).toBeUndefined();
    const removed = run(second.files, uninstall);
    expect(removed.plan.ops).toEqual([{ op: 'delete', path: TARGET }, { op: 'delete', path: RECORD }, { op: 'rmdir', path: '/p/.claude' }]);
  });

  test('uninstall deletes a backup holding nothing but cc-otel\'s entries (taken by an older re-install), and keeps one holding the user\'s', () => {
    // as cc-otel ≤ 0.1 left it: a file install created, re-installed, with the backup of the first install
    const first = run({}, INSTALL);
    const stale = { ...run(first.files, { ...INSTALL, hooks: INSTALL.hooks.slice(0, 2) }).files, [BACKUP]: first.files[TARGET] as string };
    const removed = run(stale, uninstall);
    expect(removed.plan.ops).toEqual([{ op: 'delete', path: TARGET }, { op: 'delete', path: RECORD }, { op: 'delete', path: BACKUP }, { op: 'rmdir', path: '/p/.claude' }]);

    // an existing file: a backup of it plus cc-otel's entries goes too, once the file is back to the original
    const original = '{\n  "model": "opus"\n}\n';
    const once = run(start(original), INSTALL);
    const again = { ...run(once.files, { ...INSTALL, hooks: INSTALL.hooks.slice(0, 1) }).files, [BACKUP]: once.files[TARGET] as string };
    const back = run(again, uninstall);
    expect(back.files[TARGET]).toBe(original);
    expect(back.files[BACKUP]).toBeUndefined();

    // the user's edit only in the backup (gone from the file since): the backup is theirs, kept
    const theirs = { ...stale, [BACKUP]: (first.files[TARGET] as string).replace('{\n', '{\n  "model": "opus",\n') };
    const kept = run(theirs, uninstall);
    expect(kept.plan.ops.some((o) => o.op === 'delete' && o.path === BACKUP)).toBe(false);
    expect(kept.files[BACKUP]).toBe(theirs[BACKUP]);
    // not JSON: kept
    expect(run({ ...stale, [BACKUP]: 'not json' }, uninstall).files[BACKUP]).toBe('not json');
  });

  test('sidecars: false (an MDM --output file) writes the settings file alone', () => {
    const { plan } = run(start('{}\n'), { ...INSTALL, sidecars: false });
    expect(plan.ops.map((o) => o.path)).toEqual([TARGET]);
  });

  test('nothing to install into a missing file creates nothing', () => {
    expect(run({}, { action: 'install', env: {}, hooks: [] }).plan).toMatchObject({ changed: false, ops: [], after: null });
  });

  test('uninstall where nothing is installed does nothing', () => {
    expect(run(start('{"model":"opus"}'), uninstall).plan).toMatchObject({ changed: false, ops: [] });
    expect(run({}, uninstall).plan).toMatchObject({ changed: false, ops: [] });
  });

  test('the plan carries a readable diff', () => {
    const { plan } = run(start('{\n  "model": "opus"\n}\n'), { action: 'install', env: { CLAUDE_CODE_ENABLE_TELEMETRY: '1' }, hooks: [] });
    expect(plan.diff).toBe(
      ['--- /p/.claude/settings.json', '+++ /p/.claude/settings.json', '@@ -1,3 +1,6 @@', ' {', '-  "model": "opus"', '+  "model": "opus",', '+  "env": {', '+    "CLAUDE_CODE_ENABLE_TELEMETRY": "1"', '+  }', ' }', ''].join('\n'),
    );
  });
});

describe('diffs never show secrets', () => {
  const SECRET = 'sk-ant-TOPSECRET';
  const withKey = `{\n  "env": {\n    "ANTHROPIC_API_KEY": "${SECRET}",\n    "HTTPS_PROXY": "http://proxy:3128"\n  }\n}\n`;
  const withStatic = (key: string) => ({ ...INSTALL, env: { ...INSTALL.env, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${key}` } });

  test("the user's own API key in context lines, install and uninstall", () => {
    const installed = run(start(withKey), INSTALL);
    expect(installed.plan.diff).toContain('"ANTHROPIC_API_KEY": "<redacted>"');
    expect(installed.plan.diff).not.toContain(SECRET);
    const removed = run(installed.files, uninstall);
    expect(removed.plan.diff).not.toBe('');
    expect(removed.plan.diff).not.toContain(SECRET);
    expect(removed.plan.secrets).toContain(SECRET);
  });

  test('after a key rotation: neither the old key (- lines, record) nor the new one', () => {
    const first = run(start('{}\n'), withStatic('old-key-0001'));
    const second = run(first.files, withStatic('new-key-0002'));
    expect(second.plan.diff).toMatch(/^-.*OTEL_EXPORTER_OTLP_HEADERS/m);
    expect(second.plan.diff).not.toMatch(/old-key-0001|new-key-0002/);
    expect(second.plan.secrets).toEqual(expect.arrayContaining(['authorization=Bearer old-key-0001', 'authorization=Bearer new-key-0002']));
    const removed = run(second.files, uninstall);
    expect(removed.plan.diff).toMatch(/^-.*OTEL_EXPORTER_OTLP_HEADERS/m);
    expect(removed.plan.diff).not.toContain('new-key-0002');
  });
});
