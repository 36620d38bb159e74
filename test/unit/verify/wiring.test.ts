// Check group 4 (Claude Code wiring) over settings fixtures in temp dirs: user, project, local and
// managed scopes merged in Claude Code's precedence; the helper run for real through a shell.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/claude.js';
import { installFakeOp } from '../../helpers/fake-op/index.js';
import type { TreeEntry } from '../../helpers/tmp.js';
import { KEY, byId, cleanupWorlds, makeWorld, statuses, textOf, type World } from './world.js';

afterAll(cleanupWorlds);

const HONEYCOMB = { backend: 'honeycomb', key: ['env:TEST_KEY'], team: 'platform' };
const WIRING = { skip: ['probe', 'readback'] };
/** The built sources' bin (a unit test: `npm run build` first; test/cli runs the installed package). */
const CC_OTEL_BIN = join(REPO_ROOT, 'bin', 'cc-otel.js');

/** A stand-in `cc-otel` on disk: `headers` prints the auth header (after $HELPER_SLEEP s, from the settings env). */
const FAKE_CC_OTEL: TreeEntry = {
  content:
    '#!/bin/sh\n' +
    'if [ "$1" = headers ]; then\n' +
    '  if [ -n "$HELPER_SLEEP" ]; then sleep "$HELPER_SLEEP"; fi\n' +
    '  if [ -n "$HELPER_FAIL" ]; then echo "op: not signed in (key $TEST_KEY)" >&2; exit 3; fi\n' +
    '  if [ -n "$HELPER_RAW" ]; then printf "%s" "$HELPER_RAW"; exit 0; fi\n' +
    '  printf \'{"x-honeycomb-team":"%s"}\\n\' "$TEST_KEY"\n' +
    'fi\n',
  mode: 0o755,
};

function ccOtel(w: World): string {
  return join(w.home, 'bin', 'cc-otel');
}

/** What `cc-otel install` writes: env block, otelHeadersHelper, SessionStart hook. */
function installed(w: World, opts: { env?: Record<string, string>; helper?: string | null; hook?: string | null } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { env: { ...w.installEnv(), ...(opts.env ?? {}) } };
  if (opts.helper !== null) out.otelHeadersHelper = opts.helper ?? `${ccOtel(w)} headers`;
  if (opts.hook !== null)
    out.hooks = { SessionStart: [{ matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: opts.hook ?? `${ccOtel(w)} hook session-start`, timeout: 10 }] }] };
  return out;
}

function world(config: Record<string, unknown> = HONEYCOMB, env: Record<string, string | undefined> = {}): World {
  return makeWorld(config, { 'home/bin/cc-otel': FAKE_CC_OTEL }, env);
}

function userSettings(w: World, s: unknown): void {
  w.write({ 'home/.claude/settings.json': JSON.stringify(s, null, 2) });
}

describe('a complete install', () => {
  it('every wiring check passes, with where each value came from; the key never appears', async () => {
    const w = world();
    userSettings(w, installed(w));
    const r = await w.verify(WIRING);
    expect(statuses(r, 'claude.')).toEqual({ 'claude.telemetry': 'pass', 'claude.helper': 'pass', 'claude.helper-run': 'pass', 'claude.hook': 'pass' });
    const user = join(w.home, '.claude', 'settings.json');
    expect(byId(r, 'claude.telemetry')).toMatchObject({ value: 'on for metrics, logs, traces via http/protobuf', source: `user settings ${user}` });
    expect(byId(r, 'claude.helper')).toMatchObject({ value: `${ccOtel(w)} headers`, source: `user settings ${user}` });
    expect(byId(r, 'claude.helper-run').value).toMatch(/^prints x-honeycomb-team in \d+ ms$/);
    expect(byId(r, 'claude.hook')).toMatchObject({ value: `${ccOtel(w)} hook session-start (matcher startup|resume|clear|compact)` });
    expect(r.exitCode).toBe(0);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });
});

