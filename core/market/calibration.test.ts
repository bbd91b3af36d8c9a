/**
 * The simulated market's calibration (core/market/calibration.ts): the shipped numbers are what
 * the recorded data gives today, the simulator reproduces the statistics they were fitted to,
 * and the built-in policy's trend estimate is unbiased in the market it runs in.
 */
import { describe, expect, it } from 'vitest';
import { trendGain } from '../agents/policy';
import { calibrate, VR_HORIZONS } from './calibrate';
import { MINUTE_VOL, RISK_PREMIUM_SHARPE, TREND, VOL_STATES, VOL_TRANSITIONS, minuteVol } from './calibration';
import { acf, kurtosis, logReturns, rms, varianceRatio } from './calibration-stats';
import { defaultMarketDataDir } from './data/columns';
import { PricePath } from './feeds/simulated';

const MIN = 60_000;

function simulate(symbol: string, minutes: number, seed: number): Float64Array {
  const p = new PricePath(symbol, seed);
  const out = new Float64Array(minutes + 1);
  out[0] = p.price;
  for (let i = 1; i <= minutes; i++) out[i] = p.step(MIN);
  return out;
}

describe('simulated market calibration', () => {
  const c = calibrate(defaultMarketDataDir());

  it('ships the numbers the recorded minute data gives', () => {
    const [btc, eth] = c.minute;
    expect(MINUTE_VOL['BTC-USD']).toBeCloseTo(btc!.sigma1m, 6);
    expect(MINUTE_VOL['ETH-USD']).toBeCloseTo(eth!.sigma1m, 6);
    expect(MINUTE_VOL['LTC-USD']).toBeCloseTo(btc!.sigma1m * c.ltcOverBtcHourly, 6);
    // HMM states in the order calm, normal, active, jump (by their fitted sd).
    const order = c.hmm.sd.map((sd, k) => ({ sd, k })).sort((a, b) => a.sd - b.sd).map((x) => x.k);
    order.forEach((k, i) => {
      expect(VOL_STATES[i]!.sd).toBeCloseTo(c.hmm.sd[k]!, 2);
      expect(VOL_STATES[i]!.occupancy).toBeCloseTo(c.hmm.occupancy[k]!, 3);
      order.forEach((k2, j) => expect(VOL_TRANSITIONS[i]![j]!).toBeCloseTo(c.hmm.A[k]![k2]!, 3));
    });
    expect(VOL_STATES[3]!.jumpDrift).toBeCloseTo(Math.abs(c.hmm.mu[order[3]!]!), 2);
    for (const row of VOL_TRANSITIONS) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(TREND.sd).toBeCloseTo(c.trend.sd, 3);
    expect(TREND.meanMinutes).toBe(Math.round(c.trend.meanMinutes));
    // Half the recorded daily Sharpe ratio, rounded down to a tenth.
    const mean = c.daily.reduce((a, d) => a + d.sharpe, 0) / c.daily.length;
    expect(RISK_PREMIUM_SHARPE).toBe(Math.floor((mean / 2) * 10) / 10);
  });

  it('the simulator reproduces the volatility, its clustering, the fat tails and the short trends of the data', () => {
    // 60 simulated days of BTC minutes against the statistics of the 2 recorded days.
    const closes = simulate('BTC-USD', 60 * 1440, 11);
    const r = logReturns(closes);
    expect(rms(r) / minuteVol('BTC-USD')).toBeGreaterThan(0.93);
    expect(rms(r) / minuteVol('BTC-USD')).toBeLessThan(1.07);
    expect(acf(r.map(Math.abs), 1)).toBeGreaterThan(0.15);
    expect(acf(r.map(Math.abs), 60)).toBeGreaterThan(0.02);
    expect(Math.abs(acf(r, 1))).toBeLessThan(0.03);
    expect(kurtosis(r)).toBeGreaterThan(6);
    // Variance ratios within three standard errors (sqrt(2h/n) of the estimate) of the fitted target.
    for (const { h, vr } of c.trend.target.filter((t) => t.h >= 30)) {
      const se = vr * Math.sqrt((2 * h) / r.length);
      expect(Math.abs(varianceRatio(closes, h) - vr), `VR(${h})`).toBeLessThan(3 * se + c.trend.rmse);
    }
    expect(VR_HORIZONS).toContain(240);
  });

  it('the policy’s trend estimate is unbiased in the simulated market: the move that follows a gap is gain x gap', () => {
    // Regress the return of the next 4 trend episodes (premium taken out) on gain x EMA gap,
    // minute by minute over 6 million simulated minutes, streamed through a ring of closes.
    const minutes = 6_000_000;
    const H = 4 * TREND.meanMinutes;
    const p = new PricePath('ETH-USD', 5);
    const ring = new Float64Array(H + 1);
    const xs = new Float64Array(H + 1);
    const g = trendGain(12, 26, 1);
    const drift = (RISK_PREMIUM_SHARPE * minuteVol('ETH-USD') * Math.sqrt(525_600)) / 525_600;
    let e12 = p.price;
    let e26 = p.price;
    let sxy = 0;
    let sxx = 0;
    let n = 0;
    for (let t = 0; t <= minutes; t++) {
      const close = t === 0 ? p.price : p.step(MIN);
      e12 = close * (2 / 13) + e12 * (11 / 13);
      e26 = close * (2 / 27) + e26 * (25 / 27);
      const slot = t % (H + 1);
      if (t >= H + 200) {
        // The close H minutes ago sits in the slot about to be overwritten.
        const x = xs[slot]!;
        const y = Math.log(close / ring[slot]!) - drift * H;
        sxy += x * y;
        sxx += x * x;
        n++;
      }
      ring[slot] = close;
      xs[slot] = g * ((e12 - e26) / e26);
    }
    const slope = sxy / sxx;
    // Overlapping windows: about n / H independent ones; the slope's standard error follows.
    const se = (Math.sqrt(H) * minuteVol('ETH-USD')) / Math.sqrt(sxx / n) / Math.sqrt(n / H);
    expect(se).toBeLessThan(0.25);
    expect(Math.abs(slope - (1 - Math.exp(-H / TREND.meanMinutes))), `slope ${slope.toFixed(3)} ± ${se.toFixed(3)}`).toBeLessThan(3 * se);
  });
});
