/**
 * A hard deadline for the hot path. Some SDKs keep the event loop alive long after we gave up on
 * them (the 1Password SDK's pending fetch: ~10 s), so at the deadline the process really ends.
 */
export function armWatchdog(ms: number, onFire: () => number): () => void {
  const t = setTimeout(() => {
    const code = onFire();
    process.exit(code);
  }, ms);
  return () => clearTimeout(t);
}

/** Write to stdout, then exit once it is flushed. */
export function writeAndExit(text: string, code: number): void {
  if (!text) process.exit(code);
  process.stdout.write(text, () => process.exit(code));
}
