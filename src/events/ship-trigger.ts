/**
 * The hook's side of shipping: no network, no OTel — at most a detached `cc-otel __ship <log>`.
 *
 * Nothing is left behind by the hand-over, because both sides check in the opposite order:
 *   hook:    append the line → look for a live shipper (lock) → none: start one
 *   shipper: ship → release the lock → look for bytes it has not shipped → some: take the lock again
 * Whichever runs second sees the other's step, so a line appended while a shipper is finishing is
 * either shipped by it or starts a new one.
 *
 * One start at a time: a burst of hooks with no shipper running would each start one (the lock is
 * taken only once the child is up, ~100 ms later). So the hook first creates the "starting" marker
 * with O_EXCL — one openSync — and only the hook that created it spawns; the others see a fresh
 * marker and leave it to that child. The child removes the marker only *after* taking the lock
 * (runShipper), so at every moment a lock or a marker stands for a shipper that has still to scan
 * the log: a hook that saw either appended its line before that scan. A marker whose child never
 * took over (it died starting) is stale after STARTING_STALE_MS; SessionEnd ignores the marker.
 */
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { spawnDetached } from '../process/detached.js';
import { lockHeld } from './lock.js';
import type { EventLogPaths } from './paths.js';
import { MAX_BACKOFF_MS, readShipState } from './ship-state.js';

/** A shipper that has not refreshed its lock for this long is considered hung. */
export const SHIP_LOCK_STALE_MS = 10 * 60_000;
/** A child that has not taken the lock this long after its hook spawned it never will. */
export const STARTING_STALE_MS = 30_000;

export type TriggerOutcome = 'running' | 'starting' | 'backoff' | 'started' | 'spawn-failed';

export interface TriggerInput {
  paths: EventLogPaths;
  now: number;
  /** SessionEnd ignores the back-off: it is the session's last chance to ship from this machine */
  force: boolean;
  cliPath: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Create the starting marker; false when another hook's fresh marker is there. A marker is looked
 * for before the O_EXCL create: in a burst every hook but the first finds one, and an EEXIST
 * thrown per hook is the costly first fs exception (lock.ts) on the hot path.
 */
function claimStart(marker: string, now: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const st = statSync(marker, { throwIfNoEntry: false });
      if (st) {
        if (now - st.mtimeMs < STARTING_STALE_MS) return false;
        unlinkSync(marker); // stale: its child never took over
      }
    } catch {
      /* removed meanwhile */
    }
    try {
      closeSync(openSync(marker, 'wx', 0o600));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return true; // can't mark: start anyway (at worst a second shipper, which finds the lock)
      // another hook created it between the stat and the open: look again
    }
  }
  return false;
}

export function clearStartMarker(marker: string): void {
  try {
    unlinkSync(marker);
  } catch {
    /* none */
  }
}

export function triggerShipper(t: TriggerInput): TriggerOutcome {
  if (lockHeld(t.paths.shipLock, t.now, SHIP_LOCK_STALE_MS)) return 'running';
  let claimed = false;
  if (!t.force) {
    const st = readShipState(t.paths.state);
    // A back-off longer than any the shipper sets was not set by it (a planted state file): ignored.
    if (st.retryAt !== undefined && st.retryAt > t.now && st.retryAt <= t.now + MAX_BACKOFF_MS) return 'backoff';
    if (!claimStart(t.paths.startMarker, t.now)) return 'starting';
    claimed = true;
  }
  if (spawnDetached(t.cliPath, ['__ship', t.paths.log], shipperEnv(t.env))) return 'started';
  // Only a marker this hook created is its to remove (SessionEnd skips the marker: another hook's may stand).
  if (claimed) clearStartMarker(t.paths.startMarker);
  return 'spawn-failed';
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
