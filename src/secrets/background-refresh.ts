/**
 * Refresh a stale cached key without delaying the caller: a detached child process of cc-otel
 * (`cc-otel __refresh-key <ref>`) that outlives the hook or headers helper.
 */
import { spawn } from 'node:child_process';

export function spawnBackgroundRefresh(cliPath: string, ref: string, env: NodeJS.ProcessEnv): void {
  try {
    const child = spawn(process.execPath, [cliPath, '__refresh-key', ref], { detached: true, stdio: 'ignore', env });
    child.on('error', () => {});
    child.unref();
  } catch {
    /* best effort: the next call refreshes synchronously past maxAge */
  }
}
