import { describe, expect, it, vi } from 'vitest';
import { createCoalescer, verbsToRefresh } from './live';

describe('live invalidation', () => {
  it('maps each event to the server state it changes', () => {
    expect(verbsToRefresh('trading.fill', {})).toEqual(expect.arrayContaining(['get_portfolio_status', 'get_transaction_history', 'get_risk_metrics']));
    expect(verbsToRefresh('domain.event', { type: 'reconcile.drift' })).toEqual(expect.arrayContaining(['get_reconcile_history', 'list_wallets']));
    expect(verbsToRefresh('domain.event', { type: 'wallet.fraction_set' })).toContain('list_wallets');
    expect(verbsToRefresh('domain.event', { type: 'market.price_rejected' })).toEqual([]);
    expect(verbsToRefresh('domain.event', { type: 'live_order.requested' })).toContain('list_live_order_requests');
    expect(verbsToRefresh('agent.log', { kind: 'evaluation' })).toContain('get_judge_scores');
    expect(verbsToRefresh('agent.log', { kind: 'decision' })).not.toContain('get_judge_scores');
    expect(verbsToRefresh('backtest.progress', { status: 'running' })).toEqual([]);
    expect(verbsToRefresh('backtest.progress', { status: 'completed' })).toContain('list_backtests');
    expect(verbsToRefresh('market.tick', { price: '1' })).toEqual([]);
    expect(verbsToRefresh('market.bar', { symbol: 'BTC-USD' })).toEqual(expect.arrayContaining(['get_feature_vector', 'get_portfolio_status', 'get_equity_history']));
  });

  it('coalesces a burst into one flush per verb', () => {
    vi.useFakeTimers();
    try {
      const flushes: string[][] = [];
      const co = createCoalescer((v) => flushes.push(v.slice().sort()), 250);
      for (let i = 0; i < 50; i++) co.add(verbsToRefresh('trading.fill', {}));
      co.add([]);
      expect(flushes).toEqual([]);
      vi.advanceTimersByTime(260);
      expect(flushes).toHaveLength(1);
      expect(flushes[0]).toEqual(['get_performance_metrics', 'get_portfolio_status', 'get_risk_metrics', 'get_transaction_history']);
      co.add(['list_wallets']);
      co.cancel();
      vi.advanceTimersByTime(500);
      expect(flushes).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
