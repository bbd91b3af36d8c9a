/**
 * What a round trip costs the execution agent where it trades: the ledger's fee rates and spread
 * estimates, and the round-trip figure in bps that both the built-in policy and the model's prompt
 * weigh an expected edge against.
 *
 * Pure and deterministic: safe to import from workflows.
 */
import { COINBASE_ENTRY_TIER } from '../trading/fees';
import { defaultProductSpec } from '../trading/products';

/** What a fill costs where the agent trades: fee rates and the spread estimate (bps) per symbol. */
export interface TradingCosts {
  fees: { taker: string; maker: string };
  spreadBps: Record<string, string>;
}

/** Spread estimate in bps for a symbol: the ledger's, else the product default. */
function spreadOf(costs: TradingCosts | undefined, symbol: string): number {
  const given = costs?.spreadBps[symbol];
  if (given !== undefined && Number.isFinite(Number(given))) return Number(given);
  try {
    return Number(defaultProductSpec(symbol).spreadBps);
  } catch {
    return 0;
  }
}

/**
 * The cost of a round trip in bps: a taker fee each way plus the spread (slippage comes on top
 * and grows with size). Rounded: a figure for the model to weigh an edge against.
 */
export function roundTripBps(costs: TradingCosts | undefined, symbol: string): number {
  const taker = Number((costs?.fees ?? COINBASE_ENTRY_TIER).taker);
  return Math.round(2 * taker * 10_000 + spreadOf(costs, symbol));
}
