/**
 * The hook's side of shipping: no network, no OTel — at most a detached `cc-otel __ship <log>`.
 *
 * Nothing is left behind by the hand-over, because both sides check in the opposite order:
 *   hook:    append the line → look for a live shipper (lock) → none: start one
 *   shipper: ship → release the lock → look for bytes it has not shipped → some: take the lock again
 * Whichever runs second sees the other's step, so a line appended while a shipper is finishing is
 * either shipped by it or starts a new one.
 */
import { lockHeld } from './lock.js';
import type { EventLogPaths } from './paths.js';
import { readShipState } from './ship-state.js';

/** A shipper that has not refreshed its lock for this long is considered hung. */
export const SHIP_LOCK_STALE_MS = 10 * 60_000;

export type TriggerOutcome = 'running' | 'backoff' | 'started' | 'spawn-failed';

export interface TriggerInput {
  paths: EventLogPaths;
  now: number;
  /** SessionEnd ignores the back-off: it is the session's last chance to ship from this machine */
  force: boolean;
  cliPath: string;
  env: Readonly<Record<string, string | undefined>>;
}

export async function triggerShipper(t: TriggerInput): Promise<TriggerOutcome> {
  if (lockHeld(t.paths.shipLock, t.now, SHIP_LOCK_STALE_MS)) return 'running';
  if (!t.force) {
    const st = readShipState(t.paths.state);
    if (st.retryAt !== undefined && st.retryAt > t.now) return 'backoff';
  }
  try {
    // Loaded only here: node:child_process costs a few ms, and most hooks find a shipper running.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [t.cliPath, '__ship', t.paths.log], { detached: true, stdio: 'ignore', env: shipperEnv(t.env), windowsHide: true });
    child.on('error', () => {});
    child.unref();
    return 'started';
  } catch {
    return 'spawn-failed';
  }
}

/**
 * The shipper's environment: the hook's, minus OTEL_EXPORTER_OTLP_* — the OTel exporters fall back
 * to those variables, and the shipper must send exactly where cc-otel's config says.
 */
export function shipperEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !k.startsWith('OTEL_EXPORTER_OTLP_')) out[k] = v;
  return out;
}
