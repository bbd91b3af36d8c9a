/**
 * Replays recorded 1m candles from resources/market as trades, deterministically: each bar
 * becomes four prints (open, the nearer extreme, the farther extreme, close) at 0, 15, 30 and 45 s
 * into its minute, with the bar's volume split exactly between them, so the bars rebuilt from the
 * trades equal the recorded bars. Recorded times are shifted so the replay cursor starts at the
 * minute the feed starts; `speed` 1 is real time, N is N times faster, 0 as fast as possible.
 *
 * A symbol is served from its own 1m recording, or from the USDT recording of the same base
 * (BTC-USD from BTC-USDT) when only that exists; the mapping is reported in health.
 */
import { Dec } from '../../domain/decimal';
import type { Bar, Tick, Timeframe } from '../../domain/market';
import { TIMEFRAME_MS } from '../../domain/market';
import { barAt, defaultMarketDataDir, listRecorded, loadRecorded, type Columns } from '../data/columns';
import { MarketDataError } from '../coinbase/rest';
import type { FeedHealth, FeedSink, MarketFeed } from './types';

export interface ReplayFeedOptions {
  dir?: string;
  speed?: number;
  /** Bars of the recording kept before the cursor for backfill. */
  warmupBars?: number;
  now?: () => number;
}

interface Track {
  symbol: string;
  source: string;
  cols: Columns;
  cursor: number;
  shift: number;
  /** Prints of the current bar already emitted. */
  sent: number;
}

export class ReplayFeed implements MarketFeed {
  readonly kind = 'replay' as const;
  private tracks = new Map<string, Track>();
  private sink: FeedSink | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private origin = 0;
  private emitted = 0;
  private problems: string[] = [];

  constructor(private readonly o: ReplayFeedOptions = {}) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  start(symbols: string[], sink: FeedSink): void {
    this.stop();
    this.sink = sink;
    this.startedAt = this.now();
    this.origin = Math.floor(this.startedAt / 60_000) * 60_000;
    this.setSymbols(symbols);
    this.timer = setInterval(() => this.pump(), (this.o.speed ?? 1) === 0 ? 5 : 100);
    sink.onHealth?.(this.health());
  }

  setSymbols(symbols: string[]): void {
    if (!this.origin) this.origin = Math.floor(this.now() / 60_000) * 60_000;
    for (const s of symbols) {
      if (this.tracks.has(s)) continue;
      const t = this.track(s);
      if (t) this.tracks.set(s, t);
    }
    for (const s of [...this.tracks.keys()]) if (!symbols.includes(s)) this.tracks.delete(s);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  health(): FeedHealth {
    const ended = [...this.tracks.values()].filter((t) => t.cursor >= t.cols.length).map((t) => t.symbol);
    const state = !this.timer ? 'idle' : this.problems.length || ended.length ? 'degraded' : 'ok';
    const map = [...this.tracks.values()].map((t) => (t.source === t.symbol ? t.symbol : `${t.symbol}<-${t.source}`)).join(', ');
    const detail = [`replay x${this.o.speed ?? 1}: ${map || 'no symbols'}`, ...this.problems, ...(ended.length ? [`recording ended: ${ended.join(', ')}`] : [])].join('; ');
    return { state, detail, counters: { trades: this.emitted } };
  }

  private track(symbol: string): Track | null {
    const dir = this.o.dir ?? defaultMarketDataDir();
    const have = new Set(listRecorded(dir).filter((f) => f.timeframe === '1m').map((f) => f.symbol));
    const base = symbol.split('-')[0];
    const source = have.has(symbol) ? symbol : have.has(`${base}-USDT`) ? `${base}-USDT` : null;
    if (!source) {
      this.problems.push(`no 1m recording for ${symbol}`);
      return null;
    }
    const cols = loadRecorded(dir, source, '1m');
    const cursor = Math.min(this.o.warmupBars ?? 240, Math.floor(cols.length / 4));
    return { symbol, source, cols, cursor, shift: this.origin - cols.time[cursor]!, sent: 0 };
  }

  private pump(): void {
    if (!this.sink) return;
    const speed = this.o.speed ?? 1;
    // Replay time: how far into the recording we should be by now.
    const until = speed === 0 ? Infinity : this.origin + (this.now() - this.startedAt) * speed;
    for (const t of this.tracks.values()) {
      let budget = speed === 0 ? 50 : Infinity; // bars per pump at max speed, so the event loop breathes
      while (t.cursor < t.cols.length && budget-- > 0) {
        const barStart = t.cols.time[t.cursor]! + t.shift;
        const ticks = tradesOfBar(barAt(t.cols, t.cursor, t.symbol, t.shift), t.cursor);
        const due = ticks.filter((k) => k.time <= until && k.time >= barStart);
        // Emit the bar's prints as they become due; a bar is finished when its last print is out.
        const sent = t.sent;
        for (const k of due.slice(sent)) this.sink.onTick(k);
        this.emitted += Math.max(0, due.length - sent);
        if (due.length < ticks.length) {
          t.sent = due.length;
          break;
        }
        t.sent = 0;
        t.cursor++;
      }
    }
  }

  /** The recorded bars before the replay cursor (shifted), as the backfill sees them. */
  async history(symbol: string, timeframe: Timeframe, start: number, end: number): Promise<Bar[]> {
    if (timeframe !== '1m') throw new MarketDataError('unsupported', `replay serves 1m bars only, not ${timeframe}`);
    let t = this.tracks.get(symbol);
    if (!t) {
      const made = this.track(symbol);
      if (!made) throw new MarketDataError('unsupported', `no 1m recording for ${symbol}`);
      t = made;
    }
    const out: Bar[] = [];
    const ms = TIMEFRAME_MS['1m'];
    for (let i = 0; i < t.cols.length; i++) {
      const time = t.cols.time[i]! + t.shift;
      if (time >= start && time < end && time + ms <= this.origin + (this.now() - this.startedAt) * Math.max(1, this.o.speed ?? 1)) out.push(barAt(t.cols, i, symbol, t.shift));
    }
    return out;
  }
}

/** Four prints that rebuild the bar exactly: open, nearer extreme, farther extreme, close. */
export function tradesOfBar(b: Bar, index: number): Tick[] {
  const o = Number(b.open);
  const highFirst = Number(b.high) - o < o - Number(b.low);
  const path = highFirst ? [b.open, b.high, b.low, b.close] : [b.open, b.low, b.high, b.close];
  const vol = Dec.of(b.volume);
  const part = vol.div('4').round(8, 'down');
  const last = vol.sub(part.mul('3'));
  return path.map((price, k) => ({
    symbol: b.symbol,
    time: b.time + k * 15_000,
    price,
    size: (k === 3 ? last : part).toString(),
    side: k % 2 === 0 ? 'buy' : 'sell',
    tradeId: `replay-${index}-${k}`,
  }));
}
