// The 1Password source through its real paths: the `op` CLI (a fake `op` script on a private
// PATH) and the real @1password/sdk (WASM core) with fabricated tokens aimed at 127.0.0.1.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { classifyOpError, fromOnePassword, parseOpRef } from '../../../src/secrets/sources/onepassword.js';
import type { KeyRef, SourceResult } from '../../../src/secrets/types.js';
import { fakeServiceAccountToken, installFakeOp, type FakeOp } from '../../helpers/fake-op/index.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { guardNetwork, type NetGuard } from './net-guard.js';
import { sourceContext } from './source-context.js';

const posix = process.platform !== 'win32';
const opRef = (ref: string): KeyRef => ({ kind: 'op', ref, raw: ref });
const REF = 'op://Engineering/otel-ingest/credential';
const SIGN_IN_HINT = 'run `eval $(op signin)` or set OP_SERVICE_ACCOUNT_TOKEN';

async function timed(p: Promise<SourceResult>): Promise<{ r: SourceResult; ms: number }> {
  const t0 = performance.now();
  const r = await p;
  return { r, ms: performance.now() - t0 };
}

describe('parseOpRef', () => {
  it.each([
    ['op://v/i/f', { vault: 'v', item: 'i', section: undefined, field: 'f', query: undefined }],
    ['op://v/i/s/f', { vault: 'v', item: 'i', section: 's', field: 'f', query: undefined }],
    ['op://My Vault/it\'s "x"/f?attribute=otp', { vault: 'My Vault', item: 'it\'s "x"', section: undefined, field: 'f', query: 'attribute=otp' }],
  ])('%s parses', (ref, want) => {
    expect(parseOpRef(ref)).toEqual(want);
  });
  it.each([
    ['op://vault/item', /expected 3 or 4/],
    ['op://a/b/c/d/e', /expected 3 or 4/],
    ['op://a//c', /empty path segment/],
    ['1password://a/b/c', /op:\/\//],
    ['op://a/b/c\n', /control/],
    ['op://a/b/c?x', /invalid query/],
  ])('%j is rejected', (ref, re) => {
    const r = parseOpRef(ref);
    expect('error' in r && r.error).toMatch(re);
  });
});

describe('classifyOpError', () => {
  it.each([
    ['You are not currently signed in. Please run `op signin --help` for instructions', 'cli', 'signed-out'],
    ['authorization prompt dismissed, please try again', 'cli', 'signed-out'],
    ['"xyz" isn\'t an item in the "Engineering" vault. Specify the item with its UUID, name, or domain.', 'cli', 'not-found'],
    ['"Foo" isn\'t a vault in this account. Specify the vault with its UUID or name.', 'cli', 'not-found'],
    ['error resolving secret reference: no item matched the secret reference query', 'sdk', 'not-found'],
    ['error resolving secret reference: the specified field cannot be found within the item', 'sdk', 'not-found'],
    ['error resolving secret reference: more than one item matched the secret reference query', 'sdk', 'ambiguous'],
    [
      'invalid service account token, please make sure you provide a valid service account token as parameter:  service account token base64 decoding failed, please create another token',
      'sdk',
      'token-malformed',
    ],
    [
      'authentication error: request library compatibility issue, check that the your environment uses compatible versions: reqwest library: error sending request',
      'sdk',
      'network',
    ],
    ['bad service account token, please rotate it: x', 'sdk', 'token-rejected'],
    ['you are not authenticated', 'sdk', 'token-rejected'],
    ['rate limit exceeded', 'sdk', 'rate-limit'],
    ["you don't have the right permissions to access this resource", 'sdk', 'permission'],
    ['something else entirely', 'cli', 'other'],
  ] as const)('%s (%s) → %s', (msg, via, kind) => {
    const f = classifyOpError(msg, REF, via);
    expect(f.kind).toBe(kind);
    expect(f.hint.length).toBeGreaterThan(10);
  });
  it('gives the sign-in hint and a copy-pasteable check command', () => {
    expect(classifyOpError('You are not currently signed in.', REF, 'cli').hint).toBe(SIGN_IN_HINT);
    expect(classifyOpError('"x" isn\'t an item in the "V" vault.', "op://V/it's/f", 'cli').hint).toBe("check the reference with `op read 'op://V/it'\\''s/f'`");
  });
});

describe.skipIf(!posix)('fromOnePassword via the op CLI (no OP_SERVICE_ACCOUNT_TOKEN)', () => {
  let op: FakeOp;
  beforeAll(() => {
    op = installFakeOp();
  });
  afterAll(() => op.cleanup());

  it('is a cacheable 1password source for op refs', () => {
    expect(fromOnePassword).toMatchObject({ name: '1password', cacheable: true });
    expect(fromOnePassword.handles(opRef(REF))).toBe(true);
    expect(fromOnePassword.handles({ kind: 'env', name: 'X', raw: 'env:X' })).toBe(false);
  });

  it('reads the secret with `op read --no-newline <ref>`; the detail never holds the value', async () => {
    const r = await fromOnePassword.resolve(opRef(REF), sourceContext({ env: op.env('success', { FAKE_OP_SECRET: 'sk-live-123' }) }));
    expect(r).toEqual({ status: 'found', value: 'sk-live-123', detail: `${REF} via op CLI` });
    expect(op.argv()).toEqual(['read', '--no-newline', REF]);
  });

  it('passes a reference with spaces, quotes and shell metacharacters as one argument', async () => {
    const ref = `op://My Vault/it's "quoted" $(id) ; x/api key`;
    const r = await fromOnePassword.resolve(opRef(ref), sourceContext({ env: op.env('success') }));
    expect(r.status).toBe('found');
    expect(op.argv()).toEqual(['read', '--no-newline', ref]);
  });

  it('runs op with stdin closed (/dev/null) and exactly ctx.env', async () => {
    await fromOnePassword.resolve(opRef(REF), sourceContext({ env: op.env('success', { FAKE_OP_PROBE: 'p1' }) }));
    const [fd0, bytes] = op.stdin().split('|');
    if (process.platform === 'linux') expect(fd0).toBe('/dev/null');
    expect(bytes).toBe('0');
    expect(op.envSeen()).toEqual({ FAKE_OP_PROBE: 'p1', HOME: 'unset' });
  });

  it('signed out → failed with the op message and the sign-in hint', async () => {
    const r = await fromOnePassword.resolve(opRef(REF), sourceContext({ env: op.env('signed-out') }));
    expect(r).toEqual({
      status: 'failed',
      reason: 'not signed in to 1Password (You are not currently signed in. Please run `op signin --help` for instructions)',
      hint: SIGN_IN_HINT,
    });
  });

  it('item not found → failed with a check-the-reference hint', async () => {
    const ref = 'op://Engineering/xyz/credential';
    const r = await fromOnePassword.resolve(opRef(ref), sourceContext({ env: op.env('not-found') }));
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.reason).toContain('"xyz" isn\'t an item in the "Engineering" vault');
    expect(r.reason).not.toContain('[ERROR]');
    expect(r.hint).toBe(`check the reference with \`op read '${ref}'\``);
    expect(r.timedOut).toBeUndefined();
  });

  it('an unknown failure keeps the last stderr line', async () => {
    const r = await fromOnePassword.resolve(opRef(REF), sourceContext({ env: op.env('no-error-tag') }));
    expect(r).toMatchObject({ status: 'failed', reason: '1Password op read failed: something odd happened' });
  });

  it('a hanging op (grandchild holding the pipes) is cut at the timeout and reported as timedOut', async () => {
    const { r, ms } = await timed(fromOnePassword.resolve(opRef(REF), sourceContext({ env: op.env('hang'), timeoutMs: 800 })));
    expect(r).toMatchObject({ status: 'failed', timedOut: true });
    expect(ms).toBeLessThan(2000);
  });

  it('no token and no op on PATH → skipped', async () => {
    const empty = makeTempDir('cc-otel-empty-path');
    try {
      const r = await fromOnePassword.resolve(opRef(REF), sourceContext({ env: { PATH: empty.path } }));
      expect(r).toEqual({ status: 'skipped', reason: 'no OP_SERVICE_ACCOUNT_TOKEN and no op CLI on PATH', hint: 'install the 1Password CLI (`op`) and sign in, or set OP_SERVICE_ACCOUNT_TOKEN' });
    } finally {
      empty.cleanup();
    }
  });

  it('an invalid reference fails before anything is spawned, with the right format in the hint', async () => {
    const fresh = installFakeOp();
    try {
      const r = await fromOnePassword.resolve(opRef('op://vault/item'), sourceContext({ env: fresh.env('success') }));
      expect(r).toMatchObject({ status: 'failed', hint: expect.stringContaining('op://<vault>/<item>/[<section>/]<field>') });
      expect(existsSync(join(fresh.logDir, 'argv'))).toBe(false);
    } finally {
      fresh.cleanup();
    }
  });
});

