// Baseline: proves the real-peer harness (real Claude Code binary, mock model API, independent OTLP
// receiver) and re-measures the facts cc-otel is built on (docs: claude-code-facts.md §1–§3, §6):
//  (a) settings `env` + `otelHeadersHelper` configure Claude Code's own exporter;
//  (b) a SessionStart hook's `$CLAUDE_ENV_FILE` reaches Bash tool commands — but OTEL_* written there
//      do NOT configure Claude Code's exporter.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeRun, runClaude, writeClaudeSettings } from '../helpers/claude.js';
import { startMockModelApi } from '../helpers/mock-model-api.js';
import type { MockModelApi } from '../helpers/mock-model-api.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver, Signal } from '../helpers/otlp-receiver.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const E2E_TIMEOUT = 60_000;
const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

describe('Claude Code baseline (real client)', () => {
  const cleanups: Array<() => unknown> = [];
  const tempDir = (prefix: string): TempDir => {
    const dir = makeTempDir(prefix);
    cleanups.push(() => dir.cleanup());
    return dir;
  };

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  describe('(a) settings env + otelHeadersHelper', () => {
    let api: MockModelApi;
    let rx: OtlpReceiver;
    beforeAll(async () => {
      api = await startMockModelApi({ bashCommand: 'echo baseline' });
      rx = await startOtlpReceiver();
      cleanups.push(() => api.close(), () => rx.close());
    });

    test('traces, logs and metrics arrive with the helper header and the resource attributes', async () => {
      const home = tempDir('cc-otel-e2e-home').path;
      const cwd = tempDir('cc-otel-e2e-proj').path;
      const [helper] = writeTree(home, {
        'bin/otel-headers.sh': { content: `#!/bin/sh\nprintf '%s\\n' '{"authorization":"Bearer test-key"}'\n`, mode: 0o755 },
      });
      writeClaudeSettings(home, {
        otelHeadersHelper: helper,
        env: {
          CLAUDE_CODE_ENABLE_TELEMETRY: '1',
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_TRACES_EXPORTER: 'otlp',
          CLAUDE_CODE_ENHANCED_TELEMETRY_BETA: '1',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
          OTEL_LOGS_EXPORT_INTERVAL: '1000',
          OTEL_TRACES_EXPORT_INTERVAL: '1000',
          OTEL_RESOURCE_ATTRIBUTES: 'team=platform,engineer=ada',
        },
      });

      const run = await runClaude({ home, cwd, prompt: 'run the baseline command', modelApiUrl: api.url });
      expect(run.code, describeRun(run)).toBe(0);

      // The mock drove a real tool round trip.
      expect(api.requests.some((r) => r.method === 'HEAD' && r.path === '/')).toBe(true);
      expect(api.responses.map((r) => r.kind)).toEqual(expect.arrayContaining(['tool_use', 'final_text']));
      for (const r of api.messageRequests()) expect(r.headers['x-api-key']).toBe('sk-test');

      await rx.waitFor(
        (x) =>
          SIGNALS.every((s) => x.bySignal(s).some((r) => r.status === 200)) &&
          x.metricNames().includes('claude_code.token.usage') &&
          x.logEventNames().includes('api_request') &&
          x.spanNames().includes('claude_code.interaction'),
        15_000,
        'all three signals, incl. token.usage, api_request and the interaction span',
      );

      for (const rec of rx.requests) {
        const where = `${rec.signal} export #${rec.index}`;
        expect(rec.protocol, where).toBe('http/protobuf');
        expect(rec.status, where).toBe(200);
        expect(rec.headers.authorization, where).toBe('Bearer test-key');
        expect(rx.resourceAttributes(rec), where).toMatchObject({
          team: 'platform',
          engineer: 'ada',
          'service.name': 'claude-code',
          'service.version': '2.1.197',
        });
      }

      expect(rx.metricNames()).toEqual(
        expect.arrayContaining(['claude_code.session.count', 'claude_code.token.usage', 'claude_code.cost.usage']),
      );
      // Event name: attribute `event.name` = `api_request`; the body = `claude_code.api_request`.
      expect(rx.logEventNames()).toEqual(expect.arrayContaining(['user_prompt', 'api_request', 'tool_result']));
      const apiRequest = rx.logs().find((l) => l.eventName === 'api_request');
      expect(apiRequest?.body).toBe('claude_code.api_request');
      expect(apiRequest?.attributes).toMatchObject({ team: 'platform', engineer: 'ada' });
      expect(rx.spanNames()).toEqual(
        expect.arrayContaining(['claude_code.interaction', 'claude_code.llm_request', 'claude_code.tool']),
      );

      // Claude Code's token.usage adds up exactly to the usage the mock handed out.
      const tokens = (type: string) =>
        rx.dataPoints('claude_code.token.usage').filter((d) => d.attributes.type === type).reduce((n, d) => n + d.value, 0);
      const handedOut = api.totals();
      expect({
        input: tokens('input'),
        output: tokens('output'),
        cacheRead: tokens('cacheRead'),
        cacheCreation: tokens('cacheCreation'),
      }).toEqual({
        input: handedOut.input_tokens,
        output: handedOut.output_tokens,
        cacheRead: handedOut.cache_read_input_tokens,
        cacheCreation: handedOut.cache_creation_input_tokens,
      });
    }, E2E_TIMEOUT);
  });

  describe('(b) SessionStart hook → $CLAUDE_ENV_FILE', () => {
    let api: MockModelApi;
    let rx: OtlpReceiver;
    let cwd: string;
    let outFile: string;
    beforeAll(async () => {
      cwd = tempDir('cc-otel-e2e-proj').path;
      outFile = join(cwd, 'hook-env.txt');
      api = await startMockModelApi({
        bashCommand: `echo "FOO=$FOO_FROM_HOOK" > '${outFile}'; echo "ENDPOINT=$OTEL_EXPORTER_OTLP_ENDPOINT" >> '${outFile}'`,
      });
      rx = await startOtlpReceiver();
      cleanups.push(() => api.close(), () => rx.close());
    });

    test('the env file reaches Bash commands, but OTEL_* written there configure no exporter', async () => {
      const home = tempDir('cc-otel-e2e-home').path;
      const otelSet = {
        CLAUDE_CODE_ENABLE_TELEMETRY: '1',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_LOGS_EXPORT_INTERVAL: '1000',
      };
      const lines = [
        `export FOO_FROM_HOOK='hello'`,
        ...Object.entries(otelSet).map(([k, v]) => `export ${k}='${v}'`),
      ];
      const [hook] = writeTree(home, {
        'bin/session-start.sh': {
          content: `#!/bin/sh\ncat >> "$CLAUDE_ENV_FILE" <<'EOF'\n${lines.join('\n')}\nEOF\n`,
          mode: 0o755,
        },
      });
      writeClaudeSettings(home, {
        hooks: { SessionStart: [{ matcher: 'startup', hooks: [{ type: 'command', command: hook, timeout: 10 }] }] },
      });

      const run = await runClaude({ home, cwd, prompt: 'show the hook env', modelApiUrl: api.url });
      expect(run.code, describeRun(run)).toBe(0);
      expect(api.responses.map((r) => r.kind)).toEqual(expect.arrayContaining(['tool_use', 'final_text']));

      expect(readFileSync(outFile, 'utf8')).toBe(`FOO=hello\nENDPOINT=${rx.url}\n`);
      // Claude Code has exited, so its shutdown flush is over: nothing can still be on its way.
      expect(rx.requests, rx.summary()).toHaveLength(0);
    }, E2E_TIMEOUT);
  });
});
