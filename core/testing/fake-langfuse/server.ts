/**
 * A local Langfuse ingestion endpoint: accepts what the real `langfuse` client sends
 * (POST /api/public/ingestion, basic auth with the public/secret key pair) and keeps the events
 * so tests can check traces, generations, usage and that no secret leaked into them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IngestedEvent {
  id: string;
  type: string;
  timestamp: string;
  body: Record<string, unknown>;
}

export interface FakeLangfuse {
  baseUrl: string;
  events: IngestedEvent[];
  /** Raw request bodies, to search for leaked strings. */
  rawBodies: string[];
  close(): Promise<void>;
}

export async function startFakeLangfuse(opts: { publicKey: string; secretKey: string }): Promise<FakeLangfuse> {
  const events: IngestedEvent[] = [];
  const rawBodies: string[] = [];
  const expected = `Basic ${Buffer.from(`${opts.publicKey}:${opts.secretKey}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Invalid credentials' }));
        return;
      }
      if (req.method === 'POST' && req.url?.startsWith('/api/public/ingestion')) {
        rawBodies.push(body);
        let batch: IngestedEvent[] = [];
        try {
          batch = (JSON.parse(body) as { batch?: IngestedEvent[] }).batch ?? [];
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'invalid JSON' }));
          return;
        }
        events.push(...batch);
        res.writeHead(207, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ successes: batch.map((e) => ({ id: e.id, status: 201 })), errors: [] }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'not found' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    events,
    rawBodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
