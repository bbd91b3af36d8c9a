/**
 * 1m bars to a coarser timeframe for charts: buckets by the target's open time, exact decimals
 * (volume summed with Dec, extremes chosen from the bars' own strings). A bucket that is still
 * filling (its last minute not yet in) is returned as is: the chart shows the forming candle.
 */
import { Dec } from '../domain/decimal';
import type { Bar, Timeframe } from '../domain/market';
import { TIMEFRAME_MS } from '../domain/market';

export function resampleBars(bars: readonly Bar[], to: Timeframe): Bar[] {
  const ms = TIMEFRAME_MS[to];
  const out: Bar[] = [];
  let cur: (Bar & { vol: Dec }) | null = null;
  for (const b of bars) {
    if (TIMEFRAME_MS[b.timeframe] > ms) throw new RangeError(`cannot resample ${b.timeframe} bars to ${to}`);
    const t = Math.floor(b.time / ms) * ms;
    if (!cur || cur.time !== t) {
      if (cur) out.push(finish(cur));
      cur = { ...b, timeframe: to, time: t, vol: Dec.of(b.volume) };
      continue;
    }
    if (Number(b.high) > Number(cur.high)) cur.high = b.high;
    if (Number(b.low) < Number(cur.low)) cur.low = b.low;
    cur.close = b.close;
    cur.vol = cur.vol.add(b.volume);
  }
  if (cur) out.push(finish(cur));
  return out;
}

function finish(b: Bar & { vol: Dec }): Bar {
  const { vol, ...rest } = b;
  return { ...rest, volume: vol.toString() };
}
