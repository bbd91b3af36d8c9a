/**
 * MCP tools are the contract's verbs marked `mcp: true`: the same zod schemas (as JSON Schema),
 * the same annotations, the same dispatch — so an outside assistant passes exactly the gates the
 * UI does. This module turns the contract into tool descriptors and results.
 */
import { z } from 'zod';
import { api, type VerbName } from '../api/contract';
import type { VerbDef } from '../api/define';
import type { ApiResult } from '../api/result';

export interface ToolDescriptor {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; [k: string]: unknown };
  outputSchema: { type: 'object'; [k: string]: unknown };
  annotations: { title: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
  /** Output that is not an object is wrapped as { result } for structuredContent. */
  wrapped: boolean;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

function titleOf(name: string): string {
  return name
    .split('_')
    .map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}

export function toolVerbs(readOnly: boolean): VerbName[] {
  return (Object.keys(api) as VerbName[]).filter((k) => {
    const def = api[k] as VerbDef;
    return def.mcp && (!readOnly || def.annotations.readOnly);
  });
}

export function describeTools(readOnly: boolean): ToolDescriptor[] {
  return toolVerbs(readOnly).map((name) => {
    const def = api[name] as VerbDef;
    const input = jsonSchema(def.input, 'input');
    const output = jsonSchema(def.output, 'output');
    const wrapped = output.type !== 'object';
    const title = titleOf(name);
    return {
      name,
      title,
      description: `${def.description}${def.temporal !== 'none' ? ` (Temporal ${def.temporal})` : ''}`,
      inputSchema: { type: 'object', ...input } as ToolDescriptor['inputSchema'],
      outputSchema: (wrapped ? { type: 'object', properties: { result: output }, required: ['result'] } : output) as ToolDescriptor['outputSchema'],
      annotations: {
        title,
        readOnlyHint: def.annotations.readOnly,
        destructiveHint: def.annotations.destructive,
        idempotentHint: def.annotations.idempotent,
        openWorldHint: false,
      },
      wrapped,
    };
  });
}

export interface ToolResult {
  [k: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const TEXT_LIMIT = 20_000;

export function toToolResult(r: ApiResult<unknown>, wrapped: boolean): ToolResult {
  if (!r.ok) {
    const issues = r.error.issues?.map((i) => `\n  - ${i.path}: ${i.message}`).join('') ?? '';
    return { isError: true, content: [{ type: 'text', text: `${r.error.code}: ${r.error.message}${issues}` }] };
  }
  const structured = (wrapped ? { result: r.result } : r.result) as Record<string, unknown>;
  let text = JSON.stringify(r.result, null, 2);
  if (text.length > TEXT_LIMIT) text = `${text.slice(0, TEXT_LIMIT)}\n… (truncated; the structured content is complete)`;
  return { structuredContent: structured, content: [{ type: 'text', text }] };
}

export function errorResult(message: string): ToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}
