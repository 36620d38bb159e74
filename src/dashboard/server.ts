/**
 * The dashboard's routes on the collector's HTTP port (src/collector/http-receiver.ts hands over
 * every path that is not OTLP):
 *
 *   GET /                 the page (dist/dashboard/index.html)
 *   GET /dashboard.js     its one script, /dashboard.css its one style sheet (uPlot bundled in)
 *   GET /api/report       `cc-otel report --json` for the query's range, grouping and filters
 *
 * Telemetry is untrusted (anything that reaches the port can send attributes), and a web page the
 * user visits can make the browser ask 127.0.0.1 too; so: only `Host: 127.0.0.1` or `localhost`
 * (a DNS-rebinding name gets 421), only clients on this machine (403, when `--listen` exposes the
 * port), GET only (405), no CORS headers (a cross-origin page cannot
 * read an answer), and the page under a strict Content-Security-Policy with no inline code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isLoopback } from '../collector/collector.js';
import { CcOtelError, isCcOtelError } from '../errors.js';
import { buildReport, FILTER_BY, GROUP_BY, ReportSource, type GroupBy, type Report, type ReportFilter } from '../report/build.js';
import { parseSince } from '../report/since.js';

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * `Host:` values answered: localhost, or a loopback address literal (127.x.y.z, [::1]), with any
 * port. A literal cannot be rebound; a name other than localhost can (DNS rebinding).
 */
const ALLOWED_HOST = /^(?:localhost|127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|\[::1\])(?::\d{1,5})?$/i;

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/** at most this many recent events in an answer */
const MAX_RECENT = 200;

/** Where the built page is: dist/dashboard, next to the bundle (dist/cli.js or dist/chunks/*) or, from the sources, in the repo's dist. */
function assetsDir(): string | undefined {
  for (const rel of ['./dashboard/', '../dashboard/', '../../dist/dashboard/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

export interface DashboardOptions {
  dataDir: string;
  now?: () => number;
}

/** The report of one /api/report query (the same buildReport `cc-otel report --json` runs). */
export function reportForQuery(query: URLSearchParams, dataDir: string, source: ReportSource, now: number): Report {
  const when = (name: 'since' | 'until'): number | undefined => {
    const v = query.get(name);
    if (v === null || v === '') return undefined;
    if (/^\d{10,}$/.test(v)) return Number(v); // epoch ms, as the page sends
    return parseSince(v, now);
  };
  const by = (query.get('by') ?? 'engineer') as GroupBy;
  if (!GROUP_BY.includes(by)) throw new CcOtelError('USAGE', `by=${JSON.stringify(by)}: expected one of ${GROUP_BY.join(', ')}`);
  const filter: ReportFilter = {};
  for (const dim of FILTER_BY) {
    const v = query.get(dim);
    if (v !== null && v !== '') filter[dim] = v;
  }
  const recent = Number(query.get('recent') ?? 0);
  if (!Number.isInteger(recent) || recent < 0) throw new CcOtelError('USAGE', 'recent: expected a whole number');
  const tz = query.get('tz') ?? 'local';
  if (tz !== 'local' && tz !== 'utc') throw new CcOtelError('USAGE', 'tz: expected local or utc');
  return buildReport({
    dataDir,
    source,
    since: when('since'),
    until: when('until'),
    by,
    filter,
    daily: query.get('daily') === '1',
    recent: Math.min(recent, MAX_RECENT),
    values: query.get('values') === '1',
    live: query.get('live') === '1',
    now,
    dayBoundary: tz,
  });
}

/**
 * The dashboard's request handler: answers its paths and returns true, or returns false (not a
 * dashboard path: the caller answers). One ReportSource for the process: the index is read once,
 * then on from where it was.
 */
export function createDashboardRoutes(opts: DashboardOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const source = new ReportSource(opts.dataDir);
  const now = opts.now ?? Date.now;
  let dir: string | undefined;
  return (req, res) => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    const asset = ASSETS[path];
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/favicon.ico' && read) {
      res.writeHead(204, SECURITY_HEADERS).end();
      return true;
    }
    // not a dashboard path; nor a POST to / (an OTLP client given the base URL: the receiver's 404 says what to use)
    if (!path.startsWith('/api/') && (!asset || !read)) return false;
    const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(buf.length), ...extra });
      res.end(req.method === 'HEAD' ? undefined : buf);
    };
    const error = (status: number, message: string, hint?: string, extra?: Record<string, string>) =>
      send(status, 'application/json; charset=utf-8', `${JSON.stringify({ error: message, ...(hint ? { hint } : {}) })}\n`, extra);
    req.resume(); // a body (there should be none) is not read
    // `collect --listen <addr>` exposes OTLP to a network; the dashboard stays for this machine.
    if (!isLoopback(req.socket.remoteAddress ?? '')) {
      error(403, 'the dashboard answers only clients on this machine (loopback)', 'open it on the machine the collector runs on, or through an SSH tunnel: ssh -L 4318:127.0.0.1:4318 <host>');
      return true;
    }
    if (!ALLOWED_HOST.test(String(req.headers.host ?? ''))) {
      error(421, `this dashboard answers only Host: 127.0.0.1 or localhost (got ${JSON.stringify(String(req.headers.host ?? ''))})`, 'open it as http://127.0.0.1:<port>/ (`cc-otel dashboard` prints the URL)');
      return true;
    }
    if (!read) {
      error(405, `${req.method} not allowed here; the dashboard is read-only (GET)`, undefined, { allow: 'GET, HEAD' });
      return true;
    }
    if (asset) {
      dir ??= assetsDir();
      if (!dir) {
        error(500, 'the dashboard page is not built (dist/dashboard is missing)', 'run `npm run build` (a packed cc-otel ships it)');
        return true;
      }
      send(200, asset.type, readFileSync(`${dir}${asset.file}`));
      return true;
    }
    if (path !== '/api/report') {
      error(404, `no dashboard route ${path}`, 'GET /api/report?since=7d&by=engineer');
      return true;
    }
    void (async () => {
      try {
        // a slice at a time, so OTLP requests go on being answered while a big store is read the first time
        await source.catchUp();
        const report = reportForQuery(query, opts.dataDir, source, now());
        send(200, 'application/json; charset=utf-8', JSON.stringify(report));
      } catch (e) {
        if (isCcOtelError(e)) error(e.code === 'USAGE' ? 400 : 503, e.message, e.hint);
        else error(500, `cannot build the report: ${(e as Error).message}`);
      }
    })();
    return true;
  };
}
