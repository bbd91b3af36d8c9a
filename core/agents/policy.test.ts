import { describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import { MINUTES_PER_YEAR, RISK_PREMIUM_SHARPE, minuteVol } from '../market/calibration';
import { COINBASE_ENTRY_TIER } from '../trading/fees';
import { DEFAULT_SLIPPAGE, slippageBps } from '../trading/fill';
import { defaultProductSpec } from '../trading/products';
import { decide, HORIZON_DAYS, maxMovePct, MODE_PARAMS, roundTripCostBps, signalsFor, trendGain, type MarketPoint, type PolicyInput } from './policy';

const flat = (symbol: string, price: string, gap = 0): MarketPoint => {
  const slow = Number(price);
  return { symbol, price, time: 1, features: { ema_12: slow * (1 + gap), ema_26: slow } };
};
const base = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  mode: 'standard',
  markets: [flat('BTC-USD', '60000'), flat('ETH-USD', '3000')],
  history: {},
  portfolio: { equity: '1000', cash: '1000', positions: [] },
  constraints: {},
  ...over,
});
/** The expected premium of a calibrated product over the horizon, in bps, computed here from its definition. */
const premiumBps = (symbol: string) => Math.round(RISK_PREMIUM_SHARPE * minuteVol(symbol) * Math.sqrt(MINUTES_PER_YEAR) * (HORIZON_DAYS / 365) * 10_000);

/** What the paper ledger's cost gate asks of a buy (issue 15): edge x notional >= 1.10 x (fee + half spread + slippage). */
function passesCostGate(symbol: string, notional: string, edgeBps: number): boolean {
  const n = Dec.of(notional);
  const fee = n.mul(COINBASE_ENTRY_TIER.taker);
  const halfSpread = n.mul(defaultProductSpec(symbol).spreadBps).div('20000');
  const slip = n.mul(String(slippageBps(n, DEFAULT_SLIPPAGE))).div('10000');
  return n.mul(String(edgeBps)).div('10000').gte(fee.add(halfSpread).add(slip).mul('1.1'));
}

