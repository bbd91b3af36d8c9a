/**
 * The paper book: one long-lived paper portfolio. Its workflow type keeps its first name,
 * `executionLedgerWorkflow` (committed histories and running books use it), as do its message
 * names; the production ledger is core/ledger. Orders arrive as `place_order`
 * updates (validated, idempotent by key across continue-as-new), marks as `bars` signals from
 * the market stream, and the UI reads through queries. The accounting lives in the pure
 * `core/paper/book.ts` state machine; this file only wires messages to it.
 *
 * Update handlers are synchronous, so two orders can never interleave half-way through a fill.
 * Fills and risk blocks are announced by a batched activity from the main loop, off the update
 * path, so a slow subscriber never delays an order.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Bar } from '../domain/market';
import type { EquitySample, PerformanceMetrics } from '../analytics/performance';
import { describeIssues, PlaceOrderSchema, type PlaceOrder } from '../trading/orders';
import {
  cancelOrder,
  CancelOrderSchema,
  createPaperBook,
  enableProtections,
  onBars,
  performance,
  placeOrder,
  PreferencesPatchSchema,
  risk,
  setFees,
  SetFeesSchema,
  setPreferences,
  status,
  transactions,
  TransactionFilterSchema,
  type BlockedOrder,
  type CancelOrder,
  type CancelResult,
  type FeeSetting,
  type FillRecord,
  type SetFees,
  type PaperBookConfig,
  type PaperBookEvent,
  type PaperRisk,
  type PaperBookState,
  type OrderResult,
  type PortfolioStatus,
  type Preferences,
  type PreferencesPatch,
  type TransactionFilter,
} from './book';
import type { createPaperActivities } from './activities';

export interface PaperBookInput extends PaperBookConfig {
  portfolioId: string;
  /** Announce fills and blocks through the `publishTradingEvents` activity (default true). */
  notify?: boolean;
  /** Continue-as-new after this many handled messages (default 2000), or when Temporal suggests. */
  continueAsNewEvery?: number;
  /** Fills and blocks are announced in batches at most this often (default 250 ms). */
  notifyEveryMs?: number;
  /** Carried by continue-as-new: the whole book, idempotency keys included. */
  state?: PaperBookState;
}

export const barsSignal = defineSignal<[Bar[]]>('bars');
export const placeOrderUpdate = defineUpdate<OrderResult, [PlaceOrder]>('place_order');
export const cancelOrderUpdate = defineUpdate<CancelResult, [CancelOrder]>('cancel_order');
export const setPreferencesUpdate = defineUpdate<Preferences, [PreferencesPatch]>('set_user_preferences');
/** The fee rates later paper fills are charged with (entered by hand or the account's Coinbase tier). */
export const setFeesUpdate = defineUpdate<FeeSetting, [SetFees]>('set_paper_fees');
/** The floor for bench/orders: an update that does nothing on the same workflow. */
export const echoUpdate = defineUpdate<string, [string]>('echo');

export const portfolioStatusQuery = defineQuery<PortfolioStatus>('portfolio_status');
export const transactionsQuery = defineQuery<FillRecord[], [TransactionFilter?]>('transactions');
export const performanceQuery = defineQuery<PerformanceMetrics>('performance_metrics');
export const riskQuery = defineQuery<PaperRisk>('risk_metrics');
export const preferencesQuery = defineQuery<Preferences>('preferences');
export const blockedOrdersQuery = defineQuery<BlockedOrder[]>('blocked_orders');
/** The equity curve sampled at bar closes (bounded: thinned by halves past 1,000 points). */
export const equityHistoryQuery = defineQuery<EquityHistory>('equity_history');

export interface EquityHistory {
  initialCash: string;
  /** Bar batches per sample now (doubles each time the curve is thinned). */
  stride: number;
  points: EquitySample[];
}

