/**
 * The built-in deterministic execution policy (core/agents/policy.ts), the same `decide` the
 * execution agent runs without a model, replayed bar by bar: each closed bar is one "nudge" with
 * the recent closes as the price history. Slower than the baselines (it builds the policy's input
 * objects each bar) but it is exactly the live decision code.
 */
import { z } from 'zod';
import { decide, SLOW } from '../../agents/policy';
import type { StrategyDef } from './types';

const Params = z.object({ mode: z.enum(['conservative', 'standard', 'aggressive']).default('standard').describe('Execution mode: how much risk the policy takes') }).strict();

/** Size of the history the policy sees: enough for its slow EMA warm-up (2 x SLOW) and RSI. */
const HISTORY = SLOW * 2 + 1;

export const builtinPolicy: StrategyDef<typeof Params> = {
  name: 'policy',
  description: 'The execution agent’s built-in deterministic policy (trend + RSI filter), one decision per bar.',
  params: Params,
  create(p, saved) {
    const history: string[] = Array.isArray((saved as { history?: unknown })?.history) ? [...(saved as { history: string[] }).history] : [];
    return {
      onBar(time, _o, _h, _l, c, _v, exposure) {
        // The policy speaks in a portfolio of 1 unit of equity: exposure is the held share.
        const price = String(c);
        const held = exposure > 0;
        const d = decide({
          mode: p.mode,
          markets: [{ symbol: 'X-USD', price, time }],
          history: { 'X-USD': history },
          portfolio: {
            equity: '10000',
            cash: String(Math.max(0, Math.round((1 - exposure) * 10000 * 100) / 100)),
            positions: held ? [{ symbol: 'X-USD', quantity: '1', avgPrice: price }] : [],
          },
          constraints: {},
        });
        history.push(price);
        if (history.length > HISTORY) history.shift();
        if (d.action === 'buy') return Math.min(1, exposure + Number(d.notional) / 10000);
        if (d.action === 'sell') return 0;
        return NaN;
      },
      save: () => ({ history: [...history] }),
    };
  },
};
