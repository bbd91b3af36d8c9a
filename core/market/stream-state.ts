/**
 * The market stream's state and the pure steps that change it. The workflow holds one
 * `StreamState` (plain objects and arrays, carried whole across continue-as-new); tests and
 * benchmarks drive the same functions directly.
 *
 * Pure and deterministic: safe to import from workflows.
 */
import type { Bar, Timeframe } from '../domain/market';
import { TIMEFRAME_MS } from '../domain/market';
import { PRODUCT_RE } from '../domain/product';
import { featureInit, featureUpdate, featureVector, numericFeatures, type FeatureState, type FeatureVector } from '../indicators/features';
import { checkPrice, guardInit, parsePrice, type GuardState, type SanityOptions } from './sanity';

export type FeedKind = 'coinbase' | 'replay' | 'simulated';

export interface SymbolState {
  symbol: string;
  /**
   * Newest last: [open time, open, high, low, close, volume]. Compact rows because the whole state
   * travels as one continue-as-new payload (Temporal refuses payloads over 2 MB).
   */
  candles: CandleRow[];
  features: FeatureState;
  guard: GuardState;
  lastPrice: string | null;
  lastBarTime: number | null;
  accepted: number;
  rejected: number;
  /**
   * Live bars waiting for this symbol's backfill, or for the refill of a gap before them, to
   * finish (applied after it, in order).
   */
  held: Bar[];
  backfilled: boolean;
  /**
   * End of the last gap resolved for this symbol: minutes before it were already asked for, so
   * a refill that found no trades there is not asked again. Absent in state carried from before
   * gap refills existed.
   */
  gapCheckedTo?: number;
}

export type CandleRow = [number, string, string, string, string, string];

/** Candles kept across all symbols: about 60 bytes each, so the carried state stays well under 1 MB. */
export const TOTAL_CANDLES = 10_000;

/** Per-symbol candle bound: `candleKeep`, shared down when many symbols are streamed (at least 60). */
export function candleBound(st: StreamState): number {
  return Math.min(st.options.candleKeep, Math.max(60, Math.floor(TOTAL_CANDLES / Math.max(1, st.order.length))));
}

export interface BackfillPage {
  symbol: string;
  start: number;
  end: number;
}

export interface BackfillProgress {
  state: 'idle' | 'running' | 'done';
  pagesTotal: number;
  pagesDone: number;
  bars: number;
  /** Per symbol: bars loaded and whether its backfill is complete. */
  symbols: Record<string, { bars: number; done: boolean }>;
  errors: string[];
}

/** Minutes missed by the live feed (a WebSocket drop): `[start, end)`, refilled over REST. */
export interface Gap {
  symbol: string;
  start: number;
  end: number;
  /** Next minute to ask for (pages of `pageBars`); `end` once every page is in. */
  next: number;
  state: 'pending' | 'filled' | 'unfilled';
  /** Failed fetches so far; at GAP_ATTEMPTS the gap is given up as unfilled. */
  attempts: number;
  /** Bars the refill applied (fewer than the gap's minutes when some had no trades). */
  bars: number;
  error: string | null;
}

export interface GapState {
  /** Oldest first; the workflow refills the first one. */
  pending: Gap[];
  /** Resolved gaps, newest last (bounded). */
  recent: Gap[];
  filled: number;
  unfilled: number;
  barsRefilled: number;
}

/** Failed fetches of one gap before it is marked unfilled and its held bars are released. */
export const GAP_ATTEMPTS = 3;
const GAPS_KEPT = 10;

export interface Rejection {
  symbol: string;
  time: number;
  reason: string;
  detail: string;
}

export interface StreamOptions {
  timeframe: Timeframe;
  candleKeep: number;
  sanity: SanityOptions;
}

export interface StreamState {
  options: StreamOptions;
  feed: FeedKind;
  /** Insertion order = display order. */
  order: string[];
  symbols: Record<string, SymbolState>;
  backfillQueue: BackfillPage[];
  backfill: BackfillProgress;
  /** Newest time the workflow knows (bar closes, lease replies): the "now" of queries. */
  clock: number;
  batches: number;
  barsAccepted: number;
  barsRejected: number;
  /** The latest rejections, newest last (bounded). */
  rejections: Rejection[];
  feedHealth: FeedHealthView | null;
  /** Absent in state carried from before gap refills existed: read it through `gapState`. */
  gaps: GapState;
}

