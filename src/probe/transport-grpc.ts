/**
 * One OTLP/gRPC Export call with @grpc/grpc-js, mirroring the official OTel JS gRPC exporter
 * (otlp-grpc-exporter-base): same method paths, bytes from the official protobuf serializer passed
 * through unchanged, plaintext for `http://`, TLS otherwise, headers as metadata — but keeping the
 * status code, details and the response bytes (partial_success).
 */
import type { ProbeTlsOptions } from './types.js';

export type GrpcAttempt =
  | { kind: 'response'; body: Buffer }
  | { kind: 'grpc-error'; code: number; details: string; /** trailer grpc-status-details-bin: a google.rpc.Status (RetryInfo lives here) */ statusDetails?: Buffer }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

export interface GrpcAttemptInput {
  endpoint: string;
  insecure?: boolean;
  methodPath: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
  compression?: 'gzip' | 'none';
  tls?: ProbeTlsOptions;
  userAgent: string;
  abortSignal?: AbortSignal;
}

/**
 * The official exporter's URL rule: no scheme → `https://` (or `http://` with insecure); the path is
 * ignored; `http://` → plaintext, anything else → TLS.
 */
export function grpcTarget(endpoint: string, insecure = false): { address: string; secure: boolean } {
  let url = endpoint.trim();
  if (!/^[\w]{1,8}:\/\//.test(url)) url = `${insecure ? 'http' : 'https'}://${url}`;
  const target = new URL(url);
  return { address: target.host, secure: target.protocol !== 'http:' };
}

function toBuffer(x: string | Buffer | undefined): Buffer | null {
  if (x === undefined) return null;
  return typeof x === 'string' ? Buffer.from(x) : x;
}

export async function exportOnce(input: GrpcAttemptInput): Promise<GrpcAttempt> {
  const grpc = await import('@grpc/grpc-js');
  let target: { address: string; secure: boolean };
  try {
    target = grpcTarget(input.endpoint, input.insecure);
  } catch (error) {
    return { kind: 'error', error: Object.assign(new Error(`Invalid URL ${input.endpoint}`), { code: 'ERR_INVALID_URL', cause: error }) };
  }
  if (input.abortSignal?.aborted) return { kind: 'aborted' };

  let client: import('@grpc/grpc-js').Client;
  let metadata: import('@grpc/grpc-js').Metadata;
  try {
    const creds = target.secure
      ? grpc.credentials.createSsl(toBuffer(input.tls?.ca), toBuffer(input.tls?.key), toBuffer(input.tls?.cert))
      : grpc.credentials.createInsecure();
    client = new grpc.Client(target.address, creds, {
      'grpc.primary_user_agent': input.userAgent,
      'grpc.default_compression_algorithm': input.compression === 'gzip' ? 2 : 0,
      // Every attempt is ours to count and report; no hidden transparent retries.
      'grpc.enable_retries': 0,
    });
    metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(input.headers)) metadata.set(k.toLowerCase(), v);
  } catch (error) {
    return { kind: 'error', error };
  }

  return new Promise<GrpcAttempt>((resolve) => {
    let settled = false;
    let onAbort: (() => void) | undefined;
    const finish = (r: GrpcAttempt): void => {
      if (settled) return;
      settled = true;
      if (onAbort) input.abortSignal?.removeEventListener('abort', onAbort);
      client.close();
      resolve(r);
    };
    const deadline = Date.now() + Math.max(1, input.timeoutMs);
    try {
      const call = client.makeUnaryRequest<Buffer, Buffer>(
        input.methodPath,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength),
        metadata,
        { deadline },
        (err, value) => {
          if (err) {
            // Our own deadline (not a DEADLINE_EXCEEDED the server chose to return) is the probe's timeout.
            if (err.code === grpc.status.DEADLINE_EXCEEDED && Date.now() >= deadline - 5) {
              finish({ kind: 'timeout' });
            } else {
              const bin = err.metadata?.get('grpc-status-details-bin')[0];
              finish({ kind: 'grpc-error', code: err.code, details: err.details ?? err.message, ...(Buffer.isBuffer(bin) ? { statusDetails: bin } : {}) });
            }
            return;
          }
          finish({ kind: 'response', body: value ?? Buffer.alloc(0) });
        },
      );
      onAbort = (): void => {
        finish({ kind: 'aborted' });
        call.cancel();
      };
      input.abortSignal?.addEventListener('abort', onAbort, { once: true });
    } catch (error) {
      finish({ kind: 'error', error });
    }
  });
}
