import { describe, expect, it } from 'vitest';
import { drawdown, historicalVaR, performanceMetrics, riskMetrics, samplingIntervalSeconds, SECONDS_PER_YEAR, sharpeRatio, simpleReturns, sortinoRatio } from './index';

const H = 3_600_000;

describe('performance metrics (hand-computed)', () => {
  // equity 100 -> 110 -> 99 -> 108.9, hourly: returns +10%, -10%, +10%
  const curve = [100, 110, 99, 108.9].map((v, i) => ({ t: i * H, equity: String(v), exposure: i === 0 ? '0' : String(v / 2) }));

  it('annualises Sharpe and Sortino with the periods a year (daily returns: 365)', () => {
    const r = simpleReturns([100, 110, 99, 108.9]);
    expect(r.map((x) => +x.toFixed(12))).toEqual([0.1, -0.1, 0.1]);
    // mean 1/30, sample sd sqrt(0.04/3) = 0.11547005; x sqrt(365) = 19.10497317 -> 5.51513070
    expect(sharpeRatio(r)).toBeCloseTo(5.515130703, 6);
    // downside deviation sqrt(0.01 / 3) = 0.05773503 -> 11.03026141
    expect(sortinoRatio(r)).toBeCloseTo(11.030261405, 6);
    // hourly returns would take sqrt(8760): 27.01851217
    expect(sharpeRatio(r, 8760)).toBeCloseTo(27.018512172, 6);
  });

  it('reports drawdown depth and the time below the peak', () => {
    expect(drawdown([100, 110, 99, 108.9].map((v, i) => ({ t: i * H, v })))).toEqual({ maxDrawdown: 0.1, maxDrawdownDurationMs: 2 * H });
    const recovered = drawdown([10, 8, 9, 10, 12, 6].map((v, i) => ({ t: i, v })));
    expect(recovered.maxDrawdown).toBeCloseTo(0.5, 12);
    expect(recovered.maxDrawdownDurationMs).toBe(2); // 10 at t=0 regained at t=3: 2 samples below; 12 at t=4 -> end at t=5: 1
  });

  it('summarises returns, trades and exposure', () => {
    const m = performanceMetrics('100', curve, { wins: 3, losses: 1, grossProfit: '30', grossLoss: '10', feesPaid: '1.5' });
    expect(m.totalReturn).toBeCloseTo(0.089, 12);
    expect(m.annualizedReturn).toBeNull(); // 3 hours of samples: too short to annualise
    expect(m.sharpe).toBeNull(); // two daily returns (a close at midnight, then three hours): no ratio
    expect(m.sortino).toBeNull();
    expect(m.dailyReturns).toBe(2);
    expect(m.winRate).toBe(0.75);
    expect(m.profitFactor).toBe(3);
    expect(m.averageWin).toBe(10);
    expect(m.averageLoss).toBe(10);
    expect(m.timeInMarket).toBe(0.75);
    expect(m.averageExposure).toBeCloseTo(0.375, 12);
    expect(m.samplingIntervalSeconds).toBe(3600);
    expect(m.periodsPerYear).toBe(365);
    expect(m.feesPaid).toBe(1.5);
  });

  it('compounds the total return to a year once a day of samples exists; ratios from a week of daily returns', () => {
    const daily = [100, 110, 99, 108.9].map((v, i) => ({ t: i * 86_400_000, equity: String(v), exposure: '0' }));
    const m = performanceMetrics('100', daily, { wins: 0, losses: 0, grossProfit: '0', grossLoss: '0', feesPaid: '0' });
    // 1.089 ^ (365 / 3) - 1
    expect(m.annualizedReturn! / 31992.275338197764).toBeCloseTo(1, 9);
    expect(m.sharpe).toBeNull(); // 4 daily returns (the first: 100 -> 100)
    const week = [100, 110, 99, 108.9, 98.01, 107.811, 97.0299].map((v, i) => ({ t: (i + 1) * 86_400_000, equity: String(v), exposure: '0' }));
    const w = performanceMetrics('100', week, { wins: 0, losses: 0, grossProfit: '0', grossLoss: '0', feesPaid: '0' });
    // returns 0, +10%, -10%, +10%, -10%, +10%, -10%: mean 0 -> Sharpe 0
    expect(w.dailyReturns).toBe(7);
    expect(w.sharpe).toBeCloseTo(0, 12);
    expect(m.winRate).toBeNull();
    expect(m.profitFactor).toBeNull();
  });

  it('takes the median spacing so one gap does not skew annualisation', () => {
    expect(samplingIntervalSeconds([0, 60_000, 120_000, 180_000, 3_600_000])).toBe(60);
    expect(SECONDS_PER_YEAR).toBe(31_536_000);
  });
});

describe('risk metrics', () => {
  it('historical VaR/CVaR take the k = ceil(n * 5%) worst returns', () => {
    const rs = Array.from({ length: 40 }, (_, i) => (i - 10) / 100); // -0.10 .. 0.29
    const v = historicalVaR(rs, 0.95, '1000')!;
    expect(v.var).toBe('0.09'); // 2nd worst
    expect(v.cvar).toBe('0.095'); // mean of -0.10, -0.09
    expect(v.varAmount).toBe('90'); // an amount: a decimal string (8 places at most)
    expect(v.cvarAmount).toBe('95');
    expect(historicalVaR(rs.slice(0, 19), 0.95, '1000')).toBeNull();
    expect(historicalVaR(rs, 0.99, '1000')).toBeNull();
  });

  it('concentration, exposure, cash share and leverage from the book', () => {
    const m = riskMetrics({ equity: '1000', cash: '400', tradingEquity: '1000', positions: [{ symbol: 'ETH-USD', marketValue: '150' }, { symbol: 'BTC-USD', marketValue: '450' }], returns: [] });
    expect([m.equity, m.cash, m.positionsValue]).toEqual(['1000', '400', '600']);
    expect(m.concentration.map((c) => c.marketValue)).toEqual(['450', '150']);
    expect(m.exposure).toBe('0.6');
    expect(m.cashShare).toBe('0.4');
    expect(m.leverage).toBe('0.6');
    expect(m.concentration.map((c) => [c.symbol, c.share])).toEqual([
      ['BTC-USD', '0.45'],
      ['ETH-USD', '0.15'],
    ]);
    expect(m.herfindahl).toBe('0.625'); // 0.75^2 + 0.25^2
    expect(m.var95).toBeNull();
  });
});
