/**
 * Verbs the cockpit uses that other capabilities are still adding to the contract. Once a verb
 * lands in core/api/contract.ts its real types take over (see client.ts `ResultOf`); these are
 * the loose shapes the pages tolerate until then, and every page normalises what it receives.
 */
export interface CandleLike {
  time: number | string;
  open: string | number;
  high: string | number;
  low: string | number;
  close: string | number;
  volume?: string | number;
}

export interface PendingApi {
  start_market_stream: { input: { symbols: string[] }; result: unknown };
  stop_market_stream: { input: { symbols?: string[] }; result: unknown };
  get_market_snapshot: { input: { symbols?: string[] }; result: unknown };
  get_feature_vector: { input: { symbol: string; timeframe?: string }; result: Record<string, unknown> };
  get_candles: { input: { symbol: string; timeframe?: string; limit?: number }; result: { candles: CandleLike[] } | CandleLike[] };
  run_backtest: { input: Record<string, unknown>; result: unknown };
  get_backtest_result: { input: { id: string }; result: unknown };
  list_backtests: { input: { limit?: number }; result: unknown };
  compare_backtests: { input: { ids: string[] }; result: unknown };
  cancel_backtest: { input: { id: string }; result: unknown };
}
export type PendingVerb = keyof PendingApi;
