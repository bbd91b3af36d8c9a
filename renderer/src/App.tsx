import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { client } from './api/client';
import { onEvent, useLiveInvalidation } from './api/live';
import { useUi } from './store';
import { PAGES, pageForKey, type PageId } from './lib/keys';
import { StatusBar } from './components/StatusBar';
import { Loading } from './components/ui';
import { MarketPage } from './pages/Market';

const PortfolioPage = lazy(() => import('./pages/Portfolio').then((m) => ({ default: m.PortfolioPage })));
const BrokerPage = lazy(() => import('./pages/Broker').then((m) => ({ default: m.BrokerPage })));
const AgentsPage = lazy(() => import('./pages/Agents').then((m) => ({ default: m.AgentsPage })));
const BacktestPage = lazy(() => import('./pages/backtest').then((m) => ({ default: m.BacktestPage })));
const DataPage = lazy(() => import('./pages/Data').then((m) => ({ default: m.DataPage })));
const LedgerPage = lazy(() => import('./pages/Ledger').then((m) => ({ default: m.LedgerPage })));
const ResearchPage = lazy(() => import('./pages/Research').then((m) => ({ default: m.ResearchPage })));
const SettingsPage = lazy(() => import('./pages/Settings').then((m) => ({ default: m.SettingsPage })));

function pageFromHash(): PageId {
  const h = window.location.hash.replace(/^#\/?/, '');
  return (PAGES.find((p) => p.id === h)?.id ?? 'market') as PageId;
}

/** Wires push events into the UI store once. */
function useEventWiring() {
  useEffect(() => {
    const c = client();
    const ui = useUi.getState();
    const offs = [
      c.transport.onConnection((s) => {
        ui.setConnection(s);
        if (s === 'open') void c.call('get_runtime_status', {}).then((r) => r.ok && ui.setStatus(r.result));
      }),
      onEvent('runtime.status', (s) => ui.setStatus(s)),
      onEvent('market.tick', (t) => {
        if (t && typeof t.symbol === 'string') ui.tick(t.symbol, String(t.price), typeof t.time === 'number' ? t.time : Date.now());
      }),
      onEvent('market.health', (h) => ui.setFeedHealth(h)),
      onEvent('notify', (n) => ui.toast(n)),
      onEvent('domain.event', (e) => ui.addDomainEvent(e)),
      onEvent('agent.log', (e) => ui.addAgentLog(e)),
      onEvent('agent.chat', (e) => ui.chatDelta(e)),
    ];
    return () => offs.forEach((o) => o());
  }, []);
}

function Toasts() {
  const toasts = useUi((s) => s.toasts);
  const dismiss = useUi((s) => s.dismiss);
  useEffect(() => {
    if (!toasts.length) return;
    const t = setTimeout(() => dismiss(toasts[toasts.length - 1]!.id), 4500);
    return () => clearTimeout(t);
  }, [toasts, dismiss]);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.level}`} onClick={() => dismiss(t.id)}>
          <div className="t">{t.title}</div>
          <div className="dim">{t.body}</div>
        </div>
      ))}
    </div>
  );
}

export function App() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const keyState = useRef({ pendingG: false });
  useEventWiring();
  useLiveInvalidation();

  const go = (p: PageId) => {
    setPage(p);
    window.history.replaceState(null, '', `#/${p}`);
  };

  // Another page asked for a page (the Research page opening a trial's backtest).
  const pageRequest = useUi((s) => s.pageRequest);
  useEffect(() => {
    if (pageRequest) go(pageRequest.page);
  }, [pageRequest]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      const inField = !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
      const p = pageForKey(e.key, keyState.current, inField, e.ctrlKey || e.metaKey || e.altKey);
      if (p) {
        e.preventDefault();
        go(p);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span className="dot" /> VIGIL
        </div>
        <nav className="nav" aria-label="Pages">
          {PAGES.map((p) => (
            <button key={p.id} className={page === p.id ? 'active' : ''} onClick={() => go(p.id)} data-testid={`nav-${p.id}`} title={`${p.key} or g ${p.letter}`}>
              <span>{p.label}</span>
              <kbd>{p.key}</kbd>
            </button>
          ))}
        </nav>
        <div className="foot">1–9 or g+letter to jump</div>
      </aside>
      <main className="main" data-testid={`page-${page}`}>
        <Suspense fallback={<div className="page"><Loading rows={6} /></div>}>
          {page === 'market' && <MarketPage />}
          {page === 'portfolio' && <PortfolioPage />}
          {page === 'broker' && <BrokerPage />}
          {page === 'agents' && <AgentsPage />}
          {page === 'backtest' && <BacktestPage />}
          {page === 'data' && <DataPage />}
          {page === 'ledger' && <LedgerPage />}
          {page === 'settings' && <SettingsPage />}
          {page === 'research' && <ResearchPage />}
        </Suspense>
      </main>
      <StatusBar />
      <Toasts />
    </div>
  );
}
