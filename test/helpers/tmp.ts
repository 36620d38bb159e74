// Temp directories and file trees for tests. Every directory is unique (mkdtemp) and lives under
// os.tmpdir(); set CC_OTEL_KEEP_TMP=1 to keep them for post-mortem debugging.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';

export interface TempDir {
  /** Absolute, real path of the directory. */
  readonly path: string;
  /** Remove the directory recursively (idempotent; a no-op when CC_OTEL_KEEP_TMP=1). */
  cleanup(): void;
}

/** A file's content, or content plus a mode (e.g. 0o755 for an executable script). */
export type TreeEntry = string | Buffer | { content: string | Buffer; mode?: number };

const live = new Set<string>();

/** Create a fresh directory `<os.tmpdir()>/<prefix>-XXXXXX`. */
export function makeTempDir(prefix = 'cc-otel-test'): TempDir {
  const safe = prefix.replace(/[^A-Za-z0-9._-]/g, '_');
  const path = mkdtempSync(join(tmpdir(), `${safe}-`));
  live.add(path);
  return {
    path,
    cleanup() {
      live.delete(path);
      if (process.env.CC_OTEL_KEEP_TMP === '1') return;
      // Retried: a detached child of the test (a key refresh, a shipper) may still be finishing a
      // write in there, which makes rmdir fail with ENOTEMPTY once.
      rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}

/** Remove every temp dir created by this process that has not been cleaned up yet. */
export function cleanupAllTempDirs(): void {
  if (process.env.CC_OTEL_KEEP_TMP === '1') return;
  for (const path of live) rmSync(path, { recursive: true, force: true });
  live.clear();
}

/**
 * Write `{ "rel/path": content }` under `root`, creating parent directories. Paths must stay inside
 * `root`. Returns the absolute paths written, in the same order.
 */
export function writeTree(root: string, tree: Record<string, TreeEntry>): string[] {
  const base = resolve(root);
  const written: string[] = [];
  for (const [rel, entry] of Object.entries(tree)) {
    const abs = resolve(base, rel);
    if (abs !== base && !abs.startsWith(base + sep)) {
      throw new Error(`writeTree: ${JSON.stringify(rel)} escapes ${base}`);
    }
    mkdirSync(dirname(abs), { recursive: true });
    const { content, mode } =
      typeof entry === 'string' || Buffer.isBuffer(entry) ? { content: entry, mode: undefined } : entry;
    writeFileSync(abs, content, mode === undefined ? undefined : { mode });
    // The mode option only applies when the file is created; chmod makes it true on overwrite too.
    if (mode !== undefined) chmodSync(abs, mode);
    written.push(abs);
  }
  return written;
}
