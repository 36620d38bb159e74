// Real-world-shaped settings files for the install → uninstall round trips.
import { eventHook, sessionStartHook } from '../../../src/claude/hook-entries.js';
import type { InstallEdit } from '../../../src/claude/settings-edit.js';

export const OTHER_TOOL_HOOKS = `{
  "permissions": {
    "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
    "deny": []
  },
  "hooks": {
    "SessionStart": [
      {
        "matcher": "startup",
        "hooks": [
          {
            "type": "command",
            "command": "$CLAUDE_PROJECT_DIR/.claude/hooks/load-context.sh"
          }
        ]
      }
    ],
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [{ "type": "command", "command": "npx prettier --write \\"$FILE\\"" }]
      }
    ]
  }
}
`;

/** name → file content (null: no file) */
export const STARTING_FILES: Record<string, string | null> = {
  missing: null,
  'empty {}': '{}\n',
  '{} without final newline': '{}',
  '{ } with inner space': '{ }\n',
  '4-space indent with env keys': '{\n    "model": "opus",\n    "env": {\n        "HTTPS_PROXY": "http://proxy:3128",\n        "DISABLE_AUTOUPDATER": "1"\n    }\n}\n',
  'tab indent': '{\n\t"includeCoAuthoredBy": false,\n\t"statusLine": {\n\t\t"type": "command",\n\t\t"command": "~/.claude/statusline.sh"\n\t}\n}\n',
  'existing SessionStart hooks from another tool': OTHER_TOOL_HOOKS,
  'one-line JSON, unicode keys, nested arrays': '{"ünïcødé":"日本語","🙂":[[1,[2,[]]],{"a":[]}],"env":{}}',
  'CRLF line endings': '{\r\n  "model": "sonnet",\r\n  "env": {\r\n    "FOO": "bar"\r\n  }\r\n}\r\n',
  'odd but valid spacing': '{ "env" : { "FOO" : "1" } ,\n  "cleanupPeriodDays":  30 }',
  'empty env and hooks objects': '{\n  "env": {},\n  "hooks": {}\n}\n',
  'UTF-8 BOM (Windows editors)': '\uFEFF{\n  "model": "opus",\n  "env": {\n    "FOO": "1"\n  }\n}\n',
  'escaped strings': '{\n  "env": {\n    "PATH_HINT": "C:\\\\tools\\\\bin",\n    "GREETING": "caf\\u00e9 \\"quoted\\""\n  }\n}\n',
};

export const INSTALL: InstallEdit = {
  action: 'install',
  env: {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_RESOURCE_ATTRIBUTES: 'team=platform,engineer=ada',
  },
  otelHeadersHelper: '/usr/local/bin/cc-otel headers',
  hooks: [sessionStartHook('/usr/local/bin/cc-otel hook session-start'), eventHook('PostToolUse', '/usr/local/bin/cc-otel hook post-tool-use'), eventHook('Stop', '/usr/local/bin/cc-otel hook stop')],
};
