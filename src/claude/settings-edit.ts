/**
 * `cc-otel install` / `uninstall` on one settings file, as a plan (a value) and an apply (the writes).
 * planSettingsEdit reads and decides; applySettingsEdit writes exactly what the plan lists. So
 * `--dry-run` and `--json` cost nothing, and a re-run that changes nothing writes nothing at all.
 *
 * What cc-otel owns in a settings file, and the rules (docs for the lead: issue 3):
 *
 * 1. `env` keys it wrote, as listed in the install record (install-record.ts). A key that already
 *    has the wanted value is left alone and not owned. A key with another value is a conflict:
 *    install refuses (SETTINGS_WRITE, hint --force); with `force` it overwrites and records the exact
 *    old JSON text, which uninstall puts back. A key cc-otel wrote but the user changed afterwards
 *    is the user's: uninstall leaves it (with a warning).
 * 2. `otelHeadersHelper` when it runs `cc-otel … headers` (or is the value the record says cc-otel
 *    wrote). Another helper is a conflict, resolved as for env (force + recorded previous value).
 * 3. hook entries whose command runs `cc-otel … hook` (hook-entries.ts), wherever they are. Install
 *    makes cc-otel's set equal to the wanted set: an identical entry is kept (never duplicated),
 *    stale cc-otel entries (old path, dropped events) are removed, new ones are appended as their
 *    own group after every other tool's groups.
 *
 * Byte-for-byte round trip: edits are splices that keep every other byte (settings-json.ts). On
 * uninstall, when the file minus cc-otel's entries is the same JSON (same keys, same order) as the
 * file before the first install (kept in the record), the original bytes are written back verbatim;
 * if install created the file it is deleted, with the directories install created (when empty).
 * Otherwise (the user edited the file in between) the structural removal stands, keeping their edits.
 *
 * Sidecars beside the real file: `<file>.cc-otel.bak` — a copy of the file before cc-otel first
 * changed it, taken once (only if the file existed and no backup exists), deleted by uninstall only
 * when the restored file is identical to it; `<file>.cc-otel.record` — the install record.
 */
import { CcOtelError } from '../errors.js';
import { hookGroup, isCcOtelHeadersCommand, isCcOtelHookCommand } from './hook-entries.js';
import type { HookSpec } from './hook-entries.js';
import { emptyRecord, parseRecord, serializeRecord } from './install-record.js';
import { isSensitiveKey, redactSettingsText, sensitiveValues, shownValue } from './sensitive-keys.js';
import type { InstallRecord } from './install-record.js';
import { applyFileOps, invalidSettingsError, readForEdit, readText, unreadableError } from './settings-file.js';
import type { FileOp, SettingsFileSnapshot } from './settings-file.js';
import { DEFAULT_FORMAT, JsonSyntaxError, JsonTextDocument, findMember, nodeValue, parseJson, sameJson } from './settings-json.js';
import type { JsonNode, JsonPath } from './settings-json.js';
import { backupPath, installRecordPath } from './settings-paths.js';
import { unifiedDiff } from './unified-diff.js';

export interface InstallEdit {
  action: 'install';
  /** the whole `env` block cc-otel wants (strings only, nothing secret) */
  env: Readonly<Record<string, string>>;
  /** a `cc-otel … headers` command line; omit to have no helper (an old cc-otel one is removed) */
  otelHeadersHelper?: string;
  /** SessionStart (sessionStartHook) and any `--events` hooks (eventHook) */
  hooks: readonly HookSpec[];
  /** overwrite values cc-otel did not write (remembered, put back by uninstall) */
  force?: boolean;
  /**
   * false: write neither the backup nor the install record (an `--output` file for an MDM package,
   * which should hold nothing else). Uninstall then goes by markers and `expectedEnv` only.
   */
  sidecars?: boolean;
}

export interface UninstallEdit {
  action: 'uninstall';
  /**
   * Used only when the file has no install record (lost, or a teammate installed the project file):
   * env keys whose value is exactly this are removed as cc-otel's. Without it such keys stay.
   */
  expectedEnv?: Readonly<Record<string, string>>;
}

export type SettingsEdit = InstallEdit | UninstallEdit;

