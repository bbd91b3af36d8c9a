import { describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import { emptySeries, resample, type BarSeries } from './bars';
import { createEngine } from './engine';
import { fromJson, toJson } from './json';
import { buildResult, engineConfig } from './runner';
import { BacktestSpecSchema, type BacktestSpecInput } from './spec';
import { DEFER, STRATEGY_NAMES, STRATEGIES, type Strategy, type StrategyDef } from './strategies';

const MIN = 60_000;
const T0 = Date.UTC(2022, 0, 3);

function series(symbol: string, bars: [number, number, number, number][], tfMs = MIN, t0 = T0): BarSeries {
  const s = emptySeries(symbol, tfMs, bars.length);
  bars.forEach(([o, h, l, c], i) => {
    s.time[i] = t0 + i * tfMs;
    s.open[i] = o;
    s.high[i] = h;
    s.low[i] = l;
    s.close[i] = c;
    s.volume[i] = 1;
  });
  return s;
}

/** A deterministic random walk (LCG), so tests need no data files. */
function walk(symbol: string, n: number, seed = 7, start = 100): BarSeries {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const bars: [number, number, number, number][] = [];
  let p = start;
  for (let i = 0; i < n; i++) {
    const o = p;
    const c = Math.round(o * (1 + (rnd() - 0.5) * 0.02) * 100) / 100;
    const h = Math.max(o, c) + Math.round(rnd() * 50) / 100;
    const l = Math.min(o, c) - Math.round(rnd() * 50) / 100;
    bars.push([o, h, l, c]);
    p = c;
  }
  return series(symbol, bars);
}

function run(input: Partial<BacktestSpecInput> & Pick<BacktestSpecInput, 'strategy'>, data: BarSeries[], chunk = Infinity) {
  const spec = BacktestSpecSchema.parse({ symbols: data.map((d) => d.symbol), timeframe: '1m', ...input });
  const cfg = engineConfig(spec, data);
  const e = createEngine(cfg, data);
  while (e.run(chunk) > 0);
  return buildResult(spec, { cfg, series: data, reports: [] }, e.state(), { id: 't', createdAt: 0, finishedAt: 0 });
}

const noCosts = { fees: { taker: '0.01', maker: '0.005' }, spreadBps: 0, slippage: false } as const;

describe('hand-computed fixture', () => {
  // SMA(1) vs SMA(2): fast > slow exactly when the close rises. Closes 10, 9, 10 give an upward
  // cross on bar 2; the buy fills at bar 3's open 10.5. Bar 4's close 10.8 < 11 crosses down; the
  // sell fills at bar 5's open 10.6.
  const data = series('BTC-USD', [
    [10, 10, 10, 10],
    [10, 10, 9, 9],
    [9, 10, 9, 10],
    [10.5, 11, 10.5, 11],
    [11, 11, 10.8, 10.8],
    [10.6, 10.7, 10.6, 10.7],
  ]);
  const r = run({ strategy: 'sma_cross', params: { fast: 1, slow: 2 }, initialCash: '1000', ...noCosts }, [data]);

  it('buys with all cash net of the 1% fee at the next open, to the size step', () => {
    // budget = 1000 / 1.01 = 990.0990099009 (10 places, down); q = floor_1e-8(budget / 10.5)
    // = 94.29514380; notional = 94.29514380 * 10.5 = 990.0990099; fee = 9.900990099.
    const buy = r.fills[0]!;
    expect(buy).toMatchObject({ side: 'buy', quantity: '94.2951438', price: '10.5', bar: 3, time: data.time[3], signalTime: data.time[3] });
    expect(Dec.of(buy.notional).eq('990.0990099')).toBe(true);
    expect(Dec.of(buy.fee).eq('9.900990099')).toBe(true);
    expect(Dec.of(buy.cashAfter).eq('0.000000001')).toBe(true);
  });

  it('sells everything at the open after the down cross; P&L is net of both fees', () => {
    // notional = 94.2951438 * 10.6 = 999.52852428; fee = 9.9952852428;
    // realised = 999.52852428 - 9.9952852428 - (990.0990099 + 9.900990099) = -10.4667609618
    const sell = r.fills[1]!;
    expect(sell).toMatchObject({ side: 'sell', quantity: '94.2951438', price: '10.6', bar: 5 });
    expect(Dec.of(sell.realizedPnl).eq('-10.4667609618')).toBe(true);
    expect(Dec.of(r.final.equity).eq('989.5332390382')).toBe(true);
    expect(r.trades).toHaveLength(1);
    expect(Dec.of(r.trades[0]!.pnl).eq('-10.4667609618')).toBe(true);
    expect(r.performance.closedTrades).toBe(1);
    expect(r.performance.winRate).toBe(0);
  });

  it('reports the day and the drawdown over every bar', () => {
    expect(r.days).toHaveLength(1);
    expect(r.days[0]!.fills).toBe(2);
    expect(r.days[0]!.closeEquity).toBeCloseTo(989.5332390382, 8);
    // Lowest close-mark: after the buy at bar 3 the account is 1e-9 + 94.2951438 * 11 = 1037.25 (peak),
    // then 94.2951438 * 10.8 = 1018.39: drawdown (1037.2465818 - 1018.3875530) / 1037.2465818.
    expect(r.maxDrawdownAllBars).toBeCloseTo((94.2951438 * 11 - 989.5332390382) / (94.2951438 * 11), 9);
  });
});

describe('no look-ahead', () => {
  const base = walk('BTC-USD', 3000);
  const cut = 1800;
  // The future after `cut` replaced by a different walk: nothing decided up to `cut` may change.
  const other = walk('BTC-USD', 3000, 99, 300);
  const perturbed = emptySeries('BTC-USD', MIN, 3000);
  for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
    perturbed[k].set(base[k].subarray(0, cut + 1));
    perturbed[k].set(other[k].subarray(cut + 1), cut + 1);
  }
  perturbed.time.set(base.time);

  // `agent` defers every decision to a model: its no-look-ahead test is core/backtest/model-driver.test.ts.
  for (const strategy of STRATEGY_NAMES.filter((n) => n !== 'agent')) {
    it(`${strategy}: fills up to bar ${cut} do not depend on later bars`, () => {
      const params = strategy === 'sma_cross' ? { fast: 5, slow: 20 } : strategy === 'breakout' ? { lookback: 10, exitLookback: 5 } : {};
      const a = run({ strategy, params, ...noCosts }, [base]);
      const b = run({ strategy, params, ...noCosts }, [perturbed]);
      const upTo = (fs: typeof a.fills) => fs.filter((f) => f.bar <= cut);
      expect(upTo(a.fills).length).toBeGreaterThan(0);
      expect(upTo(b.fills)).toEqual(upTo(a.fills));
    });
  }

  it('every order fills at the open of the bar after its signal bar', () => {
    const r = run({ strategy: 'sma_cross', params: { fast: 5, slow: 20 }, ...noCosts }, [base]);
    expect(r.fills.length).toBeGreaterThan(10);
    for (const f of r.fills) {
      expect(f.time).toBe(base.time[f.bar]);
      expect(f.signalTime).toBe(f.time); // the signal bar closed exactly when the fill bar opened
      expect(Dec.of(f.price).eq(Dec.fromMeasured(base.open[f.bar]!))).toBe(true);
    }
  });
});

