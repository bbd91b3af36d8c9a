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
  get_agent_logs: { input: { agent?: string; limit?: number }; result: unknown };
  pause_execution_agent: { input: Record<string, never>; result: unknown };
  resume_execution_agent: { input: Record<string, never>; result: unknown };
  set_execution_mode: { input: { mode: string; reason?: string }; result: unknown };
  trigger_performance_evaluation: { input: Record<string, never>; result: unknown };
  get_judge_scores: { input: { limit?: number }; result: unknown };
  get_prompt_history: { input: { agent?: string; limit?: number }; result: unknown };
  get_prompt: { input: { agent?: string; version?: number | string }; result: unknown };
  update_prompt: { input: { agent: string; text: string; reason?: string }; result: unknown };
  broker_chat: { input: { message: string; sessionId?: string }; result: unknown };
  get_chat_history: { input: { sessionId?: string; limit?: number }; result: unknown };
  get_llm_usage: { input: Record<string, never>; result: unknown };
  get_agent_status: { input: Record<string, never>; result: unknown };
  run_backtest: { input: Record<string, unknown>; result: unknown };
  get_backtest_result: { input: { id: string }; result: unknown };
  list_backtests: { input: { limit?: number }; result: unknown };
  compare_backtests: { input: { ids: string[] }; result: unknown };
  cancel_backtest: { input: { id: string }; result: unknown };
}
export type PendingVerb = keyof PendingApi;
