// Key references and the two local sources (env, dotenv): tables and temp trees, env passed in.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chmodSync } from 'node:fs';
import { describeUnparsedRef, parseKeyRef, REF_FORMS } from '../../../src/secrets/refs.js';
import { fromDotenv } from '../../../src/secrets/sources/dotenv.js';
import { fromEnv } from '../../../src/secrets/sources/env.js';
import type { KeyRef, SourceContext } from '../../../src/secrets/types.js';
import { makeContext, type Env } from '../../../src/context.js';
import { CcOtelError } from '../../../src/errors.js';
import { trustFileFor } from '../../helpers/trust.js';
import { makeTempDir, writeTree, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe('parseKeyRef', () => {
  it.each<[string, KeyRef]>([
    ['env:CC_OTEL_API_KEY', { kind: 'env', name: 'CC_OTEL_API_KEY', raw: 'env:CC_OTEL_API_KEY' }],
    ['  env:_x1  ', { kind: 'env', name: '_x1', raw: 'env:_x1' }],
    ['dotenv:SIGNOZ_KEY', { kind: 'dotenv', name: 'SIGNOZ_KEY', raw: 'dotenv:SIGNOZ_KEY' }],
    ['op://Engineering/otel ingest/credential', { kind: 'op', ref: 'op://Engineering/otel ingest/credential', raw: 'op://Engineering/otel ingest/credential' }],
    ['op://v/i/section/field', { kind: 'op', ref: 'op://v/i/section/field', raw: 'op://v/i/section/field' }],
    ['gcp-sm://projects/my-proj/secrets/otel-key', { kind: 'gcp-sm', project: 'my-proj', secret: 'otel-key', version: 'latest', raw: 'gcp-sm://projects/my-proj/secrets/otel-key' }],
    ['gcp-sm://projects/123/secrets/k/versions/7', { kind: 'gcp-sm', project: '123', secret: 'k', version: '7', raw: 'gcp-sm://projects/123/secrets/k/versions/7' }],
  ])('%j', (raw, want) => {
    expect(parseKeyRef(raw)).toEqual(want);
  });

  it.each([
    '',
    '   ',
    'CC_OTEL_API_KEY',
    'env:',
    'env:1ABC',
    'env:A-B',
    'env:A B',
    'ENV:A',
    'dotenv:',
    'dotenv:a.b',
    'vault://secret/x',
    '1password://v/i/f',
    'gcp-sm://projects/p',
    'gcp-sm://projects/p/secrets/',
    'gcp-sm://projects//secrets/s',
    'gcp-sm://projects/p/secrets/s/versions/',
    'gcp-sm://projects/p/secrets/s/versions/1/extra',
    'gcp-sm://p/s',
  ])('%j → CONFIG_INVALID listing the accepted forms', (raw) => {
    try {
      parseKeyRef(raw);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CcOtelError);
      expect((e as CcOtelError).code).toBe('CONFIG_INVALID');
      // Never echoed: the string may be the key itself, pasted where its reference belongs.
      const s = raw.trim();
      if (s.length > 7) expect((e as CcOtelError).message).not.toContain(s);
      expect((e as CcOtelError).message).toMatch(/\(\d+ chars?\)/);
      expect((e as CcOtelError).hint).toContain(REF_FORMS);
    }
  });

  it.each<[string, string]>([
    ['sk-live-SECRET123', '"sk-l…" (17 chars)'],
    ['  sk-live-SECRET123  ', '"sk-l…" (17 chars)'],
    ['short-key', '(9 chars)'],
    ['env:sk-live-SECRET123', '"env:…" (21 chars)'],
    ['gcp-sm://p/s', '"gcp-sm://…" (12 chars)'],
    ['', '(0 chars)'],
  ])('describeUnparsedRef(%j) = %s', (raw, want) => {
    expect(describeUnparsedRef(raw)).toBe(want);
  });
});

function sctx(env: Env, projectDir: string | undefined, userConfigDir: string, homeDir = '/nonexistent-home'): SourceContext {
  return { ...makeContext({ env, homeDir }), signal: new AbortController().signal, timeoutMs: 1000, projectDir, userConfigDir };
}

const dotenvRef = (name: string): KeyRef => ({ kind: 'dotenv', name, raw: `dotenv:${name}` });

/** proj/, user/ (the user config dir) and home/ (whose state dir holds the trust store). */
function tree(files: Record<string, string>): { proj: string; user: string; home: string } {
  const d = makeTempDir('cc-otel-dotenv');
  dirs.push(d);
  writeTree(d.path, { 'proj/.keep': '', 'user/.keep': '', 'home/.keep': '', ...files });
  const t = { proj: join(d.path, 'proj'), user: join(d.path, 'user'), home: join(d.path, 'home') };
  // The user trusts the project .env (`cc-otel trust`) — a regular file only (not the .env/ directory case).
  if (files['proj/.env'] !== undefined) trustFileFor(join(t.proj, '.env'), { env: {}, homeDir: t.home }, 'dotenv');
  return t;
}