export interface FeedHealthView {
  state: 'ok' | 'degraded' | 'down' | 'idle';
  detail: string;
  at: number;
}

export function streamInit(feed: FeedKind, options: StreamOptions): StreamState {
  return {
    options,
    feed,
    order: [],
    symbols: {},
    backfillQueue: [],
    backfill: { state: 'idle', pagesTotal: 0, pagesDone: 0, bars: 0, symbols: {}, errors: [] },
    clock: 0,
    batches: 0,
    barsAccepted: 0,
    barsRejected: 0,
    rejections: [],
    feedHealth: null,
    gaps: gapsInit(),
  };
}

function gapsInit(): GapState {
  return { pending: [], recent: [], filled: 0, unfilled: 0, barsRefilled: 0 };
}

/** The gap state, created in a state carried from a run that predates gap refills. */
export function gapState(st: StreamState): GapState {
  const partial = st as Omit<StreamState, 'gaps'> & { gaps?: GapState };
  return (partial.gaps ??= gapsInit());
}

export function validSymbol(s: string): boolean {
  return PRODUCT_RE.test(s);
}

/** Adds symbols (idempotent) and queues their backfill pages; returns those that were new. */
export function addSymbols(st: StreamState, symbols: string[], backfill: { end: number; minutes: number; pageBars: number } | null): string[] {
  const added: string[] = [];
  const tf = TIMEFRAME_MS[st.options.timeframe];
  for (const symbol of symbols) {
    if (st.symbols[symbol]) continue;
    st.symbols[symbol] = {
      symbol,
      candles: [],
      features: featureInit({ ...featureInit().params, barMs: tf }),
      guard: guardInit(),
      lastPrice: null,
      lastBarTime: null,
      accepted: 0,
      rejected: 0,
      held: [],
      backfilled: !backfill || backfill.minutes === 0,
    };
    st.order.push(symbol);
    added.push(symbol);
    if (backfill && backfill.minutes > 0) {
      const end = Math.floor(backfill.end / tf) * tf;
      const start = end - Math.ceil((backfill.minutes * 60_000) / tf) * tf;
      const span = backfill.pageBars * tf;
      for (let a = start; a < end; a += span) st.backfillQueue.push({ symbol, start: a, end: Math.min(end, a + span) });
      st.backfill.symbols[symbol] = { bars: 0, done: false };
    }
  }
  st.backfill.pagesTotal = st.backfill.pagesDone + st.backfillQueue.length;
  if (st.backfillQueue.length) st.backfill.state = 'running';
  return added;
}

export function removeSymbols(st: StreamState, symbols: string[]): string[] {
  const removed: string[] = [];
  for (const s of symbols) {
    if (!st.symbols[s]) continue;
    delete st.symbols[s];
    delete st.backfill.symbols[s];
    st.order = st.order.filter((x) => x !== s);
    removed.push(s);
  }
  const gaps = gapState(st);
  gaps.pending = gaps.pending.filter((g) => st.symbols[g.symbol]);
  const before = st.backfillQueue.length;
  st.backfillQueue = st.backfillQueue.filter((p) => st.symbols[p.symbol]);
  st.backfill.pagesTotal -= before - st.backfillQueue.length;
  if (!st.backfillQueue.length && st.backfill.state === 'running') st.backfill.state = 'done';
  return removed;
}

/** Records one fetched backfill page; when it was the symbol's last, releases its held live bars. */
export function applyBackfillPage(st: StreamState, page: BackfillPage, bars: Bar[]): { accepted: Bar[]; rejected: Rejection[] } {
  const idx = st.backfillQueue.findIndex((p) => p.symbol === page.symbol && p.start === page.start);
  if (idx >= 0) st.backfillQueue.splice(idx, 1);
  st.backfill.pagesDone += 1;
  const sym = st.symbols[page.symbol];
  if (!sym) return { accepted: [], rejected: [] };
  const inRange = bars.filter((b) => b.symbol === page.symbol && b.time >= page.start && b.time < page.end).sort((a, b) => a.time - b.time);
  const r = applyToSymbol(st, sym, inRange);
  const prog = st.backfill.symbols[page.symbol];
  if (prog) prog.bars += r.accepted.length;
  st.backfill.bars += r.accepted.length;
  if (!st.backfillQueue.some((p) => p.symbol === page.symbol)) {
    sym.backfilled = true;
    if (prog) prog.done = true;
    const held = sym.held;
    sym.held = [];
    const h = applyToSymbol(st, sym, held);
    r.accepted.push(...h.accepted);
    r.rejected.push(...h.rejected);
  }
  if (!st.backfillQueue.length) st.backfill.state = 'done';
  return r;
}

