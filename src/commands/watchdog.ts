import { writeSync } from 'node:fs';

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

/**
 * Write to stdout (fd 1) synchronously, then exit. fs.writeSync instead of process.stdout: for a
 * pipe, process.stdout would load node:net and the stream stack on the hot path.
 */
export function writeAndExit(text: string, code: number): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue; // non-blocking pipe, full: retry
      break; // EPIPE: the reader went away; nothing left to tell it
    }
  }
  process.exit(code);
}
