/**
 * `GET /metrics` on `cc-otel collect`'s HTTP port (docs/metrics.md): the stored metrics in the
 * Prometheus text format, for Prometheus (or Grafana Alloy, or an OpenTelemetry Collector's
 * prometheus receiver) to scrape.
 *
 * Answers only requests whose Host is this machine by a name no web page can rebind: localhost,
 * 127.x.x.x, [::1], host.docker.internal (Prometheus in Docker, `cc-otel stack`), and the address
 * the collector listens on. A browser page served from elsewhere that points its own DNS name at
 * 127.0.0.1 sends its name as Host and gets 403.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTENT_TYPE, loadSerializer, renderExposition } from './exposition.js';
import { StoreMetrics } from './store-metrics.js';

export const METRICS_PATH = '/metrics';

export interface MetricsEndpointOptions {
  dataDir: string;
  /** attribute keys or label names left out of every series (`session.id`) */
  dropLabels?: readonly string[];
  gaugeMaxAgeMs?: number;
  /** the address the collector listens on: also a Host it answers to */
  listenHost?: string;
  now?: () => number;
}

const LOCAL_HOSTS = new Set(['localhost', '::1', 'host.docker.internal']);

/** The host part of a Host header, lower case, without port or IPv6 brackets. */
function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function hostAllowed(header: string | undefined, listenHost?: string): boolean {
  if (header === undefined) return true; // HTTP/1.0 without Host: not a browser
  const h = hostOf(header);
  if (LOCAL_HOSTS.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  const listen = listenHost?.replace(/^\[|\]$/g, '').toLowerCase();
  return listen !== undefined && listen !== '0.0.0.0' && listen !== '::' && h === listen;
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), ...extra });
  res.end(body);
}

/** The request handler for METRICS_PATH. */
export function createMetricsEndpoint(opts: MetricsEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const view = new StoreMetrics(opts.dataDir);
  loadSerializer().catch(() => undefined); // now, not during the first scrape (a failure shows there)
  const now = opts.now ?? Date.now;
  return (req, res) => {
    req.resume(); // a GET has no body; drain whatever was sent
    if (!hostAllowed(req.headers.host, opts.listenHost)) {
      return sendText(res, 403, `cc-otel collect answers ${METRICS_PATH} only to Host localhost, 127.0.0.1, [::1], host.docker.internal or its --listen address\n`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, `${req.method} not allowed on ${METRICS_PATH}; use GET\n`, { allow: 'GET, HEAD' });
    void (async () => {
      await view.refresh();
      const text = await renderExposition(view.series(), { dropLabels: opts.dropLabels, gaugeMaxAgeMs: opts.gaugeMaxAgeMs, now: now() });
      const body = Buffer.from(text, 'utf8');
      res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch((e: unknown) => {
      if (!res.headersSent) sendText(res, 500, `cannot read the stored metrics: ${(e as Error).message}\n`);
      else res.destroy();
    });
  };
}
