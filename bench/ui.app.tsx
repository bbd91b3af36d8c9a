/**
 * The real cockpit (App, Market page, client, store, chart) over a stand-in bridge that answers
 * get_candles with the bench's candles and pushes market.tick events on demand.
 */
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterPaint, makeBars, type BenchApi } from './ui.data';

const N = Number(new URLSearchParams(location.search).get('n') ?? '100000');
const bars = makeBars(N).map((b) => ({ ...b, time: b.time * 1000, open: b.open.toFixed(2), high: b.high.toFixed(2), low: b.low.toFixed(2), close: b.close.toFixed(2), volume: b.volume.toFixed(4) }));
const listeners = new Map<string, Set<(p: unknown) => void>>();
window.vigil = {
  async call(verb) {
    if (verb === 'get_candles') return { ok: true, result: { candles: bars } };
    return { ok: false, error: { code: 'unknown_verb', message: `bench: ${verb} not served` } };
  },
  on(event, cb) {
    let s = listeners.get(event);
    if (!s) listeners.set(event, (s = new Set()));
    s.add(cb);
    return () => s.delete(cb);
  },
};

const ready = new Promise<number>((resolve) => {
  const check = () => {
    const el = document.querySelector('[data-testid=bar-count]');
    if (el?.textContent === `${N} bars`) {
      obs.disconnect();
      void afterPaint().then(resolve);
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, { subtree: true, childList: true, characterData: true });
});

const lastTime = bars[bars.length - 1]!.time;
const bench: BenchApi = {
  ready,
  lastTime,
  async tick(price, timeMs) {
    const t0 = performance.now();
    for (const cb of listeners.get('market.tick') ?? []) cb({ symbol: 'BTC-USD', price: price.toFixed(2), time: timeMs });
    return (await afterPaint()) - t0;
  },
};
window.__bench = bench;

const { App } = await import('../renderer/src/App');
await import('../renderer/src/styles.css');
createRoot(document.getElementById('root')!).render(
  <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
    <App />
  </QueryClientProvider>,
);
