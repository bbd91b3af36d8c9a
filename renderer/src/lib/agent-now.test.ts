import { describe, expect, it } from 'vitest';
import { decide, type PolicyInput } from '../../../core/agents/policy';
import { executionNow, type ExecutionStatus } from './agent-now';

type Decision = NonNullable<ExecutionStatus['lastDecision']>;
const status = (last: Partial<Decision> | null, over: Partial<ExecutionStatus> = {}): ExecutionStatus => {
  const d: Decision | null = last ? { nudge: 3, at: 1, correlationId: 'exec-1-3', action: 'hold', symbol: null, rationale: '', expectedEdgeBps: null, source: 'policy', order: null, ...last } : null;
  return { mode: 'standard', paused: false, nudges: d ? 3 : 0, decisions: 1, skips: 0, lastNudgeAt: d ? 1 : null, lastDecision: d, recent: d ? [d] : [], constraints: {}, modeChanges: [], model: { configured: false, model: 'deterministic', lastError: null }, ...over };
};
const market = (symbol: string, price: string) => ({ symbol, price, time: 1, features: { ema_12: Number(price), ema_26: Number(price) } });
const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({ mode: 'standard', markets: [market('BTC-USD', '60000'), market('ETH-USD', '3000')], history: {}, portfolio: { equity: '1000', cash: '1000', positions: [] }, constraints: {}, ...over });
const policyHold = (i: PolicyInput) => {
  const d = decide(i);
  if (d.action !== 'hold') throw new Error(`expected a hold, got ${d.action}`);
  return d.rationale;
};

describe('what the execution agent is doing now', () => {
  it('not running, paused, or before its first nudge', () => {
    expect(executionNow(null, 'the execution agent is not running (…)')).toMatchObject({ state: 'off', title: 'The execution agent is not running', detail: 'the execution agent is not running (…)' });
    expect(executionNow(status(null, { paused: true }))).toMatchObject({ state: 'off', title: 'The execution agent is paused' });
    expect(executionNow(status(null))).toMatchObject({ state: 'waiting', title: 'Waiting for its first nudge' });
    expect(executionNow(status(null)).detail).toMatch(/standard mode, built-in policy/);
  });

  it('waiting for the price move the skip gate asks for, for prices or for a stream', () => {
    const moved = executionNow(status({ action: 'skip', source: 'gate', rationale: 'prices moved 0.043% since the last decision (< 0.1%)' }));
    expect(moved).toEqual({ state: 'waiting', title: 'Waiting for a 0.1% price move', detail: 'Prices moved 0.043% since its last decision; it decides again when any symbol moves 0.1% (EXECUTION_MIN_PRICE_MOVE_PCT).' });
    expect(executionNow(status({ action: 'skip', rationale: 'prices stale: 2000s old (max 1800s)' })).title).toBe('Waiting for fresh prices');
    expect(executionNow(status({ action: 'skip', rationale: 'no market data (no snapshot)' })).detail).toMatch(/Start the market stream/);
  });

  it('reads the built-in policy’s own holds: warming up, costs too high, at target', () => {
    const warm = policyHold(input({ markets: [{ symbol: 'BTC-USD', price: '1', time: 1 }] }));
    expect(executionNow(status({ rationale: warm }))).toMatchObject({ title: 'Warming up' });
    const dear = policyHold(input({ portfolio: { equity: '1000', cash: '1000', positions: [], costs: { fees: { taker: '0.05', maker: '0.05' }, spreadBps: {} } } }));
    const w = executionNow(status({ rationale: dear }));
    expect(w.title).toBe('Waiting for an expected move that pays for its costs');
    expect(w.detail).toMatch(/^BTC-USD expected \+\d+ bps over 90 days .* < \d+ bps needed \(1\.25 x \d+ bps round trip\); ETH-USD/);
    const full = policyHold(
      input({ portfolio: { equity: '1000', cash: '800', positions: [{ symbol: 'BTC-USD', quantity: '0.00166666', avgPrice: '60000' }, { symbol: 'ETH-USD', quantity: '0.03333333', avgPrice: '3000' }] } }),
    );
    expect(executionNow(status({ rationale: full }))).toMatchObject({ state: 'waiting', title: 'Holding its target allocation' });
  });

  it('a model’s hold, a refused order and a placed one', () => {
    expect(executionNow(status({ source: 'model', rationale: 'no clear setup' }))).toMatchObject({ title: 'Holding (the model decided)', detail: 'no clear setup' });
    expect(executionNow(status({ action: 'buy', symbol: 'ETH-USD', rationale: 'standard: buy 100 of ETH-USD', order: { ok: false, summary: 'blocked by cost_gate: edge below costs' } }))).toMatchObject({
      state: 'waiting',
      title: 'Its last buy of ETH-USD was refused',
      detail: 'blocked by cost_gate: edge below costs',
    });
    const d = decide(input());
    expect(executionNow(status({ action: 'buy', symbol: 'ETH-USD', rationale: d.rationale, order: { ok: true, summary: 'filled' } }))).toMatchObject({ state: 'acted', title: 'Bought ETH-USD' });
  });
});
