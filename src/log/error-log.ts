/**
 * The error log: where the hook path reports failures (it must not print on stdout, and stderr
 * is easy to miss). One JSON line per failure under the user state dir; `status` shows the last
 * ones. Rotated at 1 MiB (one previous file kept).
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

export function appendErrorLog(stateDir: string, rec: ErrorRecord): void {
  const path = errorLogPath(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    if (statSync(path).size > ERROR_LOG_MAX_BYTES) renameSync(path, `${path}.1`);
  } catch {
    /* no log yet */
  }
  appendFileSync(path, `${JSON.stringify(rec)}\n`, { mode: 0o600 });
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
