import { describe, expect, test } from 'vitest';
import { isSensitiveKey, redactSettingsText, sensitiveValues } from '../../../src/claude/sensitive-keys.js';

describe('isSensitiveKey', () => {
  test.each([
    ['ANTHROPIC_API_KEY', true],
    ['OPENAI_APIKEY', true],
    ['x-api-key', true],
    ['GITHUB_TOKEN', true],
    ['CLAUDE_CODE_OAUTH_TOKEN_FILE', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['DB_PASSWORD', true],
    ['OTEL_EXPORTER_OTLP_HEADERS', true],
    ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', true],
    ['Authorization', true],
    ['authorization', true],
    ['apiKeyHelper', true],
    ['SSH_KEY', true],
    ['CC_OTEL_KEY', false], // key references (env:NAME, op://…), never a key
    ['OTEL_EXPORTER_OTLP_ENDPOINT', false],
    ['HTTPS_PROXY', false],
    ['model', false],
    ['MONKEY', false],
  ])('%s → %s', (key, want) => {
    expect(isSensitiveKey(key)).toBe(want);
  });
});

describe('redactSettingsText', () => {
  test('by key name, whatever the value, on diff lines and one-line JSON', () => {
    const diff = [' {', '   "env": {', '-    "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer old-key-1",', '+    "OTEL_EXPORTER_OTLP_HEADERS": "x",', '     "ANTHROPIC_API_KEY": "sk-ant-TOPSECRET",', '     "FOO": "bar"'].join('\n');
    const out = redactSettingsText(diff);
    expect(out).not.toMatch(/old-key-1|TOPSECRET/);
    expect(out).toContain('"OTEL_EXPORTER_OTLP_HEADERS": "<redacted>"');
    expect(out).toContain('"FOO": "bar"');
    expect(redactSettingsText('{"env":{"GITHUB_TOKEN":"ghp_\\"x\\"y","A":"b"}}')).toBe('{"env":{"GITHUB_TOKEN":"<redacted>","A":"b"}}');
  });

  test("cc-otel's own helper command stays readable; another helper does not", () => {
    expect(redactSettingsText('"otelHeadersHelper": "/usr/bin/node /opt/cc-otel/bin/cc-otel.js headers"')).toContain('cc-otel.js headers');
    expect(redactSettingsText('"otelHeadersHelper": "echo {\\"a\\":\\"b\\"}"')).toBe('"otelHeadersHelper": "<redacted>"');
  });

  test('listed values anywhere (and JSON-escaped), longest first', () => {
    expect(redactSettingsText('a "tok\\"en-123" b tok"en-123', ['tok"en-123'])).toBe('a "<redacted>" b <redacted>');
  });

  test('sensitiveValues: strings at or under a sensitive key, not short flags', () => {
    const v = { env: { API_TOKEN: 'abcdefgh1', AUTH_MODE: 'on', FOO: 'not-a-secret' }, mcpServers: { x: { headers: { 'X-Thing': 'value-1234' } } } };
    expect(sensitiveValues(v).sort()).toEqual(['abcdefgh1', 'value-1234']);
  });
});
