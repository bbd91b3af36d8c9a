/**
 * MarketStreamWorkflow: the durable side of market data. One per cockpit (WORKFLOW_IDS.marketStream).
 *
 * - Asks the host's feed manager to run the feed it wants (`marketEnsureFeed`), renewing that
 *   lease every `leaseSeconds`, so a restarted host resumes the feed within one lease.
 * - Backfills history page by page (progress queryable), holding live bars of a symbol until its
 *   backfill is in, so features see bars strictly in time order.
 * - Receives closed bars as `bars` signals from the feed manager, keeps per-symbol candles and
 *   feature vectors (queryable), rejects insane prices (reported as domain events), and forwards
 *   accepted bars to the paper execution ledger as marks.
 * - Refills gaps: a live bar more than one timeframe after its symbol's newest bar (the
 *   WebSocket dropped) is held with the bars after it while the missed minutes are fetched over
 *   REST (after any backfill), applied in time order, then the held bars are released. Three
 *   failed fetches leave the gap `unfilled` and release the bars anyway.
 * - Continues as new every `continueEvery` batches, when history reaches `historyLimit` less a
 *   reserve, or when the server suggests it; state and unprocessed signals are carried over.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createMarketActivities } from './activities';
import { WORKFLOW_IDS } from '../domain/ids';
import type { Bar, Timeframe } from '../domain/market';
import type { FeatureVector } from '../indicators/features';
import {
  addSymbols,
  applyBackfillPage,
  applyGapPage,
  applyLiveBars,
  candles,
  failGapPage,
  gapState,
  nextGapPage,
  removeSymbols,
  snapshot,
  streamInit,
  symbolFeatures,
  validSymbol,
  type BackfillProgress,
  type FeedKind,
  type MarketSnapshot,
  type Rejection,
  type StreamState,
} from './stream-state';

export interface MarketStreamInput {
  symbols: string[];
  feed: FeedKind;
  backfillMinutes: number;
  /** Batches of bars per run before continue-as-new (STREAM_CONTINUE_EVERY). */
  continueEvery: number;
  /** History events per run before continue-as-new (STREAM_HISTORY_LIMIT). */
  historyLimit: number;
  timeframe?: Timeframe;
  /** Candles kept per symbol for charts (bounded; default 500). */
  candleKeep?: number;
  maxJumpPct?: number;
  leaseSeconds?: number;
  /** Candles per backfill request: Coinbase serves at most 350. */
  pageBars?: number;
  /** Paper ledger to forward closed bars to as marks; null to not forward. Default 'default'. */
  forwardToLedger?: string | null;
  /** Set by continue-as-new only. */
  carried?: MarketStreamCarry;
}

export interface MarketStreamCarry {
  state: StreamState;
  pending: Bar[][];
  runs: number;
}

export interface SymbolsChange {
  symbols: string[];
  added: string[];
  removed: string[];
}

export interface MarketStreamResult {
  stoppedAt: number;
  runs: number;
  snapshot: MarketSnapshot;
}

/** Closed bars from the feed manager (one batch per bar close). */
export const marketBarsSignal = defineSignal<[Bar[]]>('bars');
export const marketStopSignal = defineSignal<[{ reason?: string }?]>('stop');
export const marketAddSymbolsUpdate = defineUpdate<SymbolsChange, [string[]]>('add_symbols');
export const marketRemoveSymbolsUpdate = defineUpdate<SymbolsChange, [string[]]>('remove_symbols');
export const marketSnapshotQuery = defineQuery<MarketSnapshot>('snapshot');
/** All feature vectors by symbol. */
export const marketFeaturesQuery = defineQuery<Record<string, FeatureVector>>('features');
export const marketFeatureVectorQuery = defineQuery<FeatureVector | null, [string]>('featureVector');
export const marketBackfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');
export const marketCandlesQuery = defineQuery<Bar[], [string, number?]>('candles');
/** Runs so far (1 + continue-as-new count) and this run's history length. */
export const marketStreamInfoQuery = defineQuery<{ runs: number; historyLength: number; symbols: string[]; pendingBatches: number }>('streamInfo');

const { marketEnsureFeed, marketReleaseFeed } = proxyActivities<ReturnType<typeof createMarketActivities>>({
  startToCloseTimeout: '20 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});
const { marketFetchCandles } = proxyActivities<ReturnType<typeof createMarketActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds', backoffCoefficient: 2 },
});
/** Gap refills count their attempts in the workflow state (GAP_ATTEMPTS), one activity attempt each. */
const { marketFetchCandles: fetchGapPage } = proxyActivities<ReturnType<typeof createMarketActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});
const { marketReportRejections } = proxyActivities<ReturnType<typeof createMarketActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