export interface SettingsConflict {
  /** `env.OTEL_EXPORTER_OTLP_ENDPOINT` or `otelHeadersHelper` */
  key: string;
  /** the JSON text there now */
  current: string;
  wanted: string;
  message: string;
}

export interface SettingsEditPlan {
  action: SettingsEdit['action'];
  /** the settings file as asked for (may be a symlink) */
  path: string;
  /** the file written (symlinks followed) */
  target: string;
  before: string | null;
  /** null: the file is deleted (uninstall of a file install created) */
  after: string | null;
  /** true when apply would write or delete anything (settings file or sidecars) */
  changed: boolean;
  /**
   * unified diff of the settings file ('' when it does not change), for printing: the value of every
   * sensitive key (sensitive-keys.ts) and every value in `secrets` is "<redacted>"
   */
  diff: string;
  /** values in the file, before or after, or in its install record that must never be printed */
  secrets: string[];
  warnings: string[];
  /** values cc-otel would overwrite without owning them: apply refuses while this is non-empty */
  conflicts: SettingsConflict[];
  /** what apply does, in order */
  ops: FileOp[];
}

/** Read the file and plan the edit. Reads only; throws SETTINGS_INVALID for a file that is not JSON. */
export function planSettingsEdit(path: string, edit: SettingsEdit, opts: { recordDir?: string } = {}): SettingsEditPlan {
  return planFromSnapshot(readForEdit(path, opts), edit);
}

/** Write what the plan says. Refuses a plan with conflicts, or a file changed since it was planned. */
export function applySettingsEdit(plan: SettingsEditPlan): { wrote: string[]; removed: string[] } {
  if (plan.conflicts.length > 0)
    throw new CcOtelError('SETTINGS_WRITE', `refusing to overwrite what cc-otel did not write in ${plan.path}: ${plan.conflicts.map((c) => c.message).join('; ')}`, {
      hint: 'rerun with --force to overwrite; cc-otel keeps the old values and uninstall puts them back',
    });
  if (!plan.changed) return { wrote: [], removed: [] };
  let now: string | null;
  try {
    now = readText(plan.target);
  } catch (e) {
    throw unreadableError(plan.path, e);
  }
  if (now !== plan.before) throw new CcOtelError('SETTINGS_WRITE', `${plan.path} changed while cc-otel was working on it`, { hint: 'run the command again' });
  return applyFileOps(plan.ops);
}

