/**
 * One OTLP/HTTP POST with node:http(s) — the same client the official OTel JS node exporter uses —
 * but keeping what the official exporter throws away (the status code on retryable errors, the
 * Retry-After header, the response body with partial_success or google.rpc.Status).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ProbeTlsOptions } from './types.js';

export type HttpAttempt =
  | { kind: 'response'; status: number; statusText: string; headers: IncomingHttpHeaders; body: Buffer }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

export interface HttpAttemptInput {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
  tls?: ProbeTlsOptions;
  abortSignal?: AbortSignal;
}

/** Responses bigger than this are cut off, as the OTel exporter does (4 MiB). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export async function postOnce(input: HttpAttemptInput): Promise<HttpAttempt> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch (error) {
    return { kind: 'error', error };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { kind: 'error', error: Object.assign(new Error(`Invalid URL scheme ${url.protocol}`), { code: 'ERR_INVALID_URL' }) };
  }
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  if (input.abortSignal?.aborted) return { kind: 'aborted' };

  return new Promise<HttpAttempt>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const finish = (r: HttpAttempt): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (onAbort) input.abortSignal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    let req: import('node:http').ClientRequest;
    try {
      req = mod.request(url, {
        method: 'POST',
        headers: { ...input.headers, 'Content-Length': String(input.body.length) },
        // A fresh connection per probe: nothing pooled, nothing left open after verify.
        agent: false,
        ...(input.tls?.ca !== undefined ? { ca: input.tls.ca } : {}),
        ...(input.tls?.cert !== undefined ? { cert: input.tls.cert } : {}),
        ...(input.tls?.key !== undefined ? { key: input.tls.key } : {}),
      });
    } catch (error) {
      // invalid header characters etc. throw synchronously
      finish({ kind: 'error', error });
      return;
    }
    timer = setTimeout(() => {
      finish({ kind: 'timeout' });
      req.destroy();
    }, Math.max(1, input.timeoutMs));
    onAbort = (): void => {
      finish({ kind: 'aborted' });
      req.destroy();
    };
    input.abortSignal?.addEventListener('abort', onAbort, { once: true });

    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
      });
      const done = (): void =>
        finish({
          kind: 'response',
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: res.headers,
          body: Buffer.concat(chunks),
        });
      res.on('end', done);
      // The status line arrived; a body cut short still tells us the verdict.
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', (error) => finish({ kind: 'error', error }));
    req.end(Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength));
  });
}
