/**
 * Fee model. Default: Coinbase Advanced Trade's entry tier (under $1k 30-day volume):
 * taker 1.20%, maker 0.60%. The live tier replaces it when the exchange reports one.
 */
import { Dec } from '../domain/decimal';
import type { FeeSchedule, Liquidity } from './types';

export const COINBASE_ENTRY_TIER: FeeSchedule = { taker: '0.012', maker: '0.006' };

/** Fee in quote currency: notional x rate, exact (no rounding: the ledger keeps every digit). */
export function feeFor(notional: Dec, liquidity: Liquidity, fees: FeeSchedule): Dec {
  return notional.mul(liquidity === 'taker' ? fees.taker : fees.maker);
}

export function feeRate(liquidity: Liquidity, fees: FeeSchedule): Dec {
  return Dec.of(liquidity === 'taker' ? fees.taker : fees.maker);
}