describe('deterministic policy', () => {
  it('holds while warming up', () => {
    const d = decide(base({ markets: [{ symbol: 'BTC-USD', price: '100', time: 1 }], history: { 'BTC-USD': ['100', '101'] } }));
    expect(d.action).toBe('hold');
    expect(d.rationale).toMatch(/warming up/);
  });

  it('turns the EMA gap into the trend still to come with the calibrated gain, less for coarser steps', () => {
    const g = trendGain(12, 26, 1);
    expect(g).toBeGreaterThan(0.5);
    expect(g).toBeLessThan(1);
    // An hour apart the drift (95-minute episodes) has mostly changed between samples; a day apart, entirely.
    expect(trendGain(5, 15, 60)).toBeLessThan(g / 10);
    expect(trendGain(5, 15, 1440)).toBeLessThan(1e-6);
    const s = signalsFor(flat('ETH-USD', '2000', 0.005), [])!;
    expect(s.source).toBe('features');
    expect(s.trend).toBeCloseTo(g * 0.005, 12);
  });

  it('prices the risk premium from the calibrated volatility of a recorded product, else from its features or samples', () => {
    const btc = signalsFor(flat('BTC-USD', '60000'), [])!;
    expect(btc.volSource).toBe('calibrated');
    expect(Math.round(btc.premium * 10_000)).toBe(premiumBps('BTC-USD'));
    const sol = signalsFor({ ...flat('DOGE-USD', '0.1'), features: { ema_12: 0.1, ema_26: 0.1, realised_vol_30_annualised: 1.2 } }, [])!;
    expect(sol.volSource).toBe('features');
    expect(sol.premium).toBeCloseTo(RISK_PREMIUM_SHARPE * 1.2 * (HORIZON_DAYS / 365), 12);
    const h = Array.from({ length: 30 }, (_, i) => String(100 * (1 + (i % 2 ? 0.01 : -0.01))));
    const fromSamples = signalsFor({ symbol: 'X-USD', price: '100', time: 1 }, h, 3600)!;
    expect(fromSamples.volSource).toBe('samples');
    expect(fromSamples.volAnnual).toBeGreaterThan(0.5);
  });

  it('opens its target allocation when the expected move beats the round trip, and that buy passes the cost gate', () => {
    const d = decide(base());
    expect(d.action).toBe('buy');
    if (d.action !== 'buy') return;
    // ETH: the larger premium for the same round trip.
    expect(d.symbol).toBe('ETH-USD');
    expect(d.notional).toBe('100');
    expect(d.expectedEdgeBps).toBe(premiumBps('ETH-USD'));
    const trip = roundTripCostBps(undefined, 'ETH-USD', Dec.of('100'));
    expect(trip).toBeGreaterThan(240);
    expect(d.expectedEdgeBps).toBeGreaterThanOrEqual(MODE_PARAMS.standard.margin * trip);
    expect(passesCostGate('ETH-USD', d.notional, d.expectedEdgeBps)).toBe(true);
    expect(d.rationale).toMatch(/buy 100 of ETH-USD toward its 10\.0% target: expected \+\d+ bps over 90 days .* beats \d+ bps \(1\.25 x \d+ bps round trip at 1\.20% taker\)/);
  });

  it('then tops up the other symbol, then holds at target and says what would make it trade', () => {
    const ethHeld = { symbol: 'ETH-USD', quantity: '0.03333333', avgPrice: '3000' };
    const second = decide(base({ portfolio: { equity: '1000', cash: '900', positions: [ethHeld] } }));
    expect(second).toMatchObject({ action: 'buy', symbol: 'BTC-USD', notional: '100' });
    const both = decide(base({ portfolio: { equity: '1000', cash: '800', positions: [ethHeld, { symbol: 'BTC-USD', quantity: '0.00166666', avgPrice: '60000' }] } }));
    expect(both.action).toBe('hold');
    expect(both.rationale).toMatch(/^standard: holding BTC-USD 10\.0%, ETH-USD 10\.0% of equity \(target 10\.0% each\); nothing to do/);
  });

  it('waits when costs eat the expected move, naming the best one and what it needs', () => {
    const dear = { fees: { taker: '0.05', maker: '0.05' }, spreadBps: {} };
    const d = decide(base({ portfolio: { equity: '1000', cash: '1000', positions: [], costs: dear } }));
    expect(d.action).toBe('hold');
    expect(d.rationale).toMatch(/^standard: no holdings; waiting: BTC-USD expected \+\d+ bps over 90 days .* < \d+ bps needed \(1\.25 x 10\d\d bps round trip\)/);
  });

  it('a conservative mode asks a wider margin than an aggressive one', () => {
    // Costs between the two margins: 1.5 x trip > ETH's edge > 1.1 x trip.
    const trip = Math.floor(premiumBps('ETH-USD') / 1.3);
    const taker = ((trip - 3) / 2 / 10_000).toFixed(6);
    const costs = { fees: { taker, maker: taker }, spreadBps: { 'ETH-USD': '3' } };
    const only = [flat('ETH-USD', '3000')];
    expect(decide(base({ mode: 'aggressive', markets: only, portfolio: { equity: '1000', cash: '1000', positions: [], costs } })).action).toBe('buy');
    expect(decide(base({ mode: 'conservative', markets: only, portfolio: { equity: '1000', cash: '1000', positions: [], costs } })).action).toBe('hold');
  });

  it('respects constraints: max order notional, the judge’s minimum edge and blocked symbols', () => {
    const capped = decide(base({ constraints: { maxOrderNotional: '25.5' } }));
    expect(capped.action === 'buy' && capped.notional).toBe('25.5');
    const blocked = decide(base({ constraints: { blockedSymbols: ['ETH-USD'] } }));
    expect(blocked).toMatchObject({ action: 'buy', symbol: 'BTC-USD' });
    expect(decide(base({ constraints: { blockedSymbols: ['ETH-USD', 'BTC-USD'] } })).rationale).toMatch(/BTC-USD blocked by the judge/);
    expect(decide(base({ constraints: { minExpectedEdgeBps: 100_000 } })).action).toBe('hold');
  });

  it('trims a holding far above its target back to it', () => {
    // 0.005 BTC at 60,000 = 300 of 1,000 equity: 30 % against a 10 % target.
    const d = decide(base({ markets: [flat('BTC-USD', '60000')], portfolio: { equity: '1000', cash: '700', positions: [{ symbol: 'BTC-USD', quantity: '0.005', avgPrice: '50000' }] } }));
    expect(d.action).toBe('sell');
    if (d.action !== 'sell') return;
    expect(d.quantity).toBe('0.00333333');
    expect(d.rationale).toMatch(/trim BTC-USD from 30\.0% to its 10\.0% target/);
  });

  it('exits a holding whose expected move turns into a loss', () => {
    // An unrecorded product in a steep fall: the trend to come outweighs its premium.
    const falling: MarketPoint = { symbol: 'DOGE-USD', price: '0.09', time: 1, features: { ema_12: 0.09, ema_26: 0.1, realised_vol_30_annualised: 0.5 } };
    const d = decide(base({ markets: [falling], portfolio: { equity: '1000', cash: '990', positions: [{ symbol: 'DOGE-USD', quantity: '100', avgPrice: '0.1' }] } }));
    expect(d).toMatchObject({ action: 'sell', symbol: 'DOGE-USD', quantity: '100' });
    if (d.action === 'sell') expect(d.expectedEdgeBps).toBeGreaterThan(0);
    expect(d.rationale).toMatch(/exit DOGE-USD: expected -\d+ bps/);
  });

  it('is deterministic and never spends more than the cash', () => {
    // Aggressive wants 20 % (200) of ETH but only 50 is in cash.
    const input = base({ mode: 'aggressive', portfolio: { equity: '1000', cash: '50', positions: [] } });
    const a = decide(input);
    expect(decide(input)).toEqual(a);
    expect(a.action).toBe('buy');
    if (a.action !== 'buy') return;
    expect(a.notional).toBe('49');
    expect(Number(a.notional)).toBeLessThanOrEqual(Number(input.portfolio.cash));
  });

  it('measures the largest move since the last decision', () => {
    expect(maxMovePct([{ symbol: 'BTC-USD', price: '101', time: 0 }], { 'BTC-USD': '100' })).toBeCloseTo(1);
    expect(maxMovePct([{ symbol: 'BTC-USD', price: '101', time: 0 }], {})).toBeNull();
  });
});
