/**
 * The CLI's command table. Each capability adds `core/cli/commands/<name>.ts` exporting an
 * array of commands and lists it in `core/cli/commands/index.ts`.
 *
 * Exit codes mean the same thing everywhere:
 *   0 ok · 1 failed (runtime error) · 2 usage (bad arguments) · 3 rejected (a gate, risk limit
 *   or validator said no) · 4 unavailable (no cockpit running, no Temporal, not configured)
 */
import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import type { VigilConfig } from '../runtime/config';
import { progressPrinter, type ProgressPrinter } from '../runtime/progress-line';

export { noCockpitMessage } from '../runtime/runtime-file';

export const EXIT = { ok: 0, failed: 1, usage: 2, rejected: 3, unavailable: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    readonly exit: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdin/stdout are a terminal (confirmation prompts, progress bars). */
  interactive: boolean;
  /** Ask a question on the terminal; resolves to the typed line. Only when interactive. */
  ask(question: string): Promise<string>;
  /** A progress printer on stderr (one line rewritten in place on a terminal); default: `err` lines. */
  progress?: () => ProgressPrinter;
}

/** Start-up and build progress for a command: the IO's printer, else plain lines through `err`. */
export function cliProgress(io: CliIO): ProgressPrinter {
  return io.progress?.() ?? progressPrinter({ write: (t) => io.err(t.replace(/\n$/, '')), tty: false });
}

export interface CliContext {
  config: VigilConfig;
  dataDir: string;
  json: boolean;
  io: CliIO;
}

export interface CliCommand<S extends z.ZodType = z.ZodType> {
  /** Words after `vigil`, e.g. `wallet list`. */
  name: string;
  summary: string;
  /** Lines shown under `vigil <name> --help`. */
  help: string;
  /** node:util parseArgs option spec (without --json/--help, which every command has). */
  flags: NonNullable<ParseArgsConfig['options']>;
  /** Positional argument names, in order, merged into the parsed object. */
  positionals?: string[];
  /** Validates flags + positionals; its errors become exit code 2 with the field named. */
  schema: S;
  run(args: z.output<S>, ctx: CliContext): Promise<ExitCode>;
}

export function command<S extends z.ZodType>(c: CliCommand<S>): CliCommand<S> {
  return c;
}
