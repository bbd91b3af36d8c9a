/**
 * BrokerAgentWorkflow: one durable chat per session. Each `chat` update is one user turn: the
 * model answers with the cockpit's verbs as tools (run through dispatch, validated like user
 * input), or — without a model — the command language answers. Turns run one at a time; the
 * conversation is kept inside its token budget by the context manager (summaries keep tool-call
 * pairs intact). Also hosts `agentStoreWorkflow`, the short workflow through which handlers read
 * the agents' store and edit prompts in the host process.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentStoreOp, createAgentActivities } from './activities';
import type { ChatMessage } from './llm/types';

const acts = proxyActivities<ReturnType<typeof createAgentActivities>>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3, initialInterval: '1 second' } });
const llmActs = proxyActivities<ReturnType<typeof createAgentActivities>>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 1 } });
// Tool calls may place orders: the verb's own idempotency key protects a retry, but a timeout
// without a result must not silently re-run a non-idempotent verb.
const toolActs = proxyActivities<ReturnType<typeof createAgentActivities>>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 1 } });

export interface ChatLine {
  turn: number;
  role: 'user' | 'assistant';
  content: string;
  at: number;
  source?: 'model' | 'commands';
  tools?: string[];
}

export interface BrokerState {
  turns: number;
  /** The model's view: compacted conversation without the system prompt. */
  messages: ChatMessage[];
  /** The user's view: the full transcript (bounded). */
  transcript: ChatLine[];
}

export interface BrokerInput {
  sessionId: string;
  /** Continue-as-new after this many turns (history stays small). */
  continueAsNewEvery?: number;
  /** End the workflow after this long without a message (ms); default 7 days. */
  idleMs?: number;
  executionWorkflowId?: string;
  state?: BrokerState;
}

export interface ChatReply {
  sessionId: string;
  turn: number;
  reply: string;
  source: 'model' | 'commands';
  tools: string[];
}

export const chatUpdate = defineUpdate<ChatReply, [{ message: string; correlationId?: string }]>('chat');
export const chatHistoryQuery = defineQuery<ChatLine[]>('history');
export const endChatSignal = defineSignal('end');

const MAX_MESSAGE = 4000;
const MAX_TRANSCRIPT = 400;
const MAX_STEPS = 6;

