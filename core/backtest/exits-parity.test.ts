/**
 * Paper vs backtest: the same bars and the same orders give the same fills. The paper book's pure
 * state machine (core/paper/book.ts: an entry with a bracket, then `onBars`) and the backtest
 * engine (buy_and_hold with protective exits) are run over one bar path with one fee schedule,
 * spread and slippage model, and every fill's side, price, quantity, value and fee must agree.
 *
 * The two time their entries differently, so the comparison is arranged around the SAME entry
 * fill: the backtest fills buy_and_hold's order at bar 1's open and judges its exits from bar 2;
 * the paper book fills a market order at once at its mark (bar 0's close, equal to bar 1's open in
 * these paths) and its bracket legs work from the next bar batch it is handed. So the paper book
 * is handed bar 0, takes the entry, and is then handed bars 2, 3, … — the bars the backtest judges
 * its exits on. Both size the entry from the same notional: all cash net of the taker fee.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from '../domain/decimal';
import type { Bar } from '../domain/market';
import { ceilTo, DEFAULT_SLIPPAGE } from '../trading/fill';
import { createPaperBook, onBars, placeOrder } from '../paper/book';
import { PlaceOrderSchema, type Bracket } from '../trading/orders';
import { defaultProductSpec } from '../trading/products';
import type { FeeSchedule, SlippageModel } from '../trading/types';
import { emptySeries } from './bars';
import { createEngine } from './engine';
import { buildResult, engineConfig } from './runner';
import { BacktestSpecSchema } from './spec';

const MIN = 60_000;
const T0 = Date.UTC(2023, 4, 1);
const CASH = '10000';
type OHLC = [number, number, number, number];
const NO_SLIPPAGE: SlippageModel = { baseBps: 0, impactBps: 0, impactRefNotional: 1, maxBps: 0 };
const off = { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null };

interface Exits {
  stopLossPct?: number;
  stopLimitPct?: number;
  takeProfitPct?: number;
  trailingPct?: number;
}
interface Costs {
  fees: FeeSchedule;
  spreadBps: number;
  slippage: boolean;
}

interface SameFill {
  side: string;
  price: string;
  quantity: string;
  notional: string;
  fee: string;
  /** A sell's cause: a stop (paper's stop_hit), a take-profit, or the backtest's reason. */
  exit?: string;
}

/** Drops zeros a decimal string may carry so two books' strings compare by value. */
const canon = (x: string) => Dec.of(x).toString();

function backtest(bars: OHLC[], exits: Exits, costs: Costs): SameFill[] {
  const s = emptySeries('BTC-USD', MIN, bars.length);
  bars.forEach(([o, h, l, c], i) => {
    s.time[i] = T0 + i * MIN;
    s.open[i] = o;
    s.high[i] = h;
    s.low[i] = l;
    s.close[i] = c;
    s.volume[i] = 1;
  });
  const spec = BacktestSpecSchema.parse({ strategy: 'buy_and_hold', symbols: ['BTC-USD'], timeframe: '1m', initialCash: CASH, params: exits, fees: costs.fees, spreadBps: costs.spreadBps, slippage: costs.slippage });
  const cfg = engineConfig(spec, [s]);
  const e = createEngine(cfg, [s]);
  e.run(Infinity);
  const r = buildResult(spec, { cfg, series: [s], reports: [] }, e.state(), { id: 'parity', createdAt: 0, finishedAt: 0 });
  return r.fills.map((f) => ({ side: f.side, price: canon(f.price), quantity: canon(f.quantity), notional: canon(f.notional), fee: canon(f.fee), ...(f.side === 'sell' ? { exit: f.reason === 'take_profit' ? 'take_profit' : 'stop' } : {}) }));
}

