/**
 * The broker's activities: its tools are the contract's MCP verbs (minus a few), called through
 * dispatch as the `broker` door — the model's arguments are validated like any user input, and the
 * door, not the model, says who placed an order.
 */
import { z } from 'zod';
import { api } from '../../api/contract';
import { WORKFLOW_IDS } from '../../domain/ids';
import type { ToolSpec } from '../llm/types';
import { COMMAND_HELP, parseCommand } from '../commands';
import { brokerCallRefusal } from '../broker-guard';
import { parseToolJson } from '../tools';
import { compactJson } from '../compact-json';
import { executionStatusQuery } from '../execution-agent-messages.workflow';
import type { ActivityDeps } from '../../activities/deps';
import type { AgentShared } from './shared';

/**
 * Verbs the broker must not call: on itself, or the arming switch. A live order it may only ask
 * for (request_live_order): refused unless the user allowed it in Settings, guarded like every
 * order, and decided in the app alone.
 */
const BROKER_EXCLUDED = /^(broker_chat|get_chat_history|arm_live_trading|disarm_live_trading)$/;

/** Whether the broker may call this verb: an MCP tool that is not excluded. */
export function brokerToolAllowed(name: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(api, name)) return false;
  return (api as Record<string, { mcp: boolean }>)[name]!.mcp && !BROKER_EXCLUDED.test(name);
}

export function brokerTools(): ToolSpec[] {
  const out: ToolSpec[] = [];
  for (const [name, def] of Object.entries(api)) {
    if (!def.mcp || BROKER_EXCLUDED.test(name)) continue;
    let parameters: Record<string, unknown>;
    try {
      parameters = z.toJSONSchema(def.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    } catch {
      parameters = { type: 'object' };
    }
    delete parameters.$schema;
    out.push({ name, description: def.description, parameters });
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A verb's result for the chat: whole up to 6,000 characters, else shortened but still valid JSON. */
function summarise(v: unknown): string {
  return compactJson(v, 6000);
}

export function createBrokerActivities(deps: ActivityDeps, sh: AgentShared) {
  return {
    /** One broker tool call through dispatch (door 'broker'): validated like any user input. */
    async callBrokerTool(input: { name: string; arguments: string; correlationId?: string }): Promise<string> {
      if (!deps.callVerb) return JSON.stringify({ error: 'tools are not available in this runtime' });
      // Only the tools the model was offered: a model talked into naming any other verb
      // (keys, tradeable fractions, corrections, real orders) gets nowhere.
      if (!brokerToolAllowed(input.name)) return JSON.stringify({ error: `${input.name} is not available to the assistant` });
      const parsed = parseToolJson(input.arguments);
      if (!parsed.ok) return JSON.stringify({ error: parsed.error });
      let args = parsed.value;
      // Offered tools that would loosen the safety net (limits, routing, releasing the kill switch) stay the user's.
      const refusal = brokerCallRefusal(input.name, args);
      if (refusal) return JSON.stringify({ error: refusal.reason });
      // Orders from the chat carry the chat turn's correlation id, so the turn, the order and its
      // fill link up. Who placed them is the broker: the door says so (an `agent` key is refused).
      if (input.name === 'place_mock_order' && input.correlationId && isPlainObject(args)) args = { ...args, correlationId: input.correlationId };
      const res = await deps.callVerb(input.name, args, { door: 'broker', ...(input.correlationId ? { correlationId: input.correlationId } : {}) });
      const text = JSON.stringify(res);
      return text.length > 12_000 ? `${text.slice(0, 12_000)}… (truncated)` : text;
    },

    /** The broker without a model: the command language, run through the same verbs. */
    async brokerCommand(input: { text: string; orderKey: string; note: string | null; correlationId?: string }): Promise<string> {
      const cmd = parseCommand(input.text, input.orderKey);
      const prefix = input.note ? `${input.note}\n` : '';
      if (cmd.kind === 'help') return prefix + COMMAND_HELP;
      if (cmd.kind === 'unknown') return `${prefix}I did not understand "${cmd.text.slice(0, 80)}". ${COMMAND_HELP}`;
      if (!deps.callVerb) return `${prefix}I would ${cmd.describe}, but tools are not available in this runtime.`;
      const corr = input.correlationId ? { correlationId: input.correlationId } : {};
      const res = await deps.callVerb(cmd.verb, cmd.verb === 'place_mock_order' ? { ...cmd.input, ...corr } : cmd.input, { door: 'broker', ...corr });
      if (!res.ok) return `${prefix}Could not ${cmd.describe}: ${res.error.message}${res.error.issues ? ` (${res.error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : ''}`;
      return `${prefix}Done: ${cmd.describe}.\n${summarise(res.result)}`;
    },

    /** Execution agent state for the broker's prompt; a missing agent reads as not running. */
    async executionStatusForBroker(input: { executionWorkflowId: string | null }): Promise<{ mode: string; paused: boolean; running: boolean }> {
      try {
        const st = await sh.client().workflow.getHandle(input.executionWorkflowId ?? WORKFLOW_IDS.executionAgent).query(executionStatusQuery);
        return { mode: st.mode, paused: st.paused, running: true };
      } catch {
        return { mode: 'unknown', paused: true, running: false };
      }
    },
  };
}
