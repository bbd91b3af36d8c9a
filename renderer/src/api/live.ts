/**
 * Live data by push: each event the host emits names the server state it changed, and the
 * queries of those verbs are invalidated (refetched only if a page shows them). Pages keep at
 * most a slow refetch as a safety net for events missed while the connection was down.
 */
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { client, type AnyEvent, type AnyVerb } from './client';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {});

const PORTFOLIO: AnyVerb[] = ['get_portfolio_status', 'get_risk_metrics'];

/** The verbs whose results an event makes stale. */
export function verbsToRefresh(event: AnyEvent, payload: unknown): AnyVerb[] {
  const p = rec(payload);
  switch (event) {
    case 'trading.fill':
      return [...PORTFOLIO, 'get_transaction_history', 'get_performance_metrics'];
    case 'trading.blocked':
    case 'trading.cancelled':
      return PORTFOLIO;
    case 'agent.log': {
      const kind = String(p.kind ?? '');
      const out: AnyVerb[] = ['get_agent_logs', 'get_agent_status', 'get_execution_agent_status'];
      if (kind === 'evaluation' || kind === 'mode_switch') out.push('get_judge_scores', 'get_prompt_history', 'get_llm_usage');
      if (kind === 'prompt' || kind === 'mode_switch') out.push('get_prompt_history', 'get_prompt');
      if (kind === 'decision' || kind === 'chat') out.push('get_llm_usage');
      if (kind === 'chat') out.push('get_chat_history');
      return [...new Set(out)];
    }
    case 'domain.event': {
      const type = String(p.type ?? '');
      const [domain] = type.split('.');
      if (domain === 'reconcile') return ['get_reconcile_history', 'list_wallets', 'get_journal', 'get_ledger_events'];
      if (domain === 'wallet') return ['list_wallets', 'get_ledger_events'];
      if (domain === 'ledger' || domain === 'order') return ['list_wallets', 'get_journal', 'get_reservations', 'get_ledger_events'];
      if (domain === 'live_trading') return ['get_live_trading_status', 'get_ledger_events'];
      if (domain === 'live_order') return ['list_live_order_requests', 'get_live_order_request', 'get_ledger_events', 'list_wallets', 'get_journal'];
      return [];
    }
    case 'market.health':
      // The stream starting, stopping or recovering changes what can be read about the market.
      return ['get_feature_vector', 'get_market_snapshot'];
    case 'market.bar':
      // A closed bar moves the features and the paper ledger's marks (unrealised P&L, exposure).
      return ['get_feature_vector', 'get_portfolio_status', 'get_risk_metrics', 'get_equity_history'];
    case 'backtest.progress':
      return p.status === 'running' ? [] : ['list_backtests', 'get_backtest_result', 'compare_backtests'];
    // Nothing here refetches on these: the status bar, toasts and chat take runtime.status, notify
    // and agent.chat from the push (App.tsx), the Market page applies ticks itself, the Data page
    // refreshes its own list on data.progress, and the alert log is polled.
    case 'market.tick':
    case 'agent.chat':
    case 'alert':
    case 'data.progress':
    case 'notify':
    case 'runtime.status':
      return [];
  }
}

export const LIVE_EVENTS: AnyEvent[] = ['trading.fill', 'trading.blocked', 'trading.cancelled', 'agent.log', 'domain.event', 'market.health', 'market.bar', 'backtest.progress'];

/**
 * Collects verbs and flushes them once per `delay`: a burst of fills or log lines becomes one
 * refetch per query, not one per event.
 */
export function createCoalescer(flush: (verbs: AnyVerb[]) => void, delay = 250, timers: { set: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>; clear: (t: ReturnType<typeof setTimeout>) => void } = { set: (fn, ms) => setTimeout(fn, ms), clear: (t) => clearTimeout(t) }) {
  let pending = new Set<AnyVerb>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    add(verbs: AnyVerb[]) {
      if (!verbs.length) return;
      for (const v of verbs) pending.add(v);
      if (timer === null)
        timer = timers.set(() => {
          timer = null;
          const out = [...pending];
          pending = new Set();
          flush(out);
        }, delay);
    },
    cancel() {
      if (timer !== null) timers.clear(timer);
      timer = null;
      pending = new Set();
    },
  };
}

/** Wire once at the top of the app. */
export function useLiveInvalidation(): void {
  const qc = useQueryClient();
  useEffect(() => {
    const c = client();
    const co = createCoalescer((verbs) => {
      for (const v of verbs) void qc.invalidateQueries({ queryKey: [v] });
    });
    const offs = LIVE_EVENTS.map((e) => c.on(e, (payload) => co.add(verbsToRefresh(e, payload))));
    // Back from a dropped connection: whatever changed meanwhile is unknown, so refresh it all.
    const offConn = c.transport.onConnection((s) => {
      if (s === 'open') void qc.invalidateQueries();
    });
    return () => {
      offs.forEach((o) => o());
      offConn();
      co.cancel();
    };
  }, [qc]);
}