const MAX_SYMBOLS = 50;

export async function marketStreamWorkflow(input: MarketStreamInput): Promise<MarketStreamResult> {
  const timeframe = input.timeframe ?? '1m';
  const leaseMs = Math.max(1, input.leaseSeconds ?? 30) * 1000;
  const pageBars = Math.min(350, Math.max(1, input.pageBars ?? 350));
  const forwardTo = input.forwardToLedger === undefined ? 'default' : input.forwardToLedger;
  const st: StreamState =
    input.carried?.state ??
    streamInit(input.feed, { timeframe, candleKeep: input.candleKeep ?? 500, sanity: { maxJumpPct: input.maxJumpPct ?? 20, rebaseAfter: 5 } });
  gapState(st); // a state carried from a run before gap refills gets an empty one
  const pending: Bar[][] = input.carried?.pending ?? [];
  const runs = (input.carried?.runs ?? 0) + 1;
  let stopRequested = false;
  let symbolsChanged = false;
  let batchesThisRun = 0;
  let initialised = !!input.carried;

  setHandler(marketBarsSignal, (bars) => {
    if (Array.isArray(bars) && bars.length) pending.push(bars);
  });
  setHandler(marketStopSignal, () => {
    stopRequested = true;
  });
  const checkSymbols = (symbols: string[]) => {
    if (!Array.isArray(symbols) || symbols.length === 0) throw ApplicationFailure.create({ message: 'give at least one symbol', type: 'InvalidSymbols', nonRetryable: true });
    const bad = symbols.filter((s) => typeof s !== 'string' || !validSymbol(s));
    if (bad.length) throw ApplicationFailure.create({ message: `not product ids like BTC-USD: ${bad.slice(0, 5).join(', ')}`, type: 'InvalidSymbols', nonRetryable: true });
  };
  setHandler(
    marketAddSymbolsUpdate,
    async (symbols) => {
      // The first run adds its own symbols once the feed has told it the time: after that, not before.
      await condition(() => initialised);
      const added = addSymbols(st, symbols, { end: st.clock, minutes: input.backfillMinutes, pageBars });
      if (added.length) symbolsChanged = true;
      return { symbols: [...st.order], added, removed: [] };
    },
    {
      validator: (symbols) => {
        checkSymbols(symbols);
        if (stopRequested) throw ApplicationFailure.create({ message: 'the market stream is stopping', type: 'Stopping', nonRetryable: true });
        const total = new Set([...st.order, ...symbols]).size;
        if (total > MAX_SYMBOLS) throw ApplicationFailure.create({ message: `at most ${MAX_SYMBOLS} symbols (would be ${total})`, type: 'TooManySymbols', nonRetryable: true });
      },
    },
  );
  setHandler(
    marketRemoveSymbolsUpdate,
    async (symbols) => {
      await condition(() => initialised);
      const removed = removeSymbols(st, symbols);
      if (removed.length) symbolsChanged = true;
      return { symbols: [...st.order], added: [], removed };
    },
    {
      validator: (symbols) => {
        checkSymbols(symbols);
        const left = st.order.filter((s) => !symbols.includes(s));
        if (left.length === 0) throw ApplicationFailure.create({ message: 'cannot remove every symbol: stop the stream instead', type: 'InvalidSymbols', nonRetryable: true });
      },
    },
  );
  setHandler(marketSnapshotQuery, () => snapshot(st));
  setHandler(marketFeaturesQuery, () => Object.fromEntries(st.order.map((s) => [s, symbolFeatures(st, s)!])));
  setHandler(marketFeatureVectorQuery, (symbol) => symbolFeatures(st, symbol));
  setHandler(marketBackfillProgressQuery, () => st.backfill);
  setHandler(marketCandlesQuery, (symbol, limit) => candles(st, symbol, Math.min(5000, Math.max(0, limit ?? 500))));
  setHandler(marketStreamInfoQuery, () => ({ runs, historyLength: workflowInfo().historyLength, symbols: [...st.order], pendingBatches: pending.length }));

  // The lease is renewed on a workflow timer; each renewal arms a new one and older ones are ignored.
  let leaseDue = false;
  let leaseGen = 0;
  const armLease = () => {
    leaseDue = false;
    const gen = ++leaseGen;
    void sleep(leaseMs).then(() => {
      if (gen === leaseGen) leaseDue = true;
    });
  };
  /**
   * A host without a feed manager (or one that keeps failing) leaves the stream running and
   * visibly down, retried at every lease period, rather than failing the workflow.
   */
  const renew = async (symbols: string[] = st.order): Promise<boolean> => {
    try {
      const r = await marketEnsureFeed({ symbols: [...symbols], feed: st.feed, leaseMs: leaseMs * 3 });
      st.clock = Math.max(st.clock, r.now);
      st.feedHealth = { ...r.health, at: r.now };
      return true;
    } catch (err) {
      st.feedHealth = { state: 'down', detail: `feed lease failed: ${failureMessage(err)}`.slice(0, 300), at: st.clock };
      return false;
    } finally {
      armLease();
    }
  };

  if (!input.carried) {
    for (const s of input.symbols) if (!validSymbol(s)) throw ApplicationFailure.create({ message: `not a product id like BTC-USD: ${s}`, type: 'InvalidSymbols', nonRetryable: true });
    // The feed starts first so no live bar is missed; its bars are held until the backfill is in.
    // The backfill window ends at the host's clock, so the first lease must succeed before it.
    while (!(await renew(input.symbols)) && !stopRequested) await condition(() => leaseDue || stopRequested);
    addSymbols(st, input.symbols, { end: st.clock, minutes: input.backfillMinutes, pageBars });
    initialised = true;
  } else {
    await renew();
  }

  const reserve = Math.max(20, Math.ceil(input.historyLimit * 0.1));
  const mustContinue = () => {
    const info = workflowInfo();
    return batchesThisRun >= input.continueEvery || info.historyLength >= input.historyLimit - reserve || info.continueAsNewSuggested;
  };

  const forward = (bars: Bar[]) => {
    if (!forwardTo || bars.length === 0) return;
    // The paper ledger may not be running; marks are best effort and never stop the stream.
    getExternalWorkflowHandle(WORKFLOW_IDS.paperBook(forwardTo))
      .signal('bars', bars)
      .catch(() => undefined);
  };
  const report = async (rej: Rejection[]) => {
    if (rej.length) await marketReportRejections(rej).catch(() => undefined);
  };

  // Evaluated only when a gap is found: histories without gaps replay without the marker.
  const refill = () => patched('market-gap-refill');

  const drain = async () => {
    while (pending.length) {
      const batch = pending.shift()!;
      const r = applyLiveBars(st, batch, refill);
      batchesThisRun += 1;
      forward(r.accepted);
      await report(r.rejected);
    }
  };

  for (;;) {
    if (stopRequested) break;
    if (symbolsChanged || leaseDue) {
      symbolsChanged = false;
      await renew();
    }
    const page = st.backfillQueue[0];
    const gapPage = page ? null : nextGapPage(st, pageBars);
    if (page) {
      let bars: Bar[] = [];
      try {
        bars = await marketFetchCandles({ symbol: page.symbol, feed: st.feed, timeframe: st.options.timeframe, start: page.start, end: page.end });
      } catch (err) {
        // Degraded, not dead: the symbol goes live without that history, and the progress says why.
        st.backfill.errors.push(`${page.symbol} ${new Date(page.start).toISOString()}: ${failureMessage(err)}`.slice(0, 300));
        if (st.backfill.errors.length > 20) st.backfill.errors.shift();
      }
      const r = applyBackfillPage(st, page, bars);
      forward(r.accepted);
      await report(r.rejected);
    } else if (gapPage) {
      let r: { accepted: Bar[]; rejected: Rejection[] };
      let retry = false;
      try {
        const bars = await fetchGapPage({ symbol: gapPage.symbol, feed: st.feed, timeframe: st.options.timeframe, start: gapPage.start, end: gapPage.end });
        r = applyGapPage(st, gapPage, bars, refill);
      } catch (err) {
        const f = failGapPage(st, gapPage, failureMessage(err), refill);
        r = f;
        retry = !f.gaveUp;
      }
      // Only the released live bars go to the ledger; refilled minutes are history.
      forward(r.accepted);
      await report(r.rejected);
      if (retry) await condition(() => stopRequested, 2_000);
    } else {
      await condition(() => pending.length > 0 || stopRequested || symbolsChanged || leaseDue);
    }
    await drain();
    if (!stopRequested && mustContinue()) {
      await condition(allHandlersFinished);
      // Signals that arrived while waiting are carried, not lost.
      await continueAsNew<typeof marketStreamWorkflow>({ ...input, carried: { state: st, pending, runs } });
    }
  }

  await drain();
  await condition(allHandlersFinished);
  await marketReleaseFeed().catch(() => undefined);
  return { stoppedAt: st.clock, runs, snapshot: snapshot(st) };
}

/** The activity's own message rather than the wrapper's "Activity task failed". */
function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
