import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { BacktestSpecSchema } from '../backtest/spec';
import type { StrategyDef } from '../backtest/strategies/types';
import type { BarSeries } from '../backtest/bars';
import { defaultMarketDataDir } from '../market/data/columns';
import { cutTimes, featureLookahead, liveFeatures, lookaheadCheck, warmupCheck, type FeatureSource } from './bias';
import { DataCache } from './runner';

const spec = BacktestSpecSchema.parse({ strategy: 'sma_cross', symbols: ['BTC-USD'], timeframe: '1h', from: '2018-01-01', to: '2019-01-01', params: { fast: 10, slow: 30 } });
const series = new DataCache(defaultMarketDataDir()).get(spec).series;

/** A strategy that reads the next bar's close from the data it was built over: lookahead. */
const peeking = (s: BarSeries[]): StrategyDef => ({
  name: 'peek',
  description: 'buys when the next close is higher',
  params: z.object({}).passthrough(),
  create() {
    let i = 0;
    return {
      onBar(_t, _o, _h, _l, c) {
        const next = s[0]!.close[++i];
        return next === undefined ? NaN : next > c ? 1 : 0;
      },
      save: () => ({}),
    };
  },
});

describe('lookahead: strategies', () => {
  it('finds none in sma_cross: every decision before each cut is the same with the future cut off', async () => {
    const cuts = cutTimes(series, 8);
    expect(cuts).toHaveLength(8);
    const r = await lookaheadCheck(spec, series, cuts);
    expect(r.cuts).toHaveLength(8);
    expect(r.compared).toBeGreaterThan(8 * 1000);
    expect(r.differenceCount).toBe(0);
    expect(r.differences).toEqual([]);
  });

  it('reports a strategy that reads the next bar, at the bar before each cut', async () => {
    const cuts = cutTimes(series, 8);
    const r = await lookaheadCheck(spec, series, cuts, {}, peeking);
    expect(r.differenceCount).toBeGreaterThan(0);
    for (const d of r.differences) {
      // The only bar whose "next close" the cut removes is the last one before the cut.
      expect(cuts).toContain(series[0]!.time[d.bar + 1]);
      expect(d.truncated).toBeNull();
    }
  });
});

describe('lookahead: the agent strategy', () => {
  it('asks the same questions before each cut (time, price, every feature), with no model called', async () => {
    const agent = BacktestSpecSchema.parse({ ...spec, strategy: 'agent', params: { every: 24 } });
    const r = await lookaheadCheck(agent, series, cutTimes(series, 5));
    expect(r.differenceCount).toBe(0);
    expect(r.compared).toBeGreaterThan(5 * 1000);
    // A start 100 bars later asks different questions for as long as the recursive features remember their seed.
    const w = await warmupCheck(agent, series, [100], 400);
    expect(w.offsets[0]!.mismatches).toBeGreaterThan(0);
  });
});

describe('lookahead: features', () => {
  it('finds none in the live feature vector: every feature at each cut equals its recomputation from the bars up to it', async () => {
    const r = await featureLookahead(series, cutTimes(series, 10));
    expect(r.cuts).toBe(10);
    expect(r.differenceCount).toBe(0);
    expect(r.features.map((f) => f.name).sort()).toEqual(
      ['atr_14', 'bb_lower', 'bb_middle', 'bb_upper', 'bb_width', 'close', 'ema_12', 'ema_26', 'log_return_1', 'macd', 'macd_hist', 'macd_signal', 'realised_vol_30', 'realised_vol_30_annualised', 'return_1', 'return_15', 'return_5', 'rsi_14', 'sma_20', 'staleness_s', 'vwap'].sort(),
    );
    for (const f of r.features) expect(f.checked).toBe(10);
  });

  it('reports a feature scaled by the whole series (the future included), with its bar', async () => {
    // Close over the mean close of all the bars it is given: the later bars move every value.
    const scaled: FeatureSource = {
      valuesAt(s, at, barMs) {
        let sum = 0;
        for (let i = 0; i < s.length; i++) sum += s.close[i]!;
        return liveFeatures.valuesAt(s, at, barMs).map((row, k) => ({ ...row, close_vs_max: s.close[at[k]!]! / (sum / s.length) }));
      },
    };
    const cuts = cutTimes(series, 6);
    const r = await featureLookahead(series, cuts, {}, scaled);
    const f = r.features.find((x) => x.name === 'close_vs_max')!;
    expect(f.differences).toBe(6);
    expect(f.first!.bar).toBeGreaterThan(0);
    expect(r.features.filter((x) => x.differences > 0).map((x) => x.name)).toEqual(['close_vs_max']);
  });
});

describe('warm-up', () => {
  it('sma_cross agrees with the full run once its windows have filled; recursive features need far longer', async () => {
    const r = await warmupCheck(spec, series, [100, 500, 2000], 800);
    expect(r.offsets.map((o) => o.offset)).toEqual([100, 500, 2000]);
    for (const o of r.offsets) {
      expect(o.compared).toBe(series[0]!.length - o.offset);
      // Slow window (30 bars) plus the previous means: decisions are the full run's after 31 bars.
      expect(o.convergedAfter).not.toBeNull();
      expect(o.convergedAfter!).toBeLessThanOrEqual(31);
      expect(o.metrics.trades).toBeGreaterThan(0);
    }
    const need = Object.fromEntries(r.features.map((f) => [f.name, f.bars]));
    expect(need.close).toBe(0);
    expect(need.sma_20).toBeLessThanOrEqual(20);
    // An EMA never forgets its seed exactly: agreeing within 1e-9 takes hundreds of bars.
    expect(need.ema_26).toBeGreaterThan(100);
    expect(need.ema_26).toBeLessThan(800);
    expect(r.reference.trades).toBeGreaterThan(0);
  });
});
