/**
 * What rotation may delete (event-log.ts): the unshipped part of a rotated log file, from the
 * shipper's progress (ship-state.ts, files known by fingerprint). Loaded by the hook only when it
 * rotates (once per `rotateBytes` of events) — it needs node:crypto for the fingerprint.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { READ_FLAGS } from '../fs/private-file.js';
import { fingerprintOf } from './log-reader.js';
import { MAX_LINE_BYTES } from './record.js';
import { readShipState } from './ship-state.js';
import { rotateLog, type RotateOptions, type UnshippedOf } from './event-log.js';
import { eventLogPaths } from './paths.js';

function unshippedIn(statePath: string): UnshippedOf {
  const state = readShipState(statePath);
  return (file) => {
    let fd: number;
    try {
      fd = openSync(file, READ_FLAGS);
    } catch {
      return undefined;
    }
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.allocUnsafe(Math.min(size, MAX_LINE_BYTES + 1));
      const got = readSync(fd, head, 0, head.length, 0);
      const fp = fingerprintOf(head.subarray(0, got));
      const known = fp ? (state.files[fp]?.offset ?? 0) : 0;
      const offset = known <= size ? known : 0;
      // Counted only for a file about to be dropped (a warning says how many events it held): a
      // rotation inside a hook must not read every kept file through.
      return { bytes: Math.max(0, size - offset), countEvents: () => countLines(file, offset) };
    } finally {
      closeSync(fd);
    }
  };
}

/** Complete lines after `offset` (a skipped foreign line counts too: cheap, close enough). */
function countLines(file: string, offset: number): number {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch {
    return 0;
  }
  try {
    let events = 0;
    const buf = Buffer.allocUnsafe(1 << 16);
    for (let pos = offset; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 0x0a) events++;
      pos += n;
    }
    return events;
  } finally {
    closeSync(fd);
  }
}

/** Rotate `log`, keeping rotated files that still hold unshipped events (shipping is on). */
export function rotateKeepingUnshipped(log: string, o: Omit<RotateOptions, 'unshipped'>): boolean {
  return rotateLog(log, { ...o, unshipped: unshippedIn(eventLogPaths(log).state) });
}