function paper(bars: OHLC[], exits: Exits, costs: Costs): SameFill[] {
  const product = { ...defaultProductSpec('BTC-USD'), spreadBps: String(costs.spreadBps) };
  const s = createPaperBook({ initialCash: CASH, profitScrapePct: '0', riskLimits: off, fees: costs.fees, slippage: costs.slippage ? DEFAULT_SLIPPAGE : NO_SLIPPAGE, products: { 'BTC-USD': product } });
  const bar = (i: number): Bar => {
    const [o, h, l, c] = bars[i]!;
    return { symbol: 'BTC-USD', timeframe: '1m', time: T0 + i * MIN, open: String(o), high: String(h), low: String(l), close: String(c), volume: '1' };
  };
  onBars(s, [bar(0)], T0 + MIN);
  // The entry: all cash net of the taker fee, at the mark (bar 0's close = bar 1's open).
  const notional = Dec.of(CASH).div(Dec.ONE.add(costs.fees.taker)).round(10, 'down');
  // Its bracket, from the price the entry fills at: levels rounded to the cent away from it.
  const probe = createPaperBook({ initialCash: CASH, riskLimits: off, fees: costs.fees, slippage: costs.slippage ? DEFAULT_SLIPPAGE : NO_SLIPPAGE, products: { 'BTC-USD': product } });
  onBars(probe, [bar(0)], T0 + MIN);
  const dry = placeOrder(probe, PlaceOrderSchema.parse({ symbol: 'BTC-USD', side: 'buy', type: 'market', notional: notional.toString(), idempotencyKey: 'parity-probe', agent: 'test', correlationId: 'parity' }), T0 + MIN);
  const price = Dec.of(dry.fill!.price);
  const bracket: Partial<Bracket> = {};
  if (exits.takeProfitPct !== undefined) bracket.takeProfit = { limitPrice: ceilTo(price.mul(Dec.ONE.add(Dec.fromMeasured(exits.takeProfitPct))), product.quoteIncrement).toString() };
  if (exits.trailingPct !== undefined) bracket.stopLoss = { trailingPct: Dec.fromMeasured(exits.trailingPct).toString() };
  else if (exits.stopLossPct !== undefined) {
    const stop = price.mul(Dec.ONE.sub(Dec.fromMeasured(exits.stopLossPct))).floorTo(product.quoteIncrement);
    bracket.stopLoss = { stopPrice: stop.toString(), ...(exits.stopLimitPct !== undefined ? { limitPrice: stop.mul(Dec.ONE.sub(Dec.fromMeasured(exits.stopLimitPct))).floorTo(product.quoteIncrement).toString() } : {}) };
  }
  const order = PlaceOrderSchema.parse({ symbol: 'BTC-USD', side: 'buy', type: 'market', notional: notional.toString(), bracket, idempotencyKey: 'parity-entry', agent: 'test', correlationId: 'parity' });
  expect(placeOrder(s, order, T0 + MIN)).toMatchObject({ status: 'filled' });
  // Bar 1 is the bar the backtest's entry fills on: its exits are judged from bar 2, and so are the paper legs.
  for (let i = 2; i < bars.length; i++) onBars(s, [bar(i)], T0 + (i + 1) * MIN);
  const stops = new Set(s.outbox.filter((e) => e.kind === 'stop_hit').map((e) => (e.kind === 'stop_hit' ? e.orderId : '')));
  return s.fills.map((f) => ({ side: f.side, price: canon(f.price), quantity: canon(f.quantity), notional: canon(f.notional), fee: canon(f.fee), ...(f.side === 'sell' ? { exit: stops.has(f.orderId) ? 'stop' : 'take_profit' } : {}) }));
}

const coinbase: Costs = { fees: { taker: '0.012', maker: '0.006' }, spreadBps: 2, slippage: true };
// Bar 1 opens at bar 0's close: the two books' entries share their mid.
const head: OHLC[] = [
  [60000, 60000, 60000, 60000],
  [60000, 60500, 59000, 60200],
];