describe('engine', () => {
  it('resumes from a JSON checkpoint to exactly the uninterrupted result', () => {
    const data = [walk('BTC-USD', 5000)];
    const spec = BacktestSpecSchema.parse({ strategy: 'rsi_reversion', symbols: ['BTC-USD'], timeframe: '1m', profitScrapePct: '0.25' });
    const cfg = engineConfig(spec, data);
    const whole = createEngine(cfg, data);
    whole.run(Infinity);
    let e = createEngine(cfg, data);
    while (!e.done()) {
      e.run(777);
      e = createEngine(cfg, data, fromJson(toJson(e.save())));
    }
    expect(toJson(e.save())).toBe(toJson(whole.save()));
  });

  it('scrapes a share of realised profit out of trading cash, keeping the account identity exact', () => {
    const data = series('BTC-USD', [
      [10, 10, 10, 10],
      [10, 10, 9, 9],
      [9, 10, 9, 10],
      [10, 12, 10, 12],
      [13, 13, 11.8, 11.8],
      [13, 13, 13, 13],
    ]);
    const r = run({ strategy: 'sma_cross', params: { fast: 1, slow: 2 }, initialCash: '1000', profitScrapePct: '0.5', ...noCosts }, [data]);
    const sell = r.fills[1]!;
    expect(Dec.of(sell.realizedPnl).isPositive()).toBe(true);
    expect(Dec.of(sell.scraped).eq(Dec.of(sell.realizedPnl).mul('0.5'))).toBe(true);
    // cash + scraped = initial + realised when flat
    expect(Dec.of(r.final.cash).add(r.final.scrapedProfits).eq(Dec.of('1000').add(r.final.realizedPnl))).toBe(true);
  });

  it('blocks orders by risk rule with the paper ledger’s limits and counts them by reason', () => {
    const r = run({ strategy: 'buy_and_hold', risk: 'default', ...noCosts }, [walk('BTC-USD', 200)]);
    expect(r.fills).toHaveLength(0);
    expect(r.blockedByRule).toEqual({ max_order_notional: 1 });
    expect(r.blocked[0]!.reason).toMatch(/max order value/);
  });

  it('splits capital by weight across symbols on one merged timeline', () => {
    const a = walk('BTC-USD', 300, 1);
    const b = walk('ETH-USD', 300, 2, 50);
    const r = run({ strategy: 'buy_and_hold', weights: [3, 1], ...noCosts }, [a, b]);
    const buys = r.fills.filter((f) => f.side === 'buy');
    expect(buys.map((f) => f.symbol).sort()).toEqual(['BTC-USD', 'ETH-USD']);
    const n = (s: string) => Number(buys.find((f) => f.symbol === s)!.notional);
    // BTC fills first with 75% of equity; ETH's 25% is then capped by the cash the first fee left.
    expect(n('BTC-USD')).toBeCloseTo(7500, -1);
    expect(n('ETH-USD')).toBeGreaterThan(2350);
    expect(n('ETH-USD')).toBeLessThanOrEqual(2500);
    expect(r.summary.bars).toBe(600);
  });

  it('prices with spread, size-dependent slippage and the 1.20% taker fee by default', () => {
    const data = walk('BTC-USD', 100);
    const r = run({ strategy: 'buy_and_hold' }, [data]);
    const f = r.fills[0]!;
    expect(Number(f.price)).toBeGreaterThan(data.open[1]!); // pays the ask plus impact
    expect(f.slippageBps).toBeGreaterThan(1);
    expect(Dec.of(f.fee).eq(Dec.of(f.notional).mul('0.012'))).toBe(true);
  });

  it('keeps memory to the output: the curve is sampled, days are one row each', () => {
    const data = walk('BTC-USD', 20_000);
    const r = run({ strategy: 'sma_cross', maxCurvePoints: 100, ...noCosts }, [data]);
    expect(r.equityCurve.length).toBeLessThanOrEqual(101);
    expect(r.days.length).toBe(Math.ceil(20_000 / 1440));
  });

  it('runs one series through the single-series loop to exactly the general loop’s state', () => {
    // Days, risk blocks, scraping, costs, chunked runs and checkpoints: every field of the state.
    const data = [walk('BTC-USD', 6000, 5)];
    const specs = [
      ...STRATEGY_NAMES.filter((n) => n !== 'agent').map((strategy) => ({ strategy })),
      { strategy: 'sma_cross', params: { fast: 3, slow: 9 }, risk: 'default', profitScrapePct: '0.2' },
      { strategy: 'rsi_reversion', maxCurvePoints: 37, ...noCosts },
    ];
    for (const input of specs) {
      const spec = BacktestSpecSchema.parse({ symbols: ['BTC-USD'], timeframe: '1m', ...input });
      const cfg = engineConfig(spec, data);
      const general = createEngine({ ...cfg, singleSeriesLoop: false }, data);
      general.run(Infinity);
      let single = createEngine(cfg, data);
      while (!single.done()) {
        single.run(1439);
        single = createEngine(cfg, data, fromJson(toJson(single.save())));
      }
      expect(toJson(single.save()), input.strategy).toBe(toJson(general.save()));
    }
  });

  it('rejects bad strategy parameters with the field named', () => {
    expect(() => run({ strategy: 'sma_cross', params: { fast: 30, slow: 10 } }, [walk('BTC-USD', 10)])).toThrow(/fast must be shorter than slow/);
    expect(() => run({ strategy: 'sma_cross', params: { fats: 3 } }, [walk('BTC-USD', 10)])).toThrow(/sma_cross params/);
  });
});

