import { mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markSeen, readSeen, SEEN_RETENTION_MS, writeSeen } from '../../../src/bridge/seen-sessions.js';
import { planService, systemdWord } from '../../../src/bridge/service.js';
import { collectorDataDir } from '../../../src/bridge/run.js';
import { bridgeResource } from '../../../src/bridge/exporter.js';
import type { TelemetryPlan } from '../../../src/otel/build-env.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cc-otel-bridge-unit-'));

describe('seen sessions (cc.session.started once per id)', () => {
  it('counts an id once, keeps counting new ones, forgets ids past the retention', () => {
    const a = markSeen({ startedTotal: 0, ids: {} }, ['s1', 's2', 's1'], 1000);
    expect(a.fresh).toEqual(['s1', 's2']);
    expect(a.next.startedTotal).toBe(2);
    const b = markSeen(a.next, ['s2', 's3'], 2000);
    expect(b.fresh).toEqual(['s3']);
    expect(b.next).toEqual({ startedTotal: 3, ids: { s1: 1000, s2: 2000, s3: 2000 } });
    const c = markSeen(b.next, [], 1000 + SEEN_RETENTION_MS);
    expect(Object.keys(c.next.ids)).toEqual(['s2', 's3']);
    expect(c.next.startedTotal).toBe(3);
  });

  it('round-trips through a 0600 file; garbage, a symlink or no file start afresh', () => {
    const d = tmp();
    const f = join(d, 'bridge-sessions.json');
    expect(readSeen(f)).toEqual({ startedTotal: 0, ids: {} });
    writeSeen(f, { startedTotal: 4, ids: { x: 5 } });
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readSeen(f)).toEqual({ startedTotal: 4, ids: { x: 5 } });
    writeFileSync(f, '{"startedTotal": 4, "ids": {"x"');
    expect(readSeen(f)).toEqual({ startedTotal: 0, ids: {} });
    const other = join(d, 'other.json');
    writeFileSync(other, JSON.stringify({ startedTotal: 9, ids: {} }));
    const link = join(d, 'link.json');
    symlinkSync(other, link);
    expect(readSeen(link)).toEqual({ startedTotal: 0, ids: {} });
  });
});

describe('the bridge user service', () => {
  const req = { execPath: '/usr/bin/node', script: '/opt/cc otel/bin/cc-otel.js', interval: '30s', path: '/usr/bin:/bin', stateDir: '/h/.local/state/cc-otel', configDir: '/h/.config/cc-otel', uid: 501 };

  it('systemd words: % and $ escaped, spaces and quotes quoted', () => {
    expect(systemdWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdWord('/a b/c')).toBe('"/a b/c"');
    expect(systemdWord('/100%/x')).toBe('/100%%/x');
    expect(systemdWord('/$HOME/"q"')).toBe('"/$$HOME/\\"q\\""');
  });

  it('Linux: a user unit under XDG_CONFIG_HOME (absolute) or ~/.config', () => {
    const p = planService({ env: {}, homeDir: '/h', platform: 'linux' }, req);
    expect(p.file).toBe('/h/.config/systemd/user/cc-otel-bridge.service');
    expect(p.content).toContain('ExecStart=/usr/bin/node --max-semi-space-size=4 "/opt/cc otel/bin/cc-otel.js" bridge --interval 30s\n');
    expect(p.content).toContain('Environment=PATH=/usr/bin:/bin\n');
    expect(p.start).toEqual([['systemctl', '--user', 'daemon-reload'], ['systemctl', '--user', 'enable', '--now', 'cc-otel-bridge.service']]);
    expect(planService({ env: { XDG_CONFIG_HOME: '/x' }, homeDir: '/h', platform: 'linux' }, req).file).toBe('/x/systemd/user/cc-otel-bridge.service');
    expect(planService({ env: { XDG_CONFIG_HOME: 'rel' }, homeDir: '/h', platform: 'linux' }, req).file).toBe('/h/.config/systemd/user/cc-otel-bridge.service');
  });

  it('macOS: a launchd agent with the same argv, XML-escaped, bootstrapped into gui/<uid>', () => {
    const p = planService({ env: {}, homeDir: '/Users/a', platform: 'darwin' }, { ...req, script: '/opt/a&b/bin/cc-otel.js' });
    expect(p.file).toBe('/Users/a/Library/LaunchAgents/dev.cc-otel.bridge.plist');
    expect(p.content).toContain('<string>--max-semi-space-size=4</string>\n    <string>/opt/a&amp;b/bin/cc-otel.js</string>\n    <string>bridge</string>\n    <string>--interval</string>\n    <string>30s</string>');
    expect(p.argv).toEqual(['/usr/bin/node', '--max-semi-space-size=4', '/opt/a&b/bin/cc-otel.js', 'bridge', '--interval', '30s']);
    expect(p.start).toEqual([['launchctl', 'bootstrap', 'gui/501', p.file]]);
    expect(p.stop).toEqual([['launchctl', 'bootout', 'gui/501/dev.cc-otel.bridge']]);
  });
});