/** The pure core: a snapshot of the file and its sidecars in, a plan out. */
export function planFromSnapshot(snap: SettingsFileSnapshot, edit: SettingsEdit): SettingsEditPlan {
  const warnings: string[] = [];
  const conflicts: SettingsConflict[] = [];
  // The record lives in cc-otel's state dir (snap.recordPath) or, as cc-otel 0.1 kept it, beside the
  // file; an old sidecar found there is read, and removed by the next write (migrated).
  const recordPath = snap.recordPath ?? installRecordPath(snap.target);
  const legacy = snap.legacyRecordPath ?? null;
  const recordAt = snap.recordText === null ? null : (snap.recordFrom ?? recordPath);
  // every record file there is (the state dir's and an old sidecar can both exist): all go together
  const recordFiles = [...new Set([recordAt, legacy])].filter((p): p is string => p !== null);
  const inStateDir = recordPath !== installRecordPath(snap.target);

  let record = snap.recordText === null ? null : parseRecord(snap.recordText);
  if (snap.recordText !== null && !record) warnings.push(`ignored ${recordPath}: not an install record cc-otel can read`);
  // A record for a file that is gone describes nothing any more.
  if (record && snap.text === null) record = null;

  let doc: JsonTextDocument;
  if (snap.text === null) doc = new JsonTextDocument('{}\n', DEFAULT_FORMAT);
  else {
    // Whether Claude Code reads an empty file as {} is not documented: refuse, but say how to fix it.
    if (snap.text.trim() === '')
      throw new CcOtelError('SETTINGS_INVALID', `${snap.path} is empty (${snap.text.length} bytes${snap.text.length ? ' of whitespace' : ''}), not a JSON object`, {
        hint: `put an empty object in it (echo '{}' > '${snap.path}') or delete it, and run again; cc-otel changed nothing`,
      });
    try {
      doc = new JsonTextDocument(snap.text);
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      throw invalidSettingsError(snap.path, { message: e.message, line: e.line, column: e.column });
    }
    if (doc.root.type !== 'object')
      throw new CcOtelError('SETTINGS_INVALID', `${snap.path}: the top level is not a JSON object`, { hint: 'Claude Code settings are one object ({…}); fix the file and run again' });
  }

  const edits = new Reconciler(doc, snap.path, record, { original: snap.text, createdDirs: snap.missingDirs }, conflicts, warnings);
  if (edit.action === 'install') {
    for (const [k, v] of Object.entries(edit.env)) if (typeof v !== 'string') throw new TypeError(`env.${k} must be a string`);
    for (const h of edit.hooks) if (!isCcOtelHookCommand(h.hook.command)) throw new TypeError(`hook command is not recognisable as cc-otel's: ${h.hook.command}`);
    if (edit.otelHeadersHelper !== undefined && !isCcOtelHeadersCommand(edit.otelHeadersHelper))
      warnings.push(`otelHeadersHelper "${edit.otelHeadersHelper}" does not look like "cc-otel headers": only the install record will know it is cc-otel's`);
    edits.env(edit.env, edit.force === true);
    edits.helper(edit.otelHeadersHelper, edit.force === true);
    edits.hooks(edit.hooks);
  } else {
    if (!record && edit.expectedEnv) edits.adoptExpectedEnv(edit.expectedEnv);
    edits.env({}, false);
    edits.helper(undefined, false);
    edits.hooks([]);
  }

  const before = snap.text;
  let after: string | null = doc.text;
  const ops: FileOp[] = [];
  const mode = snap.meta?.mode ?? 0o644;
  const owner = snap.meta ? { uid: snap.meta.uid, gid: snap.meta.gid } : null;

  if (edit.action === 'install') {
    if (before === null && after === '{}\n') after = null; // nothing to install: create nothing
    const textChanges = after !== before;
    if (after === null) for (const p of recordFiles) ops.push({ op: 'delete', path: p }); // a record of a file that is gone
    const rec = edits.record;
    if (inStateDir) rec.target = snap.target;
    const recordAfter = serializeRecord(rec);
    const sidecars = edit.sidecars !== false;
    // The backup is the file before cc-otel FIRST changed it: with a record, cc-otel has changed it
    // already (a re-install), and a backup taken now would hold cc-otel's own entries.
    if (sidecars && textChanges && before !== null && snap.backupText === null && !record) ops.push({ op: 'write', path: backupPath(snap.target), content: before, mode, owner, onlyIfAbsent: true });
    // The record goes first: a crash between the two writes never leaves changes nobody recorded.
    // In the state dir it is private (0600, dir 0700): it holds a copy of the file.
    const recordOp: FileOp = inStateDir ? { op: 'write', path: recordPath, content: recordAfter, mode: 0o600, dirMode: 0o700 } : { op: 'write', path: recordPath, content: recordAfter, mode, owner };
    if (sidecars && after !== null && (textChanges || snap.recordText !== null) && (recordAfter !== snap.recordText || legacy !== null)) ops.push(recordOp);
    if (textChanges && after !== null) ops.push({ op: 'write', path: snap.target, content: after, mode, owner });
    if (legacy !== null && ops.some((o) => o.op === 'write' && o.path === recordPath)) ops.push({ op: 'delete', path: legacy });
  } else {
    if (before === null) after = null;
    else if (record) {
      const restored = restoreOriginal(record, doc);
      if (restored !== undefined) after = restored;
    }
    if (after !== before) ops.push(after === null ? { op: 'delete', path: snap.target } : { op: 'write', path: snap.target, content: after, mode, owner });
    for (const p of recordFiles) ops.push({ op: 'delete', path: p });
    if (snap.backupText !== null && backupHoldsNothingElse(snap, record, edit.expectedEnv, after)) ops.push({ op: 'delete', path: backupPath(snap.target) });
    if (after === null && before !== null && record) for (const d of record.createdDirs) ops.push({ op: 'rmdir', path: d });
  }

  const secrets = secretsOf(before, after, record, edits.record);
  return {
    action: edit.action,
    path: snap.path,
    target: snap.target,
    before,
    after,
    changed: ops.length > 0,
    diff: redactSettingsText(unifiedDiff(snap.path, before, after), secrets),
    secrets,
    warnings,
    conflicts,
    ops,
  };
}

