/** The strategy registry: names accepted by run_backtest and the CLI. */
import type { StrategyDef } from './types';
import { breakout, buyAndHold, rsiReversion, smaCross } from './baselines';
import { builtinPolicy } from './policy';
import { agentStrategy } from './agent';

export const STRATEGIES: Record<string, StrategyDef> = {
  [buyAndHold.name]: buyAndHold,
  [smaCross.name]: smaCross as StrategyDef,
  [rsiReversion.name]: rsiReversion as StrategyDef,
  [breakout.name]: breakout as StrategyDef,
  [builtinPolicy.name]: builtinPolicy as StrategyDef,
  [agentStrategy.name]: agentStrategy as StrategyDef,
};

export const STRATEGY_NAMES = ['buy_and_hold', 'sma_cross', 'rsi_reversion', 'breakout', 'policy', 'agent'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export * from './types';
