// `cc-otel dashboard`'s plan: the URL of the running collector's dashboard (loopback whatever it
// listens on), opened with the platform's opener when there is a display, printed otherwise.
import { describe, expect, it } from 'vitest';
import type { CollectorStatus } from '../../../src/collector/daemon.js';
import { planDashboard } from '../../../src/dashboard/open.js';

const status = (host: string, running = true): CollectorStatus => ({
  dataDir: '/d',
  running,
  pid: running ? 123 : undefined,
  stale: false,
  state: running ? { pid: 123, host, httpPort: 4318, grpcPort: null, dataDir: '/d', startedAt: '2025-01-01T00:00:00.000Z' } : undefined,
  segments: 1,
  bytesOnDisk: 0,
  freeBytes: undefined,
  maxDiskBytes: undefined,
  retainMs: undefined,
  full: undefined,
  dropped: undefined,
});

describe('planDashboard', () => {
  it('opens with xdg-open on a Linux desktop, open on macOS; prints over SSH, without a display, on Windows, with --print', () => {
    const st = status('127.0.0.1');
    expect(planDashboard(st, { DISPLAY: ':0' }, 'linux', { print: false })).toEqual({ url: 'http://127.0.0.1:4318/', open: 'xdg-open' });
    expect(planDashboard(st, { WAYLAND_DISPLAY: 'wayland-0' }, 'linux', { print: false }).open).toBe('xdg-open');
    expect(planDashboard(st, {}, 'darwin', { print: false }).open).toBe('open');
    expect(planDashboard(st, { SSH_CONNECTION: '1 2 3 4' }, 'darwin', { print: false })).toMatchObject({ open: undefined, printedBecause: 'an SSH session' });
    expect(planDashboard(st, { SSH_TTY: '/dev/pts/1' }, 'linux', { print: false })).toMatchObject({ open: undefined, printedBecause: 'an SSH session without a display' });
    expect(planDashboard(st, {}, 'linux', { print: false }).printedBecause).toMatch(/no display/);
    expect(planDashboard(st, {}, 'win32', { print: false }).open).toBeUndefined();
    expect(planDashboard(st, { DISPLAY: ':0' }, 'linux', { print: true })).toMatchObject({ open: undefined, printedBecause: '--print' });
  });

  it('the URL is loopback: 127.0.0.1 for --listen 0.0.0.0 (the dashboard answers this machine only), [::1] for ::1', () => {
    expect(planDashboard(status('0.0.0.0'), {}, 'linux', { print: true }).url).toBe('http://127.0.0.1:4318/');
    expect(planDashboard(status('127.0.0.2'), {}, 'linux', { print: true }).url).toBe('http://127.0.0.2:4318/');
    expect(planDashboard(status('::1'), {}, 'linux', { print: true }).url).toBe('http://[::1]:4318/');
  });

  it('no collector: an IO error with the command that starts one', () => {
    expect(() => planDashboard(status('', false), {}, 'linux', { print: true, dataDirFlag: '/d' })).toThrow(
      expect.objectContaining({ code: 'IO', message: 'no collector is running for /d', hint: expect.stringContaining('cc-otel collect --detach --data-dir /d') }),
    );
  });
});
