/**
 * OTLP/JSON off the event loop (issue #12: no single request may stall other clients for more than
 * ~200 ms). A JSON body costs the event loop about three times what the same request in protobuf
 * does — JSON.parse, the OTLP/JSON normalisation, protobufjs' fromObject and encode — measured at
 * 200–300 ms for a request at the values cap (4096 records × 15 attributes, 4 MiB) and ~0.4 s for
 * 63 MiB of long strings, on the 2-core development machine. So bodies from OFF_THREAD_BYTES up go
 * to one decoder thread (json-worker.ts), one at a time, which answers with the request encoded
 * as protobuf; the event loop then only decodes that, as for a protobuf request (bounded by the
 * caps). Smaller bodies — most of what Claude Code sends — are converted in place: a thread hop
 * would cost more than it saves.
 *
 * The thread is started on first use and unref'd; if it dies, the requests in it are answered 503
 * (retryable) and the next starts a new one. If its file is missing (the
 * sources run without a build) the conversion runs on the event loop, and the collector's log says
 * so once.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Signal } from '../otel/endpoint.js';
import { encodeJsonRequest, replyError, type JsonJob, type JsonReply } from './json-job.js';
import { Busy } from './admission.js';
import type { Counts, DecodeLimits } from './limits.js';

/** JSON bodies from this size (once decompressed) are converted on the decoder thread. */
export const OFF_THREAD_BYTES = 256 * 1024;

/** Where the bundle puts json-worker.js: beside this module, or in chunks/ when this is dist/cli.js. */
function findWorkerFile(): string | undefined {
  for (const rel of ['./json-worker.js', './chunks/json-worker.js']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

export interface Encoded {
  bytes: Uint8Array;
  counts: Counts;
}

function settle(reply: JsonReply): Encoded {
  if ('error' in reply) throw replyError(reply.error);
  return { bytes: reply.bytes, counts: reply.counts };
}

export class JsonDecoder {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve(r: JsonReply): void; reject(e: Error): void }>();
  private nextId = 1;
  private warned = false;
  /** requests converted on the thread (tests) */
  offThread = 0;

  constructor(
    private readonly log: (line: string) => void = () => undefined,
    private readonly file: string | undefined = findWorkerFile(),
  ) {}

  /**
   * Convert one OTLP/JSON body to an encoded protobuf request. `transfer`: the body's ArrayBuffer
   * belongs to the caller alone (http-receiver.ts's BodyBuffer) and may move to the thread, no copy;
   * the body is unusable afterwards. Throws (rejects) BadPayload or OverLimit.
   */
  async encode(signal: Signal, body: Uint8Array, limits: DecodeLimits, transfer = false): Promise<Encoded> {
    const job: JsonJob = { id: this.nextId++, signal, body, limits };
    const worker = body.length >= OFF_THREAD_BYTES ? this.start() : undefined;
    if (!worker) return settle(encodeJsonRequest(job));
    const reply = await new Promise<JsonReply>((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      worker.postMessage(job, transfer ? [body.buffer as ArrayBuffer] : []);
    });
    this.offThread++;
    return settle(reply);
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    if (!this.file) {
      if (!this.warned) this.log('OTLP/JSON decoder thread not found (json-worker.js): large JSON bodies are decoded on the event loop');
      this.warned = true;
      return undefined;
    }
    // No resourceLimits: a thread over its heap limit can abort the whole process (measured, Node 20,
    // inside JSON.parse). The caps bound what one body can build (~300 MB for 64 MiB of strings).
    const w = new Worker(this.file);
    w.unref();
    w.on('message', (reply: JsonReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      p?.resolve(reply);
    });
    const fail = (e: Error) => {
      if (this.worker !== w) return; // already handled, or closed
      this.worker = undefined;
      this.log(`OTLP/JSON decoder thread failed: ${e.message}; the next large JSON request starts a new one`);
      const busy = new Busy(`the OTLP/JSON decoder thread stopped (${e.message}); retry`);
      for (const p of this.pending.values()) p.reject(busy);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('the collector is closing'));
    this.pending.clear();
    await w?.terminate();
  }
}
