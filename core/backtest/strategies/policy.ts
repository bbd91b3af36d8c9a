/**
 * The built-in deterministic execution policy (core/agents/policy.ts), the same `decide` the
 * execution agent runs without a model, replayed bar by bar: each closed bar is one "nudge" with
 * the recent closes as the price history, a bar apart, and the run's own fees and spread as the
 * costs it weighs. Slower than the baselines (it builds the policy's input objects each bar) but
 * it is exactly the live decision code.
 */
import { z } from 'zod';
import { Dec } from '../../domain/decimal';
import { decide, SLOW } from '../../agents/policy';
import { ExecutionMode } from '../../agents/prompt-ids';
import type { StrategyDef } from './types';

const Params = z
  .object({
    mode: ExecutionMode.default('standard').describe('Execution mode: how much of equity the policy holds and the margin over costs it asks'),
    // Set by the runner from the spec (core/backtest/runner.ts), not by the user.
    barMs: z.number().int().positive().optional(),
    fees: z.object({ taker: z.string(), maker: z.string() }).optional(),
    spreadBps: z.string().optional(),
  })
  .strict();

/** Size of the history the policy sees: enough for its slow EMA warm-up (2 x SLOW). */
const HISTORY = SLOW * 2 + 1;
const EQUITY = 10_000;

export const builtinPolicy: StrategyDef<typeof Params> = {
  name: 'policy',
  description: 'The execution agent’s built-in deterministic policy (risk premium + trend against the round-trip cost), one decision per bar.',
  params: Params,
  create(p, saved) {
    const history: string[] = Array.isArray((saved as { history?: unknown })?.history) ? [...(saved as { history: string[] }).history] : [];
    const costs = p.fees ? { fees: p.fees, spreadBps: { 'X-USD': p.spreadBps ?? '0' } } : undefined;
    return {
      onBar(time, _o, _h, _l, c, _v, exposure) {
        // The policy speaks in a portfolio of EQUITY quote units, all of it this symbol's allocation.
        const price = Dec.fromMeasured(c);
        const heldValue = Dec.fromMeasured(Math.max(0, exposure) * EQUITY).round(2, 'down');
        const quantity = heldValue.div(price).floorTo('0.00000001');
        const d = decide({
          mode: p.mode,
          markets: [{ symbol: 'X-USD', price: price.toString(), time }],
          history: { 'X-USD': history },
          portfolio: {
            equity: String(EQUITY),
            cash: Dec.of(String(EQUITY)).sub(heldValue).toString(),
            positions: quantity.isPositive() ? [{ symbol: 'X-USD', quantity: quantity.toString(), avgPrice: price.toString() }] : [],
            ...(costs ? { costs } : {}),
          },
          constraints: {},
          ...(p.barMs ? { sampleSeconds: p.barMs / 1000 } : {}),
        });
        history.push(price.toString());
        if (history.length > HISTORY) history.shift();
        if (d.action === 'buy') return Math.min(1, exposure + Number(d.notional) / EQUITY);
        if (d.action === 'sell') return quantity.isPositive() ? Math.max(0, exposure * (1 - Dec.of(d.quantity).div(quantity).toNumber())) : 0;
        return NaN;
      },
      save: () => ({ history: [...history] }),
    };
  },
};
