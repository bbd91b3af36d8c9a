/**
 * Which model each agent talks to. An agent has a model when an endpoint is known: its own base
 * URL, the shared OPENAI_BASE_URL (Ollama, LM Studio, vLLM, any OpenAI-compatible server), or
 * OpenAI itself when OPENAI_API_KEY is set. `<AGENT>_MODEL=off` keeps one agent deterministic.
 */
import type { VigilConfig } from '../../runtime/config';
import type { AgentModel, AgentName } from './types';

const OFF = new Set(['off', 'none', 'disabled', 'deterministic']);

export function resolveAgentModel(config: VigilConfig, agent: AgentName): AgentModel {
  const own = agent === 'execution' ? config.EXECUTION_MODEL : agent === 'judge' ? config.JUDGE_MODEL : config.BROKER_MODEL;
  const ownUrl = agent === 'execution' ? config.EXECUTION_BASE_URL : agent === 'judge' ? config.JUDGE_BASE_URL : config.BROKER_BASE_URL;
  const model = own ?? config.OPENAI_MODEL;
  const baseUrl = ownUrl ?? config.OPENAI_BASE_URL ?? null;
  if (own && OFF.has(own.toLowerCase())) {
    return { agent, configured: false, model: 'deterministic', baseUrl, reason: `${agent.toUpperCase()}_MODEL=${own}: built-in behaviour` };
  }
  if (!baseUrl && !config.secrets.OPENAI_API_KEY) {
    return { agent, configured: false, model: 'deterministic', baseUrl: null, reason: 'no model configured (set OPENAI_API_KEY or OPENAI_BASE_URL)' };
  }
  return { agent, configured: true, model, baseUrl, reason: null };
}