/**
 * May uninstall delete the backup? When it holds nothing the user would lose: it is the file as
 * uninstall leaves it, or it is that file plus cc-otel's own entries (a re-install by cc-otel ≤ 0.1
 * took the backup of a file cc-otel had created or changed already); after a deletion, a backup of
 * nothing but cc-otel's entries. Anything else in it — a user's edit that is gone from the file —
 * keeps it.
 */
function backupHoldsNothingElse(snap: SettingsFileSnapshot, record: InstallRecord | null, expectedEnv: UninstallEdit['expectedEnv'], after: string | null): boolean {
  const backup = snap.backupText;
  if (backup === null) return false;
  if (after !== null && after === backup) return true;
  let doc: JsonTextDocument;
  let left: JsonNode;
  try {
    doc = new JsonTextDocument(backup);
    if (doc.root.type !== 'object') return false;
    const strip = new Reconciler(doc, snap.path, record, { original: null, createdDirs: [] }, [], [], true);
    if (!record && expectedEnv) strip.adoptExpectedEnv(expectedEnv);
    strip.env({}, false);
    strip.helper(undefined, false);
    strip.hooks([]);
    left = doc.root;
    if (after === null) return left.type === 'object' && left.members.length === 0;
    return sameJson(parseJson(after), left);
  } catch {
    return false; // not JSON we can read: keep it
  }
}

/**
 * What a diff of this edit must not show: strings under sensitive keys in the file before and after,
 * and every value (written or replaced) the install record holds under a sensitive key — after a
 * key rotation the old key is only in the '-' lines and the record.
 */
function secretsOf(before: string | null, after: string | null, ...records: Array<InstallRecord | null>): string[] {
  const out: string[] = [];
  for (const text of [before, after]) {
    if (text === null) continue;
    try {
      sensitiveValues(nodeValue(parseJson(text)), false, out);
    } catch {
      /* not JSON: nothing parsed, the key-name pass still applies */
    }
  }
  for (const r of records) {
    if (!r) continue;
    for (const [k, own] of Object.entries(r.env)) {
      if (!isSensitiveKey(k)) continue;
      out.push(own.value);
      if (own.previous !== null)
        try {
          sensitiveValues(JSON.parse(own.previous), true, out);
        } catch {
          /* a previous value that is not JSON cannot be in the file either */
        }
    }
  }
  return [...new Set(out)].filter((s) => s.length >= 4);
}

/**
 * The exact bytes to write back on uninstall when nothing but cc-otel's entries changed since the
 * first install: the original text, or null (delete) when install created the file. undefined: keep
 * the structural result.
 */
function restoreOriginal(record: InstallRecord, doc: JsonTextDocument): string | null | undefined {
  const root = doc.root;
  if (record.original === null) return root.type === 'object' && root.members.length === 0 ? null : undefined;
  let original: JsonNode;
  try {
    original = parseJson(record.original);
  } catch {
    return undefined;
  }
  return sameJson(original, root) ? record.original : undefined;
}

const OTHER_MATCHER = Symbol('non-string matcher');

/** Applies cc-otel's wanted state to the document, keeping the record in step. */
class Reconciler {
  readonly record: InstallRecord;
  /** a record existed: prune only containers it says install created */
  private readonly known: boolean;

  constructor(
    private readonly doc: JsonTextDocument,
    private readonly path: string,
    existing: InstallRecord | null,
    origin: { original: string | null; createdDirs: string[] },
    private readonly conflicts: SettingsConflict[],
    private readonly warnings: string[],
    /** prune every container cc-otel's removals leave empty, whatever the record says (judging a backup) */
    pruneAll = false,
  ) {
    this.known = existing !== null && !pruneAll;
    this.record = existing ? structuredClone(existing) : emptyRecord(origin.original, origin.createdDirs);
  }

