import { describe, expect, it } from 'vitest';
import { decisionChains, type Blocked, type Fill, type LogEntry } from './decisions';

const fill = (over: Partial<Fill>): Fill =>
  ({ id: 'f', orderId: 'o', symbol: 'BTC-USD', side: 'buy', quantity: '0.001', price: '60000', notional: '60', fee: '0.72', liquidity: 'taker', referencePrice: '60000', slippageBps: 1, time: 2_000, realizedPnl: '0', scraped: '0', cashAfter: '940', agent: 'execution', correlationId: 'c1', idempotencyKey: 'k', expectedEdgeBps: 40, rationale: null, ...over }) as Fill;

describe('decision chains', () => {
  it('folds intent, gate, order and fill of one correlation id into one chain', () => {
    const logs: LogEntry[] = [
      { at: 1_000, agent: 'execution', kind: 'decision', correlationId: 'c1', summary: 'buy BTC-USD: trend up', data: { action: 'buy', expectedEdgeBps: 40, source: 'policy', order: { ok: true, summary: 'filled 0.001' } } },
      { at: 3_000, agent: 'execution', kind: 'decision', correlationId: 'c2', summary: 'buy ETH-USD: breakout', data: { action: 'buy', source: 'model', order: { ok: false, summary: 'blocked' } } },
      { at: 4_000, agent: 'execution', kind: 'decision', correlationId: 'c3', summary: 'hold: no edge', data: { action: 'hold' } },
    ];
    const blocked: Blocked[] = [{ symbol: 'ETH-USD', side: 'buy', rule: 'max_exposure', reason: 'exposure 95% > 90%', at: 3_001, correlationId: 'c2', agent: 'execution-agent' }];
    const chains = decisionChains(logs, [fill({})], blocked);
    expect(chains.map((c) => [c.correlationId, c.outcome])).toEqual([['c3', 'hold'], ['c2', 'blocked'], ['c1', 'filled']]);
    const c1 = chains[2]!;
    expect(c1.steps.map((s) => s.kind)).toEqual(['intent', 'gate', 'order', 'fill']);
    expect(c1.steps[0]!.text).toContain('edge 40 bps (policy)');
    expect(chains[1]!.steps.find((s) => s.kind === 'gate')).toMatchObject({ ok: false, text: expect.stringContaining('max_exposure') });
  });

  it('keeps a user order from the ticket (fill only) and notes without correlation apart', () => {
    const chains = decisionChains([{ at: 5, agent: 'user', kind: 'prompt', correlationId: null, summary: 'prompt v2', data: {} }], [fill({ correlationId: 'u1', agent: 'user', time: 9 })], []);
    expect(chains.map((c) => c.outcome)).toEqual(['filled', 'note']);
    expect(chains[0]!.steps.map((s) => s.kind)).toEqual(['gate', 'fill']);
  });

  it('puts a chat turn first in the chain of the order it placed', () => {
    const logs: LogEntry[] = [{ at: 3_000, agent: 'broker', kind: 'chat', correlationId: 'broker-s-1', summary: 'buy $100 BTC-USD -> Done', data: { turn: 1 } }];
    const chains = decisionChains(logs, [fill({ correlationId: 'broker-s-1', agent: 'broker', time: 2_500 })], []);
    expect(chains).toHaveLength(1);
    expect(chains[0]!.outcome).toBe('filled');
    expect(chains[0]!.steps.map((s) => s.kind)).toEqual(['intent', 'gate', 'fill']);
    expect(chains[0]!.steps[0]!.text).toBe('chat: buy $100 BTC-USD -> Done');
  });
});
