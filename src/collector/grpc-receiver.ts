/**
 * OTLP/gRPC (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc): the three Export services over
 * grpc-js, insecure. Messages reach us as raw bytes and go through the same decode → store path as
 * HTTP; grpc-js itself handles `grpc-encoding: gzip` and the message size limit
 * (RESOURCE_EXHAUSTED).
 *   OK                 stored and fsynced (empty Export*ServiceResponse)
 *   INVALID_ARGUMENT   not a valid request — nothing stored
 *   UNAVAILABLE        the store failed, or is full (--max-disk, ENOSPC): retryable
 */
import type * as grpcTypes from '@grpc/grpc-js';
import type { Signal } from '../otel/endpoint.js';
import { BadPayload, ingest } from './ingest.js';
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
    onRequest?(e: { signal: Signal; status: number; records: number }): void;
  },
): Promise<GrpcReceiver> {
  const grpc: typeof grpcTypes = await import('@grpc/grpc-js');
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
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
        ingest(store, signal, call.request, 'protobuf').then(
          (r) => {
            callback(null, EMPTY);
            opts.onRequest?.({ signal, status: 200, records: r.records });
          },
          (e: unknown) => {
            const bad = e instanceof BadPayload;
            callback({ code: bad ? grpc.status.INVALID_ARGUMENT : grpc.status.UNAVAILABLE, details: (e as Error).message });
            opts.onRequest?.({ signal, status: bad ? 400 : 503, records: 0 });
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
