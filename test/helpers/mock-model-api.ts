// A scriptable stand-in for the Anthropic Messages API, so the real Claude Code binary can run a
// whole session offline. It speaks just enough of the API: `HEAD /`, `POST /v1/messages` (with or
// without `?beta=true`), streaming (SSE) and non-streaming. Every request and every usage block it
// hands out is recorded, so tests can compare Claude Code's token.usage/cost.usage with the truth.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/**
 * What the default script answers:
 * - `tool_use`: first turn of the main conversation (request offers a `Bash` tool, last user message
 *   holds no `tool_result`) when `bashCommand` is set — a Bash tool call.
 * - `final_text`: the main conversation's follow-up (last user message holds a `tool_result`), or its
 *   first turn when no `bashCommand` is set — text + `end_turn`.
 * - `side_text`: anything else (title generation, small side calls) — a short text answer.
 */
export type ReplyKind = 'tool_use' | 'final_text' | 'side_text';

export interface RecordedModelRequest {
  index: number;
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Path with the query string, e.g. `/v1/messages?beta=true`. */
  url: string;
  query: Record<string, string>;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it isn't JSON, or undefined when empty. */
  body: unknown;
  rawBody: string;
  receivedAt: number;
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface RecordedModelResponse {
  requestIndex: number;
  kind: ReplyKind | 'error';
  stream: boolean;
  status: number;
  model: string;
  messageId: string;
  content: ContentBlock[];
  stopReason: string | null;
  /** The usage reported for this message (final values, as sent in `message_delta`). Zero for errors. */
  usage: ModelUsage;
}

/** What a custom `script` may return for a `/v1/messages` request; unspecified parts use the default. */
export interface MockReply {
  kind?: ReplyKind;
  /** Replace the content blocks entirely. */
  content?: ContentBlock[];
  stopReason?: string;
  usage?: Partial<ModelUsage>;
  /** Answer with an API error instead, e.g. `{ status: 529, type: 'overloaded_error' }`. */
  error?: { status: number; type: string; message?: string; headers?: Record<string, string> };
  /** Delay before answering (ms). */
  delayMs?: number;
}

export interface MockModelApiOptions {
  /** When set, the first turn of the main conversation calls the Bash tool with this command. */
  bashCommand?: string;
  /** Text of the main conversation's final answer. Default `Done.` */
  finalText?: string;
  /** Text of every side call's answer. Default `OK` */
  sideText?: string;
  /** Usage handed out per message; a function can vary it per request. Defaults: see DEFAULT_USAGE. */
  usage?: Partial<ModelUsage> | ((req: RecordedModelRequest, kind: ReplyKind) => Partial<ModelUsage>);
  /** `output_tokens` in `message_start` (the real API sends a small number, final count comes in
   *  `message_delta`). Default 1. */
  startOutputTokens?: number;
  /** Full control: return a partial reply to override the default for this request. */
  script?: (req: RecordedModelRequest, defaultKind: ReplyKind) => MockReply | undefined;
  /** Delay before every `/v1/messages` answer (ms). */
  latencyMs?: number;
}

export interface MockModelApi {
  /** Base URL, e.g. `http://127.0.0.1:43121` — use as ANTHROPIC_BASE_URL. */
  url: string;
  port: number;
  /** Every request received, in order (including HEAD / and unknown paths). */
  requests: RecordedModelRequest[];
  /** Every `/v1/messages` answer sent, in order. */
  responses: RecordedModelResponse[];
  /** Only the `POST /v1/messages` requests. */
  messageRequests(): RecordedModelRequest[];
  /** Sum of the usage handed out across all successful message responses. */
  totals(): ModelUsage;
  /** Forget recorded requests/responses (the server keeps running). */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_USAGE: Readonly<ModelUsage> = Object.freeze({
  input_tokens: 120,
  output_tokens: 30,
  cache_read_input_tokens: 50,
  cache_creation_input_tokens: 10,
});

const ZERO_USAGE: Readonly<ModelUsage> = Object.freeze({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: Array<{ name?: string }>;
  messages?: Array<{ role?: string; content?: unknown }>;
}

function asMessagesBody(body: unknown): MessagesBody {
  return body !== null && typeof body === 'object' ? (body as MessagesBody) : {};
}

/** True when the last `user` message carries a `tool_result` block. */
export function lastUserMessageHasToolResult(body: unknown): boolean {
  const messages = asMessagesBody(body).messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    return (
      Array.isArray(m.content) &&
      m.content.some((b: unknown) => (b as { type?: unknown } | null)?.type === 'tool_result')
    );
  }
  return false;
}

function offersTool(body: unknown, name: string): boolean {
  return (asMessagesBody(body).tools ?? []).some((t) => t?.name === name);
}

export function classifyRequest(body: unknown, bashCommand: string | undefined): ReplyKind {
  if (!offersTool(body, 'Bash')) return 'side_text';
  if (lastUserMessageHasToolResult(body)) return 'final_text';
  return bashCommand === undefined ? 'final_text' : 'tool_use';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startMockModelApi(opts: MockModelApiOptions = {}): Promise<MockModelApi> {
  const requests: RecordedModelRequest[] = [];
  const responses: RecordedModelResponse[] = [];
  let counter = 0;

  const usageFor = (rec: RecordedModelRequest, kind: ReplyKind, override?: Partial<ModelUsage>): ModelUsage => {
    const configured = typeof opts.usage === 'function' ? opts.usage(rec, kind) : opts.usage;
    return { ...DEFAULT_USAGE, ...configured, ...override };
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': `req_mock_${counter}`,
      ...headers,
    });
    res.end(text);
  };

