/**
 * A valid example input for every MCP tool, in an order that works on a fresh cockpit: shown in
 * docs, and used by the bridge tests to call each tool for real. A tool without an example here
 * fails the tests, so none is forgotten. `$backtest` / `$backtest2` stand for ids returned by
 * earlier `run_backtest` calls, `$study` for the id `optimize_strategy` returned.
 */
export const TOOL_EXAMPLES: Record<string, unknown> = {
  get_runtime_status: {},

  // Market
  start_market_stream: { symbols: ['BTC-USD'], feed: 'simulated', backfillMinutes: 30 },
  add_market_symbols: { symbols: ['ETH-USD'] },
  get_market_snapshot: {},
  get_feature_vector: { symbol: 'BTC-USD' },
  get_candles: { symbol: 'BTC-USD', timeframe: '1m', limit: 50 },
  remove_market_symbols: { symbols: ['ETH-USD'] },

  // Paper trading
  place_mock_order: { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '25', idempotencyKey: 'example-order-0001', expectedEdgeBps: 40, rationale: 'example' },
  cancel_order: { idempotencyKey: 'example-order-0001' },
  get_portfolio_status: {},
  get_transaction_history: { symbol: 'BTC-USD', limit: 20 },
  get_performance_metrics: {},
  get_risk_metrics: {},
  get_equity_history: {},
  set_user_preferences: { profitScrapePct: '0.2' },
  get_user_preferences: {},
  set_kill_switch: { on: false },

  // Agents
  pause_execution_agent: { reason: 'example: reviewing the strategy' },
  resume_execution_agent: {},
  set_execution_mode: { mode: 'standard', reason: 'example' },
  get_agent_status: {},
  get_execution_agent_status: {},
  trigger_performance_evaluation: { reason: 'example' },
  get_judge_scores: { limit: 10 },
  get_agent_logs: { limit: 20 },
  get_prompt_history: { promptId: 'execution-standard' },
  get_prompt: { id: 'judge' },
  broker_chat: { sessionId: 'mcp-example', message: 'status' },
  get_chat_history: { sessionId: 'mcp-example' },
  get_llm_usage: {},

  // Backtests
  list_backtest_strategies: {},
  run_backtest: { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2019-01-01', to: '2019-03-01', params: { fast: 10, slow: 30 } },
  get_backtest_result: { id: '$backtest' },
  get_backtest_rows: { id: '$backtest', list: 'trades', offset: 0, limit: 50 },
  list_backtests: { limit: 10 },
  compare_backtests: { ids: ['$backtest', '$backtest2'] },
  cancel_backtest: { id: '$backtest' },

  // Market data
  list_market_data: {},
  upload_market_data: { uploadId: 'example-upload-0001', offset: 0, text: 'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,42000,42100,41900,42050,12.5\n2024-01-01T01:00:00Z,42050,42200,42000,42150,9.75\n' },
  import_market_data: { symbol: 'EXAMPLE-USD', uploadId: 'example-upload-0001', replace: true },
  download_market_data: { symbol: 'BTC-USD', timeframe: '1h', from: '2024-01-01', to: '2024-01-02' },
  get_market_data_download: { symbol: 'BTC-USD', timeframe: '1h' },
  cancel_market_data_download: { symbol: 'BTC-USD', timeframe: '1h' },
  // Research
  optimize_strategy: {
    spec: { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2019-01-01', to: '2019-03-01' },
    space: { fast: { min: 5, max: 20 }, slow: { min: 25, max: 60 } },
    sampler: 'random',
    trials: 6,
    parallel: 3,
    objective: { metric: 'net_return', minTrades: 0 },
  },
  get_research_run: { id: '$study' },
  list_research_runs: { limit: 10 },
  open_trial_backtest: { id: '$study', trial: 0 },
  walk_forward: { spec: { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2019-01-01', to: '2019-03-01' }, sampler: 'random', trialsPerWindow: 3, windows: { mode: 'rolling', count: 2 } },
  check_bias: { spec: { strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2019-01-01', to: '2019-03-01', params: { fast: 10, slow: 30 } }, cuts: 3, offsets: [50], horizon: 100 },
  run_arena: {
    spec: { strategy: 'policy', symbols: ['BTC-USD'], timeframe: '1h', from: '2019-01-01', to: '2019-02-01' },
    contestants: [
      { label: 'standard', kind: 'policy' },
      { label: 'aggressive', kind: 'policy', mode: 'aggressive' },
    ],
  },
  twin_report: { from: 0, strategy: 'policy' },
  cancel_research_run: { id: '$study' },

  // Production ledger
  list_wallets: {},
  get_journal: { limit: 20 },
  get_reservations: { limit: 20 },
  get_ledger_events: { limit: 20 },
  reconcile: { threshold: '0.01' },
  get_reconcile_history: { limit: 10 },
  get_live_trading_status: {},
  disarm_live_trading: {},
  request_live_order: { walletId: 'coinbase:example:funding', product: 'BTC-USD', side: 'BUY', notional: '25', expectedEdge: '0.004', idempotencyKey: 'example-live-0001', reason: 'example: breakout above the daily high', timeoutSeconds: 300 },
  get_live_order_request: { id: 'example-live-0001' },
  get_alert_log: { limit: 20 },
  quote_ledger_order: { walletId: 'coinbase:example:funding', product: 'BTC-USD', side: 'BUY', notional: '25', expectedEdge: '0.004' },
  list_live_order_requests: { pendingOnly: false, limit: 10 },

  stop_market_stream: {},
};

/** Substitute `$name` placeholders (whole string values) from earlier results. */
export function fillPlaceholders(input: unknown, values: Record<string, string>): unknown {
  if (typeof input === 'string' && input.startsWith('$') && values[input.slice(1)] !== undefined) return values[input.slice(1)];
  if (Array.isArray(input)) return input.map((v) => fillPlaceholders(v, values));
  if (input && typeof input === 'object') return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, fillPlaceholders(v, values)]));
  return input;
}
