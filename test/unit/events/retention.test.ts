// Rotation while shipping is on: a rotated file that still holds unshipped events is never deleted
// for being past `keep` — only past the byte cap, oldest first, with the loss logged.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listLogFiles, rotateLog } from '../../../src/events/event-log.js';
import { eventLogPaths } from '../../../src/events/paths.js';
import { rotateKeepingUnshipped } from '../../../src/events/retention.js';
import { fingerprintOf } from '../../../src/events/log-reader.js';
import { makeContext } from '../../../src/context.js';
import { recordHookEvent } from '../../../src/events/hook-recorder.js';
import { trustProject } from '../../helpers/trust.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
function setup(): string {
  const d = makeTempDir('cc-otel-retention');
  dirs.push(d);
  mkdirSync(join(d.path, 'logs'));
  return join(d.path, 'logs', 'hooks.jsonl');
}

let n = 0;
/** one file's worth of events: `count` lines of ~100 bytes, each a distinct id */
const fill = (log: string, count: number) => {
  let text = '';
  for (let i = 0; i < count; i++) text += `${JSON.stringify({ id: `E${n++}`, time: '2026-01-01T00:00:00Z', event: 'Stop', v: 1, pad: 'x'.repeat(40) })}\n`;
  appendFileSync(log, text);
};
/** mark the file now at `file` as shipped up to its end */
const markShipped = (log: string, file: string) => {
  const state = eventLogPaths(log).state;
  const cur = existsSync(state) ? JSON.parse(readFileSync(state, 'utf8')) : { v: 1, files: {}, failures: 0 };
  const buf = readFileSync(file);
  cur.files[fingerprintOf(buf)!] = { offset: buf.length, name: 'x' };
  writeFileSync(state, JSON.stringify(cur));
};
const ROT = 4096;

describe('rotation with shipping on', () => {
  it('keeps unshipped rotated files beyond `keep`, warns; deletes shipped ones as before', () => {
    const log = setup();
    const warnings: string[] = [];
    const rotate = () => rotateKeepingUnshipped(log, { rotateBytes: ROT, keep: 2, now: Date.now(), capBytes: 100 * ROT, warn: (m) => void warnings.push(m) });
    for (let i = 0; i < 5; i++) {
      fill(log, 50); // ~5 KiB > ROT
      expect(rotate()).toBe(true);
    }
    // Nothing shipped: all five rotated files kept although keep = 2.
    expect(listLogFiles(log).map((f) => f.slice(log.length))).toEqual(['.5', '.4', '.3', '.2', '.1']);
    expect(warnings.at(-1)).toMatch(/keeping 3 rotated files beyond the 2 kept/);
    // The backend came back: the oldest files were shipped; the next rotation deletes them.
    markShipped(log, `${log}.5`);
    markShipped(log, `${log}.4`);
    fill(log, 50);
    rotate();
    expect(listLogFiles(log).map((f) => f.slice(log.length))).toEqual(['.4', '.3', '.2', '.1']);
  });

  it('over the byte cap: drops the oldest unshipped file and logs how many events were lost', () => {
    const log = setup();
    const warnings: string[] = [];
    for (let i = 0; i < 6; i++) {
      fill(log, 50);
      rotateKeepingUnshipped(log, { rotateBytes: ROT, keep: 2, now: Date.now(), capBytes: 4 * 5200, warn: (m) => void warnings.push(m) });
    }
    const files = listLogFiles(log);
    expect(files.length).toBeLessThanOrEqual(4);
    const lost = warnings.filter((w) => /dropped .* with 50 unshipped events/.test(w));
    expect(lost.length).toBeGreaterThanOrEqual(1);
    // E0 (the very first event) was in the dropped file; the newest rotated file is intact.
    expect(files.map((f) => readFileSync(f, 'utf8')).join('')).not.toContain('"E0"');
  });

  it('shipping off: `keep` files, as before', () => {
    const log = setup();
    for (let i = 0; i < 5; i++) {
      fill(log, 50);
      rotateLog(log, { rotateBytes: ROT, keep: 2, now: Date.now() });
    }
    expect(listLogFiles(log).map((f) => f.slice(log.length))).toEqual(['.2', '.1']);
  });

  it('the hook rotates this way when shipping is on', async () => {
    const d = makeTempDir('cc-otel-retention-hook');
    dirs.push(d);
    const home = join(d.path, 'home');
    const proj = join(d.path, 'proj');
    mkdirSync(proj, { recursive: true });
    // Shipping on, the backend never reached (no shipper runs: cliPath is a no-op script).
    writeFileSync(join(proj, '.cc-otel.json'), JSON.stringify({ backend: 'local', endpoint: 'http://127.0.0.1:9', events: { rotateBytes: ROT } }));
    writeFileSync(join(d.path, 'noop.cjs'), '');
    const ctx = makeContext({ env: { HOME: home, USER: 'ada', CLAUDE_PROJECT_DIR: proj }, cwd: proj, homeDir: home });
    trustProject(proj, ctx); // the user trusts the project's .cc-otel.json
    const ids: string[] = [];
    // ROTATED_KEEP (5) + 2 rotations' worth: without retention the first events would be deleted.
    for (let i = 0; i < 60; i++) {
      const r = await recordHookEvent({ ctx, arg: 'notification', input: { hook_event_name: 'Notification', session_id: 's', message: 'm'.repeat(300) }, startedAt: Date.now(), cliPath: join(d.path, 'noop.cjs'), log: () => {} });
      ids.push(r!.id);
    }
    const log = join(home, '.claude', 'logs', 'hooks.jsonl');
    expect(listLogFiles(log).length).toBeGreaterThan(6);
    const all = listLogFiles(log).map((f) => readFileSync(f, 'utf8')).join('');
    for (const id of ids) expect(all).toContain(id);
  });
});
