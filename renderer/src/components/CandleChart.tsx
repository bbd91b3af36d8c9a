/**
 * Candles + volume with client-side overlays (SMA, EMA, Bollinger) and RSI/MACD panes, on
 * lightweight-charts v5. Ticks update the last bar in place (series.update); overlays are
 * recomputed when a bar closes, not on every tick.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Ohlcv } from '../../../core/domain/market';
import { bollinger, ema, macd, rsi, sma, type Series } from '../lib/indicators';

export interface Overlays {
  sma: boolean;
  ema: boolean;
  bb: boolean;
  rsi: boolean;
  macd: boolean;
}

export interface ChartMarker {
  time: number;
  side: 'buy' | 'sell';
  text: string;
}

export interface CandleChartHandle {
  /** Replace all data. */
  setBars(bars: Ohlcv[]): void;
  /** Update (or append) the last bar; `closed` recomputes overlays. */
  updateBar(bar: Ohlcv, recompute: boolean, all: Ohlcv[]): void;
}

/** Bars covered by overlays and indicator panes. */
export const OVERLAY_BARS = 5000;
const UP = '#22c08a';
const DOWN = '#ef5a5a';

function line(times: number[], s: Series) {
  const out: { time: UTCTimestamp; value: number }[] = [];
  for (let i = 0; i < s.length; i++) if (s[i] !== null) out.push({ time: times[i] as UTCTimestamp, value: s[i]! });
  return out;
}

export const CandleChart = forwardRef<CandleChartHandle, { overlays: Overlays; markers: ChartMarker[]; height?: number }>(function CandleChart({ overlays, markers, height = 460 }, ref) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const s = useRef<Record<string, ISeriesApi<'Candlestick'> | ISeriesApi<'Histogram'> | ISeriesApi<'Line'>>>({});
  const markerApi = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const bars = useRef<Ohlcv[]>([]);
  const ov = useRef(overlays);
  ov.current = overlays;

  const computeOverlays = () => {
    // Overlays cover the most recent bars (plus warm-up): what a trader looks at, at a fraction
    // of the cost of seven 100k-point line series.
    const b = bars.current.length > OVERLAY_BARS ? bars.current.slice(-OVERLAY_BARS) : bars.current;
    const times = b.map((x) => x.time);
    const closes = b.map((x) => x.close);
    const o = ov.current;
    const set = (k: string, data: { time: UTCTimestamp; value: number }[]) => (s.current[k] as ISeriesApi<'Line'> | undefined)?.setData(data);
    set('sma', o.sma ? line(times, sma(closes, 20)) : []);
    set('ema', o.ema ? line(times, ema(closes, 50)) : []);
    if (o.bb) {
      const bb = bollinger(closes, 20, 2);
      set('bbU', line(times, bb.upper));
      set('bbL', line(times, bb.lower));
    } else {
      set('bbU', []);
      set('bbL', []);
    }
    set('rsi', o.rsi ? line(times, rsi(closes, 14)) : []);
    if (o.macd) {
      const m = macd(closes);
      set('macd', line(times, m.macd));
      set('signal', line(times, m.signal));
      const h = (s.current.hist as ISeriesApi<'Histogram'>);
      h.setData(m.hist.flatMap((v, i) => (v === null ? [] : [{ time: times[i] as UTCTimestamp, value: v, color: v >= 0 ? '#22c08a88' : '#ef5a5a88' }])));
    } else {
      set('macd', []);
      set('signal', []);
      (s.current.hist as ISeriesApi<'Histogram'>).setData([]);
    }
  };

  useEffect(() => {
    const c = createChart(el.current!, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#131820' }, textColor: '#8591a3', fontSize: 11, panes: { separatorColor: '#232b38' } },
      grid: { vertLines: { color: '#1a212c' }, horzLines: { color: '#1a212c' } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: '#232b38' },
      timeScale: { borderColor: '#232b38', timeVisible: true, secondsVisible: false },
    });
    chart.current = c;
    const candles = c.addSeries(CandlestickSeries, { upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN });
    const vol = c.addSeries(HistogramSeries, { priceScaleId: 'vol', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    c.priceScale('vol').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    const l = (color: string, pane = 0, width: 1 | 2 = 1) => c.addSeries(LineSeries, { color, lineWidth: width, lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false }, pane);
    s.current = {
      candles,
      vol,
      sma: l('#e8b341'),
      ema: l('#b084f5'),
      bbU: l('#4c9dff88'),
      bbL: l('#4c9dff88'),
      rsi: l('#e8b341', 1),
      macd: l('#4c9dff', 2),
      signal: l('#e8b341', 2),
      hist: c.addSeries(HistogramSeries, { lastValueVisible: false, priceLineVisible: false }, 2),
    };
    const panes = c.panes();
    panes[0]?.setStretchFactor(3);
    panes[1]?.setStretchFactor(0.8);
    panes[2]?.setStretchFactor(0.8);
    markerApi.current = createSeriesMarkers(candles, []);
    return () => {
      c.remove();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    if (!chart.current) return;
    const panes = chart.current.panes();
    panes[1]?.setStretchFactor(overlays.rsi ? 0.8 : 0.0001);
    panes[2]?.setStretchFactor(overlays.macd ? 0.8 : 0.0001);
    computeOverlays();
  }, [overlays.sma, overlays.ema, overlays.bb, overlays.rsi, overlays.macd]);

  useEffect(() => {
    const m: SeriesMarker<Time>[] = markers
      .slice()
      .sort((a, b) => a.time - b.time)
      .map((x) => ({ time: x.time as UTCTimestamp, position: x.side === 'buy' ? 'belowBar' : 'aboveBar', color: x.side === 'buy' ? UP : DOWN, shape: x.side === 'buy' ? 'arrowUp' : 'arrowDown', text: x.text }));
    markerApi.current?.setMarkers(m);
  }, [markers]);

  useImperativeHandle(ref, () => ({
    setBars(b) {
      bars.current = b;
      (s.current.candles as ISeriesApi<'Candlestick'>).setData(b.map((x) => ({ time: x.time as UTCTimestamp, open: x.open, high: x.high, low: x.low, close: x.close })));
      (s.current.vol as ISeriesApi<'Histogram'>).setData(b.map((x) => ({ time: x.time as UTCTimestamp, value: x.volume, color: x.close >= x.open ? '#22c08a44' : '#ef5a5a44' })));
      computeOverlays();
      if (b.length > 200) chart.current?.timeScale().setVisibleLogicalRange({ from: b.length - 200, to: b.length + 5 });
      // A short history (a fresh stream's backfill) spreads over the panel instead of hugging the right edge.
      else if (b.length > 0) chart.current?.timeScale().fitContent();
    },
    updateBar(bar, recompute, all) {
      bars.current = all;
      (s.current.candles as ISeriesApi<'Candlestick'>).update({ time: bar.time as UTCTimestamp, open: bar.open, high: bar.high, low: bar.low, close: bar.close });
      (s.current.vol as ISeriesApi<'Histogram'>).update({ time: bar.time as UTCTimestamp, value: bar.volume, color: bar.close >= bar.open ? '#22c08a44' : '#ef5a5a44' });
      if (recompute) computeOverlays();
    },
  }));

  return <div ref={el} style={{ height, width: '100%' }} data-testid="candle-chart" />;
});