describe('fromOnePassword via @1password/sdk (OP_SERVICE_ACCOUNT_TOKEN set)', () => {
  let guard: NetGuard;
  let blackhole: net.Server;
  const held: net.Socket[] = [];
  let blackholePort = 0;
  let closedPort = 0;
  let op: FakeOp;
  let emptyPath: TempDir;

  beforeAll(async () => {
    // Pay the SDK's WASM compile once, so the timings below measure the source, not the import.
    await import('@1password/sdk');
    blackhole = net.createServer((s) => {
      held.push(s); // accepts, never answers: the TLS handshake hangs like a tarpitted network
      s.on('error', () => {});
    });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    blackholePort = (blackhole.address() as net.AddressInfo).port;
    const tmpServer = net.createServer();
    await new Promise<void>((r) => tmpServer.listen(0, '127.0.0.1', r));
    closedPort = (tmpServer.address() as net.AddressInfo).port;
    await new Promise((r) => tmpServer.close(r));
    op = installFakeOp();
    emptyPath = makeTempDir('cc-otel-empty-path');
    guard = guardNetwork();
  });
  afterEach(() => {
    // End the SDK's pending fetches (undici would otherwise hold them ~10 s).
    for (const s of held.splice(0)) s.destroy();
  });
  afterAll(async () => {
    guard.stop();
    await new Promise((r) => blackhole.close(r));
    op.cleanup();
    emptyPath.cleanup();
    // Nothing ever left the machine: only the loopback blackhole / closed port were contacted.
    expect(guard.nonLoopback()).toEqual([]);
  });

  it('a token without the ops_ prefix fails at once, without loading the SDK', async () => {
    const { r, ms } = await timed(
      fromOnePassword.resolve(opRef(REF), sourceContext({ env: { PATH: emptyPath.path, OP_SERVICE_ACCOUNT_TOKEN: 'not-a-token' } })),
    );
    expect(r).toMatchObject({ status: 'failed', hint: expect.stringContaining('starts with ops_') });
    expect(ms).toBeLessThan(500); // "at once"; that the SDK is not loaded is proven by lazy-sdk.test.ts
  });

  it('a malformed ops_ token is rejected by the SDK quickly, with the token hint', async () => {
    const { r, ms } = await timed(
      fromOnePassword.resolve(opRef(REF), sourceContext({ env: { PATH: emptyPath.path, OP_SERVICE_ACCOUNT_TOKEN: 'ops_not-a-real-token' } })),
    );
    expect(r).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^OP_SERVICE_ACCOUNT_TOKEN is not a valid service-account token \(invalid service account token/),
      hint: expect.stringContaining('copy the token again'),
    });
    expect(ms).toBeLessThan(1000);
  });

  it('an unreachable sign-in address → failed as a network error (not the SDK\'s "compatibility issue" wording)', async () => {
    const addr = `127.0.0.1:${closedPort}`;
    const { r, ms } = await timed(
      fromOnePassword.resolve(opRef(REF), sourceContext({ env: { PATH: emptyPath.path, OP_SERVICE_ACCOUNT_TOKEN: fakeServiceAccountToken(addr) } })),
    );
    expect(r).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining(`cannot reach 1Password at ${addr}`),
      hint: `check network/proxy access to https://${addr}`,
    });
    expect(r.status === 'failed' && r.timedOut).toBeFalsy();
    expect(ms).toBeLessThan(2000);
    expect(guard.events).toContain(addr);
  });

  it('a hung 1Password endpoint: the promise settles at the deadline (the SDK alone would take ~10.5 s)', async () => {
    const addr = `127.0.0.1:${blackholePort}`;
    const { r, ms } = await timed(
      fromOnePassword.resolve(
        opRef(REF),
        sourceContext({ env: { PATH: emptyPath.path, OP_SERVICE_ACCOUNT_TOKEN: fakeServiceAccountToken(addr) }, timeoutMs: 800 }),
      ),
    );
    expect(r).toMatchObject({ status: 'failed', timedOut: true, hint: `check network/proxy access to https://${addr}` });
    expect(ms).toBeGreaterThanOrEqual(750);
    expect(ms).toBeLessThan(1500);
    expect(held.length).toBeGreaterThan(0); // the SDK really connected to the blackhole
  });

  it('a hung endpoint and the chain aborting the signal early (deadline before the source timeout): settles at the abort', async () => {
    const addr = `127.0.0.1:${blackholePort}`;
    const ctx = sourceContext({ env: { PATH: emptyPath.path, OP_SERVICE_ACCOUNT_TOKEN: fakeServiceAccountToken(addr) }, timeoutMs: 10_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    const { r, ms } = await timed(fromOnePassword.resolve(opRef(REF), { ...ctx, signal: ac.signal }));
    expect(r).toMatchObject({ status: 'failed', timedOut: true, reason: expect.stringMatching(/^1Password SDK did not answer within 4\d\d ms$/) });
    expect(ms).toBeGreaterThanOrEqual(380);
    expect(ms).toBeLessThan(1000);
  });

  it.skipIf(!posix)('with a token, the SDK is used even when op is on PATH', async () => {
    const token = fakeServiceAccountToken(`127.0.0.1:${closedPort}`);
    const r = await fromOnePassword.resolve(opRef(REF), sourceContext({ env: op.env('success', { OP_SERVICE_ACCOUNT_TOKEN: token }) }));
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('cannot reach 1Password') });
    expect(existsSync(join(op.logDir, 'argv'))).toBe(false);
  });
});