describe('deferred decisions (a strategy answered outside the bar loop, e.g. by a model)', () => {
  // Wraps sma_cross: every decision is deferred and held as the "question"; the driver answers
  // with it later, as a model-backed runner would after an asynchronous call.
  interface Asking extends Strategy {
    question: number;
  }
  const inner = STRATEGIES.sma_cross!;
  const deferring: StrategyDef = {
    ...inner,
    name: 'sma_cross',
    create(params, saved) {
      const saved2 = saved as { inner: unknown; question: number } | undefined;
      const base = inner.create(params, saved2?.inner);
      const self: Asking = {
        question: saved2?.question ?? NaN,
        onBar(...args) {
          const target = base.onBar(...args);
          if (target !== target) return target;
          self.question = target;
          return DEFER;
        },
        save: () => ({ inner: base.save(), question: self.question }),
      };
      return self;
    },
  };
  const spec = BacktestSpecSchema.parse({ symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1m', strategy: 'sma_cross', params: { fast: 5, slow: 20 } });
  const data = [walk('BTC-USD', 3000, 3), walk('ETH-USD', 3000, 11, 50)];

  it('stops at each deferral and, once answered, books exactly what an immediate answer books', () => {
    const direct = createEngine(engineConfig(spec, data), data);
    while (direct.run(Infinity) > 0);
    const cfg = { ...engineConfig(spec, data), strategy: deferring };
    let e = createEngine(cfg, data);
    let stops = 0;
    while (!e.done()) {
      e.run(Infinity);
      const asked = e.deferred();
      if (asked.length === 0) continue;
      stops++;
      // Half of the time, checkpoint while waiting and resume from JSON before answering.
      if (stops % 2 === 0) e = createEngine(cfg, data, fromJson(toJson(e.save())));
      for (const s of e.deferred()) e.answer(s, (e.strategy(s) as Asking).question);
    }
    expect(stops).toBeGreaterThan(20);
    expect(e.state().fills).toEqual(direct.state().fills);
    expect(e.state().portfolio).toEqual(direct.state().portfolio);
    expect(e.state().curve).toEqual(direct.state().curve);
  });

  it('refuses to run on while a decision is unanswered', () => {
    const e = createEngine({ ...engineConfig(spec, data), strategy: deferring }, data);
    while (e.deferred().length === 0) e.run(Infinity);
    expect(() => e.run(1)).toThrow(/answer the deferred decisions/);
    expect(() => e.answer(e.deferred()[0]! === 0 ? 1 : 0, 1)).toThrow(/no deferred decision/);
  });
});

describe('resample', () => {
  it('aggregates 1m into 5m buckets aligned to the epoch, leaving gaps as gaps', () => {
    const s = series('BTC-USD', [
      [1, 2, 0.5, 1.5],
      [1.5, 3, 1, 2],
      [2, 2.5, 1.8, 2.2],
      [2.2, 2.4, 2, 2.1],
      [2.1, 2.2, 1.9, 2],
      [2, 4, 2, 3.5],
    ]);
    s.time[5] = T0 + 15 * MIN; // a gap: minutes 5..14 missing
    const r = resample(s, 5 * MIN);
    expect(r.length).toBe(2);
    expect([r.open[0], r.high[0], r.low[0], r.close[0], r.volume[0]]).toEqual([1, 3, 0.5, 2, 5]);
    expect(r.time[1]).toBe(T0 + 15 * MIN);
    expect(() => resample(r, 7 * MIN)).toThrow(/multiple/);
  });
});
