/**
 * `cc-otel dashboard`: which URL the running collector serves its dashboard on, and whether to
 * open it in a browser here (a desktop session) or print it (SSH, a headless box, --print).
 */
import { CcOtelError } from '../errors.js';
import type { CollectorStatus } from '../collector/daemon.js';
import type { Env } from '../context.js';

export interface DashboardPlan {
  url: string;
  /** the opener to run with the URL; undefined: print it only */
  open: 'xdg-open' | 'open' | undefined;
  /** why it is printed, not opened (undefined when opened) */
  printedBecause?: string;
}

/** The dashboard's URL from a collector's state: loopback only (the dashboard answers nothing else). */
export function dashboardUrl(st: CollectorStatus): string {
  const s = st.state!;
  const host = s.host === '::1' || s.host === '[::1]' ? '[::1]' : s.host.startsWith('127.') ? s.host : '127.0.0.1';
  return `http://${host}:${s.httpPort}/`;
}

/** `dataDirFlag`: the --data-dir given (the hint repeats it). */
export function planDashboard(st: CollectorStatus, env: Env, platform: NodeJS.Platform, opts: { print: boolean; dataDirFlag?: string }): DashboardPlan {
  if (!st.running || !st.state) {
    throw new CcOtelError('IO', `no collector is running for ${st.dataDir}${st.stale ? ' (its pid file is stale: it crashed or was killed)' : ''}`, {
      hint: `start one: \`cc-otel collect --detach${opts.dataDirFlag ? ` --data-dir ${opts.dataDirFlag}` : ''}\`, then \`cc-otel dashboard\` again`,
    });
  }
  const url = dashboardUrl(st);
  if (opts.print) return { url, open: undefined, printedBecause: '--print' };
  const ssh = Boolean(env.SSH_CONNECTION || env.SSH_TTY);
  if (platform === 'darwin') return ssh ? { url, open: undefined, printedBecause: 'an SSH session' } : { url, open: 'open' };
  if (platform === 'win32') return { url, open: undefined, printedBecause: 'no opener on this platform' };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { url, open: undefined, printedBecause: ssh ? 'an SSH session without a display' : 'no display ($DISPLAY / $WAYLAND_DISPLAY unset)' };
  return { url, open: 'xdg-open' };
}
