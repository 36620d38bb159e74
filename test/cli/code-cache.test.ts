// The hot path's V8 code cache (bin/cc-otel.js) in real processes: written at the first run's exit,
// used by the next, never trusted across bundle builds, rewritten when V8 rejects it — and a run
// that starts from the cache behaves exactly like one compiled from source, including the branches
// compiled lazily after the cache was made (the background shipper's start). V8 drops a dynamic
// import's callback in such branches, so the bundle must not contain import(): scripts/build.mjs
// turns them into require and fails the build if one is left.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createRequire } from 'node:module';
import { CC_OTEL_PACKAGE_DIR, describeCcOtel, runCcOtel } from '../helpers/cc-otel.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import { trustProject } from '../helpers/trust.js';

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

// The installed package's bundle and loader: the ones the runs below execute.
const BUNDLE = join(CC_OTEL_PACKAGE_DIR, 'dist', 'hot.cjs');
// The loader is the entry file itself (plain CommonJS); required as a module it only exports.
const { buildIdOf, codeCachePath } = createRequire(import.meta.url)(join(CC_OTEL_PACKAGE_DIR, 'bin', 'cc-otel.js')) as {
  buildIdOf(source: string): string | undefined;
  codeCachePath(cacheDir: string, buildId: string): string;
};

function world(config: Record<string, unknown>) {
  const dir = makeTempDir('cc-otel-code-cache');
  dirs.push(dir);
  writeTree(dir.path, { 'home/.keep': '', 'proj/.cc-otel.json': JSON.stringify(config) });
  const home = join(dir.path, 'home');
  trustProject(join(dir.path, 'proj'), { HOME: home }); // the user trusts the project's .cc-otel.json
  return { home, proj: join(dir.path, 'proj'), cacheDir: join(home, '.cache', 'cc-otel'), errorLog: join(home, '.local', 'state', 'cc-otel', 'errors.log') };
}

const OTLP = { backend: 'otlp', endpoint: 'http://127.0.0.1:9', header: 'authorization', headerValue: 'Bearer {key}', key: ['env:K'] };

describe('buildIdOf', () => {
  test.each([
    ['//cc-otel-build:0123456789abcdef\n"use strict";', '0123456789abcdef'],
    ['//cc-otel-build:0123456789abcdef', '0123456789abcdef'],
    ['"use strict";', undefined],
    ['//cc-otel-build:../../etc\n', undefined],
    ['//cc-otel-build:\n', undefined],
  ])('%j → %s', (src, id) => expect(buildIdOf(src)).toBe(id));

  test('the built bundle is stamped with the hash of its content', () => {
    expect(buildIdOf(readFileSync(BUNDLE, 'utf8'))).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('the hot bundle through its code cache (real processes)', () => {
  test('first run writes the cache (0600 in a 0700 dir); the next runs use it and answer the same', async () => {
    const w = world(OTLP);
    const id = buildIdOf(readFileSync(BUNDLE, 'utf8'))!;
    const file = codeCachePath(w.cacheDir, id);
    const env = { HOME: w.home, K: 'secret-k' };
    const first = await runCcOtel(['headers'], { cwd: w.proj, env });
    expect(first.code, describeCcOtel(first)).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(w.cacheDir, 'v8')).mode & 0o777).toBe(0o700);
    const written = statSync(file).mtimeMs;
    const second = await runCcOtel(['headers'], { cwd: w.proj, env });
    expect(second.code, describeCcOtel(second)).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stdout).toBe(`${JSON.stringify({ authorization: 'Bearer secret-k' })}\n`);
    expect(statSync(file).mtimeMs).toBe(written); // a hit does not rewrite it
    // The cache is bytecode: it never holds the key.
    expect(readFileSync(file).includes('secret-k')).toBe(false);
  });

  test('an unconfigured cc-otel is inert: no cache is written (nor anything else)', async () => {
    const dir = makeTempDir('cc-otel-code-cache-inert');
    dirs.push(dir);
    writeTree(dir.path, { 'home/.keep': '', 'proj/.keep': '' });
    const home = join(dir.path, 'home');
    const r = await runCcOtel(['headers'], { cwd: join(dir.path, 'proj'), env: { HOME: home } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe('{}\n');
    expect(readdirSync(home)).toEqual(['.keep']);
  });

  test('a cache V8 rejects (corrupt) is ignored and rewritten', async () => {
    const w = world(OTLP);
    const file = codeCachePath(w.cacheDir, buildIdOf(readFileSync(BUNDLE, 'utf8'))!);
    const env = { HOME: w.home, K: 'k' };
    expect((await runCcOtel(['headers'], { cwd: w.proj, env })).code).toBe(0);
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 7));
    // and an older build's cache (an upgrade): removed when the new one is written
    writeTree(w.cacheDir, { 'v8/hot-00000000deadbeef-v20.0.0-x64.bin': 'old', 'v8/unrelated.txt': 'kept' });
    const r = await runCcOtel(['headers'], { cwd: w.proj, env });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe(`${JSON.stringify({ authorization: 'Bearer k' })}\n`);
    expect(readFileSync(file).equals(Buffer.alloc(good.length, 7))).toBe(false);
    expect(readdirSync(join(w.cacheDir, 'v8')).sort()).toEqual([basename(file), 'unrelated.txt']);
  });

  test('an unwritable cache dir costs nothing but the cache', async () => {
    const w = world(OTLP);
    writeTree(w.home, { '.cache': 'a file where the cache dir would be' });
    const r = await runCcOtel(['headers'], { cwd: w.proj, env: { HOME: w.home, K: 'k' } });
    expect(r.code, describeCcOtel(r)).toBe(0);
    expect(r.stdout).toBe(`${JSON.stringify({ authorization: 'Bearer k' })}\n`);
    expect(r.stderr).toBe('');
  });

  test('a cache made by `headers` serves a hook whose shipper branch was never compiled: the shipper starts and ships', async () => {
    const got: string[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      req.resume();
      req.on('end', () => {
        got.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const w = world({ backend: 'local', endpoint: `http://127.0.0.1:${port}` });
      const env = { HOME: w.home };
      expect((await runCcOtel(['headers'], { cwd: w.proj, env })).code).toBe(0);
      expect(readdirSync(join(w.cacheDir, 'v8'))).toHaveLength(1);
      const input = JSON.stringify({ session_id: 's-cache', hook_event_name: 'Stop', cwd: w.proj });
      const r = await runCcOtel(['hook', 'stop'], { cwd: w.proj, env: { ...env, CLAUDE_PROJECT_DIR: w.proj }, input });
      expect(r.code, describeCcOtel(r)).toBe(0);
      expect(r.stderr).toBe('');
      const deadline = Date.now() + 15_000;
      while (!got.includes('/v1/logs') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(got).toContain('/v1/logs');
      expect(existsSync(w.errorLog) ? readFileSync(w.errorLog, 'utf8') : '').not.toMatch(/could not start the background shipper/);
    } finally {
      server.close();
    }
  });
});
