/**
 * Helpers for CLI commands that go through a running cockpit: open the connection for one
 * command, and turn an error result into the exit code it means. Backtest commands also run
 * without a cockpit (`withBacktests`): in this process, over the same activities.
 */
import { randomUUID } from 'node:crypto';
import { dispatch } from '../api/dispatch';
import type { ApiResult } from '../api/result';
import { readRuntimeInfo } from '../runtime/runtime-file';
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

/** Something verbs can be called on: a running cockpit, or the backtest verbs in this process. */
export interface VerbDoor {
  /** 'cockpit' through Temporal, 'in-process' without one. */
  via: 'cockpit' | 'in-process';
  call(verb: string, input: unknown): Promise<ApiResult<unknown>>;
  /** In-process only: stop the runs of this process (Ctrl-C). */
  cancel?: () => void;
}

/**
 * Backtest verbs through the running cockpit when there is one (its Backtest page shows the run
 * live), else in this process (core/backtest/cli-local.ts): same validation, same engine, same
 * store, same result. In-process, the command returns when its runs have settled.
 */
export async function withBacktests<T>(ctx: CliContext, fn: (door: VerbDoor) => Promise<T>): Promise<T> {
  if (readRuntimeInfo(ctx.dataDir)) return withRuntime(ctx, (rt) => fn({ via: 'cockpit', call: (verb, input) => rt.call(verb, input) }));
  const { createLocalBacktests } = await import('../backtest/cli-local');
  const local = createLocalBacktests({ config: ctx.config, dataDir: ctx.dataDir });
  try {
    return await fn({ via: 'in-process', call: (verb, input) => dispatch(local.handlers, verb, input, { door: 'cli', correlationId: randomUUID() }), cancel: () => local.cancelAll() });
  } finally {
    local.cancelAll();
    await local.settled();
  }
}

export function exitFor(code: string): ExitCode {
  if (code === 'invalid_input') return EXIT.usage;
  if (code === 'rejected' || code === 'not_found') return EXIT.rejected;
  if (code === 'unavailable') return EXIT.unavailable;
  return EXIT.failed;
}

/** Call a verb; an error result becomes a CliError with the field-level issues spelled out. */
export async function callVerb<T>(rt: Pick<VerbDoor, 'call'>, verb: string, input: unknown): Promise<T> {
  const r = await rt.call(verb, input);
  if (r.ok) return r.result as T;
  const issues = r.error.issues?.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  throw new CliError(exitFor(r.error.code), issues ? `${r.error.message}\n${issues}` : r.error.message);
}
