/**
 * `sendProbe()` — the network half of `cc-otel verify`: one real, non-empty record for one signal,
 * sent exactly as Claude Code will send it, classified into a typed {@link ProbeOutcome}.
 *
 * How the bytes are made: the official SDKs build the record (records.ts) and the official OTLP
 * serializers encode it; we only own the last hop (node:http(s) / @grpc/grpc-js), because the
 * official exporters hide what verify must report: they log partial_success through `diag` instead
 * of returning it, drop the HTTP status of retryable failures, and retry DNS failures five times.
 *
 * Retry policy (OTLP spec): only 429/502/503/504, gRPC UNAVAILABLE/CANCELLED/ABORTED/OUT_OF_RANGE/
 * DATA_LOSS and connection resets are retried, at most `maxAttempts` times, honouring Retry-After
 * (seconds or HTTP-date) and otherwise backing off exponentially with ±20% jitter — all inside the
 * one overall `timeoutMs`. A wait that would pass the deadline is not started.
 *
 * Never throws: every result, including a missing SDK package, is an outcome.
 */
import { randomUUID } from 'node:crypto';
import { describeError } from '../errors.js';
import type { AttemptVerdict, ClassifyContext } from './classify.js';
import { classifyGrpcError, classifyHttpResponse, classifyNetworkError, timeoutVerdict } from './classify.js';
import type { SerializedProbe } from './records.js';
import { redact, secretsOf } from './redact.js';
import { buildProbePayload, grpcMethodPath, serializeProbe } from './records.js';
import type { ProbeBackoff, ProbeOptions, ProbeOutcome } from './types.js';
import { DEFAULT_PROBE_SERVICE_NAME, PROBE_ID_ATTRIBUTE } from './types.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
export const DEFAULT_PROBE_MAX_ATTEMPTS = 5;
export const DEFAULT_PROBE_BACKOFF: ProbeBackoff = { initialMs: 1000, maxMs: 5000, multiplier: 1.5 };
const USER_AGENT = 'cc-otel-verify OTel-OTLP-Exporter-JavaScript';

/** The probe's resource: caller's attributes, then service.name, then the probe id (always wins). */
export function probeResource(opts: Pick<ProbeOptions, 'serviceName' | 'resourceAttributes'>, probeId: string): Record<string, string> {
  const serviceName = opts.serviceName ?? opts.resourceAttributes?.['service.name'] ?? DEFAULT_PROBE_SERVICE_NAME;
  return { ...opts.resourceAttributes, 'service.name': serviceName, [PROBE_ID_ATTRIBUTE]: probeId };
}

function sleep(ms: number, abortSignal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (abortSignal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      abortSignal?.removeEventListener('abort', done);
      resolve();
    }
    abortSignal?.addEventListener('abort', done, { once: true });
  });
}

