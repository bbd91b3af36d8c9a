/**
 * Which queries go stale: the one table. A query's key starts with its read verb
 * (`useVerb` → `[verb, input]`), so invalidating a verb refetches every query of it that a page
 * shows. Two rules fill the table:
 * - after a write verb of the contract succeeds, the reads it can change (`AFTER_VERB`);
 * - after a push event, the reads the change it announces makes stale (`AFTER_EVENT`).
 * `useAction` (hooks.ts) and the live wiring (live.ts) read this table and nothing else.
 * invalidation.test.ts fails when a write verb of the contract is missing here or a rule names a
 * verb that is not a read of the contract.
 */
import type { EventName, EventPayload, VerbName } from './client';

type Reads = readonly VerbName[];

const PORTFOLIO: Reads = ['get_portfolio_status', 'get_risk_metrics'];
const PAPER_TRADES: Reads = [...PORTFOLIO, 'get_transaction_history', 'get_performance_metrics'];
const EXECUTION_AGENT: Reads = ['get_agent_status', 'get_execution_agent_status', 'get_agent_logs', 'get_judge_scores'];
const LEDGER_BOOKS: Reads = ['list_wallets', 'get_journal', 'get_reservations', 'get_ledger_events'];
const MARKET_STREAM: Reads = ['get_market_snapshot', 'get_feature_vector'];
const BACKTEST_RESULTS: Reads = ['list_backtests', 'get_backtest_result', 'compare_backtests'];

/** Every write verb of the contract (annotation `readOnly: false`) → the reads it can change. */
export const AFTER_VERB: Partial<Record<VerbName, Reads>> = {
  // system and settings
  run_smoke_workflow: ['get_runtime_status', 'get_diagnostics'],
  set_mcp_live_orders: ['get_safety_settings'],
  set_model_setting: ['get_model_settings', 'get_agent_status'],
  set_secret: ['get_secrets_status', 'get_agent_status', 'get_alert_settings'],
  delete_secret: ['get_secrets_status', 'get_agent_status', 'get_alert_settings'],
  // production ledger
  set_tradeable_fraction: ['list_wallets'],
  reconcile: ['get_reconcile_history', 'list_wallets'],
  approve_correction: ['get_reconcile_history', 'list_wallets', 'get_journal'],
  reject_correction: ['get_reconcile_history'],
  arm_live_trading: ['get_live_trading_status'],
  disarm_live_trading: ['get_live_trading_status'],
  request_live_order: ['list_live_order_requests', 'get_live_order_request', 'get_ledger_events'],
  decide_live_order_request: ['list_live_order_requests', 'get_live_order_request', 'get_ledger_events'],
  place_ledger_stop: ['list_ledger_stops', 'get_ledger_events'],
  cancel_ledger_stop: ['list_ledger_stops', 'get_ledger_events'],
  place_ledger_order: LEDGER_BOOKS,
  // paper trading and the account's preferences
  place_mock_order: PAPER_TRADES,
  cancel_order: PAPER_TRADES,
  set_user_preferences: ['get_user_preferences', ...PORTFOLIO],
  set_paper_fees: ['get_portfolio_status'],
  set_kill_switch: ['get_user_preferences', ...PORTFOLIO],
  // backtests
  run_backtest: ['list_backtests'],
  cancel_backtest: ['list_backtests', 'get_backtest_result'],
  // agents
  pause_execution_agent: EXECUTION_AGENT,
  resume_execution_agent: EXECUTION_AGENT,
  set_execution_mode: EXECUTION_AGENT,
  trigger_performance_evaluation: EXECUTION_AGENT,
  update_prompt: ['get_prompt', 'get_prompt_history'],
  broker_chat: ['get_chat_history'],
  // market stream and data
  start_market_stream: MARKET_STREAM,
  stop_market_stream: MARKET_STREAM,
  add_market_symbols: MARKET_STREAM,
  remove_market_symbols: MARKET_STREAM,
  upload_market_data: ['list_market_data'],
  import_market_data: ['list_market_data'],
  download_market_data: ['list_market_data'],
  cancel_market_data_download: ['list_market_data'],
  // alerts
  set_alert_routes: ['get_alert_settings'],
  set_alert_webhook: ['get_alert_settings'],
  test_alert_webhook: ['get_alert_log'],
  // research
  optimize_strategy: ['list_research_runs'],
  walk_forward: ['list_research_runs'],
  check_bias: ['list_research_runs'],
  run_arena: ['list_research_runs'],
  twin_report: ['list_research_runs'],
  cancel_research_run: ['list_research_runs', 'get_research_run'],
  open_trial_backtest: ['list_backtests'],
};

