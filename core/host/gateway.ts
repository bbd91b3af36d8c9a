/**
 * The headless gateway: HTTP + WebSocket on 127.0.0.1 only. It serves the built renderer and
 * the typed API, and refuses anything that is not this user's page:
 *  - a per-session token (constant-time compared) on every API call and WebSocket;
 *  - the Host header must name this loopback origin (defeats DNS rebinding);
 *  - a cross-origin Origin header is refused (defeats CSRF from another page in the browser);
 *  - JSON bodies only, size-capped;
 *  - every HTML response carries the renderer's CSP (core/host/csp.ts) with WebSockets narrowed
 *    to this port, plus frame-ancestors 'none'.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiResult } from '../api/result';
import type { EventName } from '../api/events';
import type { EventBus } from './bus';
import type { Logger } from '../runtime/log';
import { cspHeader } from './csp';

export interface GatewayOptions {
  call: (verb: string, input: unknown) => Promise<ApiResult<unknown>>;
  bus: EventBus;
  log: Logger;
  rendererDir: string | null;
  port?: number;
  token?: string;
}

export interface Gateway {
  port: number;
  token: string;
  baseUrl: string;
  /** The URL to open: the token travels in the fragment, never in a request line or a log. */
  openUrl: string;
  close(): Promise<void>;
}

const MAX_BODY = 512 * 1024;
const WS_MAX_BUFFER = 4 * 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

function tokenOk(expected: Buffer, given: string | null | undefined): boolean {
  if (!given) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const originCheck = (req: http.IncomingMessage): string | null => {
    const host = req.headers.host ?? '';
    if (!allowedHosts().has(host)) return `host ${JSON.stringify(host.slice(0, 80))} is not this gateway`;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return 'cross-origin request refused';
    return null;
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const data = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(data);
  };
  const fail = (res: http.ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { ok: false, error: { code, message } });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const bad = originCheck(req);
    if (bad) return fail(res, 403, 'forbidden', bad);

    if (url.pathname === '/api/health') return send(res, 200, { ok: true });
    if (url.pathname === '/api/call') {
      if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'POST only');
      const auth = req.headers.authorization ?? '';
      if (!tokenOk(expected, auth.startsWith('Bearer ') ? auth.slice(7) : null)) return fail(res, 401, 'unauthorized', 'missing or wrong session token');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return fail(res, 415, 'invalid_input', 'content-type must be application/json');
      const chunks: Buffer[] = [];
      let size = 0;
      let aborted = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY && !aborted) {
          aborted = true;
          chunks.length = 0;
          res.setHeader('connection', 'close');
          fail(res, 413, 'invalid_input', `request body larger than ${MAX_BODY} bytes`);
        } else if (!aborted) chunks.push(c);
        // Discard the rest of a modest overflow so the client reads our answer; cut off a flood.
        if (aborted && size > 16 * MAX_BODY) req.destroy();
      });
      req.on('end', () => {
        if (aborted) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return fail(res, 400, 'invalid_input', 'body is not valid JSON');
        }
        const b = body as { verb?: unknown; input?: unknown } | null;
        if (!b || typeof b !== 'object' || typeof b.verb !== 'string') return fail(res, 400, 'invalid_input', 'body must be {"verb": string, "input": ...}');
        opts.call(b.verb, b.input).then(
          (r) => send(res, 200, r),
          (err: Error) => fail(res, 500, 'internal', err.message),
        );
      });
      return;
    }
    if (url.pathname.startsWith('/api/')) return fail(res, 404, 'not_found', 'no such endpoint');
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'method_not_allowed', 'GET only');
    serveStatic(opts.rendererDir, url.pathname, res, port);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const bad = originCheck(req);
    if (bad || url.pathname !== '/events' || !tokenOk(expected, url.searchParams.get('token'))) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      // Inbound messages are not part of the protocol: calls go over HTTP.
      ws.on('message', () => {});
    });
  });

  let dropped = 0;
  const unsubscribe = opts.bus.onAny((name: EventName, payload) => {
    if (sockets.size === 0) return;
    const frame = JSON.stringify({ event: name, payload });
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      // A client that falls behind loses frames rather than growing our memory without bound.
      if (ws.bufferedAmount > WS_MAX_BUFFER) {
        dropped++;
        continue;
      }
      ws.send(frame);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = addr && typeof addr === 'object' ? addr.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  opts.log.info('gateway listening', { url: baseUrl });

  return {
    port,
    token,
    baseUrl,
    openUrl: `${baseUrl}/#token=${token}`,
    async close() {
      unsubscribe();
      if (dropped) opts.log.warn('gateway dropped frames for slow clients', { dropped });
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
    },
  };
}

function serveStatic(rendererDir: string | null, pathname: string, res: http.ServerResponse, port: number): void {
  if (!rendererDir || !fs.existsSync(path.join(rendererDir, 'index.html'))) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The cockpit UI is not built. Run `npm run build` (npm start does it for you).');
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const root = path.resolve(rendererDir);
  let file = path.resolve(root, `.${rel}`);
  if (!file.startsWith(root + path.sep) && file !== root) {
    res.writeHead(403).end();
    return;
  }
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
  const ext = path.extname(file);
  const headers: Record<string, string> = {
    'content-type': MIME[ext] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (ext === '.html') {
    headers['content-security-policy'] = cspHeader(port);
    headers['cache-control'] = 'no-store';
    headers['x-frame-options'] = 'DENY';
  }
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
}
