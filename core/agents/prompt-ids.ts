/** Prompt ids and execution modes: pure, so the contract (also bundled for the renderer) can use them. */
import { z } from 'zod';

export const PROMPT_IDS = ['execution-conservative', 'execution-standard', 'execution-aggressive', 'judge', 'broker'] as const;
export const PromptId = z.enum(PROMPT_IDS);
export type PromptId = z.infer<typeof PromptId>;

export const EXECUTION_MODES = ['conservative', 'standard', 'aggressive'] as const;
export const ExecutionMode = z.enum(EXECUTION_MODES);
export type ExecutionMode = z.infer<typeof ExecutionMode>;

export function isExecutionMode(s: unknown): s is ExecutionMode {
  return (EXECUTION_MODES as readonly unknown[]).includes(s);
}

export function executionPromptId(mode: ExecutionMode): PromptId {
  return `execution-${mode}`;
}
