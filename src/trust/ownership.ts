/**
 * git's `safe.directory` rule, for the files a project may hand cc-otel (issue #11): a file, or a
 * directory on the way to it, that is owned by another user than the current one or root, or that
 * group or others may write, could have been put there by someone else — another account on a
 * shared machine, a world-writable parent such as /tmp. Such a file is skipped, never read.
 * On Windows (no uid, no POSIX modes) there is nothing to check.
 */
import type { Stats } from 'node:fs';

export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Why `st` (the file or directory `what`) may not be trusted to be the user's own, or undefined when it is. */
export function ownershipProblem(st: Pick<Stats, 'uid' | 'mode'>, what: string, uid: number | undefined = currentUid()): string | undefined {
  if (uid === undefined) return undefined;
  if (st.uid !== uid && st.uid !== 0) return `${what} is owned by uid ${st.uid}, not by you (uid ${uid}) or root`;
  if (st.mode & 0o022) return `${what} is writable by ${st.mode & 0o002 ? 'others' : 'its group'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return undefined;
}