describe('where the bridge sends and what it asks', () => {
  const ctx = { env: {} } as Parameters<typeof collectorDataDir>[0];
  it('the silent rule asks the collector only when the backend is it (or its data dir is named)', () => {
    expect(collectorDataDir(ctx, { backend: 'local' } as TelemetryPlan, {}, '/d')).toBe('/d');
    expect(collectorDataDir({ ...ctx, env: { CC_OTEL_DATA_DIR: '/e' } }, { backend: 'local' } as TelemetryPlan, {}, '/d')).toBe('/e');
    expect(collectorDataDir(ctx, { backend: 'otlp' } as TelemetryPlan, { verify: { local: { dataDir: '/v' } } }, '/d')).toBe('/v');
    expect(collectorDataDir(ctx, { backend: 'signoz-cloud' } as TelemetryPlan, {}, '/d')).toBeUndefined();
  });
  it('resource: the plan attributes, service.name cc-otel-bridge always', () => {
    expect(bridgeResource({ resourceAttributes: { engineer: 'ada', team: 't', 'service.name': 'mine' } }, '1.2.3')).toEqual({ engineer: 'ada', team: 't', 'service.name': 'cc-otel-bridge', 'service.version': '1.2.3' });
  });
});

describe('transcript model cache (the bridge reads only what a transcript gained)', () => {
  it('same size: not read again; grown: the new bytes decide, else the known model stays', async () => {
    const { readTranscriptModel } = await import('../../../src/sessions/transcript.js');
    const { appendFileSync } = await import('node:fs');
    const d = tmp();
    const f = join(d, 's.jsonl');
    const line = (type: string, model?: string) => `${JSON.stringify({ type, message: model ? { model } : { content: 'x' } })}\n`;
    writeFileSync(f, line('user') + line('assistant', 'm-1'));
    const cache = new Map();
    expect(readTranscriptModel(f, 64 * 1024, cache)).toBe('m-1');
    expect(cache.get(f)).toMatchObject({ model: 'm-1' });
    appendFileSync(f, line('user'));
    expect(readTranscriptModel(f, 64 * 1024, cache)).toBe('m-1'); // grown, no assistant line in the new bytes
    appendFileSync(f, line('assistant', 'm-2'));
    expect(readTranscriptModel(f, 64 * 1024, cache)).toBe('m-2');
    // a cache entry with the file's size and mtime is trusted without a read
    const st = statSync(f);
    cache.set(f, { size: st.size, mtimeMs: st.mtimeMs, model: 'from-cache' });
    expect(readTranscriptModel(f, 64 * 1024, cache)).toBe('from-cache');
    // replaced by a symlink: not followed, forgotten
    const real = join(d, 'real.jsonl');
    writeFileSync(real, line('assistant', 'elsewhere'));
    const { rmSync } = await import('node:fs');
    rmSync(f);
    symlinkSync(real, f);
    expect(readTranscriptModel(f, 64 * 1024, cache)).toBeUndefined();
    expect(cache.has(f)).toBe(false);
  });
});
