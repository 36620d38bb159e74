/**
 * Finding the project's `.cc-otel.json` (issue #11). The search walks up from $CLAUDE_PROJECT_DIR
 * (or the cwd) and stops at the first of:
 *   - the git root (a directory holding `.git`, which is searched itself),
 *   - $HOME (neither it nor anything above it is searched: the user's own config lives in
 *     ~/.config/cc-otel),
 *   - a filesystem boundary (a parent on another device is not searched, like git without
 *     GIT_DISCOVERY_ACROSS_FILESYSTEM),
 *   - the root directory.
 * A symlink is skipped (trust is for the file in that directory). A file that is not the user's own (trust/ownership.ts: owned by another user than the current one
 * or root, or group/world-writable), or that lies beyond such a directory on the way, is skipped —
 * and the search ends there: a file further up would be a surprise. `status` shows why.
 *
 * Hot path: three stats per directory, none of which throws.
 */
import { lstatSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ownershipProblem } from '../trust/ownership.js';

export const PROJECT_FILE = '.cc-otel.json';

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ProjectFileSearch {
  found: string | undefined;
  skipped: SkippedFile[];
}

export function findProjectFile(startDir: string, homeDir: string): ProjectFileSearch {
  const home = resolve(homeDir);
  let dir = resolve(startDir);
  let startDev: number | undefined;
  let unsafe: string | undefined;
  const skipped: SkippedFile[] = [];
  for (;;) {
    if (dir === home) break;
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st) break;
    if (startDev === undefined) startDev = st.dev;
    else if (st.dev !== startDev) break;
    if (unsafe === undefined) {
      const p = ownershipProblem(st);
      if (p) unsafe = `directory ${dir} ${p}`;
    }
    const candidate = join(dir, PROJECT_FILE);
    // lstat: a symlinked project file is skipped — trust is for the file in this directory, and a
    // link could hand this project a file the user trusted elsewhere (or /dev/zero).
    const f = lstatSync(candidate, { throwIfNoEntry: false });
    if (f) {
      const owner = ownershipProblem(f);
      const problem = unsafe
        ? `${unsafe} (on the way to it)`
        : f.isSymbolicLink()
          ? 'a symbolic link (cc-otel reads only a regular file there)'
          : !f.isFile()
            ? 'not a regular file'
            : owner && `the file ${owner}`;
      if (!problem) return { found: candidate, skipped };
      skipped.push({ path: candidate, reason: problem });
      break;
    }
    if (statSync(join(dir, '.git'), { throwIfNoEntry: false })) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { found: undefined, skipped };
}
