// How the real Claude Code reads OTEL_EXPORTER_OTLP_HEADERS — the facts behind src/otel/headers.ts
// (raw values, not percent-encoded) and verify's staticHeadersAsSent (src/verify/lint.ts):
//  - http/*: each value is sent VERBATIM (trimmed): `Basic%20abc%3D%3D` arrives as is, so a
//    percent-encoded `Authorization=Basic%20…` would be rejected; a raw space arrives intact.
//  - grpc: values are percent-decoded (the SDK parser), `;…` properties cut.
//  - a value that does not percent-decode (a stray `%`): nothing is exported at all.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeRun, runClaude } from '../helpers/claude.js';
import { startMockModelApi, type MockModelApi } from '../helpers/mock-model-api.js';
import { startGrpcReceiver, startHttpReceiver } from '../helpers/probe-receiver.js';
import { makeTempDir } from '../helpers/tmp.js';

const HEADERS = 'authorization=Basic%20abc%3D%3D,x-raw=Basic def==,x-prop=v;p=1';

describe('OTEL_EXPORTER_OTLP_HEADERS in the real Claude Code', () => {
  const cleanups: Array<() => unknown> = [];
  let api: MockModelApi;
  beforeAll(async () => {
    api = await startMockModelApi({ bashCommand: 'echo headers' });
    cleanups.push(() => api.close());
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function session(protocol: string, endpoint: string, headers: string) {
    const dir = makeTempDir('cc-otel-e2e-headers');
    cleanups.push(() => dir.cleanup());
    const home = join(dir.path, 'home');
    mkdirSync(home);
    return runClaude({
      home,
      cwd: dir.path,
      prompt: 'hi',
      modelApiUrl: api.url,
      env: {
        CLAUDE_CODE_ENABLE_TELEMETRY: '1',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_HEADERS: headers,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_LOGS_EXPORT_INTERVAL: '1000',
      },
    });
  }

  test('http/protobuf sends values verbatim; grpc decodes them; a stray % stops every export', async () => {
    const http = await startHttpReceiver();
    const grpc = await startGrpcReceiver();
    const stray = await startHttpReceiver();
    cleanups.push(() => http.close(), () => grpc.close(), () => stray.close());
    const runs = await Promise.all([
      session('http/protobuf', http.url, HEADERS),
      session('grpc', grpc.url, HEADERS),
      session('http/protobuf', stray.url, 'x-raw=ok,x-pct=100%'),
    ]);
    for (const r of runs) expect(r.code, describeRun(r)).toBe(0);

    expect(http.requests.length, describeRun(runs[0]!)).toBeGreaterThan(0);
    for (const q of http.requests) {
      expect(q.headers.authorization).toBe('Basic%20abc%3D%3D');
      expect(q.headers['x-raw']).toBe('Basic def==');
      expect(q.headers['x-prop']).toBe('v;p=1');
    }
    expect(grpc.calls.length, describeRun(runs[1]!)).toBeGreaterThan(0);
    for (const c of grpc.calls) {
      expect(c.metadata.authorization).toBe('Basic abc==');
      expect(c.metadata['x-raw']).toBe('Basic def==');
      expect(c.metadata['x-prop']).toBe('v');
    }
    expect(stray.requests).toEqual([]);
  }, 90_000);
});
