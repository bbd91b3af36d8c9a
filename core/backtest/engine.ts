/**
 * The backtest engine: replays recorded bars through a strategy and books every order with the
 * SAME kernel as the paper ledger (core/trading: fill pricing, fees, spread, slippage, size rules,
 * portfolio apply, profit scraping; core/risk: risk limits).
 *
 * Two speeds, by design:
 *  - per bar: allocation-free float code over typed arrays. The strategy sees one closed bar, the
 *    account is marked to market in floats (a statistic for the equity curve and drawdown), and
 *    samples are taken at a fixed stride, so memory grows with the output, not the input.
 *  - per order: the exact-decimal kernel. A target from bar i becomes an order that fills at the
 *    open of the symbol's next bar i+1 (never the bar that produced the signal: no look-ahead).
 *    After a fill, the float shadow of cash and quantities is re-read from the exact portfolio,
 *    so float error never accumulates across trades. The exact portfolio is held parsed
 *    (`BookedPortfolio`) and written to the state's decimal strings only when `save()` or
 *    `state()` is called.
 *
 * Protective exits (a strategy's stopLossPct / stopLimitPct / takeProfitPct / trailingPct,
 * strategies/exits.ts): after every entry fill the position gets its exits, computed from the
 * fill price, and from the NEXT bar on each bar is judged against them with the paper book's
 * conditional-order kernel (core/trading/conditional.ts: gaps fill from the open, stops before
 * take-profits when one bar reaches both, a trailing stop moves only after the bar is judged).
 * A float pre-check skips the exact kernel on bars that cannot touch any exit; it is
 * conservative (a margin of 1e-9), so the kernel alone decides every fill. After an exit the
 * symbol is locked: positive targets are ignored until the strategy answers something else (no
 * change, or flat), so a strategy still asking for the position is not re-bought on the next bar.
 *
 * The engine runs in steps of the merged timeline and can stop after any step; `save()` returns a
 * plain-JSON checkpoint that `createEngine(..., saved)` resumes bit-for-bit.
 */
import { Dec } from '../domain/decimal';
// Direct module imports: the package index re-exports through getters, a cost on every order.
import { ceilTo, quoteMarketFill, type FillQuote } from '../trading/fill';
import { legPriority, newTrailing, stepConditional, trailStop, type Conditional } from '../trading/conditional';
import type { BarPrices } from '../domain/market';
import { applyFillBooked, checkFillableBooked, newPortfolio, parsePortfolio, renderPortfolio, valuePortfolio } from '../trading/portfolio';
import type { FeeSchedule, Portfolio, ProductSpec, SlippageModel } from '../trading/types';
import { checkOrder, type RiskLimits } from '../risk/limits';
import type { BarSeries } from './bars';
import { DEFER, type Strategy, type StrategyDef } from './strategies/types';
import type { ExitConfig, ExitReason } from './strategies/exits';
import type { ExitCounts } from './result';

export interface EngineConfig {
  symbols: string[];
  /** Share of trading equity allocated to each symbol, same order as `symbols`; sum <= 1. */
  weights: number[];
  initialCash: string;
  fees: FeeSchedule;
  slippage: SlippageModel;
  /** Product rules per symbol (size steps, minimums, spread estimate). */
  specs: ProductSpec[];
  /** null: no limits. */
  riskLimits: RiskLimits | null;
  profitScrapePct: string;
  strategy: StrategyDef;
  strategyParams: unknown;
  /** Take an equity-curve sample every this many timeline steps (plus the last one). */
  sampleEvery: number;
  /** Smallest change of a position worth an order, as a fraction of the symbol's allocation. */
  rebalanceBand: number;
  /** Protective exits placed after every entry fill (null or absent: none). */
  exits?: ExitConfig | null;
  /** Keep at most this many fills / blocked orders in the result (counts stay complete). */
  maxFillsKept?: number;
  maxBlockedKept?: number;
  /**
   * false: run a single symbol through the general merged-timeline loop instead of the
   * single-series loop (same results; engine.test.ts compares the two).
   */
  singleSeriesLoop?: boolean;
}

export interface CurvePoint {
  t: number;
  equity: number;
  /** Market value of positions. */
  exposure: number;
  /** Fall from the running peak (over every bar, not only samples), 0..1. */
  drawdown: number;
}

export interface FillRecord {
  id: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  price: string;
  notional: string;
  fee: string;
  referencePrice: string;
  slippageBps: number;
  /** Fill time: open time of the bar after the signal (a protective exit: of the bar that reached it). */
  time: number;
  /** Close time of the bar whose close produced the signal (a protective exit: its fill time). */
  signalTime: number;
  /** The strategy's own order (`signal`) or the protective exit that filled. */
  reason: ExitReason;
  bar: number;
  realizedPnl: string;
  scraped: string;
  cashAfter: string;
}

export interface BlockedRecord {
  symbol: string;
  side: 'buy' | 'sell';
  time: number;
  rule: string;
  reason: string;
  notional: string | null;
}

/** A round trip: from flat to holding and back to flat. */
export interface TradeRecord {
  symbol: string;
  entryTime: number;
  entryBar: number;
  entryPrice: string;
  quantity: string;
  exitTime: number | null;
  exitBar: number | null;
  exitPrice: string | null;
  /** Net of both legs' fees (cost basis includes buy fees). */
  pnl: string;
  fees: string;
  /** What closed it (the last sell's reason); null while open. */
  exitReason: ExitReason | null;
}

/** One protective exit of an open position: a conditional sell and what it is. */
export interface ExitLeg extends Conditional {
  reason: Exclude<ExitReason, 'signal'>;
}

/** The protective exits of one open position, judged on the symbol's bars from index `from` on. */
export interface OpenExits {
  from: number;
  legs: ExitLeg[];
}

