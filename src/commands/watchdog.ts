import { writeSync } from 'node:fs';

/**
 * A hard deadline for the hot path. Some SDKs keep the event loop alive long after we gave up on
 * them (the 1Password SDK's pending fetch: ~10 s), so at the deadline the process really ends.
 */
export interface Watchdog {
  /** the deadline in force, ms from when the watchdog was armed */
  ms: number;
  /** move the deadline (the config's deadlineMs, known once it is loaded), still counted from arming */
  moveTo(ms: number): void;
  disarm(): void;
}

export function armWatchdog(ms: number, onFire: (ms: number) => number): Watchdog {
  const armedAt = Date.now();
  const fire = () => process.exit(onFire(dog.ms));
  let t = setTimeout(fire, ms);
  const dog: Watchdog = {
    ms,
    moveTo(next) {
      if (next === dog.ms) return;
      clearTimeout(t);
      dog.ms = next;
      t = setTimeout(fire, Math.max(0, next - (Date.now() - armedAt)));
    },
    disarm: () => clearTimeout(t),
  };
  return dog;
}

/**
 * Write all of `text` to stdout (fd 1) synchronously: a process.exit() may follow at once.
 * fs.writeSync instead of process.stdout: for a pipe, process.stdout would load node:net and the
 * stream stack on the hot path. EPIPE: the reader went away.
 */
export function writeStdout(text: string): void {
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
}

/** Write to stdout, then exit. */
export function writeAndExit(text: string, code: number): void {
  writeStdout(text);
  process.exit(code);
}