describe("Claude Code's own telemetry", () => {
  it('the env-file-only setup FAILS: a SessionStart hook writing $CLAUDE_ENV_FILE reaches Bash tools only', async () => {
    const w = world();
    const { hooks } = installed(w); // only the hook: it writes the OTel env to $CLAUDE_ENV_FILE
    userSettings(w, { hooks });
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t).toMatchObject({ status: 'fail', value: "telemetry is not enabled for Claude Code's own process" });
    expect(t.problems?.[0]).toMatch(/SessionStart hook in user settings .* writes the OTel variables to \$CLAUDE_ENV_FILE/);
    expect(t.problems?.[0]).toMatch(/sourced before each Bash tool command only: Claude Code starts its own exporter before SessionStart hooks run/);
    expect(t.fix).toMatch(/cc-otel install/);
    expect(r.exitCode).toBe(1);
  });

  it("another tool's hook script that writes OTEL_* to $CLAUDE_ENV_FILE is recognised too", async () => {
    const w = world();
    w.write({
      'proj/.claude/hooks/otel-env.sh': { content: '#!/bin/sh\necho "export OTEL_EXPORTER_OTLP_ENDPOINT=https://api.honeycomb.io" >> "$CLAUDE_ENV_FILE"\n', mode: 0o755 },
      'proj/.claude/settings.json': JSON.stringify({
        env: { CLAUDE_CODE_ENABLE_TELEMETRY: '1' },
        hooks: { SessionStart: [{ hooks: [{ type: 'command', command: '"$CLAUDE_PROJECT_DIR"/.claude/hooks/otel-env.sh' }] }] },
      }),
    });
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('fail');
    const text = textOf(t);
    expect(text).toMatch(/metrics: OTEL_METRICS_EXPORTER is unset/);
    expect(text).toMatch(/SessionStart hook in project settings .*settings\.json writes the OTel variables to \$CLAUDE_ENV_FILE/);
  });

  it('telemetry switched off in a higher scope fails, naming the file', async () => {
    const w = world();
    userSettings(w, installed(w));
    w.write({ 'proj/.claude/settings.json': JSON.stringify({ env: { CLAUDE_CODE_ENABLE_TELEMETRY: '0' } }) });
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.telemetry')).toMatchObject({
      status: 'fail',
      value: `CLAUDE_CODE_ENABLE_TELEMETRY="0" in project settings ${join(w.proj, '.claude', 'settings.json')}: Claude Code exports nothing`,
    });
  });

  it('an endpoint overridden in settings.local.json (the wrong region) fails: Claude Code would not send where the probe did', async () => {
    const w = world();
    userSettings(w, installed(w));
    w.write({ 'proj/.claude/settings.local.json': JSON.stringify({ env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://api.eu1.honeycomb.io/v1/logs' } }) });
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('fail');
    expect(textOf(t)).toContain(
      `logs: Claude Code exports to https://api.eu1.honeycomb.io/v1/logs (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT from local settings ${join(w.proj, '.claude', 'settings.local.json')}), but cc-otel's config — and this probe — use https://api.honeycomb.io/v1/logs`,
    );
    // Not cc-otel's file: re-running the (user-scope) install could not beat it; the value there is the fix.
    expect(t.fix).toBe(`remove OTEL_EXPORTER_OTLP_LOGS_ENDPOINT from local settings ${join(w.proj, '.claude', 'settings.local.json')} (cc-otel did not install there), or set it there to cc-otel's value (\`cc-otel env\`)`);
  });

  it("an endpoint that differs in cc-otel's own project-scope install: the fix is that install, at that scope", async () => {
    const w = world();
    w.write({ 'proj/.claude/settings.json': JSON.stringify(installed(w, { env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://api.eu1.honeycomb.io/v1/logs' } })) });
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('fail');
    expect(t.fix).toBe('re-run `cc-otel install --scope project`');
  });

  it('managed settings win over the user install', async () => {
    const w = world();
    userSettings(w, installed(w));
    w.write({ 'managed/managed-settings.json': JSON.stringify({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } }) });
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('fail');
    expect(textOf(t)).toMatch(/Claude Code uses http\/json \(OTEL_EXPORTER_OTLP_PROTOCOL from managed settings .*managed-settings\.json\), cc-otel's config says http\/protobuf/);
  });

  it('temporality the backend rejects, set in a settings file, fails', async () => {
    const grafana = { backend: 'grafana-cloud', endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', instanceId: '1', key: ['env:TEST_KEY'] };
    const w = world(grafana);
    userSettings(w, installed(w, { helper: `${ccOtel(w)} headers`, env: { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' } }));
    const r = await w.verify({ skip: ['probe', 'readback', 'claude.helper-run'] });
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('fail');
    expect(textOf(t)).toMatch(/metrics temporality delta: grafana-cloud rejects it and needs cumulative \(user settings/);
  });

  it('OTEL_RESOURCE_ATTRIBUTES that the SDK discards fails; content switched on behind the config warns', async () => {
    const w = world();
    userSettings(w, installed(w));
    w.write({ 'proj/.claude/settings.json': JSON.stringify({ env: { OTEL_RESOURCE_ATTRIBUTES: 'team=a,b', OTEL_LOG_USER_PROMPTS: '1' } }) });
    const r = await w.verify(WIRING);
    const text = textOf(byId(r, 'claude.telemetry'));
    expect(text).toMatch(/^OTEL_RESOURCE_ATTRIBUTES from project settings .* is discarded whole by the OpenTelemetry SDK: "b" is not key=value/);
    expect(text).toMatch(/warn: OTEL_LOG_USER_PROMPTS=1 from project settings .*: prompt text is exported, though cc-otel's config has privacy.prompts off/);
  });

  it('set only in the environment claude starts from: passes, and says so; inside Claude Code that environment does not count', async () => {
    const w = world();
    const env = { ...w.installEnv(), OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${KEY}` };
    const r = await w.verify({ ...WIRING, env });
    expect(byId(r, 'claude.telemetry')).toMatchObject({ status: 'pass', source: 'the process environment' });
    expect(byId(r, 'claude.telemetry').value).toMatch(/from the process environment only/);
    expect(byId(r, 'claude.helper')).toMatchObject({ status: 'pass', value: 'no helper; static OTEL_EXPORTER_OTLP_HEADERS carries x-honeycomb-team' });

    const inside = await w.verify({ ...WIRING, env: { ...env, CLAUDECODE: '1' } });
    expect(byId(inside, 'claude.telemetry')).toMatchObject({ status: 'fail' });
    expect(byId(inside, 'claude.telemetry').value).toMatch(/running inside Claude Code/);
  });
});

describe('headers helper', () => {
  it('none, and no static header: fails (every export would be rejected)', async () => {
    const w = world();
    userSettings(w, installed(w, { helper: null }));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.helper')).toMatchObject({ status: 'fail', value: expect.stringContaining('Claude Code sends no auth and honeycomb rejects every export') });
    expect(byId(r, 'claude.helper-run')).toMatchObject({ status: 'skip', fix: 'no otelHeadersHelper configured' });
  });

  it('a static key in a settings file instead of the helper: works, but warns', async () => {
    const w = world();
    userSettings(w, installed(w, { helper: null, env: { OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${KEY}` } }));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.helper')).toMatchObject({ status: 'warn', fix: expect.stringContaining('otelHeadersHelper') });
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('a static header value with a stray % (the SDK parser drops it; Claude Code then exports nothing): fails, auth needed or not', async () => {
    for (const config of [HONEYCOMB, { backend: 'local' }]) {
      const w = world(config);
      userSettings(w, installed(w, { helper: null, env: { OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${KEY}%zz,x-other=1` } }));
      const r = await w.verify(WIRING);
      const h = byId(r, 'claude.helper');
      expect(h.status).toBe('fail');
      expect(h.value).toMatch(/^OTEL_EXPORTER_OTLP_HEADERS has x-honeycomb-team with a value that does not percent-decode/);
      expect(h.fix).toMatch(/%25/);
      expect(h.details?.staticHeadersUndecodable).toEqual(['x-honeycomb-team']);
      expect(JSON.stringify(r)).not.toContain(KEY);
    }
  });

  it.each([
    // http/*: Claude Code sends the value verbatim, so %2D arrives as %2D — another key
    ['http/protobuf', 'warn'],
    // grpc: its exporter decodes with the SDK parser — the same key
    ['grpc', 'pass'],
  ] as const)('a percent-encoded static auth header, %s: compared to the key as Claude Code sends it → %s', async (protocol, status) => {
    const w = world({ ...HONEYCOMB, protocol });
    const enc = KEY.replace(/-/g, '%2D');
    userSettings(w, installed(w, { helper: null, env: { OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${enc}` } }));
    const h = byId(await w.verify(WIRING), 'claude.helper');
    expect(h.status).toBe(status);
    if (status === 'warn') expect(h.value).toMatch(/with another value than the key cc-otel resolved \(env TEST_KEY\)/);
    else expect(h.value).toMatch(/^static OTEL_EXPORTER_OTLP_HEADERS carries x-honeycomb-team/);
  });

  it('grpc: the helper is ignored by Claude Code, so it fails; the helper is not run', async () => {
    const w = world({ ...HONEYCOMB, protocol: 'grpc' });
    userSettings(w, installed(w));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.helper')).toMatchObject({ status: 'fail', value: expect.stringContaining('protocol grpc: Claude Code ignores otelHeadersHelper') });
    expect(byId(r, 'claude.helper-run')).toMatchObject({ status: 'skip', fix: 'protocol grpc: Claude Code does not run the helper' });
  });

  it('not needed for a backend without a key', async () => {
    const w = world({ backend: 'local' });
    userSettings(w, installed(w, { helper: null }));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.helper')).toMatchObject({ status: 'pass', value: 'not needed (local takes no key here)' });
  });
});

describe('helper run (through a shell, with the settings env, timed)', () => {
  it('a slow helper warns (both runs slow), and --strict turns that into exit 1', async () => {
    const w = world();
    userSettings(w, installed(w, { env: { HELPER_SLEEP: '1.2' } })); // reaches the helper only through the settings env
    const r = await w.verify({ ...WIRING, slowHelperMs: 1000 });
    const h = byId(r, 'claude.helper-run');
    expect(h.status).toBe('warn');
    expect(h.details?.runsMs).toHaveLength(2);
    expect((h.details?.runsMs as number[]).every((ms) => ms >= 1100)).toBe(true);
    expect(h.problems?.[0]).toMatch(/took \d+ ms .*above 1000 ms a short session \(claude -p\) can end before it answers/);
    expect(r.exitCode).toBe(0);
    const strict = await w.verify({ ...WIRING, slowHelperMs: 1000, strict: true });
    expect(strict.exitCode).toBe(1);
  });

  it('a slow cacheable key source (op, 2 s) with the cache on: the key check and the cold helper run both warn, though the warm cache answers fast', async () => {
    const op = installFakeOp();
    try {
      const w = makeWorld({ backend: 'honeycomb', key: ['op://Eng/Honeycomb/key'] }, {}, {
        CC_OTEL_NO_CACHE: undefined, // caching on, as by default
        PATH: `${op.binDir}:/usr/bin:/bin`,
        FAKE_OP_SECRET: KEY,
        FAKE_OP_SLEEP: '2',
      });
      // The real `cc-otel headers` (built), as `cc-otel install` writes it.
      userSettings(w, installed(w, { helper: `${process.execPath} ${CC_OTEL_BIN} headers`, hook: null }));
      const r = await w.verify({ ...WIRING, skip: [...WIRING.skip, 'claude.hook'], timeoutMs: 30_000 });
      const key = byId(r, 'key');
      expect(key.status).toBe('warn');
      expect(key.value).toMatch(/reading op:\/\/Eng\/Honeycomb\/key took \d+ ms: above 1000 ms/);
      expect(key.fix).toMatch(/warm it before claude in CI/);
      const h = byId(r, 'claude.helper-run');
      expect(h.status, textOf(h)).toBe('warn');
      const runs = h.details?.runsMs as number[];
      expect(runs).toHaveLength(2);
      expect(runs[0]).toBeGreaterThanOrEqual(2000); // cold: the cache bypassed, op read again
      expect(textOf(h)).toMatch(/cold/);
      expect(JSON.stringify(r)).not.toContain(KEY);
    } finally {
      op.cleanup();
    }
  });

  it('a helper that hangs is cut at its timeout and fails', async () => {
    const w = world();
    userSettings(w, installed(w, { env: { HELPER_SLEEP: '30' } }));
    const t0 = Date.now();
    const r = await w.verify({ ...WIRING, helperTimeoutMs: 500 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(byId(r, 'claude.helper-run')).toMatchObject({ status: 'fail', value: expect.stringMatching(/no answer within \d+ ms: Claude Code exports nothing for that session/) });
  });

  it('a failing helper: the exit code and its stderr, with the key redacted', async () => {
    const w = world();
    userSettings(w, installed(w, { env: { HELPER_FAIL: '1' } }));
    const r = await w.verify(WIRING);
    const h = byId(r, 'claude.helper-run');
    expect(h).toMatchObject({ status: 'fail', value: 'exited 3: op: not signed in (key ***)' });
    expect(h.fix).toMatch(/cc-otel env --explain/);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it.each([
    ['not JSON', 'Bearer abc', /not usable: stdout is not JSON/],
    ['a number value', '{"x-honeycomb-team":42}', /not usable: the value of "x-honeycomb-team" is number/],
    ['the wrong header', '{"authorization":"Bearer abc"}', /does not print x-honeycomb-team/],
  ])('output that Claude Code cannot use fails: %s', async (_n, raw, want) => {
    const w = world();
    userSettings(w, installed(w, { env: { HELPER_RAW: raw } }));
    const r = await w.verify(WIRING);
    const h = byId(r, 'claude.helper-run');
    expect(h.status).toBe('fail');
    expect(`${h.value}\n${h.problems?.join('\n') ?? ''}`).toMatch(want);
    expect(JSON.stringify(h)).not.toContain('Bearer abc');
  });

  it("a helper that sends a different key than cc-otel resolved warns (the probe tested cc-otel's)", async () => {
    const w = world();
    userSettings(w, installed(w, { env: { HELPER_RAW: '{"x-honeycomb-team":"another-key-123456"}' } }));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.helper-run').status).toBe('warn');
    expect(byId(r, 'claude.helper-run').problems?.[0]).toMatch(/differs from the key cc-otel resolved \(env TEST_KEY\)/);
    expect(JSON.stringify(r)).not.toContain('another-key-123456');
  });

  it('a helper program that is not there (exit 127)', async () => {
    const w = world();
    userSettings(w, installed(w, { helper: '/nonexistent/cc-otel headers' }));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.helper-run')).toMatchObject({ status: 'fail', fix: expect.stringContaining('not found') });
  });
});

describe('SessionStart hook', () => {
  it('missing: a warning (Claude Code itself does not need it), exit 0', async () => {
    const w = world();
    userSettings(w, installed(w, { hook: null }));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.hook')).toMatchObject({ status: 'warn', fix: '`cc-otel install` adds it' });
    expect(r.exitCode).toBe(0);
  });

  it('pointing at a cc-otel that is gone: fails', async () => {
    const w = world();
    userSettings(w, installed(w, { hook: '/opt/old/cc-otel hook session-start' }));
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.hook')).toMatchObject({ status: 'fail' });
    expect(byId(r, 'claude.hook').problems?.[0]).toMatch(/runs \/opt\/old\/cc-otel, which does not exist/);
  });

  it('hooks disabled in a higher scope: warns', async () => {
    const w = world();
    userSettings(w, installed(w));
    w.write({ 'proj/.claude/settings.json': JSON.stringify({ disableAllHooks: true }) });
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.hook').status).toBe('warn');
    expect(byId(r, 'claude.hook').problems?.[0]).toMatch(/disableAllHooks/);
  });
});

describe('resource attributes: the fix fits the install scope', () => {
  it("a project .cc-otel.json's team under a user-scope install: Claude Code's own telemetry keeps the install's team; the fix is a local install, not a re-install", async () => {
    // The user config says team platform; this project's file says mobile. The user-scope install
    // was written from the user config alone (as it is outside any project).
    const w = makeWorld({ team: 'mobile' }, { 'home/bin/cc-otel': FAKE_CC_OTEL, 'home/.config/cc-otel/config.json': JSON.stringify(HONEYCOMB) });
    userSettings(w, { ...installed(w), env: w.installEnv({ CC_OTEL_PROJECT_CONFIG: 'ignore' }) });
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('warn');
    const text = textOf(t);
    expect(text).toContain(`team=mobile from the project file ${join(w.proj, '.cc-otel.json')} does not reach Claude Code's own telemetry: it sends team=platform`);
    expect(text).toMatch(/the SessionStart hook hands the project's values to tools run from Bash only/);
    expect(t.fix).toContain(`\`cc-otel install --scope local\` in ${w.proj}`);
    expect(t.fix).toMatch(/re-running the user-scope install would re-tag every project/);
    expect(text).not.toMatch(/engineer/);

    // Following the fix — the real `install --scope local` plan, applied — settles it, and the
    // local install over the user's is not reported as overriding cc-otel.
    const { applyInstall, planInstall } = await import('../../../src/claude/install-plan.js');
    const { loadConfig } = await import('../../../src/config/load.js');
    const { buildTelemetry } = await import('../../../src/otel/build-env.js');
    const c = w.ctx();
    const loaded = loadConfig(c);
    const plan = planInstall(c, buildTelemetry(loaded, { env: c.env, user: 'ada' }), {
      scope: 'local', paths: { projectDir: w.proj }, prefix: ccOtel(w), customCommand: false, events: [], flags: {}, loaded, force: false, allowSecretInSettings: false,
    });
    expect(plan.overrides).toEqual([]);
    applyInstall(plan);
    const after = await w.verify(WIRING);
    expect(byId(after, 'claude.telemetry').status, textOf(byId(after, 'claude.telemetry'))).toBe('pass');
  });

  it("a team changed in the user's own config since a user-scope install: re-running install is the fix", async () => {
    const w = makeWorld(null, { 'home/bin/cc-otel': FAKE_CC_OTEL, 'home/.config/cc-otel/config.json': JSON.stringify(HONEYCOMB) });
    userSettings(w, installed(w, { env: w.installEnv({ CC_OTEL_TEAM: 'old-team' }) }));
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('warn');
    expect(textOf(t)).toMatch(/resource attributes team differ from cc-otel's config: Claude Code sends team=old-team \(OTEL_RESOURCE_ATTRIBUTES from user settings .*\), the config says team=platform/);
    expect(t.fix).toBe('re-run `cc-otel install`');
  });

  it('a project-scope install leaves the implicit engineer out on purpose: no warning, --strict passes', async () => {
    const { installEnv } = await import('../../../src/claude/install-plan.js');
    const { loadConfig } = await import('../../../src/config/load.js');
    const { buildTelemetry } = await import('../../../src/otel/build-env.js');
    const w = world();
    const c = w.ctx();
    const loaded = loadConfig(c);
    const written = installEnv(buildTelemetry(loaded, { env: c.env, user: 'ada' }), { scope: 'project', paths: { projectDir: w.proj }, flags: {}, loaded });
    expect(written.env.OTEL_RESOURCE_ATTRIBUTES).not.toMatch(/engineer/); // what install really writes
    w.write({ 'proj/.claude/settings.json': JSON.stringify({ ...installed(w), env: written.env }) });
    const r = await w.verify({ ...WIRING, strict: true });
    expect(byId(r, 'claude.telemetry')).toMatchObject({ status: 'pass' });
    expect(byId(r, 'claude.telemetry').details?.leftOutOnPurpose).toMatchObject({ engineer: expect.stringMatching(/env USER/) });
    expect(statuses(r, 'claude.')).toEqual({ 'claude.telemetry': 'pass', 'claude.helper': 'pass', 'claude.helper-run': 'pass', 'claude.hook': 'pass' });
  });

  it('an engineer set explicitly but missing from a project-scope install is still a difference', async () => {
    const w = world({ ...HONEYCOMB, engineer: 'team-bot' });
    const env = w.installEnv();
    w.write({ 'proj/.claude/settings.json': JSON.stringify({ ...installed(w), env: { ...env, OTEL_RESOURCE_ATTRIBUTES: 'team=platform' } }) });
    const r = await w.verify(WIRING);
    expect(byId(r, 'claude.telemetry').status).toBe('warn');
    expect(textOf(byId(r, 'claude.telemetry'))).toMatch(/resource attributes engineer differ/);
    expect(byId(r, 'claude.telemetry').fix).toBe('re-run `cc-otel install --scope project`');
  });
});

describe('a settings file that is not valid JSON', () => {
  it('verify names the file and its syntax error, and says to fix it (not "run install")', async () => {
    const w = world();
    w.write({ 'home/.claude/settings.json': '{\n  "env": { "CLAUDE_CODE_ENABLE_TELEMETRY": "1", }\n}\n' });
    const user = join(w.home, '.claude', 'settings.json');
    const r = await w.verify(WIRING);
    const t = byId(r, 'claude.telemetry');
    expect(t.status).toBe('fail');
    expect(t.value).toMatch(new RegExp(`^telemetry is not enabled for Claude Code's own process: ${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON \\(.* at line 2, column \\d+\\), so Claude Code ignores the whole file`));
    expect(t.source).toBe(`user settings ${user}`);
    expect(t.fix).toMatch(new RegExp(`^fix the JSON syntax in ${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at line 2, column \\d+`));
    expect(t.fix).not.toMatch(/^run `cc-otel install`/);
    expect(byId(r, 'claude.helper').fix).toMatch(/^fix the JSON syntax in /);
    expect(byId(r, 'claude.hook').fix).toMatch(/^fix the JSON syntax in /);
  });
});
