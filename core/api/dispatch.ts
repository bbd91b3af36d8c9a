/**
 * Validate and route one call into the handler map. Every door funnels through here, so bad
 * input gets the same clear error whether it came from IPC, HTTP, MCP or the CLI, and a
 * handler's crash becomes an error result rather than a dead process.
 */
import { z } from 'zod';
import { api, isVerb, type HandlerContext, type Handlers, type VerbName } from './contract';
import { ApiFailure, type ApiError, type ApiResult } from './result';
import { forbiddenKey, forbiddenKeyIssue } from './raw-input';

export { forbiddenKey, forbiddenKeyIssue };

const MAX_INPUT_BYTES = 256 * 1024;

export function zodIssues(err: z.ZodError): { path: string; message: string }[] {
  return err.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiFailure) return { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) };
  if (err instanceof z.ZodError) return { code: 'invalid_input', message: 'invalid input', issues: zodIssues(err) };
  const e = err as { name?: string; message?: string; cause?: unknown } | undefined;
  // A workflow, update or activity failed: the useful words are at the bottom of the cause chain
  // (WorkflowFailedError -> ActivityFailure -> ApplicationFailure "wallet 7 does not exist").
  if (e?.name === 'WorkflowUpdateFailedError' || e?.name === 'WorkflowFailedError') {
    return { code: 'rejected', message: innermostMessage(e) ?? 'rejected' };
  }
  if (e?.name === 'ApplicationFailure') return { code: 'rejected', message: e.message ?? 'rejected' };
  if (e?.name === 'WorkflowNotFoundError') return { code: 'not_found', message: e.message ?? 'not found' };
  if (e?.name === 'ServiceError' || e?.name === 'TransportError') {
    return { code: 'unavailable', message: `Temporal is not reachable: ${e.message ?? ''}`.trim() };
  }
  return { code: 'internal', message: e?.message ? String(e.message).slice(0, 500) : 'internal error' };
}

function innermostMessage(err: unknown): string | null {
  let cur = err as { message?: string; cause?: unknown; name?: string } | undefined;
  let msg: string | null = null;
  for (let depth = 0; cur && depth < 10; depth++) {
    if (cur.message && cur.message !== 'Activity task failed' && cur.message !== 'Workflow execution failed') msg = cur.message;
    cur = cur.cause as typeof cur;
  }
  return msg ? msg.slice(0, 500) : null;
}

export function inputSizeOk(raw: unknown): boolean {
  try {
    return JSON.stringify(raw ?? null).length <= MAX_INPUT_BYTES;
  } catch {
    return false;
  }
}

export async function dispatch(
  handlers: Partial<Handlers>,
  name: string,
  rawInput: unknown,
  ctx: HandlerContext,
): Promise<ApiResult<unknown>> {
  if (typeof name !== 'string' || !isVerb(name)) {
    return { ok: false, error: { code: 'unknown_verb', message: `unknown verb ${JSON.stringify(String(name).slice(0, 60))}` } };
  }
  if (!inputSizeOk(rawInput)) {
    return { ok: false, error: { code: 'invalid_input', message: `input larger than ${MAX_INPUT_BYTES} bytes` } };
  }
  const bad = forbiddenKey(rawInput);
  if (bad) return { ok: false, error: { code: 'invalid_input', message: `invalid input for ${name}`, issues: [forbiddenKeyIssue(bad)] } };
  const def = api[name as VerbName];
  // A call without input means no arguments; an explicit null is a wrong input like any other.
  const parsed = def.input.safeParse(rawInput === undefined ? {} : rawInput);
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_input', message: `invalid input for ${name}`, issues: zodIssues(parsed.error) } };
  }
  const handler = handlers[name as VerbName] as ((a: unknown, c: HandlerContext) => Promise<unknown>) | undefined;
  if (!handler) return { ok: false, error: { code: 'unavailable', message: `${name} is not available in this runtime` } };
  try {
    const result = await handler(parsed.data, ctx);
    const out = def.output.safeParse(result);
    if (!out.success) {
      return { ok: false, error: { code: 'invalid_output', message: `${name} produced an invalid result`, issues: zodIssues(out.error) } };
    }
    return { ok: true, result: out.data };
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}
