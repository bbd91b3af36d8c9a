/**
 * The strategy registry: names accepted by run_backtest and the CLI. Every strategy takes the
 * protective exits (strategies/exits.ts) besides its own parameters.
 */
import type { StrategyDef } from './types';
import { breakout, buyAndHold, rsiReversion, smaCross } from './baselines';
import { builtinPolicy } from './policy';
import { agentStrategy } from './agent';
import { withExits } from './exits';

export const STRATEGIES: Record<string, StrategyDef> = {
  [buyAndHold.name]: withExits(buyAndHold),
  [smaCross.name]: withExits(smaCross as StrategyDef),
  [rsiReversion.name]: withExits(rsiReversion as StrategyDef),
  [breakout.name]: withExits(breakout as StrategyDef),
  [builtinPolicy.name]: withExits(builtinPolicy as StrategyDef),
  [agentStrategy.name]: withExits(agentStrategy as StrategyDef),
};

export const STRATEGY_NAMES = ['buy_and_hold', 'sma_cross', 'rsi_reversion', 'breakout', 'policy', 'agent'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export * from './types';
export { EXIT_PARAM_NAMES, EXIT_REASONS, exitsOf, type ExitConfig, type ExitReason } from './exits';
