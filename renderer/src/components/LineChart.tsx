/** A small line/area chart (equity, drawdown) on lightweight-charts. */
import { useEffect, useRef } from 'react';
import { AreaSeries, ColorType, createChart, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';

export interface LinePoint {
  time: number;
  value: number;
}

/** `kind: 'line'` for overlays (several runs on one scale), where stacked area fills would hide each other. */
export interface LineSeriesSpec {
  name: string;
  color: string;
  points: LinePoint[];
  /** A second quantity on its own axis (e.g. judge score 0-100 over a return in %). */
  scale?: 'left' | 'right';
  unit?: string;
}

export function LineChart({ series, height = 200, kind = 'area', unit }: { series: LineSeriesSpec[]; height?: number; kind?: 'area' | 'line'; unit?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const s = useRef<ISeriesApi<'Area' | 'Line'>[]>([]);
  useEffect(() => {
    const c = createChart(el.current!, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#131820' }, textColor: '#8591a3', fontSize: 11 },
      grid: { vertLines: { color: '#1a212c' }, horzLines: { color: '#1a212c' } },
      rightPriceScale: { borderColor: '#232b38' },
      // A 2,000-point curve in a 400px panel needs under 0.5px per point (the library's default
      // minimum), or fitContent can only show the tail of the run.
      timeScale: { borderColor: '#232b38', timeVisible: true, minBarSpacing: 0.01 },
    });
    chart.current = c;
    return () => {
      c.remove();
      chart.current = null;
      s.current = [];
    };
  }, []);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    for (const x of s.current) c.removeSeries(x);
    c.applyOptions({ leftPriceScale: { visible: series.some((x) => x.scale === 'left'), borderColor: '#232b38' } });
    s.current = series.map((x) => {
      const u = x.unit ?? unit;
      const priceFormat = u ? { type: 'custom' as const, formatter: (v: number) => `${v.toFixed(2)}${u}` } : undefined;
      const priceScaleId = x.scale ?? 'right';
      const a: ISeriesApi<'Area' | 'Line'> =
        kind === 'line'
          ? c.addSeries(LineSeries, { color: x.color, lineWidth: 2, priceLineVisible: false, lastValueVisible: true, title: x.name, priceScaleId, pointMarkersVisible: x.points.length <= 60, ...(priceFormat ? { priceFormat } : {}) })
          : c.addSeries(AreaSeries, { lineColor: x.color, topColor: `${x.color}55`, bottomColor: `${x.color}05`, lineWidth: 2, priceLineVisible: false, title: x.name, priceScaleId, ...(priceFormat ? { priceFormat } : {}) });
      const seen = new Map<number, number>();
      for (const p of x.points) seen.set(Math.floor(p.time > 1e11 ? p.time / 1000 : p.time), p.value);
      a.setData([...seen].sort((p, q) => p[0] - q[0]).map(([time, value]) => ({ time: time as UTCTimestamp, value })));
      return a;
    });
    c.timeScale().fitContent();
  }, [series, kind, unit]);
  return <div ref={el} style={{ height, width: '100%' }} />;
}
