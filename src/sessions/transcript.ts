import { closeSync, fstatSync, lstatSync, openSync, readSync, constants } from 'node:fs';
import { join } from 'node:path';

/** `~/.claude/projects/<cwd with every / replaced by ->/<sessionId>.jsonl` (measured, 2.1.197). */
export function transcriptPath(homeDir: string, cwd: string, sessionId: string): string {
  return join(homeDir, '.claude', 'projects', cwd.replace(/\//g, '-'), `${sessionId}.jsonl`);
}

/** Pure: the model of the last `"type":"assistant"` line in a chunk of JSONL. */
export function modelFromTranscriptTail(tail: string): string | undefined {
  const lines = tail.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line === undefined || !line.includes('"assistant"')) continue;
    try {
      const o = JSON.parse(line) as { type?: unknown; message?: { model?: unknown } };
      if (o.type === 'assistant' && typeof o.message?.model === 'string' && o.message.model.length > 0) return o.message.model;
    } catch {
      // a partial first line of the tail, or a line being written: skip
    }
  }
  return undefined;
}

/**
 * What a long-running reader (the bridge) remembers of each transcript: a transcript only grows, so
 * when it is the same size nothing is read, and when it grew only the new bytes are (a model found
 * there wins, else the one known stays).
 */
export type TranscriptCache = Map<string, { size: number; mtimeMs: number; model: string | undefined }>;

/** Read only the last `tailBytes` of the transcript (no symlink follow); with a cache, only what is new. */
export function readTranscriptModel(path: string, tailBytes = 64 * 1024, cache?: TranscriptCache): string | undefined {
  const known = cache?.get(path);
  if (known) {
    try {
      const st = lstatSync(path);
      if (st.isFile() && st.size === known.size && st.mtimeMs === known.mtimeMs) return known.model;
    } catch {
      cache!.delete(path);
      return undefined;
    }
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    cache?.delete(path);
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const size = st.size;
    const from = known && size > known.size ? Math.max(known.size, size - tailBytes) : Math.max(0, size - tailBytes);
    const len = size - from;
    const buf = Buffer.allocUnsafe(len);
    const n = readSync(fd, buf, 0, len, from);
    const found = modelFromTranscriptTail(buf.toString('utf8', 0, n));
    const model = found ?? (known && size > known.size ? known.model : undefined);
    cache?.set(path, { size, mtimeMs: st.mtimeMs, model });
    return model;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
