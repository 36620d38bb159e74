/**
 * The OTLP/JSON decoder's thread (json-decoder.ts starts it): JSON.parse, the caps, the conversion
 * and the protobuf encode of one request at a time, off the collector's event loop. Answers with
 * the encoded request (its buffer transferred, not copied) and the counts, or the error to answer.
 * A bundle entry of its own (scripts/build.mjs: dist/chunks/json-worker.js).
 */
import { parentPort } from 'node:worker_threads';
import { encodeJsonRequest, type JsonJob, type JsonReply } from './json-job.js';

parentPort!.on('message', (job: JsonJob) => {
  const reply: JsonReply = encodeJsonRequest(job);
  parentPort!.postMessage(reply, 'bytes' in reply ? [reply.bytes.buffer as ArrayBuffer] : []);
});
