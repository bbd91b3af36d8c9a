import { describe, expect, it } from 'vitest';
import type { CliContext } from '../cli/registry';
import { OptimizeFlags, printRun } from './cli';
import type { ResearchRun } from './api';

describe('vigil backtest optimize flags', () => {
  it('parse the backtest flags plus the search', () => {
    const a = OptimizeFlags.parse({ strategy: 'sma_cross', symbols: 'btc-usd,eth-usd', timeframe: '1h', space: '{"fast":{"min":2,"max":9}}', sampler: 'grid', trials: '40', objective: 'calmar', 'min-trades': '3', parallel: '4' });
    expect(a.symbols).toEqual(['BTC-USD', 'ETH-USD']);
    expect(a.space).toEqual({ fast: { min: 2, max: 9 } });
    expect([a.sampler, a.trials, a.objective, a['min-trades'], a.parallel]).toEqual(['grid', 40, 'calmar', 3, 4]);
  });

  it('name what is wrong', () => {
    const bad = (x: Record<string, unknown>) => OptimizeFlags.safeParse({ strategy: 'sma_cross', symbols: 'BTC-USD', timeframe: '1h', ...x });
    expect(bad({ objective: 'alpha' }).error?.issues[0]?.message).toMatch(/--objective must be one of net_return, sharpe, sortino, calmar, profit_factor/);
    expect(bad({ sampler: 'bayes' }).error?.issues[0]?.message).toMatch(/--sampler must be grid, random or tpe/);
    expect(bad({ space: '{fast' }).error?.issues[0]?.message).toMatch(/--space must be JSON/);
  });
});

describe('printRun', () => {
  it('prints a study: its counts, the best trials first, and how to open one', () => {
    const lines: string[] = [];
    const ctx = { io: { out: (t: string) => lines.push(t) } } as unknown as CliContext;
    const metrics = (r: number) => ({ netReturn: r, annualizedReturn: null, sharpe: r * 2, sortino: null, calmar: null, profitFactor: null, maxDrawdown: 0.1, trades: 12, winRate: null, feesPaid: '1', finalEquity: '1', exposure: null });
    const run = {
      summary: { id: 'rs_abcdef123456', kind: 'optimize', status: 'completed', label: 'demo', strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', createdAt: 0, finishedAt: 1, progress: { done: 2, total: 2 }, headline: 'best sharpe 0.8', error: null },
      optimize: {
        spec: {},
        space: { strategy: 'sma_cross', dims: [], fixed: {}, constraints: [] },
        sampler: 'tpe',
        seed: 3,
        objective: { metric: 'sharpe', minTrades: 5 },
        parallel: 2,
        startup: 10,
        planned: 2,
        trials: [
          { index: 0, params: { fast: 5, slow: 20 }, status: 'ok', value: 0.4, note: null, metrics: metrics(0.2), ms: 5, worker: 'a:1', attempt: 1 },
          { index: 1, params: { fast: 8, slow: 30 }, status: 'ok', value: 0.8, note: null, metrics: metrics(0.4), ms: 5, worker: 'b:2', attempt: 1 },
        ],
        running: [],
        best: 1,
        counts: { ok: 2, infeasible: 0, invalid: 0, failed: 0 },
        runs: 1,
      },
    } as ResearchRun;
    printRun(ctx, run);
    expect(lines[0]).toBe('rs_abcdef123456  optimize  completed  sma_cross BTC-USD 1h  "demo"  2/2');
    expect(lines).toContain('  tpe search, seed 3, objective sharpe (min 5 trades): 2 ok, 0 infeasible, 0 refused, 0 failed; 2 worker process(es)');
    const rows = lines.filter((l) => /^\s+\d+\s+\d/.test(l));
    expect(rows[0]).toMatch(/^\s+1\s+0\.800\s+40\.00%.*fast=8 slow=30$/);
    expect(rows[1]).toMatch(/^\s+0\s+0\.400/);
    expect(lines.at(-1)).toBe('  open the best as a backtest: vigil research open rs_abcdef123456 1');
  });
});