/**
 * Decides whether a gap found in live bars is held and refilled: the workflow answers with its
 * `patched` marker, so histories recorded before refills replay unchanged. Without it, bars
 * after a gap are applied at once (the behaviour before refills).
 */
export type RefillGate = () => boolean;

/**
 * Live bars (one signal's batch): applied per symbol in time order; held while backfilling, and
 * from the first bar after a gap (more than one timeframe after the symbol's newest bar) until
 * that gap is refilled or given up. `accepted` is live bars only.
 */
export function applyLiveBars(st: StreamState, bars: Bar[], refill?: RefillGate): { accepted: Bar[]; rejected: Rejection[] } {
  st.batches += 1;
  const out = { accepted: [] as Bar[], rejected: [] as Rejection[] };
  const bySymbol: Record<string, Bar[]> = {};
  for (const b of bars) (bySymbol[b.symbol] ??= []).push(b);
  for (const [symbol, list] of Object.entries(bySymbol)) {
    const sym = st.symbols[symbol];
    if (!sym) continue; // removed or never added: not ours to keep
    list.sort((a, b) => a.time - b.time);
    if (!sym.backfilled || hasPendingGap(st, symbol)) {
      hold(st, sym, list);
      continue;
    }
    const r = applyWatchingGaps(st, sym, list, refill);
    out.accepted.push(...r.accepted);
    out.rejected.push(...r.rejected);
  }
  return out;
}

function hold(st: StreamState, sym: SymbolState, bars: Bar[]): void {
  sym.held.push(...bars);
  if (sym.held.length > st.options.candleKeep) sym.held.splice(0, sym.held.length - st.options.candleKeep);
}

function hasPendingGap(st: StreamState, symbol: string): boolean {
  return gapState(st).pending.some((g) => g.symbol === symbol);
}

/** Applies bars in order until one comes after a gap: that one and the rest are held and the gap recorded. */
function applyWatchingGaps(st: StreamState, sym: SymbolState, bars: Bar[], refill: RefillGate | undefined): { accepted: Bar[]; rejected: Rejection[] } {
  const tf = TIMEFRAME_MS[st.options.timeframe];
  const accepted: Bar[] = [];
  const rejected: Rejection[] = [];
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    if (refill && sym.lastBarTime !== null && Number.isFinite(b.time)) {
      const expected = Math.max(sym.lastBarTime + tf, sym.gapCheckedTo ?? -Infinity);
      if (b.time > expected && refill()) {
        const start = Math.ceil(expected / tf) * tf;
        gapState(st).pending.push({ symbol: sym.symbol, start, end: b.time, next: start, state: 'pending', attempts: 0, bars: 0, error: null });
        hold(st, sym, bars.slice(i));
        break;
      }
    }
    const r = applyToSymbol(st, sym, [b]);
    accepted.push(...r.accepted);
    rejected.push(...r.rejected);
  }
  return { accepted, rejected };
}

/** The next page of the oldest pending gap, or null: `pageBars` minutes at most. */
export function nextGapPage(st: StreamState, pageBars: number): BackfillPage | null {
  const g = gapState(st).pending[0];
  if (!g) return null;
  const tf = TIMEFRAME_MS[st.options.timeframe];
  return { symbol: g.symbol, start: g.next, end: Math.min(g.end, g.next + Math.max(1, pageBars) * tf) };
}

function gapOfPage(st: StreamState, page: BackfillPage): Gap | undefined {
  return gapState(st).pending.find((g) => g.symbol === page.symbol && g.next === page.start);
}

/**
 * Applies one fetched page of a gap (bars outside the page or of another symbol are ignored).
 * Fewer bars than minutes is normal: the exchange has no candle for a minute without trades.
 * When the gap's last page is in, it is `filled` and the symbol's held live bars are released;
 * `accepted` is those released live bars (never the refilled ones), `refilled` the refilled ones.
 */
