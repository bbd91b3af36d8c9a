import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { client, type ApiCallError } from '../api/client';
import { useAction, useEvent, useVerb } from '../api/hooks';
import { CandleChart, type CandleChartHandle, type ChartMarker, type Overlays } from '../components/CandleChart';
import { GapCount } from '../components/GapCount';
import { Empty, ErrorState, IssuesAlert, Loading, Panel, Seg } from '../components/ui';
import { applyTick, normalizeCandles, tfSeconds, TIMEFRAMES } from '../lib/candles';
import type { Ohlcv } from '../../../core/domain/market';
import { fmtNum } from '../lib/format';
import { listOf, num, pick, str } from '../lib/shape';

type Timeframe = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';
import { useUi } from '../store';

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD'];

function Ticker() {
  const ticks = useUi((s) => s.ticks);
  const list = Object.values(ticks).sort((a, b) => a.symbol.localeCompare(b.symbol));
  return (
    <div className="ticker" data-testid="ticker">
      {list.length === 0 ? <span className="faint">No ticks yet: start a stream to see live prices.</span> : null}
      {list.map((t) => (
        <span key={t.symbol}>
          <span className="sym">{t.symbol}</span>
          <span className={t.prev === null ? '' : t.price >= t.prev ? 'up' : 'down'}>{t.priceText}</span>
        </span>
      ))}
    </div>
  );
}

/** Subscribes to its own symbol's ticks so a tick re-renders this span, not the page. */
function LastPrice({ symbol, fallback }: { symbol: string; fallback: string }) {
  const last = useUi((s) => s.ticks[symbol]);
  return (
    <span style={{ marginLeft: 'auto' }} className={`bigprice ${last && last.prev !== null ? (last.price >= last.prev ? 'up' : 'down') : ''}`} data-testid="last-price">
      {last ? last.priceText : fallback}
    </span>
  );
}

/** A vector whose every value is still null: read right after the stream started, before its backfill landed. */
function warmingUp(values: Record<string, unknown> | undefined): boolean {
  return values !== undefined && !Object.values(values).some((v) => typeof v === 'number');
}

