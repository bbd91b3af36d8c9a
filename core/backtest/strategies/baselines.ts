/** Classic baseline strategies: buy-and-hold, SMA cross, RSI mean reversion, breakout. */
import { z } from 'zod';
import { RollingMean, Window, type RollingMeanState, type Strategy, type StrategyDef } from './types';

const period = (def: number) => z.number().int().min(1).max(10_000).default(def);

/** Buys its full allocation on the first bar and holds to the end. */
export const buyAndHold: StrategyDef = {
  name: 'buy_and_hold',
  description: 'Buy the full allocation on the first bar, hold to the end.',
  params: z.object({}).strict(),
  create(_p, saved) {
    let done = (saved as { done?: boolean } | undefined)?.done === true;
    return {
      onBar() {
        if (done) return NaN;
        done = true;
        return 1;
      },
      save: () => ({ done }),
    };
  },
};

const SmaParams = z
  .object({ fast: period(10).describe('Fast moving average, in bars'), slow: period(30).describe('Slow moving average, in bars (longer than fast)') })
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

interface SmaState {
  /** Running means; checkpoints written before running means hold bare windows. */
  f: RollingMeanState | ReturnType<Window['save']>;
  s: RollingMeanState | ReturnType<Window['save']>;
  pf: number;
  ps: number;
}

/**
 * Long-only SMA crossover, the rule backtesting.py's SmaCross example uses: go long when the fast
 * mean crosses above the slow one (previous fast < previous slow and fast > slow, both strict),
 * go flat on the opposite cross. No signal until both windows are full. The means are pandas'
 * rolling means bit for bit (`RollingMean`), O(1) per bar.
 */
export const smaCross: StrategyDef<typeof SmaParams> = {
  name: 'sma_cross',
  description: 'Long when the fast SMA crosses above the slow SMA, flat when it crosses below.',
  params: SmaParams,
  create(p, saved) {
    const st = saved as SmaState | undefined;
    const fw = st ? RollingMean.load(st.f) : RollingMean.create(p.fast);
    const sw = st ? RollingMean.load(st.s) : RollingMean.create(p.slow);
    // Previous means in a typed array: doubles in closure variables are boxed on every write.
    const prev = Float64Array.of(st ? st.pf : NaN, st ? st.ps : NaN);
    const s: Strategy = {
      onBar(_t, _o, _h, _l, c) {
        const f = fw.push(c);
        const sl = sw.push(c);
        if (!sw.full) return NaN;
        const pf = prev[0]!;
        const ps = prev[1]!;
        let out = NaN;
        if (pf < ps && f > sl) out = 1;
        else if (pf > ps && f < sl) out = 0;
        prev[0] = f;
        prev[1] = sl;
        return out;
      },
      save: () => ({ f: fw.save(), s: sw.save(), pf: prev[0]!, ps: prev[1]! }),
    };
    return s;
  },
};

const RsiParams = z
  .object({
    period: period(14).describe('RSI period, in bars'),
    low: z.number().min(0).max(100).default(30).describe('Buy when RSI falls below this'),
    high: z.number().min(0).max(100).default(70).describe('Sell when RSI rises above this'),
  })
  .strict()
  .refine((p) => p.low < p.high, { message: 'low must be below high', path: ['low'] });

/**
 * RSI mean reversion: buy when RSI(period) drops below `low`, sell when it rises above `high`.
 * Wilder's smoothing (the textbook RSI), seeded with the simple average of the first `period`
 * changes.
 */
export const rsiReversion: StrategyDef<typeof RsiParams> = {
  name: 'rsi_reversion',
  description: 'Buy when RSI falls below low (oversold), sell when it rises above high (overbought).',
  params: RsiParams,
  create(p, saved) {
    const st = (saved ?? { prev: NaN, n: 0, gain: 0, loss: 0 }) as { prev: number; n: number; gain: number; loss: number };
    let { prev, n, gain, loss } = st;
    const N = p.period;
    return {
      onBar(_t, _o, _h, _l, c) {
        if (Number.isNaN(prev)) {
          prev = c;
          return NaN;
        }
        const d = c - prev;
        prev = c;
        const g = d > 0 ? d : 0;
        const l = d < 0 ? -d : 0;
        n++;
        if (n <= N) {
          gain += g / N;
          loss += l / N;
          if (n < N) return NaN;
        } else {
          gain = (gain * (N - 1) + g) / N;
          loss = (loss * (N - 1) + l) / N;
        }
        const rsi = loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss);
        if (rsi < p.low) return 1;
        if (rsi > p.high) return 0;
        return NaN;
      },
      save: () => ({ prev, n, gain, loss }),
    };
  },
};

const BreakoutParams = z
  .object({ lookback: period(20).describe('Buy above the highest high of this many bars'), exitLookback: period(10).describe('Exit below the lowest low of this many bars') })
  .strict();

/**
 * Donchian breakout: buy when the close exceeds the highest high of the previous `lookback` bars,
 * exit when it falls below the lowest low of the previous `exitLookback` bars. "Previous" means
 * the channel excludes the current bar, so a bar never breaks out of itself.
 */
export const breakout: StrategyDef<typeof BreakoutParams> = {
  name: 'breakout',
  description: 'Buy a close above the prior N-bar high, exit below the prior M-bar low (Donchian channel).',
  params: BreakoutParams,
  create(p, saved) {
    const st = saved as { hi: ReturnType<Window['save']>; lo: ReturnType<Window['save']> } | undefined;
    const hi = st ? Window.load(st.hi) : new Window(p.lookback);
    const lo = st ? Window.load(st.lo) : new Window(p.exitLookback);
    return {
      onBar(_t, _o, h, l, c) {
        let out = NaN;
        if (hi.full && c > hi.max()) out = 1;
        else if (lo.full && c < lo.min()) out = 0;
        hi.push(h);
        lo.push(l);
        return out;
      },
      save: () => ({ hi: hi.save(), lo: lo.save() }),
    };
  },
};
