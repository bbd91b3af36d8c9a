/**
 * Sharpe, Sortino and one-day VaR from daily returns, against pandas/numpy
 * (tests/reference/metrics-vectors.json, made by tests/reference/metrics_vectors.py from a
 * synthetic hourly path and from the per-bar equity of real backtests), and independent of how
 * many equity-curve points a run keeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngine } from '../backtest/engine';
import { buildResult, prepare } from '../backtest/runner';
import { BacktestSpecSchema } from '../backtest/spec';
import { defaultMarketDataDir } from '../market/data/columns';
import { createPaperBook, LIMITS, onBars, performance, placeOrder, risk } from '../paper/book';
import type { Bar } from '../domain/market';
import { METRIC_RUNS } from '../../tests/reference/metric-runs';
import { dailyCloses, dailyReturns, dayOfClose, historicalVaR, mean, performanceMetrics, sharpeRatio, simpleReturns, sortinoRatio, stdev, samplingIntervalSeconds } from './index';

const Ref = z.object({ dailyReturns: z.number(), sharpe: z.number(), sortino: z.number(), var95: z.number(), cvar95: z.number(), firstDay: z.string(), lastDay: z.string() });
const vectors = z
  .object({
    pandas: z.string(),
    synthetic: Ref.extend({ name: z.string(), initialCash: z.string(), t: z.array(z.number()), equity: z.array(z.number()) }),
    backtests: z.array(Ref.extend({ name: z.string() })),
  })
  .parse(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'reference', 'metrics-vectors.json'), 'utf8')));

const rel = (a: number | null, b: number) => Math.abs(a! - b) / Math.abs(b);
const DAY = 86_400_000;

describe('daily returns: the period every ratio is computed at', () => {
  it('a value at a close time belongs to the day before that instant', () => {
    expect(dayOfClose(Date.UTC(2024, 0, 2))).toBe(Date.UTC(2024, 0, 1) / DAY); // the 23:00 bar closes at midnight
    expect(dayOfClose(Date.UTC(2024, 0, 2) + 1)).toBe(Date.UTC(2024, 0, 2) / DAY);
  });

  it('hand-computed: the start, a day without a bar, the last value of each day', () => {
    const d0 = Date.UTC(2024, 0, 1);
    const closes = dailyCloses([
      { t: d0 + 10 * 3_600_000, equity: 105 },
      { t: d0 + DAY, equity: 110 }, // closes day 0
      { t: d0 + 2 * DAY + 3_600_000, equity: 121 }, // day 2: day 1 had no bar
      { t: d0 + 3 * DAY, equity: 99 }, // last value of day 2
    ]);
    expect(closes).toEqual([
      { day: d0 / DAY, equity: 110 },
      { day: d0 / DAY + 2, equity: 99 },
    ]);
    const r = dailyReturns(100, closes);
    expect(r.map((x) => +x.toFixed(12))).toEqual([0.1, 0, -0.1]);
    // mean 0, so both ratios are 0; sd of [0.1, 0, -0.1] is 0.1
    expect(sharpeRatio(r)).toBeCloseTo(0, 12);
    expect(stdev(r)).toBeCloseTo(0.1, 12);
    // +10%, -10%, +10%: mean 1/30, sd sqrt(0.04/3), × sqrt(365) = 5.5277079839
    expect(sharpeRatio([0.1, -0.1, 0.1])).toBeCloseTo((1 / 30 / Math.sqrt(0.04 / 3)) * Math.sqrt(365), 12);
    expect(sortinoRatio([0.1, -0.1, 0.1])).toBeCloseTo((1 / 30 / Math.sqrt(0.01 / 3)) * Math.sqrt(365), 12);
  });

  it(`equal pandas ${vectors.pandas} on a synthetic hourly path with a 2-day pause, started mid-day`, () => {
    const s = vectors.synthetic;
    const r = dailyReturns(Number(s.initialCash), dailyCloses(s.t.map((t, i) => ({ t, equity: s.equity[i]! }))));
    expect(r.length).toBe(s.dailyReturns);
    expect(rel(sharpeRatio(r), s.sharpe)).toBeLessThan(1e-12);
    expect(rel(sortinoRatio(r), s.sortino)).toBeLessThan(1e-12);
    const v = historicalVaR(r, 0.95, '10000')!;
    expect(rel(Number(v.var), s.var95)).toBeLessThan(1e-12);
    expect(rel(Number(v.cvar), s.cvar95)).toBeLessThan(1e-12);
    // performanceMetrics over the same curve: the same numbers, whatever the curve's spacing.
    const curve = s.t.map((t, i) => ({ t, equity: String(s.equity[i]), exposure: '0' }));
    const m = performanceMetrics(s.initialCash, curve, { wins: 0, losses: 0, grossProfit: '0', grossLoss: '0', feesPaid: '0' });
    expect(m.dailyReturns).toBe(s.dailyReturns);
    expect(m.periodsPerYear).toBe(365);
    expect(rel(m.sharpe, s.sharpe)).toBeLessThan(1e-12);
  });

  it('need a week of days', () => {
    const curve = [0, 1, 2, 3, 4, 5].map((i) => ({ t: (i + 1) * DAY, equity: String(100 + i * (i % 2 ? -1 : 2)), exposure: '0' }));
    const m = performanceMetrics('100', curve, { wins: 0, losses: 0, grossProfit: '0', grossLoss: '0', feesPaid: '0' });
    expect(m.dailyReturns).toBe(6);
    expect(m.sharpe).toBeNull();
    expect(m.sortino).toBeNull();
  });
});

describe('backtest ratios', () => {
  const run = (spec: object, maxCurvePoints: number) => {
    const parsed = BacktestSpecSchema.parse({ ...spec, maxCurvePoints });
    const p = prepare(parsed, defaultMarketDataDir());
    const e = createEngine(p.cfg, p.series);
    while (e.run(10_000_000) > 0);
    const st = e.state();
    return { st, r: buildResult(parsed, p, st, { id: 'bt_metric0', createdAt: 0, finishedAt: 0 }) };
  };

  describe.each(METRIC_RUNS.map((m, i) => [m.name, m.spec, vectors.backtests[i]!] as const))('%s', (name, spec, ref) => {
    it('equal pandas on the per-bar equity, with 200, 2,000 or every curve point kept', () => {
      expect(ref.name).toBe(name);
      for (const points of [200, 2000, 100_000]) {
        const { r } = run(spec, points);
        const p = r.performance;
        expect(p.dailyReturns, `${points} points`).toBe(ref.dailyReturns);
        expect(rel(p.sharpe, ref.sharpe), `sharpe with ${points} points: ${p.sharpe} vs ${ref.sharpe}`).toBeLessThan(1e-9);
        expect(rel(p.sortino, ref.sortino), `sortino with ${points} points`).toBeLessThan(1e-9);
        expect(rel(Number(r.risk.var95!.var), ref.var95)).toBeLessThan(1e-9);
        expect(rel(Number(r.risk.var95!.cvar), ref.cvar95)).toBeLessThan(1e-9);
        expect(r.summary.sharpe).toBe(p.sharpe);
        expect(r.risk.var95!.varAmount).toMatch(/^\d+(\.\d{1,8})?$/);
        // Drawdown depth comes from every bar too.
        expect(p.maxDrawdown).toBe(r.maxDrawdownAllBars);
      }
    });
  });

  it('the sampled curve itself gives a different ratio at every stride: why ratios no longer come from it', () => {
    const spec = METRIC_RUNS[0].spec;
    const curveSharpe = (points: number) => {
      const { st } = run(spec, points);
      const rs = simpleReturns(st.curve.map((c) => c.equity));
      return (mean(rs) / stdev(rs)) * Math.sqrt((365 * 86_400) / samplingIntervalSeconds(st.curve.map((c) => c.t)));
    };
    // -2.87, -3.13, -3.38 with 200, 500, 2,000 points kept; from daily returns it is -3.12 every time.
    const [a, b, c] = [200, 500, 2000].map(curveSharpe);
    expect(Math.abs(a! - b!)).toBeGreaterThan(0.1);
    expect(Math.abs(b! - c!)).toBeGreaterThan(0.1);
  });
});

describe('paper ledger ratios', () => {
  it('come from every bar batch’s equity, not from the thinned curve', () => {
    const s = createPaperBook({ initialCash: '10000', riskLimits: { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null } });
    // 2,000 hourly batches (83 days) of a recorded ETH-USD path, holding a position throughout.
    const c = prepare(BacktestSpecSchema.parse({ strategy: 'buy_and_hold', symbols: ['ETH-USD'], timeframe: '1h', from: '2018-01-01' }), defaultMarketDataDir()).series[0]!;
    const bars: Bar[] = Array.from({ length: 2000 }, (_, i) => ({ symbol: 'ETH-USD', timeframe: '1h', time: c.time[i]!, open: String(c.open[i]), high: String(c.high[i]), low: String(c.low[i]), close: String(c.close[i]), volume: '1' }));
    onBars(s, [bars[0]!], bars[0]!.time);
    expect(placeOrder(s, { symbol: 'ETH-USD', side: 'buy', type: 'market', notional: '5000', idempotencyKey: 'metrics-buy-0001', agent: 'test', correlationId: 'c' }, bars[0]!.time)).toMatchObject({ status: 'filled' });
    const every: { t: number; equity: string; exposure: string }[] = [];
    for (const b of bars.slice(1)) {
      onBars(s, [b], b.time);
      const last = s.equity[s.equity.length - 1]!;
      // The equity after every batch, as the ledger values it (the curve keeps only some).
      every.push({ t: b.time + 3_600_000, equity: performance(s).currentEquity.toString(), exposure: last.exposure });
    }
    expect(s.equityStride).toBeGreaterThan(1);
    expect(s.equity.length).toBeLessThanOrEqual(LIMITS.equity + 1);
    const full = performanceMetrics('10000', every, { wins: 0, losses: 0, grossProfit: '0', grossLoss: '0', feesPaid: '0' });
    const m = performance(s);
    expect(m.dailyReturns).toBe(full.dailyReturns);
    expect(m.dailyReturns).toBeGreaterThan(80);
    expect(rel(m.sharpe, full.sharpe!)).toBeLessThan(1e-9);
    expect(rel(m.sortino, full.sortino!)).toBeLessThan(1e-9);
    const k = risk(s);
    expect(k.returnsUsed).toBe(full.dailyReturns);
    expect(typeof k.equity).toBe('string');
    expect(k.var95!.varAmount).toMatch(/^\d+(\.\d{1,8})?$/);
  });
});