export type { ExitCounts };

/** An open round trip's running figures, as decimals. */
interface OpenTrade {
  entryPrice: Dec;
  quantity: Dec;
  pnl: Dec;
  fees: Dec;
}

export interface DayReport {
  date: string;
  openEquity: number;
  closeEquity: number;
  high: number;
  low: number;
  pnl: number;
  returnPct: number;
  fills: number;
  fees: number;
  blocked: number;
}

interface DayAcc {
  day: number;
  open: number;
  high: number;
  low: number;
  fills: number;
  fees: number;
  blocked: number;
  /** Exact equity at the day's first mark, for the daily-loss rule. */
  startEquity: string;
  orders: number;
}

export interface EngineState {
  step: number;
  cursors: number[];
  portfolio: Portfolio;
  strategies: unknown[];
  /** Target waiting for the symbol's next bar (null: none) and the time of its signal bar. */
  pending: (number | null)[];
  pendingSignal: number[];
  /**
   * Per symbol: the close time of a bar whose strategy answered DEFER and still waits for
   * `answer()` (-1: none). Part of the checkpoint, so a run resumed while waiting asks again.
   */
  deferred: number[];
  lastClose: number[];
  peak: number;
  maxDrawdown: number;
  lastEquity: number;
  lastT: number;
  day: DayAcc | null;
  curve: CurvePoint[];
  days: DayReport[];
  fills: FillRecord[];
  blocked: BlockedRecord[];
  blockedByRule: Record<string, number>;
  fillCount: number;
  trades: TradeRecord[];
  open: (TradeRecord | null)[];
  barsSeen: number;
  /** Per symbol: the open position's protective exits (null: none). */
  exits: (OpenExits | null)[];
  /** Per symbol: an exit closed the position and positive targets wait for a fresh signal. */
  exitLock: boolean[];
  /** Positions closed by each kind of exit (complete, unlike the kept fills). */
  exitCounts: ExitCounts;
}

const DAY = 86_400_000;
const NOT_SET = -1;

/** A bar's float price as the decimal the kernel reads (the shortest that round-trips it). */
const priceText = (x: number): string => Dec.fromMeasured(x).toString();

