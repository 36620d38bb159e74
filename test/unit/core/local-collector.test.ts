// The local preset's lookup of the running collector (src/backends/local.ts): collector.json as a
// real collector writes it, and what must never be trusted or block on the hot path — a symlink, a
// FIFO, garbage, a pid that is gone.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectorUrl, local, readLocalCollector } from '../../../src/backends/local.js';
import { startCollector } from '../../../src/collector/collector.js';
import { STATE_FILE } from '../../../src/collector/store.js';
import { makeTempDir } from '../../helpers/tmp.js';

const tmp = makeTempDir('cc-otel-local-collector');
afterAll(() => tmp.cleanup());
const dir = (name: string) => {
  const d = join(tmp.path, name);
  mkdirSync(d, { recursive: true });
  return d;
};
const state = (over: Record<string, unknown> = {}) => JSON.stringify({ pid: process.pid, host: '127.0.0.1', httpPort: 14318, grpcPort: 14317, dataDir: '/x', startedAt: 'now', ...over });

describe('readLocalCollector', () => {
  it('reads the state file a real collector writes (port 0), and nothing once it has stopped', async () => {
    const d = dir('real');
    const c = await startCollector({ dataDir: d, httpPort: 0, grpcPort: 0 });
    try {
      const found = readLocalCollector(d);
      expect(found).toEqual({ stateFile: join(d, STATE_FILE), pid: process.pid, host: '127.0.0.1', httpPort: c.httpPort, grpcPort: c.grpcPort });
      expect(local.baseUrl({}, 'http/protobuf', { localCollector: found })).toBe(c.httpUrl);
      expect(local.baseUrl({}, 'grpc', { localCollector: found })).toBe(`http://127.0.0.1:${c.grpcPort}`);
      expect(local.baseUrl({ endpoint: 'http://10.0.0.2:4318' }, 'http/protobuf', { localCollector: found })).toBe('http://10.0.0.2:4318');
    } finally {
      await c.close();
    }
    expect(readLocalCollector(d)).toBeUndefined();
    expect(local.baseUrl({}, 'http/json', {})).toBe('http://127.0.0.1:4318');
  });

  it('a dead pid, garbage, a symlink or a FIFO: undefined, without blocking', () => {
    const gone = dir('gone');
    writeFileSync(join(gone, STATE_FILE), state({ pid: spawnSync(process.execPath, ['-e', '']).pid }));
    expect(readLocalCollector(gone)).toBeUndefined();

    const junk = dir('junk');
    for (const text of ['not json', '[]', 'null', state({ httpPort: 'x' }), state({ httpPort: 70000 }), state({ pid: 'me' })]) {
      writeFileSync(join(junk, STATE_FILE), text);
      expect(readLocalCollector(junk), text).toBeUndefined();
    }

    const link = dir('link');
    writeFileSync(join(tmp.path, 'elsewhere.json'), state());
    symlinkSync(join(tmp.path, 'elsewhere.json'), join(link, STATE_FILE));
    expect(readLocalCollector(link)).toBeUndefined();

    if (process.platform !== 'win32') {
      const fifo = dir('fifo');
      execFileSync('mkfifo', [join(fifo, STATE_FILE)]);
      expect(readLocalCollector(fifo)).toBeUndefined();
    }
    expect(readLocalCollector(join(tmp.path, 'missing'))).toBeUndefined();
  });

  it('a wildcard listen address is reached on loopback; no gRPC port → no gRPC URL (the preset falls back to :4317)', () => {
    const wild = dir('wild');
    writeFileSync(join(wild, STATE_FILE), state({ host: '0.0.0.0', grpcPort: null }));
    const c = readLocalCollector(wild)!;
    expect(collectorUrl(c, 'http/protobuf')).toBe('http://127.0.0.1:14318');
    expect(collectorUrl(c, 'grpc')).toBeUndefined();
    expect(local.baseUrl({}, 'grpc', { localCollector: c })).toBe('http://127.0.0.1:4317');
    expect(collectorUrl({ ...c, host: '::' }, 'http/json')).toBe('http://[::1]:14318');
    expect(collectorUrl({ ...c, host: '::1' }, 'http/json')).toBe('http://[::1]:14318');
    expect(collectorUrl({ ...c, host: '192.168.1.5' }, 'http/json')).toBe('http://192.168.1.5:14318');
  });
});
