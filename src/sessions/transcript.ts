import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
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

/** Read only the last `tailBytes` of the transcript (no symlink follow). */
export function readTranscriptModel(path: string, tailBytes = 64 * 1024): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, tailBytes);
    const buf = Buffer.alloc(len);
    const n = readSync(fd, buf, 0, len, size - len);
    return modelFromTranscriptTail(buf.subarray(0, n).toString('utf8'));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
