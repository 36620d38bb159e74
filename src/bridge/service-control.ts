/**
 * Talking to the user service manager (systemctl --user / launchctl), bounded by a timeout; never
 * throws. Kept apart from the pure plan in service.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Context } from '../context.js';
import type { ServicePlan } from './service.js';

export interface Ran {
  ok: boolean;
  stdout: string;
  /** first line of stderr, or why it could not run */
  error: string;
}

export function run(argv: readonly string[], env: Context['env'], timeoutMs = 5000): Ran {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { env: env as NodeJS.ProcessEnv, timeout: timeoutMs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { ok: false, stdout: '', error: code === 'ENOENT' ? `${cmd} is not installed` : code === 'ETIMEDOUT' ? `${cmd} did not answer in ${timeoutMs} ms` : r.error.message };
  }
  return { ok: r.status === 0, stdout: r.stdout ?? '', error: (r.stderr ?? '').trim().split('\n')[0] || (r.status === 0 ? '' : `${cmd} exited ${r.status ?? r.signal}`) };
}

/** Is there a user service manager to talk to? undefined = yes; else why not. */
export function managerProblem(ctx: Pick<Context, 'env' | 'platform'>, plan: Pick<ServicePlan, 'manager'>, uid: number): string | undefined {
  if (ctx.platform !== 'linux' && ctx.platform !== 'darwin') return `no user service manager on ${ctx.platform} (cc-otel knows systemd on Linux and launchd on macOS)`;
  const probe = plan.manager === 'systemd' ? ['systemctl', '--user', 'show-environment'] : ['launchctl', 'print', `gui/${uid}`];
  const r = run(probe, ctx.env);
  return r.ok ? undefined : `${probe.join(' ')}: ${r.error}`;
}

export type ServiceState = { installed: boolean; file: string; manager: ServicePlan['manager']; running: boolean | null; detail: string };

/** Installed (the file) and running (the manager says so; null when there is no manager to ask). */
export function serviceState(ctx: Pick<Context, 'env' | 'platform'>, plan: ServicePlan, uid: number): ServiceState {
  const installed = existsSync(plan.file);
  const problem = managerProblem(ctx, plan, uid);
  if (problem) return { installed, file: plan.file, manager: plan.manager, running: null, detail: problem };
  const q = run(plan.query, ctx.env);
  if (plan.manager === 'systemd') {
    const state = q.stdout.trim() || q.error;
    return { installed, file: plan.file, manager: plan.manager, running: state === 'active', detail: `systemctl --user is-active: ${state}` };
  }
  const m = /^\s*state = (\S+)/m.exec(q.stdout);
  return { installed, file: plan.file, manager: plan.manager, running: q.ok && m?.[1] === 'running', detail: q.ok ? `launchd state ${m?.[1] ?? 'unknown'}` : 'not loaded in launchd' };
}
