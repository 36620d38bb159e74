/**
 * Refresh a stale cached key without delaying the caller: a detached child process of cc-otel
 * (`cc-otel __refresh-key <ref>`) that outlives the hook or headers helper. If it cannot start,
 * the next call past maxAge fetches synchronously.
 */
import { spawnDetached } from '../process/detached.js';

export function spawnBackgroundRefresh(cliPath: string, ref: string, env: NodeJS.ProcessEnv): boolean {
  return spawnDetached(cliPath, ['__refresh-key', ref], env);
}
