/**
 * Helpers for CLI commands that go through a running cockpit: open the connection for one
 * command, and turn an error result into the exit code it means.
 */
import { CliError, EXIT, type CliContext, type ExitCode } from './registry';
import type { RemoteRuntime } from './connect';

export async function withRuntime<T>(ctx: CliContext, fn: (rt: RemoteRuntime) => Promise<T>): Promise<T> {
  const { connectRuntime } = await import('./connect');
  const rt = await connectRuntime(ctx.config, ctx.dataDir);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

export function exitFor(code: string): ExitCode {
  if (code === 'invalid_input') return EXIT.usage;
  if (code === 'rejected' || code === 'not_found') return EXIT.rejected;
  if (code === 'unavailable') return EXIT.unavailable;
  return EXIT.failed;
}

/** Call a verb; an error result becomes a CliError with the field-level issues spelled out. */
export async function callVerb<T>(rt: RemoteRuntime, verb: string, input: unknown): Promise<T> {
  const r = await rt.call(verb, input);
  if (r.ok) return r.result as T;
  const issues = r.error.issues?.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  throw new CliError(exitFor(r.error.code), issues ? `${r.error.message}\n${issues}` : r.error.message);
}
