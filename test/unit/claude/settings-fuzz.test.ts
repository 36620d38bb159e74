// Seeded random documents: the parser agrees with JSON.parse, and install → uninstall is byte-for-byte
// whatever the formatting. Deterministic (fixed seeds), so a failure reproduces.
import { describe, expect, test } from 'vitest';
import { planFromSnapshot } from '../../../src/claude/settings-edit.js';
import type { SettingsEdit, SettingsEditPlan } from '../../../src/claude/settings-edit.js';
import { JsonTextDocument, nodeValue, parseJson } from '../../../src/claude/settings-json.js';
import { INSTALL } from './settings-fixtures.js';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick };
}
type R = ReturnType<typeof rng>;

const KEYS = ['model', 'a', 'b', 'ünï', '🙂', 'with space', 'quote"d', 'back\\slash', 'permissions', 'statusLine', 'x1', 'cleanupPeriodDays'];
const STRINGS = ['', 'x', 'café', 'line\nbreak', 'tab\tin', '日本語', 'http://host:4318', '\\u0041?', '"q"'];

function value(r: R, depth: number): unknown {
  const k = r.int(depth > 2 ? 4 : 7);
  if (k === 0) return r.pick(STRINGS);
  if (k === 1) return r.pick([0, -1, 1.5, 1e21, 42]);
  if (k === 2) return r.pick([true, false]);
  if (k === 3) return null;
  if (k === 4) return Array.from({ length: r.int(4) }, () => value(r, depth + 1));
  return object(r, depth + 1);
}

function object(r: R, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let n = r.int(5); n > 0; n--) o[r.pick(KEYS)] = value(r, depth);
  return o;
}

/** A printer with random (valid) whitespace. */
function print(r: R, v: unknown, style: 'compact' | 'random', indent: string, level = 0): string {
  const ws = () => (style === 'random' ? r.pick(['', ' ', '  ', '\n', '\n' + indent.repeat(level + 1), '\t']) : '');
  if (Array.isArray(v)) return v.length === 0 ? `[${ws()}]` : `[${v.map((x) => ws() + print(r, x, style, indent, level + 1) + ws()).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return Object.keys(v).length === 0
      ? `{${ws()}}`
      : `{${Object.entries(v)
          .map(([k, x]) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${print(r, x, style, indent, level + 1)}${ws()}`)
          .join(',')}}`;
  return JSON.stringify(v);
}

function render(r: R, v: unknown): string {
  const style = r.int(5);
  const tail = r.pick(['', '\n', '\n\n', ' \n']);
  if (style === 0) return print(r, v, 'compact', '') + tail;
  if (style === 1) return print(r, v, 'random', '  ') + tail;
  const s = JSON.stringify(v, null, r.pick(['  ', '    ', '\t', ' ']));
  return (r.int(4) === 0 ? s.replace(/\n/g, '\r\n') : s) + tail;
}

function settingsDoc(r: R): Record<string, unknown> {
  const o = object(r, 1);
  if (r.int(2)) {
    const env: Record<string, string> = {};
    for (let n = r.int(4); n > 0; n--) env[r.pick(['FOO', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_METRICS_EXPORTER', 'CLAUDE_CODE_ENABLE_TELEMETRY', 'HTTPS_PROXY'])] = r.pick(['1', 'otlp', 'http://old:4318', 'x']);
    o.env = env;
  }
  // (no cc-otel entries to start with: uninstall removes those whoever wrote them)
  if (r.int(2)) o.otelHeadersHelper = r.pick(['/opt/corp/headers.sh', 'node ./scripts/otel-headers.js']);
  if (r.int(2))
    o.hooks = {
      [r.pick(['SessionStart', 'Stop', 'PostToolUse'])]: Array.from({ length: r.int(3) }, () => ({ matcher: r.pick(['startup', '*', 'Edit']), hooks: [{ type: 'command', command: r.pick(['lint', 'notify']) }] })),
      ...(r.int(3) === 0 ? { Notification: [] } : {}),
    };
  return o;
}

type Files = { text: string | null; record: string | null; backup: string | null };
function step(f: Files, edit: SettingsEdit): { f: Files; plan: SettingsEditPlan } {
  const plan = planFromSnapshot({ path: 'settings.json', target: '/t/settings.json', text: f.text, meta: null, recordText: f.record, backupText: f.backup, missingDirs: [] }, edit);
  const next = { ...f };
  for (const o of plan.ops) {
    const slot = o.path.endsWith('.record') ? 'record' : o.path.endsWith('.bak') ? 'backup' : 'text';
    if (o.op === 'write' && !(o.onlyIfAbsent && next[slot] !== null)) next[slot] = o.content;
    if (o.op === 'delete') next[slot] = null;
  }
  return { f: next, plan };
}

describe('parser vs JSON.parse on mutated documents', () => {
  test('300 seeds × a few single-character mutations', () => {
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', '0', '-', 'e', '.', 't', 'n', 'u', '\u0001'];
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const base = render(r, object(r, 0));
      for (let m = 0; m < 5; m++) {
        const at = r.int(base.length + 1);
        const kind = r.int(3);
        const text = kind === 0 ? base.slice(0, at) + base.slice(at + 1) : kind === 1 ? base.slice(0, at) + r.pick(alphabet) + base.slice(at) : base.slice(0, at) + r.pick(alphabet) + base.slice(at + 1);
        let want: unknown;
        let wantOk = true;
        try {
          want = JSON.parse(text);
        } catch {
          wantOk = false;
        }
        let got: unknown;
        let gotOk = true;
        try {
          got = nodeValue(parseJson(text));
        } catch {
          gotOk = false;
        }
        expect({ text, ok: gotOk }).toEqual({ text, ok: wantOk });
        if (wantOk) expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      }
    }
  });
});

describe('install → uninstall on random settings files', () => {
  test('400 seeds: byte-for-byte, and a re-install plans nothing', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed * 7919);
      const text = render(r, settingsDoc(r));
      const start: Files = { text, record: null, backup: null };
      const installed = step(start, { ...INSTALL, force: true });
      const parsed = JSON.parse(installed.f.text as string) as Record<string, any>;
      expect(parsed.env, text).toMatchObject(INSTALL.env);
      expect(parsed.hooks.SessionStart.at(-1).hooks[0].command, text).toBe('/usr/local/bin/cc-otel hook session-start');
      expect(step(installed.f, { ...INSTALL, force: true }).plan.changed, text).toBe(false);
      const removed = step(installed.f, { action: 'uninstall' });
      expect(removed.f, text).toEqual(start);
    }
  });
});

describe('uninstall after the user edited the file keeps their edit and removes exactly cc-otel\'s entries', () => {
  test('400 seeds', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed * 104729);
      const original = settingsDoc(r);
      const text = render(r, original);
      const installed = step({ text, record: null, backup: null }, { ...INSTALL, force: true });
      const doc = new JsonTextDocument(installed.f.text as string);
      doc.set(['userAdded'], { by: 'hand' });
      const removed = step({ ...installed.f, text: doc.text }, { action: 'uninstall' });
      expect(JSON.stringify(JSON.parse(removed.f.text as string)), text).toBe(JSON.stringify({ ...(JSON.parse(text) as object), userAdded: { by: 'hand' } }));
      expect(removed.f.record).toBeNull();
    }
  });
});
