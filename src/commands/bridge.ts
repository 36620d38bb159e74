/**
 * `cc-otel bridge`: live Claude Code sessions (their manifests) as metrics, exported to the
 * configured backend — see docs/sessions.md and src/bridge/.
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { CcOtelError } from '../errors.js';
import { NOT_CONFIGURED_HINT } from './env.js';

interface BridgeCliOptions {
  once?: boolean;
  interval: string;
  grace: string;
  timeout: number;
  json?: boolean;
}

export function define(program: Command, getCtx: () => Context, version: string): void {
  const bridge = program
    .command('bridge')
    .description('export live Claude Code sessions as metrics (cc.sessions.active, .stale, .silent, cc.session.started) to your backend')
    .option('--once', 'one tick: read the manifests, export, exit (exit 1 when the export failed)')
    .option('--interval <duration>', 'time between ticks, e.g. 30s, 1m', '30s')
    .option('--grace <duration>', 'a live session with no Claude Code telemetry this long is silent (embedded collector only)', '5m')
    .addOption(new Option('--timeout <ms>', 'per export, retries included').argParser((v) => Number(v)).default(10_000))
    .option('--json', 'print each tick as one JSON line')
    .addHelpText(
      'after',
      `
Same destination, auth header (key chain + cache), temporality and resource attributes (engineer,
team, org, detectors) as Claude Code's own telemetry; service.name cc-otel-bridge. Reads
~/.claude/sessions (never writes there); counted session ids: <state dir>/bridge-sessions.json (0600).
Prometheus names: cc_sessions_active, cc_sessions_stale, cc_session_started_total,
cc_sessions_silent (backend = cc-otel collect) or cc_session_alive{session_id} (elsewhere).
Run it as a user service: cc-otel bridge install. Docs: docs/sessions.md.`,
    )
    .action(async (o: BridgeCliOptions) => {
      const ctx = getCtx();
      const { parseDuration } = await import('../collector/disk-budget.js');
      const intervalMs = parseDuration(o.interval);
      const graceMs = parseDuration(o.grace);
      if (!Number.isInteger(o.timeout) || o.timeout < 100) throw new CcOtelError('USAGE', `--timeout must be an integer ≥ 100 (ms), got "${String(o.timeout)}"`);
      const { openBridge, describeTick } = await import('../bridge/run.js');
      const b = await openBridge({ ctx, version, timeoutMs: o.timeout, graceMs, notConfiguredHint: NOT_CONFIGURED_HINT });
      const print = (r: Awaited<ReturnType<typeof b.tick>>) => {
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        else process.stdout.write(describeTick(r) + '\n');
      };
      if (o.once) {
        try {
          const r = await b.tick();
          print(r);
          if (!r.export.ok) throw new CcOtelError('CHECK_FAILED', `the session metrics were not delivered to ${r.endpoint}: ${r.export.error}`, { hint: 'check the endpoint and key with `cc-otel verify`' });
        } finally {
          await b.close();
        }
        return;
      }
      // Until SIGINT/SIGTERM: a failed tick is reported on stderr and retried at the next one.
      let stop: () => void = () => {};
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      process.once('SIGINT', () => stop());
      process.once('SIGTERM', () => stop());
      let done = false;
      void stopped.then(() => (done = true));
      let first = true;
      while (!done) {
        try {
          const r = await b.tick();
          print(r);
          if (!r.export.ok) ctx.log.warn(`bridge: not delivered to ${r.endpoint}: ${r.export.error} (next try in ${o.interval})`);
        } catch (e) {
          // No usable configuration at the start: say so and exit 2 (a service manager restarts it);
          // once running, a config edited into a bad state is reported and retried.
          if (first && e instanceof CcOtelError && e.exitCode === 2) {
            await b.close();
            throw e;
          }
          ctx.log.warn(`bridge: ${(e as Error).message}${(e as CcOtelError).hint ? ` — ${(e as CcOtelError).hint}` : ''} (next try in ${o.interval})`);
        }
        first = false;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([stopped, new Promise<void>((r) => (timer = setTimeout(r, intervalMs)))]);
        clearTimeout(timer);
      }
      await b.close();
    });

  bridge
    .command('install')
    .description('run the bridge as a user service (systemd user unit on Linux, launchd agent on macOS)')
    .option('--interval <duration>', 'time between ticks', '30s')
    .option('--print', 'print the service file, write nothing')
    .action(async (o: { interval: string; print?: boolean }) => {
      const ctx = getCtx();
      const { parseDuration } = await import('../collector/disk-budget.js');
      parseDuration(o.interval);
      const s = await serviceModules(ctx, o.interval);
      if (o.print) {
        process.stdout.write(s.plan.content);
        return;
      }
      const problem = s.control.managerProblem(ctx, s.plan, s.uid);
      if (problem)
        throw new CcOtelError('CHECK_FAILED', `no user service manager to run the bridge (${problem}); nothing was written`, {
          hint: `run it yourself, e.g. in tmux or from your login script: ${s.service.shellLine(s.plan.argv, ctx.platform)}`,
        });
      const { writeFileAtomic } = await import('../fs/atomic-write.js');
      writeFileAtomic(s.plan.file, s.plan.content, { mode: 0o644, dirMode: 0o755 });
      for (const argv of s.plan.start) {
        const r = s.control.run(argv, ctx.env, 15_000);
        if (!r.ok) throw new CcOtelError('CHECK_FAILED', `wrote ${s.plan.file}, but \`${argv.join(' ')}\` failed: ${r.error}`, { hint: `fix that and run \`cc-otel bridge install\` again; or remove it with \`cc-otel bridge uninstall\`` });
      }
      const st = s.control.serviceState(ctx, s.plan, s.uid);
      process.stdout.write(`Installed ${s.plan.file} (${s.plan.manager}): runs ${s.service.shellLine(s.plan.argv, ctx.platform)}\n${st.running ? 'It is running.' : `It is not running yet (${st.detail}).`}\n`);
    });
  bridge
    .command('uninstall')
    .description('stop the bridge user service and remove its file')
    .action(async () => {
      const ctx = getCtx();
      const s = await serviceModules(ctx, '30s');
      const { existsSync, rmSync } = await import('node:fs');
      if (!existsSync(s.plan.file)) {
        process.stdout.write(`The bridge service is not installed (${s.plan.file} does not exist).\n`);
        return;
      }
      const notes: string[] = [];
      if (!s.control.managerProblem(ctx, s.plan, s.uid)) {
        // launchd must unload before the file goes; systemd disables first, reloads after.
        const [first, ...rest] = s.plan.stop;
        const r = s.control.run(first!, ctx.env, 15_000);
        if (!r.ok) notes.push(`\`${first!.join(' ')}\`: ${r.error}`);
        rmSync(s.plan.file, { force: true });
        for (const argv of rest) s.control.run(argv, ctx.env, 15_000);
      } else rmSync(s.plan.file, { force: true });
      process.stdout.write(`Removed ${s.plan.file}.${notes.length ? ` (${notes.join('; ')})` : ''}\n`);
    });
  bridge
    .command('status')
    .description('is the bridge user service installed and running?')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const ctx = getCtx();
      const s = await serviceModules(ctx, '30s');
      const st = s.control.serviceState(ctx, s.plan, s.uid);
      if (o.json) process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      else process.stdout.write(`${describeServiceState(st)}\n`);
    });
}

export function describeServiceState(st: import('../bridge/service-control.js').ServiceState): string {
  if (!st.installed) return `bridge service: not installed (cc-otel bridge install)${st.running ? ' — but one is running' : ''}`;
  return `bridge service: installed (${st.file}), ${st.running === null ? `state unknown: ${st.detail}` : st.running ? 'running' : `not running (${st.detail})`}`;
}

async function serviceModules(ctx: Context, interval: string) {
  const service = await import('../bridge/service.js');
  const control = await import('../bridge/service-control.js');
  const { ccOtelScriptPath } = await import('../claude/install-plan.js');
  const { userDirs } = await import('../config/dirs.js');
  const uid = process.getuid?.() ?? 0;
  const plan = service.planService(ctx, {
    execPath: process.execPath,
    script: ccOtelScriptPath({ execPath: process.execPath, script: process.argv[1] ?? '', platform: ctx.platform }),
    interval,
    path: ctx.env.PATH,
    stateDir: userDirs(ctx).state,
    configDir: userDirs(ctx).config,
    uid,
  });
  return { service, control, plan, uid };
}

/** For `cc-otel status`: the bridge service's state (never throws). */
export async function bridgeServiceStatus(ctx: Context): Promise<import('../bridge/service-control.js').ServiceState | { error: string }> {
  try {
    const s = await serviceModules(ctx, '30s');
    return s.control.serviceState(ctx, s.plan, s.uid);
  } catch (e) {
    return { error: (e as Error).message };
  }
}