describe('fromEnv', () => {
  it.each<[Env, string, string | undefined]>([
    [{ K: 'v' }, 'K', 'v'],
    [{ K: '' }, 'K', undefined],
    [{}, 'K', undefined],
    [{ k: 'lower' }, 'K', undefined],
  ])('%j %s', async (env, name, want) => {
    const r = await fromEnv.resolve({ kind: 'env', name, raw: `env:${name}` }, sctx(env, undefined, '/x'));
    if (want === undefined) expect(r).toEqual({ status: 'skipped', reason: `${name} is not set`, hint: `set ${name} (export it in the environment claude starts from)` });
    else expect(r).toEqual({ status: 'found', value: want, detail: `env ${name}` });
  });
});

describe('fromDotenv', () => {
  it('project .env first', async () => {
    const t = tree({ 'proj/.env': 'KEY=from-project\n', 'user/.env': 'KEY=from-user\n' });
    const r = await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home));
    expect(r).toEqual({ status: 'found', value: 'from-project', detail: `${join(t.proj, '.env')} KEY` });
  });

  it('then the user config dir .env', async () => {
    const t = tree({ 'proj/.env': 'OTHER=x\n', 'user/.env': 'KEY=from-user\n' });
    const r = await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home));
    expect(r).toEqual({ status: 'found', value: 'from-user', detail: `${join(t.user, '.env')} KEY` });
  });

  it('an empty value in the project .env falls through to the user .env', async () => {
    const t = tree({ 'proj/.env': 'KEY=\n', 'user/.env': 'KEY=u\n' });
    expect(await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home))).toMatchObject({ status: 'found', value: 'u' });
  });

  it('no project dir: only the user .env', async () => {
    const t = tree({ 'user/.env': 'KEY=u\n' });
    expect(await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, undefined, t.user, t.home))).toMatchObject({ status: 'found', value: 'u' });
  });

  it('the real environment beats .env', async () => {
    const t = tree({ 'proj/.env': 'KEY=from-file\n' });
    expect(await fromDotenv.resolve(dotenvRef('KEY'), sctx({ KEY: 'from-env' }, t.proj, t.user, t.home))).toEqual({
      status: 'found',
      value: 'from-env',
      detail: 'env KEY (beats .env)',
    });
  });

  it.each([
    ['double quotes', 'KEY="a b # not a comment"', 'a b # not a comment'],
    ['single quotes', "KEY='x=y+z/=='", 'x=y+z/=='],
    ['backticks', 'KEY=`it\'s "q"`', 'it\'s "q"'],
    ['unquoted with comment', 'KEY=abc123 # rotate monthly', 'abc123'],
    ['export prefix', 'export KEY=exported', 'exported'],
    ['spaces around =', 'KEY = spaced', 'spaced'],
    ['CRLF file', 'A=1\r\nKEY=crlf\r\n', 'crlf'],
    ['double-quoted \\n expands', 'KEY="l1\\nl2"', 'l1\nl2'],
    ['single-quoted \\n is literal', "KEY='l1\\nl2'", 'l1\\nl2'],
    ['no $ expansion', 'HOME=/h\nKEY=$HOME/x', '$HOME/x'],
    ['last definition wins', 'KEY=first\nKEY=second', 'second'],
  ])('quoted values: %s', async (_n, text, want) => {
    const t = tree({ 'proj/.env': `${text}\n` });
    expect(await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home))).toMatchObject({ status: 'found', value: want });
  });

  it('missing files → skipped, naming where it looked', async () => {
    const t = tree({});
    const r = await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home));
    expect(r.status).toBe('skipped');
    expect(r.status === 'skipped' && r.reason).toBe(`no .env in ${join(t.proj, '.env')} or ${join(t.user, '.env')}`);
  });

  it('files without the name → skipped, naming the files read', async () => {
    const t = tree({ 'proj/.env': 'OTHER=1\n' });
    const r = await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home));
    expect(r).toEqual({ status: 'skipped', reason: `KEY not in ${join(t.proj, '.env')}`, hint: expect.stringMatching(/^put KEY=<key> in .*\.env \(or in the project's \.env, read once the project is trusted\), or set KEY$/) });
  });

  it('an unreadable user .env → failed with a hint (a directory named .env: EISDIR, works as root too)', async () => {
    const t = tree({ 'user/.env/x': '' });
    const r = await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home));
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.reason).toBe(`cannot read ${join(t.user, '.env')}: EISDIR`);
    expect(r.hint).toContain(join(t.user, '.env'));
  });

  it('a project .env that is not a regular file is not read (never trusted: not the project\'s key), the user .env is', async () => {
    const t = tree({ 'proj/.env/x': '', 'user/.env': 'KEY=u\n' });
    const r = await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home));
    expect(r).toMatchObject({ status: 'found', value: 'u', detail: expect.stringContaining('not a regular file') });
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')('an unreadable .env (mode 000) → failed EACCES', async () => {
    const t = tree({ 'proj/.env': 'KEY=p\n' });
    chmodSync(join(t.proj, '.env'), 0o000);
    const r = await fromDotenv.resolve(dotenvRef('KEY'), sctx({}, t.proj, t.user, t.home));
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('EACCES') });
  });
});