function isoDate(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

export interface Engine {
  readonly totalSteps: number;
  /**
   * Runs up to `maxSteps` more timeline steps; returns how many ran (0 when finished). Stops early
   * after a step in which a strategy answered DEFER; call `answer()` for each `deferred()` symbol
   * before running again.
   */
  run(maxSteps: number): number;
  /** Symbols (indices) whose strategy deferred its decision on the last step run. */
  deferred(): number[];
  /** Supplies a deferred decision: the target exposure (0..1) or NaN for no change. */
  answer(symbolIndex: number, target: number): void;
  /** The live strategy instance of a symbol (a deferring strategy holds the question). */
  strategy(symbolIndex: number): Strategy;
  done(): boolean;
  save(): EngineState;
  state(): EngineState;
}

/** Number of distinct bar times across the series (the merged timeline's length). */
export function countSteps(series: BarSeries[]): number {
  if (series.length === 1) return series[0]!.length;
  const cur = series.map(() => 0);
  let n = 0;
  for (;;) {
    let t = Infinity;
    for (let s = 0; s < series.length; s++) if (cur[s]! < series[s]!.length && series[s]!.time[cur[s]!]! < t) t = series[s]!.time[cur[s]!]!;
    if (t === Infinity) return n;
    n++;
    for (let s = 0; s < series.length; s++) if (cur[s]! < series[s]!.length && series[s]!.time[cur[s]!]! === t) cur[s]!++;
  }
}

export function initialState(cfg: EngineConfig, strategies: Strategy[]): EngineState {
  const n = cfg.symbols.length;
  return {
    step: 0,
    cursors: new Array<number>(n).fill(0),
    portfolio: newPortfolio(cfg.initialCash),
    strategies: strategies.map((s) => s.save()),
    pending: new Array<number | null>(n).fill(null),
    pendingSignal: new Array<number>(n).fill(NOT_SET),
    deferred: new Array<number>(n).fill(NOT_SET),
    lastClose: new Array<number>(n).fill(NaN),
    peak: Number(cfg.initialCash),
    maxDrawdown: 0,
    lastEquity: Number(cfg.initialCash),
    lastT: NaN,
    day: null,
    curve: [],
    days: [],
    fills: [],
    blocked: [],
    blockedByRule: {},
    fillCount: 0,
    trades: [],
    open: new Array<TradeRecord | null>(n).fill(null),
    barsSeen: 0,
    exits: new Array<OpenExits | null>(n).fill(null),
    exitLock: new Array<boolean>(n).fill(false),
    exitCounts: { stopLoss: 0, takeProfit: 0, trailingStop: 0 },
  };
}

export function createEngine(cfg: EngineConfig, series: BarSeries[], saved?: EngineState): Engine {
  const S = cfg.symbols.length;
  if (series.length !== S || cfg.weights.length !== S || cfg.specs.length !== S) throw new Error('engine: symbols, weights, specs and series must line up');
  const strategies: Strategy[] = saved
    ? saved.strategies.map((st) => cfg.strategy.create(cfg.strategyParams, st))
    : series.map(() => cfg.strategy.create(cfg.strategyParams));
  const st: EngineState = saved ? structuredClone(saved) : initialState(cfg, strategies);
  // Checkpoints written before deferred decisions existed have no such field.
  st.deferred ??= new Array<number>(S).fill(NOT_SET);
  // ...nor exits.
  st.exits ??= new Array<OpenExits | null>(S).fill(null);
  st.exitLock ??= new Array<boolean>(S).fill(false);
  st.exitCounts ??= { stopLoss: 0, takeProfit: 0, trailingStop: 0 };
  const totalSteps = countSteps(series);
  const maxFills = cfg.maxFillsKept ?? 20_000;
  const maxBlocked = cfg.maxBlockedKept ?? 1_000;
  const model = { fees: cfg.fees, slippage: cfg.slippage };
  const takerPlusOne = Dec.ONE.add(cfg.fees.taker);
  const scrapePct = Dec.of(cfg.profitScrapePct);
  const exits = cfg.exits ?? null;
  const exitsOn = exits !== null;

  // The exact portfolio, parsed; `st.portfolio` is rewritten from it when state is taken.
  const book = parsePortfolio(st.portfolio);
  let bookChanged = false;
  const portfolio = (): Portfolio => {
    if (bookChanged) {
      st.portfolio = renderPortfolio(book);
      bookChanged = false;
    }
    return st.portfolio;
  };
  const heldOf = (symbol: string): Dec => book.positions.get(symbol)?.quantity ?? Dec.ZERO;
  // The open round trips, parsed; their strings in `st.open` are written when state is taken
  // and when a trade closes.
  const openBook: (OpenTrade | null)[] = st.open.map((o) => (o ? { entryPrice: Dec.of(o.entryPrice), quantity: Dec.of(o.quantity), pnl: Dec.of(o.pnl), fees: Dec.of(o.fees) } : null));
  let openChanged = false;

  // Float shadow of the exact portfolio, re-read after every fill.
  const qty = new Float64Array(S);
  let cashF = 0;
  let scrapedF = 0;
  const syncShadow = () => {
    cashF = book.cash.toNumber();
    scrapedF = book.totals.scrapedProfits.toNumber();
    for (let s = 0; s < S; s++) qty[s] = heldOf(cfg.symbols[s]!).toNumber();
  };
  syncShadow();

  const times = series.map((x) => x.time);
  const cursors = st.cursors;
  const lastClose = st.lastClose;
  const pending = st.pending;
  const weights = cfg.weights;
  const exitLock = st.exitLock;

  function block(s: number, side: 'buy' | 'sell', time: number, rule: string, reason: string, notional: Dec | null): void {
    st.blockedByRule[rule] = (st.blockedByRule[rule] ?? 0) + 1;
    if (st.day) st.day.blocked++;
    if (st.blocked.length < maxBlocked) st.blocked.push({ symbol: cfg.symbols[s]!, side, time, rule, reason, notional: notional ? notional.toString() : null });
  }

  /** The exact-decimal path: one order for symbol s at the open of its bar i. */
  function execute(s: number, i: number, target: number, signalTime: number): void {
    const symbol = cfg.symbols[s]!;
    const spec = cfg.specs[s]!;
    const bar = series[s]!;
    const time = bar.time[i]!;
    const openF = bar.open[i]!;
    const open = Dec.fromMeasured(openF);
    const held = heldOf(symbol);
    // Sizing is a decision, made in floats from the shadow account (marks: this bar's open for
    // this symbol, last closes for the others); what it books is priced and applied exactly.
    let posF = 0;
    for (let k = 0; k < S; k++) if (qty[k] !== 0) posF += qty[k]! * (k === s ? openF : lastClose[k]!);
    const allocF = (cashF + posF) * weights[s]!;
    const deltaF = allocF * target - qty[s]! * openF;
    const bandF = allocF * cfg.rebalanceBand;
    let quote: FillQuote;
    let side: 'buy' | 'sell';
    if (target === 0 || -deltaF > bandF) {
      if (held.isZero()) return;
      side = 'sell';
      const q = target === 0 ? held : Dec.min(held, Dec.fromMeasured(-deltaF / openF).floorTo(spec.baseIncrement));
      if (!q.isPositive()) return;
      quote = quoteMarketFill({ spec, side, quantity: q, mid: open, model });
    } else if (deltaF > 0 && (held.isZero() || deltaF > bandF)) {
      side = 'buy';
      // Spend at most what cash can pay including the taker fee, never more than the target.
      const affordable = book.cash.div(takerPlusOne).round(10, 'down');
      // A float target at or above what cash can pay spends exactly that (no round trip of the
      // float through a decimal that could land a hair above or below it).
      const affordableF = affordable === book.cash ? cashF : affordable.toNumber();
      const notional = deltaF >= affordableF ? affordable : Dec.min(Dec.fromMeasured(deltaF), affordable);
      if (!notional.isPositive()) {
        block(s, side, time, 'insufficient_funds', `no cash left to buy ${symbol}`, null);
        return;
      }
      quote = quoteMarketFill({ spec, side, notional, mid: open, model });
    } else return;
    if (!quote.ok) {
      block(s, side, time, quote.code, quote.reason, null);
      return;
    }
    const day = st.day!;
    if (cfg.riskLimits) {
      const marks: Record<string, string> = marksNow();
      marks[symbol] = open.toString();
      const v = valuePortfolio(portfolio(), marks);
      const posValue = v.positions.find((p) => p.symbol === symbol)?.marketValue ?? '0';
      const verdict = checkOrder({
        limits: cfg.riskLimits,
        killSwitch: false,
        side,
        symbol,
        orderNotional: quote.notional,
        positionValue: Dec.of(posValue),
        exposure: Dec.of(v.positionsValue),
        equity: Dec.of(v.equity),
        dayPnl: Dec.of(v.equity).sub(day.startEquity),
        tradesToday: day.orders,
        lossStreak: book.totals.lossStreak,
        lastLossAt: book.totals.lastLossAt,
        now: time,
      });
      if (!verdict.ok) {
        block(s, side, time, verdict.rule, verdict.reason, quote.notional);
        return;
      }
    }
    const why = checkFillableBooked(book, symbol, side, quote.quantity, quote.notional, quote.fee);
    if (why) {
      block(s, side, time, 'insufficient_funds', why, quote.notional);
      return;
    }
    day.orders++;
    bookFill(s, i, side, quote, time, signalTime, 'signal');
    if (exits) afterSignalFill(s, i, side, quote.price);
  }

  /** Books a priced, checked fill: the exact portfolio, the day, the record, the round trip. */
  function bookFill(s: number, i: number, side: 'buy' | 'sell', quote: Extract<FillQuote, { ok: true }>, time: number, signalTime: number, reason: ExitReason): void {
    const symbol = cfg.symbols[s]!;
    const day = st.day!;
    const n = ++st.fillCount;
    const id = `fill-${n}`;
    const r = applyFillBooked(book, { id, symbol, side, quantity: quote.quantity, notional: quote.notional, fee: quote.fee, time }, scrapePct);
    bookChanged = true;
    day.fills++;
    day.fees += quote.fee.toNumber();
    syncShadow();
    // Records are strings: built only for the fills that are kept.
    if (st.fills.length < maxFills) {
      st.fills.push({
        id,
        symbol,
        side,
        quantity: quote.quantity.toString(),
        price: quote.price.toString(),
        notional: quote.notional.toString(),
        fee: quote.fee.toString(),
        referencePrice: quote.referencePrice.toString(),
        slippageBps: quote.slippageBps,
        time,
        signalTime,
        bar: i,
        realizedPnl: r.realizedPnl.toString(),
        scraped: r.scraped.toString(),
        cashAfter: book.cash.toString(),
        reason,
      });
    }
    trackTrade(s, i, side, time, quote, r.realizedPnl, reason);
  }

  // ---- Protective exits -------------------------------------------------------------------

  /**
   * Float bounds per symbol for the pre-check, each widened by 1e-9 of itself (far beyond a
   * float's rounding of a decimal price) so they only ever err towards calling the kernel:
   *  - `xLow`: a bar whose low is above it cannot trigger a stop;
   *  - `xFill`: a bar whose high is below it cannot fill a resting limit (a take-profit, a
   *    triggered stop-limit);
   *  - `xHigh`: the lower of `xFill` and the trailing stop's best price: a bar below it and above
   *    `xLow` changes nothing, and the loop skips it without a call;
   *  - `xFrom`: the first bar index the exits are judged on (Infinity: none).
   * A bar that can only move the trail (a new high, no stop or limit in reach) is not sent to the
   * kernel: its high is kept in `trailHigh` and the trail is moved exactly by `settleTrail` before
   * the kernel next judges a bar, before any placement and before state is taken. The trail's
   * stop depends only on its best price (the kernel's rule: judged first, then moved by the bar's
   * high), so moving it once by the highest of those bars gives the state moving it bar by bar
   * gives — and `xLow` follows the pending high in floats meanwhile.
   */
  const xLow = new Float64Array(S).fill(-Infinity);
  const xHigh = new Float64Array(S).fill(Infinity);
  const xFill = new Float64Array(S).fill(Infinity);
  const xFrom = new Float64Array(S).fill(Infinity);
  /** Per symbol: the highest high not yet applied to the trailing stop (-Infinity: none). */
  const trailHigh = new Float64Array(S).fill(-Infinity);
  /** Per symbol: the highest fixed stop (stop, untriggered stop-limit) as a widened float. */
  const xLowFixed = new Float64Array(S).fill(-Infinity);
  /** 1 - the trail's fraction, as a float (for the widened bound only). */
  const trailKeep = exits && exits.trailing !== null ? 1 - Number(exits.trailing) : NaN;
  const SLACK = 1e-9;
  const up = (x: number) => x + Math.abs(x) * SLACK;
  const down = (x: number) => x - Math.abs(x) * SLACK;

  function refreshExitBounds(s: number): void {
    const x = st.exits[s];
    if (!x || x.legs.length === 0) {
      xLow[s] = -Infinity;
      xHigh[s] = Infinity;
      xFill[s] = Infinity;
      xLowFixed[s] = -Infinity;
      xFrom[s] = Infinity;
      trailHigh[s] = -Infinity;
      return;
    }
    let fixed = -Infinity;
    let trail = -Infinity;
    let fill = Infinity;
    let best = Infinity;
    for (const leg of x.legs) {
      if (leg.kind === 'take_profit' || (leg.kind === 'stop_limit' && leg.triggered)) fill = Math.min(fill, Number(leg.limitPrice));
      else if (leg.kind === 'trailing_stop') {
        trail = Number(leg.stopPrice);
        best = Number(leg.extreme);
      } else fixed = Math.max(fixed, Number(leg.stopPrice));
    }
    xLowFixed[s] = fixed === -Infinity ? fixed : up(fixed);
    xLow[s] = Math.max(xLowFixed[s]!, trail === -Infinity ? trail : up(trail));
    xFill[s] = fill === Infinity ? fill : down(fill);
    xHigh[s] = Math.min(xFill[s]!, best === Infinity ? best : down(best));
    xFrom[s] = x.from;
  }
  for (let s = 0; s < S; s++) refreshExitBounds(s);

  /** Applies the pending highs to the trailing stop, exactly (the kernel's move, by its `trailStop`). */
  function settleTrail(s: number): void {
    const h = trailHigh[s]!;
    if (h === -Infinity) return;
    trailHigh[s] = -Infinity;
    const leg = st.exits[s]?.legs.find((l) => l.kind === 'trailing_stop');
    if (!leg) return;
    const best = Dec.fromMeasured(h);
    if (best.gt(leg.extreme!)) {
      leg.extreme = best.toString();
      leg.stopPrice = trailStop('sell', best, leg.trail!, cfg.specs[s]!.quoteIncrement).toString();
    }
    refreshExitBounds(s);
  }

  const ONE = Dec.ONE;
  const exitFractions = exits
    ? {
        stopLoss: exits.stopLoss === null ? null : ONE.sub(exits.stopLoss),
        stopLimit: exits.stopLimit === null ? null : ONE.sub(exits.stopLimit),
        takeProfit: exits.takeProfit === null ? null : ONE.add(exits.takeProfit),
      }
    : null;

  /**
   * After a strategy's fill: a buy (an entry, or an add) places the position's exits anew from its
   * average entry price for everything held, judged from the next bar; a sell that leaves a
   * position shrinks them to what is held; a sell to flat removes them.
   */
  function afterSignalFill(s: number, i: number, side: 'buy' | 'sell', price: Dec): void {
    settleTrail(s);
    const held = heldOf(cfg.symbols[s]!);
    const prev = st.exits[s] ?? null;
    if (held.isZero()) st.exits[s] = null;
    else if (side === 'sell') {
      if (prev) for (const leg of prev.legs) leg.quantity = held.toString();
    } else st.exits[s] = { from: i + 1, legs: exitLegs(s, held, openBook[s]?.entryPrice ?? price, price, prev) };
    refreshExitBounds(s);
  }

  /** The exits of a position of `held` entered at `entry` (the round trip's average fill price). */
  function exitLegs(s: number, held: Dec, entry: Dec, fillPrice: Dec, prev: OpenExits | null): ExitLeg[] {
    const x = exits!;
    const f = exitFractions!;
    const spec = cfg.specs[s]!;
    const inc = spec.quoteIncrement;
    const quantity = held.toString();
    const legs: ExitLeg[] = [];
    if (f.stopLoss) {
      // Rounded to the price step away from the entry: at least the distance asked for.
      const stop = entry.mul(f.stopLoss).floorTo(inc);
      if (stop.isPositive()) {
        const limit = f.stopLimit ? stop.mul(f.stopLimit).floorTo(inc) : null;
        if (!limit || limit.isPositive()) legs.push({ kind: limit ? 'stop_limit' : 'stop', side: 'sell', quantity, stopPrice: stop.toString(), limitPrice: limit ? limit.toString() : null, trail: null, extreme: null, triggered: false, reason: 'stop_loss' });
      }
    }
    if (x.trailing !== null) {
      // The best price since the position opened: an add keeps the trail's high so far.
      const before = prev?.legs.find((l) => l.kind === 'trailing_stop');
      const from = before?.extreme ? Dec.max(Dec.of(before.extreme), fillPrice) : fillPrice;
      legs.push({ ...newTrailing('sell', quantity, { pct: x.trailing }, from, spec), reason: 'trailing_stop' });
    }
    if (f.takeProfit) legs.push({ kind: 'take_profit', side: 'sell', quantity, stopPrice: null, limitPrice: ceilTo(entry.mul(f.takeProfit), inc).toString(), trail: null, extreme: null, triggered: false, reason: 'take_profit' });
    return legs;
  }

  /** Order of judgement within a bar: stops before take-profits (the kernel's rule), the highest stop first (a fall reaches it first). */
  function byPriority(a: ExitLeg, b: ExitLeg): number {
    const p = legPriority(a.kind) - legPriority(b.kind);
    if (p !== 0 || a.stopPrice === null || b.stopPrice === null) return p;
    return Dec.of(b.stopPrice).cmp(a.stopPrice);
  }

  /** Judges symbol s's exits against its bar i: the first to fill closes the position, the others are cancelled. */
  function judgeExits(s: number, i: number): void {
    const bar = series[s]!;
    const lowF = bar.low[i]!;
    const highF = bar.high[i]!;
    if (lowF > xLow[s]! && highF < xFill[s]!) {
      // Only the trail can move: no stop or limit is in reach. Kept for `settleTrail`; the bound
      // on the low follows the new best price (widened: it errs towards calling the kernel).
      if (highF > trailHigh[s]!) {
        trailHigh[s] = highF;
        xHigh[s] = Math.min(xFill[s]!, down(highF));
        xLow[s] = Math.max(xLowFixed[s]!, up(highF * trailKeep));
      }
      return;
    }
    settleTrail(s);
    const x = st.exits[s]!;
    const ohlc: BarPrices = { open: priceText(bar.open[i]!), high: priceText(bar.high[i]!), low: priceText(bar.low[i]!), close: priceText(bar.close[i]!) };
    const spec = cfg.specs[s]!;
    const legs = x.legs.length > 1 ? x.legs.slice().sort(byPriority) : x.legs;
    for (const leg of legs) {
      const step = stepConditional(leg, ohlc, spec, model);
      if (!step.filled) {
        const n = step.next;
        leg.stopPrice = n.stopPrice;
        leg.extreme = n.extreme;
        leg.triggered = n.triggered;
        continue;
      }
      const q = step.quote;
      const time = bar.time[i]!;
      st.exits[s] = null;
      const why = checkFillableBooked(book, cfg.symbols[s]!, 'sell', q.quantity, q.notional, q.fee);
      if (why) block(s, 'sell', time, 'insufficient_funds', why, q.notional);
      else {
        bookFill(s, i, 'sell', q, time, time, leg.reason);
        if (leg.reason === 'stop_loss') st.exitCounts.stopLoss++;
        else if (leg.reason === 'take_profit') st.exitCounts.takeProfit++;
        else st.exitCounts.trailingStop++;
        st.exitLock[s] = true;
      }
      break;
    }
    refreshExitBounds(s);
  }

  /** A target answered while the symbol is locked after an exit: positive ones are ignored; anything else releases the lock. */
  function afterLock(s: number, target: number): number {
    if (target === DEFER) return target;
    if (target > 0) return NaN;
    st.exitLock[s] = false;
    return target;
  }

  function trackTrade(s: number, i: number, side: 'buy' | 'sell', time: number, fill: Extract<FillQuote, { ok: true }>, realized: Dec, reason: ExitReason): void {
    const open = st.open[s];
    const ob = openBook[s];
    if (side === 'buy') {
      if (!open || !ob) {
        st.open[s] = {
          symbol: cfg.symbols[s]!,
          entryTime: time,
          entryBar: i,
          entryPrice: '',
          quantity: '',
          exitTime: null,
          exitBar: null,
          exitPrice: null,
          pnl: '0',
          fees: '',
          exitReason: null,
        };
        openBook[s] = { entryPrice: fill.price, quantity: fill.quantity, pnl: Dec.ZERO, fees: fill.fee };
      } else {
        const q = ob.quantity.add(fill.quantity);
        ob.entryPrice = ob.quantity.mul(ob.entryPrice).add(fill.quantity.mul(fill.price)).div(q).round(12);
        ob.quantity = q;
        ob.fees = ob.fees.add(fill.fee);
      }
      openChanged = true;
      return;
    }
    if (!open || !ob) return;
    ob.pnl = ob.pnl.add(realized);
    ob.fees = ob.fees.add(fill.fee);
    open.exitPrice = fill.price.toString();
    open.exitTime = time;
    open.exitBar = i;
    open.exitReason = reason;
    openChanged = true;
    if (heldOf(cfg.symbols[s]!).isZero()) {
      writeOpen(open, ob);
      st.trades.push(open);
      st.open[s] = null;
      openBook[s] = null;
    }
  }

  function writeOpen(open: TradeRecord, ob: OpenTrade): void {
    open.entryPrice = ob.entryPrice.toString();
    open.quantity = ob.quantity.toString();
    open.pnl = ob.pnl.toString();
    open.fees = ob.fees.toString();
  }

  /** Writes the open round trips' decimal strings (checkpoints, results). */
  function flushOpen(): void {
    if (!openChanged) return;
    for (let s = 0; s < S; s++) {
      const open = st.open[s];
      const ob = openBook[s];
      if (open && ob) writeOpen(open, ob);
    }
    openChanged = false;
  }

  function closeDay(): void {
    const d = st.day;
    if (!d) return;
    st.days.push({
      date: isoDate(d.day),
      openEquity: d.open,
      closeEquity: st.lastEquity,
      high: d.high,
      low: d.low,
      pnl: st.lastEquity - d.open,
      returnPct: d.open > 0 ? (st.lastEquity / d.open - 1) * 100 : 0,
      fills: d.fills,
      fees: d.fees,
      blocked: d.blocked,
    });
  }

  function newDay(day: number): void {
    closeDay();
    st.day = { day, open: st.lastEquity, high: st.lastEquity, low: st.lastEquity, fills: 0, fees: 0, blocked: 0, startEquity: equityNow(), orders: 0 };
  }

  /**
   * Exact equity at the last closes: `valuePortfolio(portfolio, marksNow()).equity` (cash +
   * positions at their marks, at cost without one, + scraped profits) without the per-position
   * report it also builds. Exact sums, so the order of the terms does not matter.
   */
  function equityNow(): string {
    let eq = book.cash;
    for (const [symbol, pos] of book.positions) {
      const q = pos.quantity;
      if (q.isZero()) continue;
      const k = cfg.symbols.indexOf(symbol);
      const mark = k >= 0 && !Number.isNaN(lastClose[k]!) ? String(lastClose[k]) : null;
      eq = eq.add(mark === null ? pos.costBasis : q.mul(mark));
    }
    return eq.add(book.totals.scrapedProfits).toString();
  }

  function marksNow(): Record<string, string> {
    const m: Record<string, string> = {};
    for (let k = 0; k < S; k++) if (!Number.isNaN(lastClose[k]!)) m[cfg.symbols[k]!] = String(lastClose[k]);
    return m;
  }

  /**
   * The loop for one series: the timeline is the series itself (step = cursor), so there is no
   * merge, and the per-bar state lives in locals, written back to `st` on a new day, before an
   * order and on exit. Same steps, in the same order, as the general loop below.
   */
  function runSingle(maxSteps: number): number {
    const bar = series[0]!;
    const time = bar.time;
    const openA = bar.open;
    const highA = bar.high;
    const lowA = bar.low;
    const closeA = bar.close;
    const volA = bar.volume;
    const tf = bar.timeframeMs;
    const strat = strategies[0]!;
    const w = weights[0]!;
    const sampleEvery = cfg.sampleEvery;
    const startStep = st.step;
    const end = Math.min(totalSteps, startStep + maxSteps);
    let c = startStep;
    let nextDayAt = st.day ? (st.day.day + 1) * DAY : -Infinity;
    let day = st.day;
    let dayHigh = day ? day.high : 0;
    let dayLow = day ? day.low : 0;
    let peak = st.peak;
    let maxDd = st.maxDrawdown;
    let eq = st.lastEquity;
    let lc = lastClose[0]!;
    const p0 = pending[0];
    let pend = p0 === null || p0 === undefined ? NaN : p0;
    let pendSignal = st.pendingSignal[0]!;
    let toSample = sampleEvery - (startStep % sampleEvery);
    let deferredNow = false;
    const defer = DEFER;
    while (c < end) {
      const t = time[c]!;
      if (t >= nextDayAt) {
        if (day) {
          day.high = dayHigh;
          day.low = dayLow;
        }
        st.lastEquity = eq;
        lastClose[0] = lc;
        newDay(Math.floor(t / DAY));
        day = st.day!;
        dayHigh = day.high;
        dayLow = day.low;
        nextDayAt = (day.day + 1) * DAY;
      }
      // 1. An order decided on the previous bar fills at this bar's open.
      if (pend === pend) {
        const target = pend;
        pend = NaN;
        lastClose[0] = lc;
        execute(0, c, target, pendSignal);
      }
      lc = closeA[c]!;
      // 2. Mark to market at the close.
      const q = qty[0]!;
      const posValue = q !== 0 ? q * lc : 0;
      const trading = cashF + posValue;
      eq = trading + scrapedF;
      if (eq > peak) peak = eq;
      else if (peak > 0) {
        const dd = (peak - eq) / peak;
        if (dd > maxDd) maxDd = dd;
      }
      if (eq > dayHigh) dayHigh = eq;
      if (eq < dayLow) dayLow = eq;
      // 3. The strategy sees the closed bar.
      const alloc = trading * w;
      const exposure = q !== 0 && alloc > 0 ? (q * lc) / alloc : 0;
      const target = strat.onBar(t, openA[c]!, highA[c]!, lowA[c]!, lc, volA[c]!, exposure);
      if (target === target) {
        if (target === defer) {
          st.deferred[0] = t + tf;
          deferredNow = true;
        } else {
          pend = target < 0 ? 0 : target > 1 ? 1 : target;
          pendSignal = t + tf;
        }
      }
      c++;
      if (--toSample === 0 || c === totalSteps) {
        st.curve.push({ t: t + tf, equity: eq, exposure: posValue, drawdown: peak > 0 ? (peak - eq) / peak : 0 });
        if (toSample === 0) toSample = sampleEvery;
      }
      if (deferredNow) break;
    }
    if (day) {
      day.high = dayHigh;
      day.low = dayLow;
    }
    cursors[0] = c;
    st.step = c;
    st.barsSeen += c - startStep;
    lastClose[0] = lc;
    pending[0] = pend === pend ? pend : null;
    st.pendingSignal[0] = pendSignal;
    st.peak = peak;
    st.maxDrawdown = maxDd;
    st.lastEquity = eq;
    if (c === totalSteps && totalSteps > 0 && startStep < totalSteps) closeDay();
    return c - startStep;
  }

  /**
   * `runSingle` with protective exits: the same loop plus step 1b (the exits judged against the
   * bar) and the re-entry lock on the strategy's answer. A loop of its own so that a run without
   * exits pays nothing for them per bar; engine.test.ts and exits.test.ts compare both loops with
   * the general one field for field.
   */
  function runSingleExits(maxSteps: number): number {
    const bar = series[0]!;
    const time = bar.time;
    const openA = bar.open;
    const highA = bar.high;
    const lowA = bar.low;
    const closeA = bar.close;
    const volA = bar.volume;
    const tf = bar.timeframeMs;
    const strat = strategies[0]!;
    const w = weights[0]!;
    const sampleEvery = cfg.sampleEvery;
    const startStep = st.step;
    const end = Math.min(totalSteps, startStep + maxSteps);
    let c = startStep;
    let nextDayAt = st.day ? (st.day.day + 1) * DAY : -Infinity;
    let day = st.day;
    let dayHigh = day ? day.high : 0;
    let dayLow = day ? day.low : 0;
    let peak = st.peak;
    let maxDd = st.maxDrawdown;
    let eq = st.lastEquity;
    let lc = lastClose[0]!;
    const p0 = pending[0];
    let pend = p0 === null || p0 === undefined ? NaN : p0;
    let pendSignal = st.pendingSignal[0]!;
    let toSample = sampleEvery - (startStep % sampleEvery);
    let deferredNow = false;
    const defer = DEFER;
    const lock = exitLock;
    while (c < end) {
      const t = time[c]!;
      if (t >= nextDayAt) {
        if (day) {
          day.high = dayHigh;
          day.low = dayLow;
        }
        st.lastEquity = eq;
        lastClose[0] = lc;
        newDay(Math.floor(t / DAY));
        day = st.day!;
        dayHigh = day.high;
        dayLow = day.low;
        nextDayAt = (day.day + 1) * DAY;
      }
      // 1. An order decided on the previous bar fills at this bar's open.
      if (pend === pend) {
        const target = pend;
        pend = NaN;
        lastClose[0] = lc;
        execute(0, c, target, pendSignal);
      }
      // 1b. Exits placed before this bar are judged against it (skipped when it cannot reach them).
      if (c >= xFrom[0]! && (lowA[c]! <= xLow[0]! || highA[c]! >= xHigh[0]!)) judgeExits(0, c);
      lc = closeA[c]!;
      // 2. Mark to market at the close.
      const q = qty[0]!;
      const posValue = q !== 0 ? q * lc : 0;
      const trading = cashF + posValue;
      eq = trading + scrapedF;
      if (eq > peak) peak = eq;
      else if (peak > 0) {
        const dd = (peak - eq) / peak;
        if (dd > maxDd) maxDd = dd;
      }
      if (eq > dayHigh) dayHigh = eq;
      if (eq < dayLow) dayLow = eq;
      // 3. The strategy sees the closed bar.
      const alloc = trading * w;
      const exposure = q !== 0 && alloc > 0 ? (q * lc) / alloc : 0;
      let target = strat.onBar(t, openA[c]!, highA[c]!, lowA[c]!, lc, volA[c]!, exposure);
      if (lock[0]) target = afterLock(0, target);
      if (target === target) {
        if (target === defer) {
          st.deferred[0] = t + tf;
          deferredNow = true;
        } else {
          pend = target < 0 ? 0 : target > 1 ? 1 : target;
          pendSignal = t + tf;
        }
      }
      c++;
      if (--toSample === 0 || c === totalSteps) {
        st.curve.push({ t: t + tf, equity: eq, exposure: posValue, drawdown: peak > 0 ? (peak - eq) / peak : 0 });
        if (toSample === 0) toSample = sampleEvery;
      }
      if (deferredNow) break;
    }
    if (day) {
      day.high = dayHigh;
      day.low = dayLow;
    }
    cursors[0] = c;
    st.step = c;
    st.barsSeen += c - startStep;
    lastClose[0] = lc;
    pending[0] = pend === pend ? pend : null;
    st.pendingSignal[0] = pendSignal;
    st.peak = peak;
    st.maxDrawdown = maxDd;
    st.lastEquity = eq;
    if (c === totalSteps && totalSteps > 0 && startStep < totalSteps) closeDay();
    return c - startStep;
  }

  function run(maxSteps: number): number {
    if (st.deferred.some((x) => x !== NOT_SET)) throw new Error('engine: answer the deferred decisions before running on');
    if (S === 1 && cfg.singleSeriesLoop !== false) return exitsOn ? runSingleExits(maxSteps) : runSingle(maxSteps);
    let deferredNow = false;
    const end = Math.min(totalSteps, st.step + maxSteps);
    const startStep = st.step;
    let nextDayAt = st.day ? (st.day.day + 1) * DAY : -Infinity;
    const sampleEvery = cfg.sampleEvery;
    let peak = st.peak;
    let maxDd = st.maxDrawdown;
    let eq = st.lastEquity;
    // Read once: an imported binding can cost a property access per bar.
    const defer = DEFER;
    while (st.step < end) {
      // Next timeline time: the smallest pending bar time across symbols.
      let t = Infinity;
      for (let s = 0; s < S; s++) {
        const c = cursors[s]!;
        if (c < times[s]!.length) {
          const x = times[s]![c]!;
          if (x < t) t = x;
        }
      }
      if (t >= nextDayAt) {
        st.lastEquity = eq;
        newDay(Math.floor(t / DAY));
        nextDayAt = (st.day!.day + 1) * DAY;
      }
      // 1. Orders decided on the previous bar fill at this bar's open.
      for (let s = 0; s < S; s++) {
        const c = cursors[s]!;
        if (c < times[s]!.length && times[s]![c] === t) {
          const p = pending[s];
          if (p !== null && p !== undefined) {
            pending[s] = null;
            execute(s, c, p, st.pendingSignal[s]!);
          }
          if (exitsOn && c >= xFrom[s]! && (series[s]!.low[c]! <= xLow[s]! || series[s]!.high[c]! >= xHigh[s]!)) judgeExits(s, c);
          lastClose[s] = series[s]!.close[c]!;
        }
      }
      // 2. Mark to market at the close (floats: a sampled statistic, not a booking).
      let posValue = 0;
      for (let s = 0; s < S; s++) {
        const q = qty[s]!;
        if (q !== 0) posValue += q * lastClose[s]!;
      }
      const trading = cashF + posValue;
      eq = trading + scrapedF;
      if (eq > peak) peak = eq;
      else if (peak > 0) {
        const dd = (peak - eq) / peak;
        if (dd > maxDd) maxDd = dd;
      }
      const day = st.day!;
      if (eq > day.high) day.high = eq;
      if (eq < day.low) day.low = eq;
      // 3. The strategy sees the closed bar and may set a target for the next bar.
      for (let s = 0; s < S; s++) {
        const c = cursors[s]!;
        if (c < times[s]!.length && times[s]![c] === t) {
          const bar = series[s]!;
          const alloc = trading * weights[s]!;
          const exposure = qty[s] !== 0 && alloc > 0 ? (qty[s]! * lastClose[s]!) / alloc : 0;
          let target = strategies[s]!.onBar(t, bar.open[c]!, bar.high[c]!, bar.low[c]!, bar.close[c]!, bar.volume[c]!, exposure);
          if (exitsOn && exitLock[s]) target = afterLock(s, target);
          if (target === defer) {
            st.deferred[s] = t + bar.timeframeMs;
            deferredNow = true;
          } else if (target === target) {
            pending[s] = target < 0 ? 0 : target > 1 ? 1 : target;
            st.pendingSignal[s] = t + bar.timeframeMs;
          }
          cursors[s] = c + 1;
          st.barsSeen++;
        }
      }
      st.step++;
      if (st.step % sampleEvery === 0 || st.step === totalSteps) {
        st.curve.push({ t: t + series[0]!.timeframeMs, equity: eq, exposure: posValue, drawdown: peak > 0 ? (peak - eq) / peak : 0 });
      }
      if (deferredNow) break;
    }
    st.peak = peak;
    st.maxDrawdown = maxDd;
    st.lastEquity = eq;
    if (st.step === totalSteps && totalSteps > 0 && startStep < totalSteps) closeDay();
    return st.step - startStep;
  }

  return {
    totalSteps,
    run,
    done: () => st.step >= totalSteps,
    deferred: () => {
      const out: number[] = [];
      for (let s = 0; s < S; s++) if (st.deferred[s] !== NOT_SET) out.push(s);
      return out;
    },
    answer(s: number, target: number) {
      const signal = st.deferred[s];
      if (signal === undefined || signal === NOT_SET) throw new Error(`engine: symbol ${s} has no deferred decision`);
      st.deferred[s] = NOT_SET;
      if (exitsOn && exitLock[s]) target = afterLock(s, target);
      if (target === target) {
        // The bar after the signal has not been processed yet (the engine stopped at the step
        // that produced it), so this fills at its open exactly as an immediate answer would.
        pending[s] = target < 0 ? 0 : target > 1 ? 1 : target;
        st.pendingSignal[s] = signal;
      }
    },
    strategy: (s: number) => strategies[s]!,
    save() {
      portfolio();
      flushOpen();
      for (let s = 0; s < S; s++) settleTrail(s);
      st.strategies = strategies.map((x) => x.save());
      return structuredClone(st);
    },
    state: () => {
      portfolio();
      flushOpen();
      for (let s = 0; s < S; s++) settleTrail(s);
      return st;
    },
  };
}