const { publishTradingEvents } = proxyActivities<ReturnType<typeof createPaperActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Workflow time: Temporal makes `Date` deterministic inside a workflow (the task's start time). */
const now = (): number => new Date().getTime();

const MAX_BARS_PER_SIGNAL = 5000;

/** Marker for protections (locks on new entries, the agent's mandatory stop). */
export const PROTECTIONS_PATCH = 'protections';

/** Marker for announcing kill-switch changes through the outbox. */
export const KILL_SWITCH_ALERT_PATCH = 'kill-switch-alert';

/** Marker for the paper cost gate (buys with a stated edge must pay their costs). */
export const PAPER_COST_GATE_PATCH = 'paper-cost-gate';

export async function executionLedgerWorkflow(input: PaperBookInput): Promise<void> {
  const state: PaperBookState = input.state ?? createPaperBook(input);
  // Protections are on for every book from this version on (an older history replays without).
  if (patched(PROTECTIONS_PATCH)) enableProtections(state);
  const every = input.continueAsNewEvery ?? 2000;
  let handled = 0;

  setHandler(barsSignal, (bars) => {
    // A signal cannot be refused, so bad batches are dropped here rather than poisoning marks.
    if (!Array.isArray(bars)) return;
    handled++;
    onBars(state, bars.slice(0, MAX_BARS_PER_SIGNAL).filter(isBar), now());
  });

  setHandler(
    placeOrderUpdate,
    (order) => {
      handled++;
      // The order port's paper half: kill switch and risk limits in the kernel, then the cost gate
      // for buys that state an edge (versioned: a book replaying an older history decides as it did).
      return placeOrder(state, PlaceOrderSchema.parse(order), now(), { costGate: patched(PAPER_COST_GATE_PATCH) });
    },
    {
      validator: (order) => {
        const r = PlaceOrderSchema.safeParse(order);
        if (!r.success) throw ApplicationFailure.nonRetryable(`invalid order: ${describeIssues(r.error)}`, 'InvalidOrder');
      },
    },
  );

  setHandler(
    cancelOrderUpdate,
    (c) => {
      handled++;
      return cancelOrder(state, c);
    },
    {
      validator: (c) => {
        const r = CancelOrderSchema.safeParse(c);
        if (!r.success) throw ApplicationFailure.nonRetryable(`invalid cancel: ${describeIssues(r.error)}`, 'InvalidCancel');
      },
    },
  );

  setHandler(
    setPreferencesUpdate,
    (patch) => {
      handled++;
      // A change of the kill switch is announced (an alert), versioned for older histories.
      return setPreferences(state, PreferencesPatchSchema.parse(patch), { announce: patched(KILL_SWITCH_ALERT_PATCH), now: now() });
    },
    {
      validator: (patch) => {
        const r = PreferencesPatchSchema.safeParse(patch);
        if (!r.success) throw ApplicationFailure.nonRetryable(`invalid preferences: ${describeIssues(r.error)}`, 'InvalidPreferences');
      },
    },
  );

  setHandler(
    setFeesUpdate,
    (f) => {
      handled++;
      return setFees(state, SetFeesSchema.parse(f), now());
    },
    {
      validator: (f) => {
        const r = SetFeesSchema.safeParse(f);
        if (!r.success) throw ApplicationFailure.nonRetryable(`invalid fees: ${describeIssues(r.error)}`, 'InvalidFees');
      },
    },
  );

  setHandler(echoUpdate, (s) => s);

  setHandler(portfolioStatusQuery, () => status(state, now()));
  setHandler(transactionsQuery, (f) => transactions(state, TransactionFilterSchema.parse(f ?? {})));
  setHandler(performanceQuery, () => performance(state));
  setHandler(riskQuery, () => risk(state));
  setHandler(preferencesQuery, () => state.prefs);
  setHandler(blockedOrdersQuery, () => [...state.blocked].reverse());
  setHandler(equityHistoryQuery, () => ({ initialCash: state.portfolio.initialCash, stride: state.equityStride, points: state.equity }));

  const notify = input.notify !== false;
  const shouldContinue = () => handled >= every || workflowInfo().continueAsNewSuggested;
  for (;;) {
    await condition(() => state.outbox.length > 0 || shouldContinue());
    if (state.outbox.length > 0) {
      // Coalesce: one timer and one activity per burst instead of per order keeps the history
      // (and the worker) free for the orders themselves.
      if (notify && !shouldContinue()) await sleep(input.notifyEveryMs ?? 250);
      const batch: PaperBookEvent[] = state.outbox.splice(0, state.outbox.length);
      if (notify) {
        // Announcements are best effort: a failed publish must not stop the book.
        await publishTradingEvents(input.portfolioId, batch).catch(() => undefined);
      }
      continue;
    }
    await condition(allHandlersFinished);
    if (state.outbox.length > 0) continue;
    const { state: _old, ...config } = input;
    await continueAsNew<typeof executionLedgerWorkflow>({ ...config, state });
  }
}

function isBar(b: unknown): b is Bar {
  const x = b as Partial<Bar> | null;
  return (
    !!x &&
    typeof x.symbol === 'string' &&
    typeof x.time === 'number' &&
    Number.isFinite(x.time) &&
    [x.open, x.high, x.low, x.close].every((v) => typeof v === 'string' && /^(0|[1-9]\d*)(\.\d+)?$/.test(v)) &&
    Number(x.close) > 0
  );
}
