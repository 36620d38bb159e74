/**
 * OTLP/gRPC (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc): the three Export services over
 * grpc-js, insecure. Messages reach us as raw bytes and go through the same decode → store path as
 * HTTP; grpc-js itself handles `grpc-encoding: gzip` and the message size limit
 * (RESOURCE_EXHAUSTED).
 *   OK                 stored and fsynced (empty Export*ServiceResponse)
 *   INVALID_ARGUMENT   not a valid request — nothing stored
 *   RESOURCE_EXHAUSTED over the message size limit (grpc-js) or a decode cap (limits.ts)
 *   UNAVAILABLE        the store failed, or is full (--max-disk, ENOSPC), or over the in-flight budget (admission.ts): retryable
 *
 * grpc-js has the whole (decompressed) message in memory before the handler runs, so the budget
 * charges it on arrival; grpc.max_concurrent_streams bounds how many one connection can hold.
 */
import type * as grpcTypes from '@grpc/grpc-js';
import type { Signal } from '../otel/endpoint.js';
import { Busy, DECODED_BYTES_PER_VALUE, type Admission, type Ticket } from './admission.js';
import { BadPayload, ingest } from './ingest.js';
import { OverLimit, type DecodeLimits } from './limits.js';
import { SIGNAL_PROTO } from './otlp-proto.js';
import type { Store } from './store.js';

export interface GrpcReceiver {
  port: number;
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;
const EMPTY = Buffer.alloc(0);

export async function startGrpcReceiver(
  store: Store,
  opts: {
    host: string;
    port: number;
    maxBodyBytes: number;
    limits: DecodeLimits;
    admission: Admission;
    onRequest?(e: { signal: Signal; status: number; records: number }): void;
  },
): Promise<GrpcReceiver> {
  const grpc: typeof grpcTypes = await import('@grpc/grpc-js');
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_concurrent_streams': 100,
  });
  for (const signal of Object.keys(SIGNAL_PROTO) as Signal[]) {
    const p = SIGNAL_PROTO[signal];
    const definition: grpcTypes.ServiceDefinition = {
      Export: {
        path: p.grpcPath,
        requestStream: false,
        responseStream: false,
        originalName: 'export',
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    server.addService(definition, {
      Export: (call: grpcTypes.ServerUnaryCall<Buffer, Buffer>, callback: grpcTypes.sendUnaryData<Buffer>) => {
        let ticket: Ticket | undefined;
        const answer = (status: number, code: grpcTypes.status, details: string) => {
          ticket?.release();
          callback({ code, details });
          opts.onRequest?.({ signal, status, records: 0 });
        };
        try {
          ticket = opts.admission.enter();
          ticket.charge(call.request.length);
        } catch (e) {
          return answer(503, grpc.status.UNAVAILABLE, `busy: ${(e as Error).message}`);
        }
        ingest(store, signal, call.request, 'protobuf', { limits: opts.limits, onCounted: (n) => ticket!.charge(n.values * DECODED_BYTES_PER_VALUE) }).then(
          (r) => {
            ticket!.release();
            callback(null, EMPTY);
            opts.onRequest?.({ signal, status: 200, records: r.records });
          },
          (e: unknown) => {
            if (e instanceof BadPayload) answer(400, grpc.status.INVALID_ARGUMENT, e.message);
            else if (e instanceof OverLimit) answer(413, grpc.status.RESOURCE_EXHAUSTED, e.message);
            else if (e instanceof Busy) answer(503, grpc.status.UNAVAILABLE, `busy: ${e.message}`);
            else answer(503, grpc.status.UNAVAILABLE, (e as Error).message);
          },
        );
      },
    });
  }
  const address = opts.host.includes(':') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
