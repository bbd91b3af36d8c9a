/**
 * A valid example input for every MCP tool: shown in docs, and used by the bridge tests to call
 * each tool for real. A tool without an example here fails the tests, so none is forgotten.
 */
export const TOOL_EXAMPLES: Record<string, unknown> = {
  get_runtime_status: {},

  // Paper trading
  place_mock_order: { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '25', idempotencyKey: 'example-order-0001', expectedEdgeBps: 40, rationale: 'example' },
  cancel_order: { idempotencyKey: 'example-order-0001' },
  get_portfolio_status: {},
  get_transaction_history: { symbol: 'BTC-USD', limit: 20 },
  get_performance_metrics: {},
  get_risk_metrics: {},
  set_user_preferences: { profitScrapePct: '0.2' },
  get_user_preferences: {},
  set_kill_switch: { on: false },

  // Production ledger
  list_wallets: {},
  get_journal: { limit: 20 },
  get_reservations: { limit: 20 },
  get_ledger_events: { limit: 20 },
  reconcile: { threshold: '0.01' },
  get_reconcile_history: { limit: 10 },
  get_live_trading_status: {},
  disarm_live_trading: {},
};
