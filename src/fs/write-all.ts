import { writeSync } from 'node:fs';

/**
 * Write all of `data` to `fd`: write() may take less than asked (a full disk, a signal), so loop.
 * One helper for every file the hot path writes, so Node's write path is compiled once per run.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}
