/**
 * Refresh a stale cached key without delaying the caller: a detached child process of cc-otel
 * (`cc-otel __refresh-key <ref>`) that outlives the hook or headers helper.
 */

export async function spawnBackgroundRefresh(cliPath: string, ref: string, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    // Loaded only here: node:child_process is not cheap and the common path never spawns.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [cliPath, '__refresh-key', ref], { detached: true, stdio: 'ignore', env });
    child.on('error', () => {});
    child.unref();
  } catch {
    /* best effort: the next call refreshes synchronously past maxAge */
  }
}