function FeaturePanel({ symbol, timeframe }: { symbol: string; timeframe: string }) {
  // Closed bars refresh the vector (api/live.ts), but the backfill lands without one: while every
  // value is still warming up, read again every 2 s so the backfilled features show at once.
  const q = useVerb('get_feature_vector', { symbol }, { refetchInterval: (query) => (warmingUp(query.state.data?.values) ? 2_000 : 60_000) });
  return (
    <Panel title="Features" right={<span className="faint">{symbol} · {timeframe}</span>}>
      {q.isLoading ? (
        <Loading />
      ) : q.error?.error.code === 'not_found' ? (
        <Empty title={`${symbol} is not streamed`}>Start the stream: features are computed from the backfilled bars, then on every bar close.</Empty>
      ) : q.error ? (
        <ErrorState error={q.error} what="Feature vector" />
      ) : (
        <table>
          <tbody>
            {Object.entries(q.data?.values ?? {})
              .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || v === null)
              .slice(0, 24)
              .map(([k, v]) => (
                <tr key={k}>
                  <td className="dim">{k}</td>
                  <td className="num">{typeof v === 'number' ? fmtNum(v, Math.abs(v) < 10 ? 4 : 2) : str(v)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function MarketPage() {
  const [symbol, setSymbol] = useState('BTC-USD');
  const [tf, setTf] = useState('1m');
  const [overlays, setOverlays] = useState<Overlays>({ sma: true, ema: true, bb: false, rsi: true, macd: true });
  const chartRef = useRef<CandleChartHandle>(null);
  const bars = useRef<Ohlcv[]>([]);
  const [barCount, setBarCount] = useState(0);
  const [candleError, setCandleError] = useState<ApiCallError | null>(null);
  const [loading, setLoading] = useState(true);
  const start = useAction('start_market_stream');
  const stop = useAction('stop_market_stream');
  const fills = useVerb('get_transaction_history', { symbol, limit: 200 }, { refetchInterval: 60_000 });
  // Minutes the live feed missed and the stream refilled over REST: read every minute and when the feed's health changes (api/live.ts).
  // While a backfill runs it is read every second, so the chart reloads as soon as it lands.
  const stream = useVerb('get_market_snapshot', {}, { refetchInterval: (query) => (query.state.data?.backfill.state === 'running' ? 1_000 : 60_000) });
  const gaps = stream.data?.gaps;
  const backfilled = stream.data?.symbols[symbol]?.backfilled ?? false;
  const wasBackfilled = useRef(backfilled);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const data = await client().get('get_candles', { symbol, timeframe: tf as Timeframe, limit: 5000 });
      bars.current = normalizeCandles(data);
      setCandleError(null);
    } catch (e) {
      bars.current = [];
      // Not streamed yet (no stream, or not this symbol) is the empty state, which says how to
      // start one; only a real failure is shown as an error.
      const err = e as ApiCallError;
      setCandleError(err.error?.code === 'not_found' ? null : err);
    }
    chartRef.current?.setBars(bars.current);
    setBarCount(bars.current.length);
    setLoading(false);
  }, [symbol, tf]);
  // load() catches the request's failure itself (the error state above), so nothing is left to await.
  useEffect(() => {
    void load();
  }, [load]);
  // The stream was started after the page loaded its candles: its history arrives by backfill,
  // with no bar events, so load the candles again once it is in.
  useEffect(() => {
    if (backfilled && !wasBackfilled.current) void load();
    wasBackfilled.current = backfilled;
  }, [backfilled, load]);

  useEvent('market.tick', (t) => {
    if (!t || t.symbol !== symbol) return;
    const price = Number(t.price);
    if (!Number.isFinite(price)) return;
    const r = applyTick(bars.current, price, typeof t.time === 'number' ? t.time : Date.now(), tf, num(t.size) ?? 0);
    chartRef.current?.updateBar(r.bar, r.isNew, bars.current);
    if (r.isNew) setBarCount(bars.current.length);
  });
  useEvent('market.bar', (p) => {
    const sym = pick(p, 'symbol');
    const t = pick(p, 'timeframe');
    if (sym !== symbol || (t !== undefined && t !== tf)) return;
    const [bar] = normalizeCandles([pick(p, 'bar') ?? p]);
    if (!bar) return;
    const lastBar = bars.current[bars.current.length - 1];
    if (lastBar && bar.time < lastBar.time) return;
    if (lastBar && lastBar.time === bar.time) bars.current[bars.current.length - 1] = bar;
    else bars.current.push(bar);
    chartRef.current?.updateBar(bar, true, bars.current);
    setBarCount(bars.current.length);
  });

  const markers: ChartMarker[] = useMemo(() => {
    const step = tfSeconds(tf);
    return (fills.data?.transactions ?? []).map((f) => ({
      time: Math.floor(f.time / 1000 / step) * step,
      side: f.side,
      text: `${f.side === 'buy' ? 'B' : 'S'} ${f.quantity}`,
    }));
  }, [fills.data, tf]);

  const startErr = start.error ?? stop.error;
  const lastBar = bars.current[bars.current.length - 1];
  const change = lastBar && bars.current[0] ? ((lastBar.close - bars.current[0].close) / bars.current[0].close) : null;
  const toggle = (k: keyof Overlays) => setOverlays((o) => ({ ...o, [k]: !o[k] }));

  return (
    <div className="page">
      <div className="page-head">
        <h1>Market</h1>
        <select value={symbol} onChange={(e) => setSymbol(e.target.value)} aria-label="Symbol" data-testid="symbol-picker">
          {SYMBOLS.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <Seg value={tf} options={TIMEFRAMES} onChange={setTf} label="Timeframe" />
        <span className="seg" role="group" aria-label="Overlays">
          {(['sma', 'ema', 'bb', 'rsi', 'macd'] as const).map((k) => (
            <button key={k} className={overlays[k] ? 'on' : ''} aria-pressed={overlays[k]} onClick={() => toggle(k)}>
              {k === 'sma' ? 'SMA20' : k === 'ema' ? 'EMA50' : k === 'bb' ? 'BB' : k.toUpperCase()}
            </button>
          ))}
        </span>
        <button className="btn primary" data-testid="stream-start" disabled={start.isPending} onClick={() => start.mutate({ symbols: [symbol] }, { onSuccess: () => setTimeout(() => void load(), 800) })}>
          Start stream
        </button>
        <button className="btn" data-testid="stream-stop" disabled={stop.isPending} onClick={() => stop.mutate({})}>
          Stop
        </button>
        <LastPrice symbol={symbol} fallback={lastBar ? fmtNum(lastBar.close, 2) : '—'} />
        {change !== null ? <span className={change >= 0 ? 'up mono' : 'down mono'}>{(change * 100).toFixed(2)}%</span> : null}
      </div>
      {startErr ? <IssuesAlert error={startErr} /> : null}
      <Ticker />
      <div className="grid g-main-side">
        <Panel
          title="Chart"
          right={
            <>
              <span className="faint mono" data-testid="bar-count">{barCount} bars</span>
              <GapCount gaps={gaps} />
            </>
          }
          flush
        >
          <div className="chart-wrap">
            <CandleChart ref={chartRef} overlays={overlays} markers={markers} />
            {loading ? (
              <div className="chart-legend">loading candles…</div>
            ) : candleError ? (
              <div style={{ position: 'absolute', inset: '30% 15% auto', background: '#131820f2', border: '1px solid #232b38', borderRadius: 5, zIndex: 5 }} data-testid="candles-state">
                <ErrorState error={candleError} what="Candle history" />
              </div>
            ) : barCount === 0 ? (
              <div style={{ position: 'absolute', inset: '35% 20% auto', background: '#131820f2', zIndex: 5 }} className="state" data-testid="candles-state">
                <div className="title">No candles for {symbol} yet</div>
                Start the stream: history is backfilled, then bars build live.
              </div>
            ) : null}
          </div>
        </Panel>
        <div className="grid" style={{ alignContent: 'start' }}>
          <FeaturePanel symbol={symbol} timeframe={tf} />
          <Panel title="Fills on chart">
            {fills.error ? (
              <ErrorState error={fills.error} what="Fills" />
            ) : (
              <div className="dim">
                {listOf(fills.data, 'transactions').length} fills for {symbol} marked on the chart
              </div>
            )}
          </Panel>
        </div>
      </div>
    </div>
  );
}
