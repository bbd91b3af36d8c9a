import { describe, expect, it, vi } from 'vitest';
import { createCoalescer, createEventHub, parseEvent } from './live';
import { refreshesAtOnce, verbsToRefresh } from './invalidation';

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

  it('refreshes the end of a run at once, with what was pending, and not again later', () => {
    vi.useFakeTimers();
    try {
      const flushes: string[][] = [];
      const co = createCoalescer((v) => flushes.push(v.slice().sort()), 250);
      expect(refreshesAtOnce('data.progress', { state: 'running', pagesDone: 3 })).toBe(false);
      expect(refreshesAtOnce('data.progress', { state: 'completed' })).toBe(true);
      expect(refreshesAtOnce('backtest.progress', { status: 'running' })).toBe(false);
      expect(refreshesAtOnce('backtest.progress', { status: 'failed' })).toBe(true);
      expect(refreshesAtOnce('trading.fill', {})).toBe(false);
      co.add(['list_wallets']);
      co.now(verbsToRefresh('data.progress', { state: 'completed' }));
      expect(flushes).toEqual([['list_market_data', 'list_wallets']]);
      vi.advanceTimersByTime(500);
      expect(flushes).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** A transport whose events the test emits by hand, as the WebSocket or IPC bridge would. */
function fakeTransport() {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  return {
    on(event: string, cb: (p: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb);
      return () => void set.delete(cb);
    },
    emit(event: string, payload: unknown) {
      for (const cb of listeners.get(event) ?? []) cb(payload);
    },
    count: (event: string) => listeners.get(event)?.size ?? 0,
  };
}

const tick = { symbol: 'BTC-USD', time: 1_700_000_000_000, price: '43250.10', size: '0.015' };

describe('push events enter parsed', () => {
  it('passes a valid event through with its schema applied', () => {
    const warn = vi.fn();
    expect(parseEvent('market.tick', tick, warn)).toEqual(tick);
    const progress = { id: 'bt-1', status: 'completed', barsDone: 10, totalBars: 10, stepsDone: 1, totalSteps: 1 };
    expect(parseEvent('backtest.progress', progress, warn)).toEqual(progress);
    expect(warn).not.toHaveBeenCalled();
  });

  it('drops a malformed event with a warning that names the event and the issue', () => {
    const warn = vi.fn();
    expect(parseEvent('market.tick', { ...tick, price: 43250.1 }, warn)).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toContain("'market.tick'");
    expect(message).toMatch(/price: .*string/i);
    expect(parseEvent('backtest.progress', { id: 'bt-1', status: 'exploded' }, warn)).toBeUndefined();
    expect(String(warn.mock.calls[1]?.[0])).toMatch(/'backtest.progress'.*status: /);
    expect(parseEvent('notify', null, warn)).toBeUndefined();
    expect(String(warn.mock.calls[2]?.[0])).toContain("'notify' push event: (payload): ");
  });

  it('never hands a malformed payload to a listener, and parses and warns once for all listeners', () => {
    const t = fakeTransport();
    const warn = vi.fn();
    const hub = createEventHub(t, warn);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = hub.on('market.tick', (p) => a.push(p));
    const offB = hub.on('market.tick', (p) => b.push(p));
    expect(t.count('market.tick')).toBe(1);
    t.emit('market.tick', { ...tick, time: 'yesterday' });
    t.emit('market.tick', 'garbage');
    expect(a).toEqual([]);
    expect(b).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(2);
    t.emit('market.tick', tick);
    expect(a).toEqual([tick]);
    expect(b).toEqual([tick]);
    offA();
    t.emit('market.tick', tick);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(2);
    offB();
    expect(t.count('market.tick')).toBe(0);
  });

  it("keeps one listener's exception from the others", async () => {
    const t = fakeTransport();
    const hub = createEventHub(t, vi.fn());
    const got: unknown[] = [];
    hub.on('market.tick', () => {
      throw new Error('listener failed');
    });
    hub.on('market.tick', (p) => got.push(p));
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      t.emit('market.tick', tick);
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(got).toEqual([tick]);
    expect(errors).toHaveLength(1);
  });
});
