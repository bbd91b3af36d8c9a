/**
 * The MCP door parses a call's raw arguments strictly, before the SDK does. The SDK validates each
 * JSON-RPC message by copying it into new objects, and a `"__proto__"` key is lost on the way (the
 * copy sets a prototype instead of a key), so `{"__proto__": {...}}` beside a valid order would
 * reach dispatch looking clean. Each line from the client passes through here first: a `tools/call`
 * whose arguments hold a forbidden key is answered at once with the same refusal dispatch gives
 * any unknown key, and never reaches the server. Every other line passes unchanged.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { forbiddenKey, forbiddenKeyIssue } from '../api/raw-input';

interface ToolCallLine {
  jsonrpc: '2.0';
  id: string | number;
  method: 'tools/call';
  params: { name?: unknown; arguments?: unknown };
}

function asToolCall(line: string): ToolCallLine | null {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return null; // not ours to judge: the SDK answers malformed JSON itself
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as Partial<ToolCallLine>;
  if (m.method !== 'tools/call' || (typeof m.id !== 'string' && typeof m.id !== 'number') || typeof m.params !== 'object' || m.params === null) return null;
  return m as ToolCallLine;
}

/** The refusal for one line, as a JSON-RPC response line; null when the line may pass. */
export function refuseForbiddenArguments(line: string): string | null {
  if (!line.includes('__proto__')) return null;
  const call = asToolCall(line);
  if (!call) return null;
  const bad = forbiddenKey(call.params.arguments);
  if (!bad) return null;
  const name = typeof call.params.name === 'string' ? call.params.name.slice(0, 80) : 'tool';
  const issue = forbiddenKeyIssue(bad);
  const text = `invalid_input: invalid input for ${name}\n  - ${issue.path}: ${issue.message}`;
  return `${JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { isError: true, content: [{ type: 'text', text }] } })}\n`;
}

/**
 * Wraps the client's stream: lines pass through unless refused; refusals are written with `reply`
 * (the same stdout the transport writes whole lines to).
 */
export function strictStdin(input: Readable, reply: (line: string) => void): Readable {
  let pending = '';
  const t = new Transform({
    transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback) {
      pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl + 1);
        pending = pending.slice(nl + 1);
        const refusal = refuseForbiddenArguments(line.replace(/\r?\n$/, ''));
        if (refusal) reply(refusal);
        else this.push(line);
      }
      done();
    },
    flush(done: TransformCallback) {
      if (pending) this.push(pending);
      done();
    },
  });
  input.pipe(t);
  return t;
}
