/** The floor: a bare lightweight-charts page with the same candles, volume and tick updates. */
import { CandlestickSeries, HistogramSeries, createChart, type UTCTimestamp } from 'lightweight-charts';
import { afterPaint, makeBars } from './ui.data';

const N = Number(new URLSearchParams(location.search).get('n') ?? '100000');
const bars = makeBars(N);
const el = document.getElementById('chart')!;
const chart = createChart(el, { autoSize: true });
const candles = chart.addSeries(CandlestickSeries, {});
const vol = chart.addSeries(HistogramSeries, { priceScaleId: 'vol' });
chart.priceScale('vol').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
candles.setData(bars.map((b) => ({ time: b.time as UTCTimestamp, open: b.open, high: b.high, low: b.low, close: b.close })));
vol.setData(bars.map((b) => ({ time: b.time as UTCTimestamp, value: b.volume })));
chart.timeScale().setVisibleLogicalRange({ from: N - 200, to: N + 5 });
const last = { ...bars[bars.length - 1]! };

window.__bench = {
  ready: afterPaint(),
  lastTime: last.time * 1000,
  async tick(price) {
    const t0 = performance.now();
    last.high = Math.max(last.high, price);
    last.low = Math.min(last.low, price);
    last.close = price;
    candles.update({ time: last.time as UTCTimestamp, open: last.open, high: last.high, low: last.low, close: last.close });
    return (await afterPaint()) - t0;
  },
};
