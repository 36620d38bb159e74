/**
 * git's `safe.directory` rule, for the files and directories a stranger could have put in the
 * user's way (issue #11): owned by another user than the current one or root, or writable by its
 * group or by others — another account on a shared machine, a world-writable parent such as /tmp.
 * The project-file search skips such a file (config/project-file.ts); the files cc-otel writes refuse
 * such a directory (fs/private-file.ts). On Windows (no uid, no POSIX modes) there is nothing to check.
 */
import type { Stats } from 'node:fs';

export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Why `st` may not be the user's own — "belongs to uid …", "is writable by …" — or undefined when it is. */
export function ownershipProblem(st: Pick<Stats, 'uid' | 'mode'>, uid: number | undefined = currentUid()): string | undefined {
  if (uid === undefined) return undefined;
  if (st.mode & 0o022) return `is writable by ${st.mode & 0o020 ? (st.mode & 0o002 ? 'group and others' : 'its group') : 'others'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  if (st.uid !== uid && st.uid !== 0) return `belongs to uid ${st.uid}, not to you (uid ${uid}) or root`;
  return undefined;
}