export async function sendProbe(opts: ProbeOptions): Promise<ProbeOutcome> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const probeId = opts.probeId ?? randomUUID();
  // The spec's 0 = "no limit" is not offered: verify must finish.
  const timeoutMs = opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_PROBE_TIMEOUT_MS;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_PROBE_MAX_ATTEMPTS);
  const backoff: ProbeBackoff = { ...DEFAULT_PROBE_BACKOFF, ...opts.backoff };
  const temporality = opts.signal === 'metrics' ? (opts.temporality ?? 'delta') : undefined;
  const resource = probeResource(opts, probeId);
  const userHeaders = opts.headers ?? {};
  const headerNames = Object.keys(userHeaders).map((k) => k.toLowerCase());
  const ctx: ClassifyContext = {
    signal: opts.signal,
    protocol: opts.protocol,
    endpoint: opts.endpoint,
    headerNames,
    ...(temporality ? { temporality } : {}),
  };

  let attempts = 0;
  let lastRetryAfterMs: number | undefined;
  let sentAtMs = startedAt;
  const secrets = secretsOf(userHeaders);
  const outcome = (v: AttemptVerdict): ProbeOutcome => ({
    signal: opts.signal,
    status: v.status,
    // A partial success that rejected nothing is a warning, not a failure: the record went in (backends.md §5.5).
    ok: v.status === 'accepted' || (v.status === 'partial' && v.rejected === 0),
    ...(v.httpStatus !== undefined ? { httpStatus: v.httpStatus } : {}),
    ...(v.grpcCode !== undefined ? { grpcCode: v.grpcCode } : {}),
    ...(v.grpcStatusName !== undefined ? { grpcStatusName: v.grpcStatusName } : {}),
    message: redact(v.message, secrets),
    hint: redact(v.hint, secrets),
    attempts,
    ...(lastRetryAfterMs !== undefined ? { retryAfterMs: lastRetryAfterMs } : {}),
    ...(v.rejected !== undefined ? { rejected: v.rejected } : {}),
    durationMs: Math.max(0, now() - startedAt),
    probeId,
    sentAtMs,
    protocol: opts.protocol,
    endpoint: opts.endpoint,
    ...(temporality ? { temporality } : {}),
    headerNames,
    resource,
  });

  let serialized: SerializedProbe;
  try {
    const payload = await buildProbePayload({ signal: opts.signal, probeId, resource, temporality: temporality ?? 'delta' });
    serialized = await serializeProbe(payload, opts.protocol);
  } catch (e) {
    const missing = /Cannot find (module|package)/i.test(describeError(e));
    return outcome({
      status: 'error',
      retryable: false,
      message: `could not build the probe record: ${describeError(e)}`,
      hint: missing
        ? 'an OpenTelemetry package cc-otel needs is missing: reinstall cc-otel (from its clone: `npm install -g .`).'
        : 'please report this (cc-otel could not encode a probe record).',
    });
  }

  const attempt = (remainingMs: number): Promise<AttemptVerdict> =>
    opts.protocol === 'grpc' ? grpcAttempt(remainingMs) : httpAttempt(remainingMs);

  const httpHeaders: Record<string, string> = {
    'Content-Type': serialized.contentType,
    'User-Agent': USER_AGENT,
    ...userHeaders,
  };
  let httpBody = serialized.body;
  if (opts.protocol !== 'grpc' && opts.compression === 'gzip') {
    const { gzipSync } = await import('node:zlib');
    httpBody = gzipSync(serialized.body);
    httpHeaders['Content-Encoding'] = 'gzip';
  }

  async function httpAttempt(remainingMs: number): Promise<AttemptVerdict> {
    const { postOnce } = await import('./transport-http.js');
    const r = await postOnce({
      url: opts.endpoint,
      headers: httpHeaders,
      body: httpBody,
      timeoutMs: remainingMs,
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}),
    });
    switch (r.kind) {
      case 'response':
        return classifyHttpResponse(
          { status: r.status, statusText: r.statusText, headers: r.headers, body: r.body },
          ctx,
          serialized.decodeResponse,
          now(),
        );
      case 'error':
        return classifyNetworkError(r.error, ctx);
      case 'timeout':
        return timeoutVerdict(ctx, timeoutMs, false);
      case 'aborted':
        return timeoutVerdict(ctx, timeoutMs, true);
    }
  }

  async function grpcAttempt(remainingMs: number): Promise<AttemptVerdict> {
    const { exportOnce } = await import('./transport-grpc.js');
    const r = await exportOnce({
      endpoint: opts.endpoint,
      methodPath: grpcMethodPath(opts.signal),
      headers: userHeaders,
      body: serialized.body,
      timeoutMs: remainingMs,
      userAgent: USER_AGENT,
      ...(opts.insecure !== undefined ? { insecure: opts.insecure } : {}),
      ...(opts.compression ? { compression: opts.compression } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}),
    });
    switch (r.kind) {
      case 'response': {
        // Same success rule as HTTP 200: decode partial_success with the official deserializer.
        const v = classifyHttpResponse({ status: 200, headers: {}, body: r.body }, ctx, serialized.decodeResponse, now());
        delete v.httpStatus;
        return { ...v, grpcCode: 0, grpcStatusName: 'OK', message: v.message.replace(/^HTTP 200/, 'gRPC OK') };
      }
      case 'grpc-error':
        return classifyGrpcError({ code: r.code, details: r.details, ...(r.statusDetails ? { statusDetails: r.statusDetails } : {}) }, ctx);
      case 'error':
        return classifyNetworkError(r.error, ctx);
      case 'timeout':
        return timeoutVerdict(ctx, timeoutMs, false);
      case 'aborted':
        return timeoutVerdict(ctx, timeoutMs, true);
    }
  }

  // The budget covers the network part only: building the record (first lazy SDK import) is not
  // the backend's time.
  sentAtMs = now();
  const deadline = sentAtMs + timeoutMs;
  let nextBackoff = backoff.initialMs;
  let verdict: AttemptVerdict | undefined;
  for (;;) {
    const remaining = deadline - now();
    if (remaining <= 0) {
      verdict = verdict ?? timeoutVerdict(ctx, timeoutMs, false);
      break;
    }
    attempts++;
    verdict = await attempt(remaining);
    if (verdict.retryAfterMs !== undefined) lastRetryAfterMs = verdict.retryAfterMs;
    if (!verdict.retryable || opts.abortSignal?.aborted) break;
    if (attempts >= maxAttempts) {
      verdict = { ...verdict, message: `${verdict.message} (gave up after ${attempts} attempts)` };
      break;
    }
    const jitter = 1 + (Math.random() * 0.4 - 0.2);
    const wait = verdict.retryAfterMs ?? Math.max(0, Math.min(nextBackoff * jitter, backoff.maxMs));
    nextBackoff *= backoff.multiplier;
    if (now() + wait >= deadline) {
      const why = verdict.retryAfterMs !== undefined ? `the server asked to retry after ${Math.round(wait)} ms` : `the next retry (in ${Math.round(wait)} ms)`;
      verdict = {
        ...verdict,
        message: `${verdict.message} (${attempts} attempt${attempts === 1 ? '' : 's'}; ${why}, past the ${timeoutMs} ms timeout)`,
      };
      break;
    }
    await sleep(wait, opts.abortSignal);
  }
  return outcome(verdict);
}
