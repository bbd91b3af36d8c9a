import { describe, expect, it } from 'vitest';
import { api, type VerbName } from '../../../core/api/contract';
import { events, type EventName } from '../../../core/api/events';
import { AFTER_EVENT, AFTER_VERB, LIVE_EVENTS, verbsAfter, verbsToRefresh } from './invalidation';

const verbs = Object.keys(api) as VerbName[];
const writes = verbs.filter((v) => !api[v].annotations.readOnly);
const reads = new Set(verbs.filter((v) => api[v].annotations.readOnly));

/** One sample payload per branch of each event rule, so every verb a rule can name is checked. */
const EVENT_SAMPLES: { [E in EventName]?: object[] } = {
  'agent.log': ['decision', 'skip', 'evaluation', 'mode_switch', 'prompt', 'chat'].map((kind) => ({ kind })),
  'domain.event': ['reconcile.drift', 'wallet.fraction_set', 'ledger.entry', 'order.filled', 'live_trading.armed', 'live_order.requested', 'market.price_rejected'].map((type) => ({ type })),
  'backtest.progress': [{ status: 'running' }, { status: 'completed' }],
  'data.progress': [{ state: 'running', pagesDone: 1 }, { state: 'running', pagesDone: 5 }, { state: 'completed', pagesDone: 5 }],
};

describe('the invalidation table', () => {
  it('names every write verb of the contract', () => {
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((v) => !(v in AFTER_VERB))).toEqual([]);
  });

  it('has rules for write verbs only, naming read verbs of the contract', () => {
    for (const [verb, stale] of Object.entries(AFTER_VERB)) {
      expect(writes, `${verb} is not a write verb of the contract`).toContain(verb);
      for (const q of stale ?? []) expect(reads.has(q), `${verb} → ${q} is not a read verb of the contract`).toBe(true);
    }
    expect(verbsAfter('get_portfolio_status')).toEqual([]);
    expect(verbsAfter('place_mock_order')).toEqual(expect.arrayContaining(['get_portfolio_status', 'get_transaction_history']));
  });

  it('has rules for push events of the contract, naming read verbs of the contract', () => {
    expect(LIVE_EVENTS.length).toBeGreaterThan(0);
    for (const event of LIVE_EVENTS) {
      expect(Object.keys(events), `${event} is not an event of the contract`).toContain(event);
      for (const payload of EVENT_SAMPLES[event] ?? [{}]) {
        for (const q of verbsToRefresh(event, payload)) expect(reads.has(q), `${event} ${JSON.stringify(payload)} → ${q} is not a read verb`).toBe(true);
      }
    }
    expect(Object.keys(AFTER_EVENT).sort()).toEqual([...LIVE_EVENTS].sort());
  });

  it('refreshes the dataset list at a download start and end, not on every page', () => {
    expect(verbsToRefresh('data.progress', { state: 'running', pagesDone: 1 })).toEqual(['list_market_data']);
    expect(verbsToRefresh('data.progress', { state: 'running', pagesDone: 7 })).toEqual([]);
    expect(verbsToRefresh('data.progress', { state: 'failed', pagesDone: 7 })).toEqual(['list_market_data']);
  });
});