  adoptExpectedEnv(expected: Readonly<Record<string, string>>): void {
    const adopted: string[] = [];
    for (const [k, v] of Object.entries(expected)) {
      const cur = this.doc.get(['env', k]);
      if (cur?.type === 'string' && cur.value === v) {
        this.record.env[k] = { value: v, previous: null };
        adopted.push(k);
      }
    }
    if (adopted.length) this.warnings.push(`no install record for ${this.path}: removing env keys that hold exactly cc-otel's values (${adopted.join(', ')})`);
  }

  env(want: Readonly<Record<string, string>>, force: boolean): void {
    const envNode = this.doc.get(['env']);
    const touches = Object.keys(want).length > 0 || Object.keys(this.record.env).length > 0;
    if (envNode && envNode.type !== 'object' && touches)
      throw new CcOtelError('SETTINGS_INVALID', `${this.path}: "env" is not an object`, { hint: 'Claude Code expects "env": {"NAME": "value", …}; fix it and run again (cc-otel changed nothing)' });

    for (const [k, own] of Object.entries(this.record.env)) {
      if (Object.hasOwn(want, k)) continue;
      delete this.record.env[k];
      const cur = this.doc.get(['env', k]);
      if (!cur) continue;
      if (cur.type !== 'string' || cur.value !== own.value) {
        this.warnings.push(`env.${k} changed after cc-otel wrote it: left as it is`);
        continue;
      }
      if (own.previous === null) this.removeAndPrune(['env', k]);
      else this.doc.setRaw(['env', k], own.previous);
    }

    for (const [k, value] of Object.entries(want)) {
      const cur = this.doc.get(['env', k]);
      const own = this.record.env[k];
      if (!cur) {
        this.created(this.doc.set(['env', k], value));
        this.record.env[k] = { value, previous: null };
      } else if (cur.type === 'string' && cur.value === value) {
        if (own) own.value = value;
      } else if (own && cur.type === 'string' && cur.value === own.value) {
        this.doc.set(['env', k], value);
        own.value = value;
      } else {
        const raw = this.doc.raw(['env', k]) as string;
        this.conflict(`env.${k}`, raw, value, force);
        this.doc.set(['env', k], value);
        this.record.env[k] = { value, previous: raw };
      }
    }
  }

  helper(want: string | undefined, force: boolean): void {
    const key = 'otelHeadersHelper';
    const cur = this.doc.get([key]);
    const own = this.record.otelHeadersHelper;
    const curStr = cur?.type === 'string' ? cur.value : undefined;
    const ours = curStr !== undefined && (isCcOtelHeadersCommand(curStr) || (own !== null && curStr === own.value));
    if (want !== undefined) {
      if (!cur) {
        this.doc.set([key], want);
        this.record.otelHeadersHelper = { value: want, previous: null };
      } else if (curStr === want) {
        if (own) own.value = want;
      } else if (ours) {
        this.doc.set([key], want);
        this.record.otelHeadersHelper = { value: want, previous: own?.previous ?? null };
      } else {
        const raw = this.doc.raw([key]) as string;
        this.conflict(key, raw, want, force);
        this.doc.set([key], want);
        this.record.otelHeadersHelper = { value: want, previous: raw };
      }
      return;
    }
    this.record.otelHeadersHelper = null;
    if (!cur) return;
    if (ours) {
      if (own?.previous) this.doc.setRaw([key], own.previous);
      else this.removeAndPrune([key]);
    } else if (own) this.warnings.push(`${key} changed after cc-otel wrote it: left as it is`);
  }