export async function brokerAgentWorkflow(input: BrokerInput): Promise<void> {
  const s: BrokerState = input.state ?? { turns: 0, messages: [], transcript: [] };
  let busy = false;
  let ended = false;
  let lastActivity = Date.parse(new Date().toISOString());
  let turnsThisRun = 0;

  setHandler(chatHistoryQuery, () => [...s.transcript]);
  setHandler(endChatSignal, () => {
    ended = true;
  });
  setHandler(
    chatUpdate,
    async ({ message }): Promise<ChatReply> => {
      await condition(() => !busy);
      busy = true;
      try {
        return await turn(message.trim());
      } finally {
        busy = false;
        lastActivity = Date.parse(new Date().toISOString());
        turnsThisRun++;
      }
    },
    {
      validator: (a) => {
        if (!a || typeof a.message !== 'string' || a.message.trim() === '') fail('message must be a non-empty string');
        if (a.message.length > MAX_MESSAGE) fail(`message longer than ${MAX_MESSAGE} characters`);
        if (ended) fail('this chat session has ended');
      },
    },
  );

  const idle = input.idleMs ?? 7 * 24 * 3600 * 1000;
  const every = input.continueAsNewEvery ?? 100;
  for (;;) {
    const woke = await condition(() => ended || (turnsThisRun >= every && !busy) || workflowInfo().continueAsNewSuggested, idle);
    if (!woke && Date.parse(new Date().toISOString()) - lastActivity < idle) continue;
    if (ended || !woke) break;
    await condition(allHandlersFinished);
    await continueAsNew<typeof brokerAgentWorkflow>({ ...input, state: s });
  }
  await condition(allHandlersFinished);

  async function turn(text: string): Promise<ChatReply> {
    s.turns++;
    const n = s.turns;
    const now = Date.parse(new Date().toISOString());
    const traceId = `broker-${input.sessionId}-${n}`;
    push({ turn: n, role: 'user', content: text, at: now });
    const model = await acts.agentModelInfo('broker');
    let reply: string | null = null;
    let source: ChatReply['source'] = 'model';
    const tools: string[] = [];
    let note: string | null = null;
    if (model.configured) {
      const r = await withModel(n, text, traceId, tools);
      reply = r.reply;
      note = r.error ? `(The model is unavailable: ${r.error}. Falling back to commands.)` : null;
    } else note = `(No language model is configured: ${model.reason ?? 'see settings'}.)`;
    if (reply === null) {
      source = 'commands';
      reply = await toolActs.brokerCommand({ text, orderKey: `broker:${input.sessionId}:${n}`, note, correlationId: traceId });
      // Keep the model's view coherent for when a model comes back.
      s.messages.push({ role: 'user', content: text }, { role: 'assistant', content: reply });
    }
    push({ turn: n, role: 'assistant', content: reply, at: Date.parse(new Date().toISOString()), source, tools });
    await acts.logAgentEvent({ key: `${traceId}:turn`, agent: 'broker', kind: 'chat', correlationId: traceId, summary: `${text.slice(0, 80)} -> ${reply.slice(0, 120)}`, data: { sessionId: input.sessionId, turn: n, source, tools } });
    return { sessionId: input.sessionId, turn: n, reply, source, tools };
  }

  async function withModel(n: number, text: string, traceId: string, tools: string[]): Promise<{ reply: string | null; error: string | null }> {
    const status = await acts.executionStatusForBroker({ executionWorkflowId: input.executionWorkflowId ?? null });
    const prompt = await acts.renderAgentPrompt({ promptId: 'broker', view: { now: new Date().toISOString(), execution: status } });
    s.messages.push({ role: 'user', content: text });
    const compacted = await acts.compactConversation({ agent: 'broker', traceId, messages: s.messages });
    s.messages = compacted.messages;
    for (let step = 0; step < MAX_STEPS; step++) {
      const out = await llmActs.llmTurn({
        agent: 'broker',
        turn: 'broker.chat',
        traceId,
        sessionId: input.sessionId,
        promptId: 'broker',
        promptVersion: prompt.version,
        messages: [{ role: 'system', content: prompt.text }, ...s.messages],
        tools: 'broker',
        stream: { sessionId: input.sessionId, turn: n },
      });
      if (!out.ok) {
        s.messages.pop();
        return { reply: null, error: out.error.message };
      }
      if (out.refusal) {
        s.messages.push({ role: 'assistant', content: out.refusal });
        return { reply: out.refusal, error: null };
      }
      s.messages.push({ role: 'assistant', content: out.content, ...(out.toolCalls.length ? { toolCalls: out.toolCalls } : {}) });
      if (out.toolCalls.length === 0) return { reply: out.content ?? '', error: null };
      for (const call of out.toolCalls) {
        tools.push(call.name);
        const content = await toolActs.callBrokerTool({ name: call.name, arguments: call.arguments, correlationId: traceId });
        s.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content });
      }
    }
    const last = 'I ran several tools without reaching an answer; please ask again more specifically.';
    s.messages.push({ role: 'assistant', content: last });
    return { reply: last, error: null };
  }

  function push(line: ChatLine): void {
    s.transcript.push(line);
    if (s.transcript.length > MAX_TRANSCRIPT) s.transcript.splice(0, s.transcript.length - MAX_TRANSCRIPT);
  }
}

/** Runs one store operation in the host (reads, prompt edits) on behalf of a handler in any door. */
export async function agentStoreWorkflow(op: AgentStoreOp): Promise<unknown> {
  return acts.agentStoreOp(op);
}

function fail(message: string): never {
  throw ApplicationFailure.create({ message, type: 'InvalidInput', nonRetryable: true });
}
