import { describe, expect, it } from 'vitest';
import { driftPct, driftSeries, journalRows, type JournalEntry, type ReconcileRun } from './ledger-view';

const drift = (over: Partial<ReconcileRun['drifts'][number]>): ReconcileRun['drifts'][number] => ({
  id: 'd', runId: 'r', walletId: 'w1', currency: 'ETH', ledgerAmount: '1', exchangeAmount: '1', drift: '0', aboveThreshold: false, correction: 'none', correctionEntryId: null, decidedAt: null, ...over,
});
const run = (at: string, drifts: ReconcileRun['drifts'], status: ReconcileRun['status'] = 'clean'): ReconcileRun => ({ id: at, at, threshold: '0.01', status, maxDrift: '0', error: null, drifts });

describe('ledger view', () => {
  it('expresses drift as a signed share of the ledger balance', () => {
    expect(driftPct('1', '-0.1')).toBe(-10);
    expect(driftPct('5000', '0')).toBe(0);
    expect(driftPct('0', '3')).toBe(100);
    expect(driftPct('2500.5', '25.005')).toBe(1);
  });

  it('builds one series per wallet and currency in time order, failed runs left out', () => {
    const s = driftSeries([
      run('2026-01-01T00:02:00Z', [drift({ drift: '-0.1', exchangeAmount: '0.9', aboveThreshold: true }), drift({ currency: 'USD', ledgerAmount: '5000', exchangeAmount: '5000' })], 'drift'),
      run('2026-01-01T00:01:00Z', [drift({}), drift({ currency: 'USD', ledgerAmount: '5000', exchangeAmount: '5000' })]),
      run('2026-01-01T00:03:00Z', [], 'failed'),
    ]);
    expect(s.map((x) => x.key)).toEqual(['w1 · ETH', 'w1 · USD']);
    expect(s[0]!.points).toEqual([{ time: Date.UTC(2026, 0, 1, 0, 1) / 1000, value: 0 }, { time: Date.UTC(2026, 0, 1, 0, 2) / 1000, value: -10 }]);
    expect(s[0]!.breaches).toBe(1);
  });

  it('flattens the journal to one posting per row, the first carrying the entry', () => {
    const e: JournalEntry = { id: 'j1', kind: 'opening', memo: 'm', at: '2026-01-01T00:00:00Z', correlationId: null, sourceRef: null, postings: [{ walletId: 'a', currency: 'USD', amount: '5' }, { walletId: 'b', currency: 'USD', amount: '-5' }] };
    const rows = journalRows([e, { ...e, id: 'j2', postings: [] }]);
    expect(rows.map((r) => [r.key, r.head])).toEqual([['j1:0', true], ['j1:1', false]]);
  });
});
