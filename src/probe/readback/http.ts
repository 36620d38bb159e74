/**
 * The one HTTP helper every read-back module uses: global fetch bounded by its own timeout, the
 * time left to the caller's deadline and the caller's abort signal (verify's --timeout), JSON
 * body, and uniform failure results (network error, timeout, 401/403, other non-2xx) so modules
 * only handle the success shape.
 */
import { describeError } from '../../errors.js';
import { extractErrorMessage } from '../classify.js';
import { redact, secretsOf } from '../redact.js';
import type { ReadbackQuery, ReadbackResult } from './types.js';

export const DEFAULT_READBACK_TIMEOUT_MS = 10_000;

export type JsonResponse =
  | { ok: true; status: number; json: unknown }
  | { ok: false; status?: number; result: ReadbackResult };

export interface JsonRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  /** what the request was for, e.g. "Loki query" — used in messages */
  what: string;
  /** hint for 401/403 */
  authHint: string;
}

function causeCode(e: unknown): string | undefined {
  const c = e && typeof e === 'object' && 'cause' in e ? (e as { cause: unknown }).cause : undefined;
  if (c && typeof c === 'object' && 'code' in c && typeof (c as { code: unknown }).code === 'string') return (c as { code: string }).code;
  return undefined;
}

type RequestBounds = Pick<ReadbackQuery, 'timeoutMs' | 'fetch' | 'abortSignal' | 'deadlineAtMs' | 'now'>;

export async function requestJson(q: RequestBounds, req: JsonRequest): Promise<JsonResponse> {
  const r = await requestJsonRaw(q, req);
  if (r.ok) return r;
  const secrets = secretsOf(req.headers);
  const result: ReadbackResult = { ...r.result, message: redact(r.result.message, secrets) };
  if (r.result.hint !== undefined) result.hint = redact(r.result.hint, secrets);
  return { ...r, result };
}

async function requestJsonRaw(q: RequestBounds, req: JsonRequest): Promise<JsonResponse> {
  const f = q.fetch ?? fetch;
  const left = q.deadlineAtMs !== undefined ? Math.floor(q.deadlineAtMs - (q.now ?? Date.now)()) : Infinity;
  const timeoutMs = Math.max(1, Math.min(q.timeoutMs ?? DEFAULT_READBACK_TIMEOUT_MS, left));
  if (q.abortSignal?.aborted) return { ok: false, result: { status: 'error', message: `${req.what}: not sent: the run was stopped (--timeout)`, hint: 'raise --timeout.' } };
  const signal = q.abortSignal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), q.abortSignal]) : AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await f(req.url, {
      method: req.method ?? 'GET',
      headers: {
        Accept: 'application/json',
        ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...req.headers,
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal,
    });
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (q.abortSignal?.aborted)
      return { ok: false, result: { status: 'error', message: `${req.what}: stopped: the run reached its --timeout`, hint: 'raise --timeout (with --query it must cover --wait too).' } };
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, result: { status: 'error', retryable: true, message: `${req.what}: no answer within ${timeoutMs} ms`, hint: 'the read API is slow or unreachable; retry, or raise the timeout.' } };
    }
    const code = causeCode(e);
    return {
      ok: false,
      result: {
        status: 'error',
        // a host that does not resolve stays that way; a reset or refused connection may not
        retryable: code !== 'ENOTFOUND',
        message: `${req.what}: request failed${code ? ` (${code})` : ''}: ${describeError(e)}`,
        hint:
          code === 'ENOTFOUND'
            ? 'the read-API host does not resolve: check the URL (it is the UI/API host, not the ingest host) and its region.'
            : 'check the read-API URL and this machine\'s network.',
      },
    };
  }
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* body lost: status still counts */
  }
  if (res.status === 401 || res.status === 403) {
    const said = extractErrorMessage(Buffer.from(text), res.headers.get('content-type') ?? undefined);
    return {
      ok: false,
      status: res.status,
      result: { status: 'auth', message: `${req.what}: HTTP ${res.status}${said ? `: ${said}` : ''}`, hint: req.authHint },
    };
  }
  if (res.status < 200 || res.status >= 300) {
    const said = extractErrorMessage(Buffer.from(text), res.headers.get('content-type') ?? undefined);
    return {
      ok: false,
      status: res.status,
      result: {
        status: 'error',
        ...(res.status === 429 || res.status >= 500 ? { retryable: true } : {}),
        message: `${req.what}: HTTP ${res.status}${said ? `: ${said}` : ''}`,
        hint: res.status === 404 ? 'the read-API path was not found: check the base URL (the instance/API URL, not the ingest URL).' : 'the read API refused the query; see its message.',
      },
    };
  }
  try {
    return { ok: true, status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
  } catch {
    return {
      ok: false,
      status: res.status,
      result: { status: 'error', message: `${req.what}: HTTP ${res.status} but the body is not JSON`, hint: 'the URL probably points at a web page, not the API.' },
    };
  }
}

/** Join a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Safe navigation through unknown JSON: get(obj, 'data', 'result') */
export function get(obj: unknown, ...path: Array<string | number>): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** Query window: a little before the probe (clock skew) to a little after now. */
export function queryWindow(q: ReadbackQuery): { startMs: number; endMs: number } {
  const now = (q.now ?? Date.now)();
  return { startMs: q.sentAtMs - 5 * 60_000, endMs: now + 60_000 };
}