export function applyGapPage(st: StreamState, page: BackfillPage, bars: Bar[], refill?: RefillGate): { accepted: Bar[]; refilled: Bar[]; rejected: Rejection[] } {
  const g = gapOfPage(st, page);
  const sym = st.symbols[page.symbol];
  if (!g || !sym) return { accepted: [], refilled: [], rejected: [] };
  const inRange = bars.filter((b) => b.symbol === page.symbol && b.time >= page.start && b.time < page.end).sort((a, b) => a.time - b.time);
  const r = applyToSymbol(st, sym, inRange);
  g.bars += r.accepted.length;
  gapState(st).barsRefilled += r.accepted.length;
  g.next = page.end;
  if (g.next < g.end) return { accepted: [], refilled: r.accepted, rejected: r.rejected };
  const rel = resolveGap(st, g, 'filled', refill);
  return { accepted: rel.accepted, refilled: r.accepted, rejected: [...r.rejected, ...rel.rejected] };
}

/**
 * Records a failed fetch of a gap's page. At GAP_ATTEMPTS failures the gap is `unfilled` and the
 * held live bars are released anyway (returned in `accepted`): the stream never stalls on a gap.
 */
export function failGapPage(st: StreamState, page: BackfillPage, error: string, refill?: RefillGate): { accepted: Bar[]; rejected: Rejection[]; gaveUp: boolean } {
  const g = gapOfPage(st, page);
  if (!g) return { accepted: [], rejected: [], gaveUp: false };
  g.attempts += 1;
  g.error = error.slice(0, 300);
  if (g.attempts < GAP_ATTEMPTS) return { accepted: [], rejected: [], gaveUp: false };
  return { ...resolveGap(st, g, 'unfilled', refill), gaveUp: true };
}

function resolveGap(st: StreamState, g: Gap, state: 'filled' | 'unfilled', refill: RefillGate | undefined): { accepted: Bar[]; rejected: Rejection[] } {
  const gaps = gapState(st);
  gaps.pending = gaps.pending.filter((x) => x !== g);
  g.state = state;
  if (state === 'filled') gaps.filled++;
  else gaps.unfilled++;
  gaps.recent.push(g);
  if (gaps.recent.length > GAPS_KEPT) gaps.recent.splice(0, gaps.recent.length - GAPS_KEPT);
  const sym = st.symbols[g.symbol];
  if (!sym) return { accepted: [], rejected: [] };
  // Asked for once (or given up): a later bar at the gap's end is not a new gap.
  sym.gapCheckedTo = Math.max(sym.gapCheckedTo ?? -Infinity, g.end);
  const held = sym.held;
  sym.held = [];
  // The held bars may hold another gap (a second drop while this one was refilled).
  return applyWatchingGaps(st, sym, held, refill);
}

function applyToSymbol(st: StreamState, sym: SymbolState, bars: Bar[]): { accepted: Bar[]; rejected: Rejection[] } {
  const tf = TIMEFRAME_MS[st.options.timeframe];
  const accepted: Bar[] = [];
  const rejected: Rejection[] = [];
  for (const b of bars) {
    if (sym.lastBarTime !== null && b.time <= sym.lastBarTime) continue; // already have it (overlap, redelivery)
    const bad = badBar(sym, b, st.options.sanity);
    if (bad) {
      sym.rejected++;
      st.barsRejected++;
      const rej = { symbol: sym.symbol, time: b.time, reason: bad.reason, detail: bad.detail };
      rejected.push(rej);
      st.rejections.push(rej);
      if (st.rejections.length > 50) st.rejections.shift();
      continue;
    }
    featureUpdate(sym.features, { time: b.time, open: Number(b.open), high: Number(b.high), low: Number(b.low), close: Number(b.close), volume: Number(b.volume) });
    sym.candles.push([b.time, b.open, b.high, b.low, b.close, b.volume]);
    const keep = candleBound(st);
    if (sym.candles.length > keep) sym.candles.splice(0, sym.candles.length - keep);
    sym.lastBarTime = b.time;
    sym.lastPrice = b.close;
    sym.accepted++;
    st.barsAccepted++;
    st.clock = Math.max(st.clock, b.time + tf);
    accepted.push(b);
  }
  return { accepted, rejected };
}

