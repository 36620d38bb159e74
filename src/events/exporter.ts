/**
 * The official OTLP log exporters (@opentelemetry/exporter-logs-otlp-{proto,http,grpc}), loaded
 * lazily — only the background shipper and `flush` get here, never the hook. Same protocol,
 * endpoint and headers as the plan Claude Code's exporter gets (build-env.ts), so events land where
 * Claude Code's own do.
 *
 * A batch counts as delivered when the exporter reports success: HTTP 2xx (a partial_success body
 * is still 2xx — the backend took the request) or gRPC OK. The exporter retries 429/502/503/504,
 * timeouts and refused connections itself, within `timeoutMs`.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { CcOtelError } from '../errors.js';
import type { TelemetryPlan } from '../otel/build-env.js';
import { isHttp, signalUrl, type Signal } from '../otel/endpoint.js';

export type ExportOutcome = { ok: true } | { ok: false; error: string; status?: number; grpcCode?: number };

/**
 * The backend refused the data itself, for good: OTLP/HTTP 400 (bad data) or 413 (too large), gRPC
 * INVALID_ARGUMENT (backends.md §5.5, §5.6). Sending the same bytes again can never succeed.
 */
export function isPermanentRejection(out: ExportOutcome): boolean {
  return !out.ok && (out.status === 400 || out.status === 413 || out.grpcCode === 3);
}

export interface EventExporter {
  endpoint: string;
  protocol: string;
  export(records: ReadableLogRecord[]): Promise<ExportOutcome>;
  shutdown(): Promise<void>;
}

interface OtelExporter {
  export(items: ReadableLogRecord[], cb: (r: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
}

/** Where the plan sends logs — even when Claude Code's own log export is switched off. */
export function logsEndpoint(plan: TelemetryPlan): string {
  const direct = plan.endpoints.logs;
  if (direct) return direct;
  if (!plan.preset.signals.includes('logs'))
    throw new CcOtelError('CONFIG_INVALID', `backend ${plan.backend} does not accept logs, so hook events cannot be shipped`, {
      hint: 'set "events": {"ship": false} to keep events local, or send them to a backend that takes OTLP logs',
    });
  return isHttp(plan.protocol) ? signalUrl(plan.base, 'logs') : plan.base;
}

/** The headers the plan sends with one signal: common, that signal's, then the auth headers. */
export function signalExportHeaders(plan: TelemetryPlan, signal: Signal): Record<string, string> {
  return { ...plan.commonHeaders, ...(plan.signalHeaders[signal] ?? {}), ...(plan.authHeaders ?? {}) };
}

export function logsHeaders(plan: TelemetryPlan): Record<string, string> {
  return signalExportHeaders(plan, 'logs');
}

export async function createEventExporter(plan: TelemetryPlan, timeoutMs: number): Promise<EventExporter> {
  const endpoint = logsEndpoint(plan);
  const headers = logsHeaders(plan);
  let exporter: OtelExporter;
  try {
    if (plan.protocol === 'grpc') {
      const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-grpc');
      const { Metadata } = await import('@grpc/grpc-js');
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(headers)) metadata.set(k.toLowerCase(), v);
      exporter = new OTLPLogExporter({ url: endpoint, metadata, timeoutMillis: timeoutMs });
    } else if (plan.protocol === 'http/json') {
      const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
      exporter = new OTLPLogExporter({ url: endpoint, headers, timeoutMillis: timeoutMs });
    } else {
      const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
      exporter = new OTLPLogExporter({ url: endpoint, headers, timeoutMillis: timeoutMs });
    }
  } catch (e) {
    throw new CcOtelError('IO', `cannot load the OTLP ${plan.protocol} log exporter: ${(e as Error).message}`, {
      hint: 'reinstall cc-otel (from its clone: `npm install -g .`); its @opentelemetry/exporter-logs-otlp-* dependencies are missing',
      cause: e,
    });
  }
  return {
    endpoint,
    protocol: plan.protocol,
    export: (records) => exportOutcome(exporter, records),
    shutdown: async () => {
      try {
        await exporter.shutdown();
      } catch {
        /* nothing left to do */
      }
    },
  };
}

/** One export through an OTel SDK exporter, its callback turned into an outcome (a throw too). */
export function exportOutcome<T>(exporter: { export(items: T, done: (r: { code: number; error?: Error }) => void): void }, items: T): Promise<ExportOutcome> {
  return new Promise<ExportOutcome>((resolve) => {
    try {
      exporter.export(items, (r) => resolve(r.code === 0 ? { ok: true } : { ok: false, ...describeExportError(r.error) }));
    } catch (e) {
      resolve({ ok: false, error: (e as Error).message });
    }
  });
}

export function describeExportError(e: Error | undefined): { error: string; status?: number; grpcCode?: number } {
  if (!e) return { error: 'export failed' };
  const code = (e as { code?: unknown }).code;
  const data = (e as { data?: unknown }).data;
  const detail = typeof data === 'string' && data ? `: ${data.slice(0, 200)}` : '';
  if (typeof code === 'number' && code >= 100 && code < 600) return { error: `HTTP ${code}${e.message ? ` ${e.message}` : ''}${detail}`, status: code };
  // grpc-js errors carry the gRPC status code (0–16)
  if (typeof code === 'number' && code >= 0 && code <= 16) return { error: e.message || `gRPC status ${code}`, grpcCode: code };
  if (e.message === 'Export failed with retryable status') return { error: 'backend unavailable (429/502/503/504, a timeout or a refused connection — retried until the timeout)' };
  return { error: `${e.message}${typeof code === 'string' ? ` (${code})` : ''}` };
}
