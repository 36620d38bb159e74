/**
 * `cc-otel bridge install|uninstall|status`: the bridge as a user service — a systemd user unit on
 * Linux, a launchd agent on macOS — running `<node> <cc-otel real path> bridge --interval 30s`, with
 * both paths absolute and resolved as `cc-otel install` resolves them (install-plan.ts). The plan
 * is pure (file path + content + the commands to run); the command runs them.
 */
import { join } from 'node:path';
import type { Context } from '../context.js';
import { quoteArg } from '../claude/quote-arg.js';

export const SYSTEMD_UNIT = 'cc-otel-bridge.service';
export const LAUNCHD_LABEL = 'dev.cc-otel.bridge';

export interface ServiceRequest {
  execPath: string;
  /** the cc-otel script's real path (ccOtelScriptPath) */
  script: string;
  interval: string;
  /** PATH for the service: the key chain's CLIs (op, gcloud) must be found there */
  path: string | undefined;
  /** for the launchd agent's log */
  stateDir: string;
  /** cc-otel's config dir: the optional bridge.env beside config.json */
  configDir: string;
  uid: number;
}

export interface ServicePlan {
  manager: 'systemd' | 'launchd';
  file: string;
  content: string;
  /** argv of the bridge itself (what to run by hand without a service manager) */
  argv: string[];
  /** commands that load/start it, and stop/unload it (argv each) */
  start: string[][];
  stop: string[][];
  /** is it running: argv, and how to read the answer */
  query: string[];
}

/** systemd's command-line quoting (systemd.service "Command lines"): specifiers `%` and `$` escaped. */
export function systemdWord(arg: string): string {
  const esc = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_/.,:@+=%$-]+$/.test(esc)) return esc;
  return `"${esc.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * V8 flags of the service: a young generation of at most 4 MiB instead of 16 keeps the long-running
 * bridge's peak RSS down (bench/sessions.mjs, 200 manifests: ~99 → ~81 MB; 1 MiB gave ~74 MB but
 * several ms more GC per tick). Measured too: --lite-mode reaches ~60 MB but ~25 ms CPU per tick
 * (no optimizing compiler), --no-opt ~72 MB / ~17 ms; importing sdk-metrics + the OTLP/proto
 * exporter alone takes a bare node from ~41 to ~61 MB.
 */
export const BRIDGE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

export function bridgeArgv(r: Pick<ServiceRequest, 'execPath' | 'script' | 'interval'>): string[] {
  return [r.execPath, ...BRIDGE_NODE_FLAGS, r.script, 'bridge', '--interval', r.interval];
}

export function userServiceDir(ctx: Pick<Context, 'env' | 'homeDir' | 'platform'>): string {
  if (ctx.platform === 'darwin') return join(ctx.homeDir, 'Library', 'LaunchAgents');
  const x = ctx.env.XDG_CONFIG_HOME;
  return join(x && x.startsWith('/') ? x : join(ctx.homeDir, '.config'), 'systemd', 'user');
}

export function planService(ctx: Pick<Context, 'env' | 'homeDir' | 'platform'>, r: ServiceRequest): ServicePlan {
  const argv = bridgeArgv(r);
  const dir = userServiceDir(ctx);
  if (ctx.platform === 'darwin') {
    const file = join(dir, `${LAUNCHD_LABEL}.plist`);
    const log = join(r.stateDir, 'bridge.log');
    const content = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`cc-otel bridge install\`; remove with \`cc-otel bridge uninstall\`. -->
<plist version="1.0">
<dict>
  <key>Label</key><string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${argv.map((a) => `    <string>${xml(a)}</string>`).join('\n')}
  </array>
${r.path ? `  <key>EnvironmentVariables</key>\n  <dict><key>PATH</key><string>${xml(r.path)}</string></dict>\n` : ''}  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
  <key>ThrottleInterval</key><integer>30</integer>
  <key>StandardOutPath</key><string>/dev/null</string>
  <key>StandardErrorPath</key><string>${xml(log)}</string>
</dict>
</plist>
`;
    const target = `gui/${r.uid}`;
    return {
      manager: 'launchd',
      file,
      content,
      argv,
      start: [['launchctl', 'bootstrap', target, file]],
      stop: [['launchctl', 'bootout', `${target}/${LAUNCHD_LABEL}`]],
      query: ['launchctl', 'print', `${target}/${LAUNCHD_LABEL}`],
    };
  }
  const file = join(dir, SYSTEMD_UNIT);
  const content = `# Written by \`cc-otel bridge install\`; remove with \`cc-otel bridge uninstall\`.
[Unit]
Description=cc-otel session bridge: live Claude Code sessions as metrics (cc.sessions.*)
After=network-online.target

[Service]
Type=simple
ExecStart=${argv.map(systemdWord).join(' ')}
${r.path ? `Environment=${systemdWord(`PATH=${r.path}`)}\n` : ''}# Variables the key chain reads (env:NAME refs), one NAME=value a line; optional.
EnvironmentFile=-${systemdWord(join(r.configDir, 'bridge.env'))}
Restart=on-failure
RestartSec=30
NoNewPrivileges=yes

[Install]
WantedBy=default.target
`;
  return {
    manager: 'systemd',
    file,
    content,
    argv,
    start: [['systemctl', '--user', 'daemon-reload'], ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT]],
    stop: [['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT], ['systemctl', '--user', 'daemon-reload']],
    query: ['systemctl', '--user', 'is-active', SYSTEMD_UNIT],
  };
}

/** The command to run by hand, for a person (shell-quoted). */
export const shellLine = (argv: readonly string[], platform: NodeJS.Platform): string => argv.map((a) => quoteArg(a, platform)).join(' ');
