/**
 * Refresh a stale cached key without delaying the caller: a detached child process of cc-otel
 * (`cc-otel __refresh-key <ref>`) that outlives the hook or headers helper.
 *
 * Synchronous on purpose: the callers write their answer and call process.exit() right after the
 * chain returns, so a spawn behind an `await import('node:child_process')` never happened (the
 * import resolves on a later turn of the event loop, after the exit). process.getBuiltinModule
 * (Node ≥ 20.16; engines says ≥ 20.19) loads the module synchronously from both the ESM CLI and
 * the CommonJS hot bundle, and only here: the common (fresh cache) path never loads child_process.
 */
import type * as ChildProcess from 'node:child_process';

export function spawnBackgroundRefresh(cliPath: string, ref: string, env: NodeJS.ProcessEnv): boolean {
  try {
    const { spawn } = process.getBuiltinModule('node:child_process') as typeof ChildProcess;
    const child = spawn(process.execPath, [cliPath, '__refresh-key', ref], { detached: true, stdio: 'ignore', env, windowsHide: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false; // best effort: the next call refreshes synchronously past maxAge
  }
}
