/**
 * Start `cc-otel <args…>` as a detached background process that outlives the caller: the key
 * refresh (secrets/background-refresh.ts) and the event shipper (events/ship-trigger.ts).
 *
 * Synchronous on purpose: the hot path writes its answer and calls process.exit() right after, so
 * a spawn behind an `await import('node:child_process')` may never happen (the import resolves on
 * a later turn of the event loop, after the exit). process.getBuiltinModule (Node ≥ 20.16; engines
 * says ≥ 20.19) loads the module synchronously from both the ESM CLI and the CommonJS hot bundle,
 * and only here: a hook or helper that starts nothing never loads node:child_process.
 */
import type * as ChildProcess from 'node:child_process';

/** false when the process could not be started (best effort: the caller logs or retries later). */
export function spawnDetached(cliPath: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  try {
    const { spawn } = process.getBuiltinModule('node:child_process') as typeof ChildProcess;
    const child = spawn(process.execPath, [cliPath, ...args], { detached: true, stdio: 'ignore', env, windowsHide: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
