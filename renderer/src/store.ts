/** UI state fed by push events (zustand); server state lives in react-query. */
import { create } from 'zustand';
import type { EventPayload } from '../../core/api/events';
import type { ConnectionState } from './api/client';
import type { PageId } from './lib/keys';

export interface Tick {
  symbol: string;
  price: number;
  priceText: string;
  time: number;
  prev: number | null;
}

export interface Toast {
  id: number;
  level: 'info' | 'warning' | 'error';
  title: string;
  body: string;
}

interface UiState {
  connection: ConnectionState;
  status: EventPayload<'runtime.status'> | null;
  ticks: Record<string, Tick>;
  lastTickAt: number | null;
  feedHealth: Record<string, unknown> | null;
  toasts: Toast[];
  domainEvents: EventPayload<'domain.event'>[];
  agentLogs: EventPayload<'agent.log'>[];
  /** Broker reply being streamed, per session. */
  chatStream: Record<string, { turn: number; text: string; done: boolean }>;
  setConnection(c: ConnectionState): void;
  setStatus(s: EventPayload<'runtime.status'>): void;
  tick(symbol: string, priceText: string, time: number): void;
  setFeedHealth(h: Record<string, unknown>): void;
  toast(t: Omit<Toast, 'id'>): void;
  dismiss(id: number): void;
  addDomainEvent(e: EventPayload<'domain.event'>): void;
  addAgentLog(e: EventPayload<'agent.log'>): void;
  chatDelta(e: EventPayload<'agent.chat'>): void;
  /** A page asked for by another page (the Research page opening a trial's backtest). */
  pageRequest: { page: PageId; backtestId?: string; seq: number } | null;
  requestPage(page: PageId, backtestId?: string): void;
}

let toastId = 0;
const cap = <T,>(list: T[], n: number) => (list.length > n ? list.slice(0, n) : list);

export const useUi = create<UiState>((set) => ({
  connection: 'connecting',
  status: null,
  ticks: {},
  lastTickAt: null,
  feedHealth: null,
  toasts: [],
  domainEvents: [],
  agentLogs: [],
  chatStream: {},
  pageRequest: null,
  requestPage: (page, backtestId) => set((s) => ({ pageRequest: { page, ...(backtestId ? { backtestId } : {}), seq: (s.pageRequest?.seq ?? 0) + 1 } })),
  setConnection: (connection) => set({ connection }),
  setStatus: (status) => set({ status }),
  tick: (symbol, priceText, time) =>
    set((s) => {
      const price = Number(priceText);
      const prev = s.ticks[symbol]?.price ?? null;
      return { ticks: { ...s.ticks, [symbol]: { symbol, price, priceText, time, prev } }, lastTickAt: Date.now() };
    }),
  setFeedHealth: (feedHealth) => set({ feedHealth }),
  toast: (t) => set((s) => ({ toasts: cap([{ ...t, id: ++toastId }, ...s.toasts], 4) })),
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  addDomainEvent: (e) => set((s) => ({ domainEvents: cap([e, ...s.domainEvents], 300) })),
  addAgentLog: (e) => set((s) => ({ agentLogs: cap([e, ...s.agentLogs], 300) })),
  chatDelta: (e) =>
    set((s) => {
      const cur = s.chatStream[e.sessionId];
      const before = cur && cur.turn === e.turn ? cur.text : '';
      const text = e.done ? e.delta || before : before + e.delta;
      return { chatStream: { ...s.chatStream, [e.sessionId]: { turn: e.turn, text, done: e.done } } };
    }),
}));
