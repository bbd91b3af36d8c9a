/**
 * The context manager: exact token counts (js-tiktoken, with the encoder ranks bundled in the
 * package, never fetched) and summarisation of older turns when a conversation nears its budget.
 *
 * Rules it keeps:
 *  - leading system messages (the rendered prompt) stay as they are;
 *  - the last `keepLast` messages stay verbatim, widened backwards so a tool result is never
 *    separated from the assistant message that called it (providers reject orphaned results);
 *  - everything older becomes one summary message (which itself gets folded into the next one);
 *  - the result never exceeds `maxTokens`: oversized tool results in the kept tail are clipped.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import type { ChatMessage } from './llm/types';

export interface ContextBudget {
  maxTokens: number;
  summariseAt: number;
  keepLast: number;
}

export const DEFAULT_BUDGET: ContextBudget = { maxTokens: 8000, summariseAt: 6000, keepLast: 5 };

/** Marks the summary message so the next compaction folds it in rather than nesting it. */
export const SUMMARY_PREFIX = '[Summary of the earlier conversation]\n';

let encoder: Tiktoken | null = null;
function enc(): Tiktoken {
  encoder ??= new Tiktoken(o200k);
  return encoder;
}

// Conversations are recounted on every turn; most strings were counted before.
const cache = new Map<string, number>();
const CACHE_MAX = 4000;

export function countText(text: string): number {
  if (!text) return 0;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = enc().encode(text).length;
  if (text.length <= 200_000) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(text, n);
  }
  return n;
}

/** Tokens of one message as chat models bill them: content plus ~3 tokens of framing. */
export function countMessage(m: ChatMessage): number {
  let n = 3;
  if (m.role === 'assistant') {
    n += countText(m.content ?? '');
    for (const c of m.toolCalls ?? []) n += 3 + countText(c.name) + countText(c.arguments);
  } else if (m.role === 'tool') {
    n += countText(m.content) + countText(m.name) + 1;
  } else {
    n += countText(m.content);
  }
  return n;
}

/** Tokens of a whole request's messages, including the 3 tokens priming the reply. */
export function countMessages(ms: readonly ChatMessage[]): number {
  let n = 3;
  for (const m of ms) n += countMessage(m);
  return n;
}

/** Clip text to at most `max` tokens, on a token boundary. */
export function clipToTokens(text: string, max: number): string {
  const ids = enc().encode(text);
  if (ids.length <= max) return text;
  if (max <= 1) return '…';
  return `${enc().decode(ids.slice(0, max - 1))}…`;
}

export type Summariser = (older: ChatMessage[], maxTokens: number) => Promise<string>;

export interface CompactResult {
  messages: ChatMessage[];
  summarised: boolean;
  tokensBefore: number;
  tokensAfter: number;
}

/** Index where the verbatim tail starts, moved back so no tool result loses its call. */
export function tailStart(ms: readonly ChatMessage[], head: number, keepLast: number): number {
  let start = Math.max(head, ms.length - keepLast);
  while (start > head && ms[start]?.role === 'tool') start--;
  return start;
}

export async function compact(messages: ChatMessage[], budget: ContextBudget, summarise: Summariser): Promise<CompactResult> {
  const before = countMessages(messages);
  if (before <= budget.summariseAt) return { messages, summarised: false, tokensBefore: before, tokensAfter: before };
  let head = 0;
  while (head < messages.length && messages[head]!.role === 'system' && !isSummary(messages[head]!)) head++;
  const start = tailStart(messages, head, budget.keepLast);
  const system = messages.slice(0, head);
  let tail = messages.slice(start);
  const older = messages.slice(head, start);

  // The tail alone may be over budget (a huge tool result): clip the largest contents first.
  const fixed = countMessages(system) + 40;
  tail = fitTail(tail, Math.max(200, budget.maxTokens - fixed - 200));

  let out = [...system, ...tail];
  if (older.length > 0) {
    const room = budget.maxTokens - countMessages(out) - 20;
    const summaryBudget = Math.max(50, Math.min(Math.floor(budget.summariseAt / 4), room));
    let text = (await summarise(older, summaryBudget)).trim();
    text = clipToTokens(text || '(nothing of note)', summaryBudget);
    out = [...system, { role: 'system', content: SUMMARY_PREFIX + text }, ...tail];
  }
  return { messages: out, summarised: older.length > 0, tokensBefore: before, tokensAfter: countMessages(out) };
}

export function isSummary(m: ChatMessage): boolean {
  return m.role === 'system' && m.content.startsWith(SUMMARY_PREFIX);
}

function fitTail(tail: ChatMessage[], max: number): ChatMessage[] {
  const out = tail.map((m) => ({ ...m }) as ChatMessage);
  for (let guard = 0; guard < 50 && countMessages(out) > max; guard++) {
    let bigI = -1;
    let bigN = 0;
    out.forEach((m, i) => {
      const n = countMessage(m);
      if (n > bigN && (m.role === 'tool' || m.role === 'user' || (m.role === 'assistant' && m.content))) {
        bigN = n;
        bigI = i;
      }
    });
    if (bigI < 0) break;
    const m = out[bigI]!;
    const excess = countMessages(out) - max;
    const target = Math.max(20, bigN - excess - 10, Math.floor(bigN / 2));
    if (m.role === 'assistant') out[bigI] = { ...m, content: clipToTokens(m.content ?? '', target) };
    else out[bigI] = { ...m, content: clipToTokens(m.content, target) } as ChatMessage;
  }
  return out;
}

/**
 * The summariser used without a model (and as the fallback when the model fails): an extractive
 * digest, one line per message, newest lines kept when space runs out. It keeps what an agent
 * needs to stay coherent: what the user asked, which tools ran with which arguments, and results.
 */
export const extractiveSummary: Summariser = async (older, maxTokens) => {
  const lines: string[] = [];
  for (const m of older) {
    if (isSummary(m)) {
      lines.push((m as { content: string }).content.slice(SUMMARY_PREFIX.length));
      continue;
    }
    if (m.role === 'user') lines.push(`- user: ${oneLine(m.content, 160)}`);
    else if (m.role === 'assistant') {
      for (const c of m.toolCalls ?? []) lines.push(`- called ${c.name}(${oneLine(c.arguments, 120)})`);
      if (m.content) lines.push(`- assistant: ${oneLine(m.content, 160)}`);
    } else if (m.role === 'tool') lines.push(`  -> ${m.name}: ${oneLine(m.content, 120)}`);
    else lines.push(`- note: ${oneLine((m as { content: string }).content, 160)}`);
  }
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const n = countText(lines[i]!) + 1;
    if (used + n > maxTokens - 10) {
      kept.unshift(`(${i + 1} earlier lines omitted)`);
      break;
    }
    kept.unshift(lines[i]!);
    used += n;
  }
  return kept.join('\n');
};

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Every tool result follows its call and every call has its result: what providers require. */
export function toolPairsIntact(ms: readonly ChatMessage[]): boolean {
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i]!;
    if (m.role === 'assistant' && m.toolCalls?.length) {
      const ids = new Set(m.toolCalls.map((c) => c.id));
      let j = i + 1;
      while (j < ms.length && ms[j]!.role === 'tool') {
        ids.delete((ms[j] as { toolCallId: string }).toolCallId);
        j++;
      }
      if (ids.size > 0) return false;
    }
    if (m.role === 'tool') {
      let j = i - 1;
      while (j >= 0 && ms[j]!.role === 'tool') j--;
      const parent = ms[j];
      if (!parent || parent.role !== 'assistant' || !parent.toolCalls?.some((c) => c.id === m.toolCallId)) return false;
    }
  }
  return true;
}
