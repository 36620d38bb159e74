/**
 * The error log: where the hook path reports failures (it must not print on stdout, and stderr
 * is easy to miss). One JSON line per failure under the user state dir; `status` shows the last
 * ones. Rotated at 1 MiB (one previous file kept).
 */
import { lstatSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { appendPrivateFile, ensurePrivateDirChecked, fileProblem } from '../fs/private-file.js';

export const ERROR_LOG_MAX_BYTES = 1 << 20;

export interface ErrorRecord {
  time: string;
  command: string;
  code?: string;
  message: string;
  hint?: string;
  session?: string;
}

export function errorLogPath(stateDir: string): string {
  return join(stateDir, 'errors.log');
}

/**
 * Append one record. The state dir is created 0700 (or refused when others can write it), the log
 * is 0600 and written through private-file.ts: a symlink, FIFO or someone else's file planted at
 * errors.log is refused (CcOtelError UNSAFE_FILE), never followed.
 */
export function appendErrorLog(stateDir: string, rec: ErrorRecord): void {
  const path = errorLogPath(stateDir);
  ensurePrivateDirChecked(stateDir, 'the error log');
  const st = lstatSync(path, { throwIfNoEntry: false });
  // Rotated only when it is a file of ours: a rename never moves what someone else put there.
  if (st && st.size > ERROR_LOG_MAX_BYTES && !fileProblem(st)) {
    try {
      renameSync(path, `${path}.1`);
    } catch {
      /* another process rotated it first */
    }
  }
  appendPrivateFile(path, `${JSON.stringify(rec)}\n`, { what: 'the error log', resync: true });
}

export function readErrorLog(stateDir: string, last = 10): ErrorRecord[] {
  let text: string;
  try {
    text = readFileSync(errorLogPath(stateDir), 'utf8');
  } catch {
    return [];
  }
  const out: ErrorRecord[] = [];
  for (const line of text.split('\n').slice(-last - 1)) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as ErrorRecord);
    } catch {
      /* a torn line: skip */
    }
  }
  return out.slice(-last);
}
