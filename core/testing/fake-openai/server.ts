/**
 * A local OpenAI-compatible chat-completions server for tests and offline demos. It speaks the
 * real wire protocol (JSON and SSE streaming, tool calls, usage, error bodies) so the real
 * `openai` client and Vigil's LLM layer run unmodified against it. Replies come from a script:
 * a queue of scripted replies, or a function that chooses one per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  name: string;
  /** Raw JSON text of the arguments, sent as is (so a test can send malformed arguments). */
  arguments: string;
  id?: string;
}

export type ScriptedReply =
  | { kind: 'message'; content: string; usage?: { prompt: number; completion: number } }
  | { kind: 'tool_calls'; calls: ScriptedToolCall[]; content?: string; usage?: { prompt: number; completion: number } }
  | { kind: 'refusal'; refusal: string }
  | { kind: 'error'; status: number; message: string; type?: string }
  /** Hold the response open for `ms` before answering with `then` (or never, if absent). */
  | { kind: 'delay'; ms: number; then?: ScriptedReply }
  /** A 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** Close the socket without answering. */
  | { kind: 'hangup' };

export interface RecordedRequest {
  model: string;
  messages: { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[];
  tools: { function: { name: string } }[];
  stream: boolean;
  authorization: string | undefined;
  raw: Record<string, unknown>;
}

export type Responder = (req: RecordedRequest, index: number) => ScriptedReply;

export interface FakeOpenAI {
  baseURL: string;
  port: number;
  requests: RecordedRequest[];
  /** Append replies to the queue used when no responder is set. */
  enqueue(...replies: ScriptedReply[]): void;
  /** Choose replies by function; takes precedence over the queue. */
  respondWith(fn: Responder | null): void;
  /** What to answer when the queue is empty (default: a plain "ok" message). */
  setFallback(reply: ScriptedReply): void;
  close(): Promise<void>;
}

/** Rough token estimate used for the usage block: a test asserting usage passes explicit numbers. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export async function startFakeOpenAI(opts: { port?: number; apiKey?: string } = {}): Promise<FakeOpenAI> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  let responder: Responder | null = null;
  let fallback: ScriptedReply = { kind: 'message', content: 'ok' };
  let seq = 0;
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = req.url ?? '';
    if (req.method === 'GET' && url.endsWith('/models')) {
      send(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'vigil-tests' }] });
      return;
    }
    if (req.method !== 'POST' || !url.endsWith('/chat/completions')) {
      send(res, 404, { error: { message: `no route ${req.method} ${url}`, type: 'invalid_request_error' } });
      return;
    }
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
      return;
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      send(res, 400, { error: { message: 'request body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    const rec: RecordedRequest = {
      model: String(parsed.model ?? ''),
      messages: Array.isArray(parsed.messages) ? (parsed.messages as RecordedRequest['messages']) : [],
      tools: Array.isArray(parsed.tools) ? (parsed.tools as RecordedRequest['tools']) : [],
      stream: parsed.stream === true,
      authorization: req.headers.authorization,
      raw: parsed,
    };
    const index = requests.length;
    requests.push(rec);
    const reply = responder ? responder(rec, index) : (queue.shift() ?? fallback);
    await answer(res, rec, reply);
  }

  async function answer(res: http.ServerResponse, rec: RecordedRequest, reply: ScriptedReply): Promise<void> {
    switch (reply.kind) {
      case 'delay':
        await new Promise((r) => setTimeout(r, reply.ms));
        if (res.destroyed) return;
        if (reply.then) return answer(res, rec, reply.then);
        return; // never answers: the client's timeout must fire
      case 'hangup':
        res.socket?.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "chatcmpl-broken", "choices": [ {"message": ');
        return;
      case 'error':
        send(res, reply.status, { error: { message: reply.message, type: reply.type ?? 'server_error', code: null } });
        return;
      case 'message':
      case 'refusal':
      case 'tool_calls':
        break; // a completion: built below

    }
    const id = `chatcmpl-fake-${++seq}`;
    const promptText = JSON.stringify(rec.messages);
    const content = reply.kind === 'message' ? reply.content : reply.kind === 'tool_calls' ? (reply.content ?? null) : null;
    const toolCalls =
      reply.kind === 'tool_calls'
        ? reply.calls.map((c, i) => ({ id: c.id ?? `call_${seq}_${i}`, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }))
        : undefined;
    const explicit = reply.kind === 'message' || reply.kind === 'tool_calls' ? reply.usage : undefined;
    const completionText = (content ?? '') + (toolCalls ? JSON.stringify(toolCalls) : '') + (reply.kind === 'refusal' ? reply.refusal : '');
    const usage = {
      prompt_tokens: explicit?.prompt ?? estimateTokens(promptText),
      completion_tokens: explicit?.completion ?? estimateTokens(completionText),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const finish = toolCalls ? 'tool_calls' : 'stop';
    const message = {
      role: 'assistant',
      content,
      refusal: reply.kind === 'refusal' ? reply.refusal : null,
      ...(toolCalls ? { tool_calls: toolCalls } : {}),
    };
    if (!rec.stream) {
      send(res, 200, { id, object: 'chat.completion', created: 0, model: rec.model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null, withUsage = false) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: rec.model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }], ...(withUsage ? { usage } : {}) })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    if (reply.kind === 'refusal') res.write(chunk({ refusal: reply.refusal }, null));
    if (content) {
      // Word-sized pieces so a subscriber sees real incremental deltas.
      for (const piece of content.match(/\S+\s*|\s+/g) ?? [content]) res.write(chunk({ content: piece }, null));
    }
    if (toolCalls) {
      toolCalls.forEach((tc, i) => {
        res.write(chunk({ tool_calls: [{ index: i, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] }, null));
        const args = tc.function.arguments;
        const mid = Math.floor(args.length / 2);
        for (const part of [args.slice(0, mid), args.slice(mid)]) if (part) res.write(chunk({ tool_calls: [{ index: i, function: { arguments: part } }] }, null));
      });
    }
    const includeUsage = (rec.raw.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    res.write(chunk({}, finish, false));
    if (includeUsage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: rec.model, choices: [], usage })}\n\n`);
    res.write('data: [DONE]\n\n');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    enqueue: (...r) => void queue.push(...r),
    respondWith: (fn) => void (responder = fn),
    setFallback: (r) => void (fallback = r),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