  const handleMessages = async (rec: RecordedModelRequest, res: ServerResponse) => {
    const body = asMessagesBody(rec.body);
    const defaultKind = classifyRequest(rec.body, opts.bashCommand);
    const scripted = opts.script?.(rec, defaultKind) ?? {};
    const delay = scripted.delayMs ?? opts.latencyMs ?? 0;
    if (delay > 0) await sleep(delay);

    const n = ++counter;
    const model = typeof body.model === 'string' ? body.model : 'claude-mock';
    const stream = body.stream === true;
    const messageId = `msg_mock_${String(n).padStart(4, '0')}`;

    if (scripted.error) {
      const { status, type, message, headers } = scripted.error;
      responses.push({
        requestIndex: rec.index, kind: 'error', stream, status, model, messageId,
        content: [], stopReason: null, usage: { ...ZERO_USAGE },
      });
      json(res, status, { type: 'error', error: { type, message: message ?? `mock ${type}` } }, headers);
      return;
    }

    const kind = scripted.kind ?? defaultKind;
    let content: ContentBlock[];
    let stopReason: string;
    if (kind === 'tool_use') {
      content = [{ type: 'tool_use', id: `toolu_mock_${String(n).padStart(4, '0')}`, name: 'Bash',
        input: { command: opts.bashCommand ?? 'true' } }];
      stopReason = 'tool_use';
    } else {
      content = [{ type: 'text', text: kind === 'final_text' ? (opts.finalText ?? 'Done.') : (opts.sideText ?? 'OK') }];
      stopReason = 'end_turn';
    }
    if (scripted.content) content = scripted.content;
    if (scripted.stopReason) stopReason = scripted.stopReason;
    const usage = usageFor(rec, kind, scripted.usage);
    responses.push({ requestIndex: rec.index, kind, stream, status: 200, model, messageId, content, stopReason, usage });

    if (!stream) {
      json(res, 200, {
        id: messageId, type: 'message', role: 'assistant', model, content,
        stop_reason: stopReason, stop_sequence: null, usage,
      });
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': `req_mock_${n}`,
    });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', {
      type: 'message_start',
      message: {
        id: messageId, type: 'message', role: 'assistant', model, content: [],
        stop_reason: null, stop_sequence: null,
        usage: { ...usage, output_tokens: Math.min(opts.startOutputTokens ?? 1, usage.output_tokens) },
      },
    });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
      } else {
        send('content_block_start', {
          type: 'content_block_start', index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        send('content_block_delta', {
          type: 'content_block_delta', index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        });
      }
      send('content_block_stop', { type: 'content_block_stop', index });
    });
    send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage });
    send('message_stop', { type: 'message_stop' });
    res.end();
  };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown = undefined;
      if (raw.length > 0) {
        try { body = JSON.parse(raw); } catch { body = raw; }
      }
      const rec: RecordedModelRequest = {
        index: requests.length,
        method: req.method ?? 'GET',
        path: u.pathname,
        url: req.url ?? '/',
        query: Object.fromEntries(u.searchParams),
        headers: lowerHeaders(req),
        body,
        rawBody: raw,
        receivedAt: Date.now(),
      };
      requests.push(rec);

      if ((rec.method === 'HEAD' || rec.method === 'GET') && rec.path === '/') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(rec.method === 'HEAD' ? undefined : 'ok');
        return;
      }
      if (rec.method === 'POST' && rec.path === '/v1/messages') {
        await handleMessages(rec, res);
        return;
      }
      json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `mock: no route for ${rec.method} ${rec.path}` } });
    })().catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { type: 'error', error: { type: 'api_error', message: String(err) } });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    responses,
    messageRequests: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages'),
    totals() {
      const t = { ...ZERO_USAGE };
      for (const r of responses) {
        if (r.status !== 200) continue;
        t.input_tokens += r.usage.input_tokens;
        t.output_tokens += r.usage.output_tokens;
        t.cache_read_input_tokens += r.usage.cache_read_input_tokens;
        t.cache_creation_input_tokens += r.usage.cache_creation_input_tokens;
      }
      return t;
    },
    reset() {
      requests.length = 0;
      responses.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
