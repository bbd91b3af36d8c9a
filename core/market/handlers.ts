/**
 * Market handlers over Temporal: start (or attach to) MarketStreamWorkflow, signal it to stop,
 * update its symbols, and query what it holds.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Handlers } from '../api/contract';
import { ApiFailure } from '../api/result';
import { WORKFLOW_IDS } from '../domain/ids';
import { resampleBars } from './resample';
import type { HandlerDeps } from '../host/handler-deps';
import {
  marketAddSymbolsUpdate,
  marketBackfillProgressQuery,
  marketCandlesQuery,
  marketFeatureVectorQuery,
  marketStreamWorkflow,
  marketRemoveSymbolsUpdate,
  marketSnapshotQuery,
  marketStopSignal,
  type MarketStreamInput,
} from './market-stream.workflow';
import { TIMEFRAME_MS } from '../domain/market';

type MarketVerbs =
  | 'start_market_stream'
  | 'stop_market_stream'
  | 'add_market_symbols'
  | 'remove_market_symbols'
  | 'get_market_snapshot'
  | 'get_feature_vector'
  | 'get_candles'
  | 'get_backfill_progress';

export function marketStreamInput(deps: Pick<HandlerDeps, 'config'>, over: Partial<MarketStreamInput> = {}): MarketStreamInput {
  const c = deps.config;
  return {
    symbols: c.MARKET_SYMBOLS.split(',').map((s) => s.trim()).filter(Boolean),
    feed: c.MARKET_FEED,
    backfillMinutes: c.BACKFILL_MINUTES,
    continueEvery: c.STREAM_CONTINUE_EVERY,
    historyLimit: c.STREAM_HISTORY_LIMIT,
    maxJumpPct: c.MARKET_MAX_JUMP_PCT,
    leaseSeconds: c.MARKET_LEASE_SECONDS,
    ...over,
  };
}

export function createMarketHandlers(deps: HandlerDeps): Pick<Handlers, MarketVerbs> {
  const id = WORKFLOW_IDS.marketStream;
  const handle = (): WorkflowHandle<typeof marketStreamWorkflow> => deps.client.workflow.getHandle<typeof marketStreamWorkflow>(id);

  /** Queries on a stream that is not running say so plainly. */
  async function read<T>(f: (h: WorkflowHandle<typeof marketStreamWorkflow>) => Promise<T>): Promise<T> {
    try {
      return await f(handle());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || /workflow.*(not found|completed|closed)/i.test((err as Error).message)) {
        throw new ApiFailure('not_found', 'the market stream is not running: start it with start_market_stream');
      }
      throw err;
    }
  }
  async function running(): Promise<boolean> {
    try {
      const d = await handle().describe();
      return d.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
  async function update(u: typeof marketAddSymbolsUpdate, symbols: string[]) {
    try {
      return await read((h) => h.executeUpdate(u, { args: [symbols] }));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new ApiFailure('rejected', (err.cause as Error | undefined)?.message ?? err.message);
      throw err;
    }
  }

  return {
    async start_market_stream(args) {
      const input = marketStreamInput(deps, {
        ...(args.symbols ? { symbols: [...new Set(args.symbols)] } : {}),
        ...(args.feed ? { feed: args.feed } : {}),
        ...(args.backfillMinutes !== undefined ? { backfillMinutes: args.backfillMinutes } : {}),
      });
      if (input.symbols.length === 0) throw new ApiFailure('invalid_input', 'no symbols: pass symbols or set MARKET_SYMBOLS');
      try {
        const h = await deps.client.workflow.start(marketStreamWorkflow, { workflowId: id, taskQueue: deps.taskQueue, args: [input] });
        return { workflowId: id, runId: h.firstExecutionRunId, started: true, feed: input.feed, symbols: input.symbols, added: input.symbols };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      // Attach: same feed required; missing symbols are added.
      const snap = await read((h) => h.query(marketSnapshotQuery));
      if (args.feed && args.feed !== snap.feed) throw new ApiFailure('rejected', `the market stream is running on the ${snap.feed} feed; stop it before starting on ${args.feed}`);
      const have = Object.keys(snap.symbols);
      const missing = args.symbols ? args.symbols.filter((s) => !have.includes(s)) : [];
      const change = missing.length ? await update(marketAddSymbolsUpdate, missing) : { symbols: have, added: [] };
      const d = await handle().describe();
      return { workflowId: id, runId: d.runId, started: false, feed: snap.feed, symbols: change.symbols, added: change.added };
    },

    async stop_market_stream() {
      if (!(await running())) return { stopped: true, wasRunning: false };
      await handle().signal(marketStopSignal, { reason: 'stop_market_stream' });
      // The run completes once its worker processes the signal; without a worker it stays asked to stop.
      const done = await Promise.race([handle().result().then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000).unref?.())]);
      return { stopped: done, wasRunning: true };
    },

    async add_market_symbols(args) {
      return update(marketAddSymbolsUpdate, args.symbols);
    },

    async remove_market_symbols(args) {
      return update(marketRemoveSymbolsUpdate, args.symbols);
    },

    async get_market_snapshot() {
      return read((h) => h.query(marketSnapshotQuery));
    },

    async get_feature_vector(args) {
      const v = await read((h) => h.query(marketFeatureVectorQuery, args.symbol));
      if (!v) throw new ApiFailure('not_found', `${args.symbol} is not streamed: add it with add_market_symbols`);
      return { ...v, values: { ...v.values } };
    },

    async get_candles(args) {
      const tf = args.timeframe ?? '1m';
      const limit = args.limit ?? 300;
      // Enough 1m bars to fill `limit` coarser candles, capped by what the stream keeps.
      const need = Math.min(5000, limit * (TIMEFRAME_MS[tf] / TIMEFRAME_MS['1m']));
      const bars = await read((h) => h.query(marketCandlesQuery, args.symbol, need));
      const out = tf === '1m' ? bars : resampleBars(bars, tf);
      return { symbol: args.symbol, timeframe: tf, candles: out.slice(-limit) };
    },

    async get_backfill_progress() {
      return read((h) => h.query(marketBackfillProgressQuery));
    },
  };
}