describe('paper vs backtest: identical fills for the same bars and orders', () => {
  const cases: [string, Exits, OHLC[]][] = [
    ['a stop the bar trades through', { stopLossPct: 0.02 }, [...head, [60100, 60300, 59500, 59800], [59800, 59900, 58500, 58700]]],
    ['a gap through the stop', { stopLossPct: 0.02 }, [...head, [60100, 60300, 59500, 59800], [57000, 57500, 56500, 57200]]],
    ['a take-profit', { stopLossPct: 0.02, takeProfitPct: 0.03 }, [...head, [60100, 62500, 60000, 62000], [62000, 63000, 61800, 62900]]],
    ['one bar reaching both legs', { stopLossPct: 0.02, takeProfitPct: 0.03 }, [...head, [60100, 63000, 58000, 60000]]],
    ['a stop-limit filling at once', { stopLossPct: 0.02, stopLimitPct: 0.005 }, [...head, [60100, 60300, 58700, 58800]]],
    ['a stop-limit gapped past its limit, resting, then filled', { stopLossPct: 0.02, stopLimitPct: 0.005 }, [...head, [58000, 58200, 57500, 58000], [58000, 58800, 57900, 58700]]],
    ['a trailing stop that moves up and is hit', { trailingPct: 0.015, takeProfitPct: 0.2 }, [...head, [60100, 61500, 60000, 61400], [61400, 62500, 61300, 62400], [62400, 62600, 61000, 61100]]],
  ];
  for (const [name, exits, bars] of cases) {
    it(`${name}: same entry, same exit price, quantity and fee`, () => {
      const b = backtest(bars, exits, coinbase);
      const p = paper(bars, exits, coinbase);
      expect(b).toHaveLength(2);
      expect(b).toEqual(p);
    });
  }

  it('for random bar paths, exits and costs (property)', () => {
    // A path of bars in cents around 60,000, with gaps; bar 1 opens at bar 0's close.
    const move = fc.tuple(fc.integer({ min: -40_000, max: 40_000 }), fc.integer({ min: 0, max: 150_000 }), fc.integer({ min: 0, max: 150_000 }), fc.integer({ min: -120_000, max: 120_000 }));
    const exitsArb = fc.oneof(
      fc.record({ stopLossPct: fc.integer({ min: 1, max: 60 }), takeProfitPct: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }) }),
      fc.record({ stopLossPct: fc.integer({ min: 1, max: 60 }), stopLimitPct: fc.integer({ min: 0, max: 20 }), takeProfitPct: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }) }),
      fc.record({ trailingPct: fc.integer({ min: 1, max: 60 }), takeProfitPct: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }) }),
      fc.record({ takeProfitPct: fc.integer({ min: 1, max: 80 }) }),
    );
    let runs = 0;
    let stops = 0;
    let takeProfits = 0;
    const costsArb = fc.record({ taker: fc.constantFrom('0.012', '0.006', '0.001', '0'), maker: fc.constantFrom('0.006', '0.0025', '0'), spreadBps: fc.constantFrom(0, 2, 10), slippage: fc.boolean() });
    fc.assert(
      fc.property(fc.array(move, { minLength: 3, maxLength: 40 }), exitsArb, costsArb, (moves, ex, c) => {
        let p = 6_000_000; // cents
        const bars: OHLC[] = moves.map(([gap, up, down, mv], i) => {
          const o = i <= 1 ? p : Math.max(100_000, p + gap);
          const cl = Math.max(100_000, o + mv);
          const h = Math.max(o, cl) + up;
          const l = Math.max(50_000, Math.min(o, cl) - down);
          p = cl;
          return [o / 100, h / 100, l / 100, cl / 100];
        });
        bars[0] = [bars[0]![0], bars[0]![0], bars[0]![0], bars[0]![0]];
        bars[1]![0] = bars[0]![3];
        bars[1]![1] = Math.max(bars[1]![1], bars[1]![0]);
        bars[1]![2] = Math.min(bars[1]![2], bars[1]![0]);
        const exits: Exits = {};
        for (const [k, v] of Object.entries(ex) as [keyof Exits, number | undefined][]) if (v !== undefined) exits[k] = v / 1000;
        const costs: Costs = { fees: { taker: c.taker, maker: c.maker }, spreadBps: c.spreadBps, slippage: c.slippage };
        const b = backtest(bars, exits, costs);
        expect(b).toEqual(paper(bars, exits, costs));
        runs++;
        if (b.some((f) => f.exit === 'stop')) stops++;
        if (b.some((f) => f.exit === 'take_profit')) takeProfits++;
      }),
      { numRuns: 150, seed: 1919 },
    );
    // The paths reach both kinds of exit often enough for the comparison to mean something.
    expect(stops / runs).toBeGreaterThan(0.2);
    expect(takeProfits / runs).toBeGreaterThan(0.1);
  });
});