function badBar(sym: SymbolState, b: Bar, o: SanityOptions): { reason: string; detail: string } | null {
  if (!Number.isFinite(b.time)) return { reason: 'bad-time', detail: `bar time ${String(b.time)}` };
  for (const k of ['open', 'high', 'low'] as const) {
    const p = parsePrice(b[k]);
    if (!p.ok) return { reason: p.reason, detail: `${k}: ${p.detail}` };
  }
  if (Number(b.high) < Number(b.low)) return { reason: 'inconsistent', detail: `high ${b.high} < low ${b.low}` };
  const vol = Number(b.volume);
  if (!(vol >= 0) || !Number.isFinite(vol)) return { reason: 'bad-volume', detail: `volume ${String(b.volume).slice(0, 40)}` };
  const c = checkPrice(sym.guard, b.close, o);
  return c.ok ? null : { reason: c.reason, detail: c.detail };
}

// --- read models ------------------------------------------------------------------------------

export interface SymbolSnapshot {
  symbol: string;
  price: string | null;
  /** Close time of the newest bar, epoch ms (what "how fresh" is measured from). */
  time: number | null;
  bars: number;
  rejected: number;
  backfilled: boolean;
  features: Record<string, number>;
}

export interface MarketSnapshot {
  feed: FeedKind;
  timeframe: Timeframe;
  asOf: number;
  symbols: Record<string, SymbolSnapshot>;
  backfill: BackfillProgress;
  barsAccepted: number;
  barsRejected: number;
  batches: number;
  feedHealth: FeedHealthView | null;
  recentRejections: Rejection[];
  gaps: GapsSnapshot;
}

export interface GapView {
  symbol: string;
  start: number;
  end: number;
  state: 'pending' | 'filled' | 'unfilled';
  attempts: number;
  bars: number;
  error: string | null;
}

export interface GapsSnapshot {
  pending: number;
  filled: number;
  unfilled: number;
  barsRefilled: number;
  /** The latest gaps (resolved, then pending), newest last. */
  recent: GapView[];
}

export function gapsSnapshot(st: StreamState): GapsSnapshot {
  const g = gapState(st);
  const view = (x: Gap): GapView => ({ symbol: x.symbol, start: x.start, end: x.end, state: x.state, attempts: x.attempts, bars: x.bars, error: x.error });
  return { pending: g.pending.length, filled: g.filled, unfilled: g.unfilled, barsRefilled: g.barsRefilled, recent: [...g.recent, ...g.pending].slice(-GAPS_KEPT).map(view) };
}

export function snapshot(st: StreamState): MarketSnapshot {
  const tf = TIMEFRAME_MS[st.options.timeframe];
  const symbols: Record<string, SymbolSnapshot> = {};
  for (const s of st.order) {
    const x = st.symbols[s]!;
    symbols[s] = {
      symbol: s,
      price: x.lastPrice,
      time: x.lastBarTime === null ? null : x.lastBarTime + tf,
      bars: x.accepted,
      rejected: x.rejected,
      backfilled: x.backfilled,
      features: numericFeatures(featureVector(s, x.features, st.clock).values),
    };
  }
  return {
    feed: st.feed,
    timeframe: st.options.timeframe,
    asOf: st.clock,
    symbols,
    backfill: st.backfill,
    barsAccepted: st.barsAccepted,
    barsRejected: st.barsRejected,
    batches: st.batches,
    feedHealth: st.feedHealth,
    recentRejections: st.rejections.slice(-10),
    gaps: gapsSnapshot(st),
  };
}

export function symbolFeatures(st: StreamState, symbol: string): FeatureVector | null {
  const x = st.symbols[symbol];
  return x ? featureVector(symbol, x.features, st.clock) : null;
}

export function candles(st: StreamState, symbol: string, limit: number): Bar[] {
  const x = st.symbols[symbol];
  if (!x || limit <= 0) return [];
  const tf = st.options.timeframe;
  return x.candles.slice(-Math.min(limit, x.candles.length)).map(([time, open, high, low, close, volume]) => ({ symbol, timeframe: tf, time, open, high, low, close, volume }));
}
