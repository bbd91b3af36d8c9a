/**
 * The messages between the desktop app's main process and the runtime process that hosts the
 * Temporal worker, the SQLite ledgers and the backtest engine (core/host/process/child.ts). The
 * main process keeps the windows, IPC, tray and notifications; everything heavy runs on the other
 * side of this protocol so the window never stalls. Both sides parse what they receive with these
 * schemas: a message that does not fit is dropped and logged, never trusted.
 */
import { z } from 'zod';

const ErrorCodeSchema = z.enum(['unknown_verb', 'invalid_input', 'invalid_output', 'rejected', 'not_found', 'unavailable', 'internal']);
export const ApiResultSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: ErrorCodeSchema, message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() }),
  }),
]);

/** main → runtime */
export const ToRuntimeSchema = z.discriminatedUnion('type', [
  /**
   * Start the host. The secrets the user stored through the app (decrypted by the OS keychain,
   * which only the main process can reach) travel in this message, never in argv or the
   * environment of the process.
   */
  z.object({
    type: z.literal('start'),
    dataDir: z.string().min(1),
    secrets: z.record(z.string(), z.string()),
    secretProtection: z.enum(['os-keychain', 'file-0600']).nullable(),
  }),
  z.object({ type: z.literal('call'), id: z.number().int().nonnegative(), verb: z.string().min(1), input: z.unknown() }),
  z.object({ type: z.literal('stop') }),
]);
export type ToRuntime = z.infer<typeof ToRuntimeSchema>;

/** runtime → main */
export const FromRuntimeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), line: z.string() }),
  z.object({ type: z.literal('ready'), dataDir: z.string(), pid: z.number().int() }),
  z.object({ type: z.literal('failed'), message: z.string() }),
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), result: ApiResultSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
  /** A secret the user saved (value) or removed (null) in Settings: the main process writes it to the keychain-backed store. */
  z.object({ type: z.literal('secret'), name: z.string().min(1), value: z.string().nullable() }),
  z.object({ type: z.literal('stopped') }),
]);
export type FromRuntime = z.infer<typeof FromRuntimeSchema>;

/** A message the other side sent that did not fit the protocol: what to log (never its content). */
export function describeRefusal(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
    .join('; ');
}
