import { describe, expect, it } from 'vitest';
import { compact, countMessages, countText, DEFAULT_BUDGET, extractiveSummary, isSummary, tailStart, toolPairsIntact } from './context';
import type { ChatMessage } from './llm/types';

function turn(i: number): ChatMessage[] {
  const id = `call_${i}`;
  if (i % 3 === 0) {
    return [
      { role: 'user', content: `Turn ${i}: what is my BTC-USD position and should I add to it given the RSI reading of ${40 + (i % 30)}?` },
      { role: 'assistant', content: null, toolCalls: [{ id, name: 'get_portfolio_status', arguments: JSON.stringify({ portfolio: 'default', turn: i }) }] },
      { role: 'tool', toolCallId: id, name: 'get_portfolio_status', content: JSON.stringify({ cash: '812.44', positions: [{ symbol: 'BTC-USD', quantity: '0.0021', avgPrice: '64012.50' }], note: 'x'.repeat(200) }) },
      { role: 'assistant', content: `At turn ${i} you hold 0.0021 BTC at an average of 64,012.50; cash is 812.44. RSI is neutral so I would hold.` },
    ];
  }
  return [
    { role: 'user', content: `Turn ${i}: give me a short market comment for ETH-USD and BTC-USD please.` },
    { role: 'assistant', content: `Turn ${i}: both markets are range-bound; volatility is low and the spread is tight. Nothing to do.` },
  ];
}

describe('token counting', () => {
  it('counts exactly with the o200k encoder', () => {
    expect(countText('hello world')).toBe(2);
    expect(countText('')).toBe(0);
    expect(countMessages([{ role: 'user', content: 'hello world' }])).toBe(3 + 3 + 2);
  });
});

describe('compaction', () => {
  it('leaves a conversation under the threshold untouched', async () => {
    const ms: ChatMessage[] = [{ role: 'system', content: 'You are the broker.' }, ...turn(1)];
    const r = await compact(ms, DEFAULT_BUDGET, extractiveSummary);
    expect(r.summarised).toBe(false);
    expect(r.messages).toBe(ms);
  });

  it('widens the tail backwards so tool results keep their call', () => {
    const ms: ChatMessage[] = [{ role: 'system', content: 's' }, ...turn(0), ...turn(3)];
    // keepLast 3 would start at a tool result; it must move to the assistant call before it.
    const s = tailStart(ms, 1, 3);
    expect(ms[s]!.role).toBe('assistant');
    expect(toolPairsIntact(ms.slice(s))).toBe(true);
  });

  it('keeps a 200-turn conversation under budget without breaking tool-call pairs', async () => {
    const system: ChatMessage = { role: 'system', content: 'You are Vigil\'s broker. Limits are enforced in code. '.repeat(20) };
    let convo: ChatMessage[] = [system];
    let summaries = 0;
    let maxSeen = 0;
    for (let i = 0; i < 200; i++) {
      convo.push(...turn(i));
      const r = await compact(convo, DEFAULT_BUDGET, extractiveSummary);
      if (r.summarised) summaries++;
      convo = r.messages;
      const n = countMessages(convo);
      maxSeen = Math.max(maxSeen, n);
      expect(n).toBeLessThanOrEqual(DEFAULT_BUDGET.maxTokens);
      expect(toolPairsIntact(convo)).toBe(true);
      expect(convo[0]).toEqual(system);
    }
    expect(summaries).toBeGreaterThanOrEqual(3);
    expect(maxSeen).toBeGreaterThan(DEFAULT_BUDGET.summariseAt * 0.8);
    expect(convo.filter(isSummary)).toHaveLength(1);
    // The last exchange is verbatim.
    expect(convo.at(-1)).toEqual(turn(199).at(-1));
    // The digest remembers recent tool use.
    expect(convo.find(isSummary)!.content).toMatch(/called get_portfolio_status/);
  });

  it('clips an oversized tool result in the tail to fit the hard budget', async () => {
    const huge = 'price,volume\n'.repeat(6000);
    const ms: ChatMessage[] = [
      { role: 'system', content: 'sys' },
      ...turn(1),
      { role: 'user', content: 'dump the bars' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'get_bars', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c1', name: 'get_bars', content: huge },
    ];
    const r = await compact(ms, DEFAULT_BUDGET, extractiveSummary);
    expect(r.tokensAfter).toBeLessThanOrEqual(DEFAULT_BUDGET.maxTokens);
    expect(toolPairsIntact(r.messages)).toBe(true);
    expect(r.messages.at(-1)!.role).toBe('tool');
  });

  it('uses the summariser it is given and bounds its output', async () => {
    let long: ChatMessage[] = [{ role: 'system', content: 'sys' }];
    for (let i = 0; i < 80; i++) long.push(...turn(i));
    let seen = 0;
    const r = await compact(long, DEFAULT_BUDGET, async (older, max) => {
      seen = older.length;
      expect(max).toBeGreaterThan(50);
      return 'word '.repeat(10_000);
    });
    long = r.messages;
    expect(seen).toBeGreaterThan(100);
    expect(r.tokensAfter).toBeLessThanOrEqual(DEFAULT_BUDGET.maxTokens);
  });
});