/** The reads a write verb can change (none for a read verb). */
export function verbsAfter(verb: VerbName): Reads {
  return AFTER_VERB[verb] ?? [];
}

/** A rule for one push event: the reads its payload makes stale (partial: a rule reads only what it needs). */
type EventRule<E extends EventName> = (payload: Partial<EventPayload<E>>) => Reads;

function agentLog({ kind }: Partial<EventPayload<'agent.log'>>): Reads {
  const out: VerbName[] = ['get_agent_logs', 'get_agent_status', 'get_execution_agent_status'];
  if (kind === 'evaluation' || kind === 'mode_switch') out.push('get_judge_scores', 'get_prompt_history', 'get_llm_usage');
  if (kind === 'prompt' || kind === 'mode_switch') out.push('get_prompt_history', 'get_prompt');
  if (kind === 'decision' || kind === 'chat') out.push('get_llm_usage');
  if (kind === 'chat') out.push('get_chat_history');
  return [...new Set(out)];
}

function domainEvent({ type }: Partial<EventPayload<'domain.event'>>): Reads {
  const [domain] = (type ?? '').split('.');
  if (domain === 'reconcile') return ['get_reconcile_history', 'list_wallets', 'get_journal', 'get_ledger_events'];
  if (domain === 'wallet') return ['list_wallets', 'get_ledger_events'];
  if (domain === 'ledger' || domain === 'order') return LEDGER_BOOKS;
  if (domain === 'live_trading') return ['get_live_trading_status', 'get_ledger_events'];
  if (domain === 'live_order') return ['list_live_order_requests', 'get_live_order_request', 'get_ledger_events', 'list_wallets', 'get_journal'];
  return [];
}

/** Push events that change server state → the reads they make stale. Events not named here change no query. */
export const AFTER_EVENT: { [E in EventName]?: EventRule<E> } = {
  'trading.fill': () => PAPER_TRADES,
  'trading.blocked': () => PORTFOLIO,
  'trading.cancelled': () => PORTFOLIO,
  'agent.log': agentLog,
  'domain.event': domainEvent,
  // The stream starting, stopping or recovering changes what can be read about the market.
  'market.health': () => MARKET_STREAM,
  // A closed bar moves the features and the paper ledger's marks (unrealised P&L, exposure).
  'market.bar': () => ['get_feature_vector', 'get_portfolio_status', 'get_risk_metrics', 'get_equity_history'],
  // A run's end changes the list, its result and any comparison that holds it.
  'backtest.progress': ({ status }) => (status === 'running' ? [] : BACKTEST_RESULTS),
  // The first page of a new series, and the end of every download, change the list of datasets.
  'data.progress': ({ state, pagesDone }) => (state !== 'running' || (pagesDone ?? 0) <= 1 ? ['list_market_data'] : []),
};

/** The events the live wiring listens to for invalidation. */
export const LIVE_EVENTS = Object.keys(AFTER_EVENT) as EventName[];

/** The reads an event makes stale. */
export function verbsToRefresh<E extends EventName>(event: E, payload: Partial<EventPayload<E>>): VerbName[] {
  const rule = AFTER_EVENT[event] as EventRule<E> | undefined;
  return rule ? [...rule(payload)] : [];
}

/**
 * The end of a run (a backtest, a data download) is refreshed at once rather than with the next
 * batch: the progress bar already says it finished, and the list beside it must agree.
 */
export function refreshesAtOnce<E extends EventName>(event: E, payload: Partial<EventPayload<E>>): boolean {
  if (event === 'data.progress') return (payload as Partial<EventPayload<'data.progress'>>).state !== 'running';
  if (event === 'backtest.progress') return (payload as Partial<EventPayload<'backtest.progress'>>).status !== 'running';
  return false;
}