  hooks(want: readonly HookSpec[]): void {
    const wanted = want.map((h) => ({ ...h, hook: JSON.parse(JSON.stringify(h.hook)) as unknown }));
    const claimed = new Set<number>();
    const removals: JsonPath[] = [];
    const hooksNode = this.doc.get(['hooks']);
    if (hooksNode?.type === 'object') {
      for (const ev of hooksNode.members) {
        if (findMember(hooksNode, ev.key) !== ev || ev.value.type !== 'array') continue;
        ev.value.items.forEach((g, gi) => {
          if (g.type !== 'object') return;
          const list = findMember(g, 'hooks')?.value;
          if (list?.type !== 'array') return;
          const m = findMember(g, 'matcher')?.value;
          const matcher = m === undefined ? undefined : m.type === 'string' ? m.value : OTHER_MATCHER;
          list.items.forEach((h, hi) => {
            if (h.type !== 'object') return;
            const cmd = findMember(h, 'command')?.value;
            if (cmd?.type !== 'string' || !isCcOtelHookCommand(cmd.value)) return;
            const value = nodeValue(h);
            const match = wanted.findIndex((w, wi) => !claimed.has(wi) && w.event === ev.key && w.matcher === matcher && sameValue(value, w.hook));
            if (match >= 0) claimed.add(match);
            else removals.push(['hooks', ev.key, gi, 'hooks', hi]);
          });
        });
      }
    }
    // Last first: removing an item or an emptied group never moves one still to be removed.
    for (const p of removals.reverse()) this.removeAndPrune(p);

    want.forEach((spec, wi) => {
      if (claimed.has(wi)) return;
      const hooks = this.doc.get(['hooks']);
      if (hooks && hooks.type !== 'object')
        throw new CcOtelError('SETTINGS_INVALID', `${this.path}: "hooks" is not an object`, { hint: 'Claude Code expects "hooks": {"SessionStart": [ … ]}; fix it and run again (cc-otel changed nothing)' });
      const list = this.doc.get(['hooks', spec.event]);
      if (list && list.type !== 'array')
        throw new CcOtelError('SETTINGS_INVALID', `${this.path}: "hooks.${spec.event}" is not an array`, { hint: 'each event holds a list of {matcher, hooks} groups; fix it and run again (cc-otel changed nothing)' });
      if (list) this.doc.append(['hooks', spec.event], hookGroup(spec));
      else this.created([...this.doc.set(['hooks', spec.event], [hookGroup(spec)]), ['hooks', spec.event]]);
    });
  }

  private conflict(key: string, current: string, wanted: string, force: boolean): void {
    const shown = shownValue(key, current);
    if (force) {
      this.warnings.push(`overwrote ${key} (was ${shown}); uninstall puts it back`);
      return;
    }
    this.conflicts.push({ key, current, wanted, message: `${key} is already ${shown}` });
  }

  private created(paths: string[][]): void {
    for (const p of paths) if (!this.record.createdContainers.some((c) => samePath(c, p))) this.record.createdContainers.push(p);
  }

  /**
   * Remove `path`, then each container above it that this left empty — if install created it (or,
   * with no record to ask, because cc-otel emptied it). A hook group emptied of cc-otel's hook is
   * always removed: an empty group does nothing. The root object is never removed.
   */
  private removeAndPrune(path: JsonPath): void {
    this.doc.remove(path);
    for (let p = path.slice(0, -1); p.length > 0; p = p.slice(0, -1)) {
      const n = this.doc.get(p);
      const empty = n?.type === 'object' ? n.members.length === 0 : n?.type === 'array' ? n.items.length === 0 : false;
      if (!empty) return;
      if (isGroupList(p)) p = p.slice(0, -1); // the whole {matcher, hooks: []} group goes
      else if (!isGroup(p)) {
        const idx = this.record.createdContainers.findIndex((c) => samePath(c, p));
        if (idx < 0 && this.known) return;
        if (idx >= 0) this.record.createdContainers.splice(idx, 1);
      }
      this.doc.remove(p);
    }
  }
}

/** ['hooks', event, i]: one {matcher, hooks} group */
function isGroup(p: JsonPath): boolean {
  return p.length === 3 && p[0] === 'hooks' && typeof p[2] === 'number';
}

/** ['hooks', event, i, 'hooks']: the hook list of a group */
function isGroupList(p: JsonPath): boolean {
  return p.length === 4 && p[0] === 'hooks' && typeof p[2] === 'number' && p[3] === 'hooks';
}

function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((s, k) => s === b[k]);
}

/** Deep equality of plain JSON values, ignoring object key order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, k) => sameValue(x, b[k]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
