/**
 * How a verb of the contract is declared. One declaration serves every door: IPC (Electron),
 * HTTP/WebSocket (headless), MCP (outside assistants) and the CLI.
 */
import type { z } from 'zod';

export interface VerbAnnotations {
  /** Reads state only. */
  readOnly: boolean;
  /** Changes state the user cares about (orders, preferences, live trading). */
  destructive: boolean;
  /** Calling twice with the same input has the same effect as once. */
  idempotent: boolean;
}

export interface VerbDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** One sentence shown to users, MCP clients and the broker agent. */
  description: string;
  input: I;
  output: O;
  annotations: VerbAnnotations;
  /** How the verb reaches Temporal: documentation for readers and MCP clients. */
  temporal: 'workflow' | 'update' | 'signal' | 'query' | 'none';
  /** Exposed as an MCP tool (and therefore to the broker agent) under the verb's name. */
  mcp: boolean;
}

export function verb<I extends z.ZodType, O extends z.ZodType>(def: VerbDef<I, O>): VerbDef<I, O> {
  return def;
}

export const READ: VerbAnnotations = { readOnly: true, destructive: false, idempotent: true };
export const WRITE: VerbAnnotations = { readOnly: false, destructive: true, idempotent: false };
export const WRITE_IDEMPOTENT: VerbAnnotations = { readOnly: false, destructive: true, idempotent: true };
export const ACTION: VerbAnnotations = { readOnly: false, destructive: false, idempotent: false };
export const ACTION_IDEMPOTENT: VerbAnnotations = { readOnly: false, destructive: false, idempotent: true };
