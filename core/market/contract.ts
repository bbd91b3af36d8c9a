/**
 * Market data verbs: start/stop the durable market stream, change its symbols, and read what it
 * holds (snapshot, feature vectors, candles for the chart, backfill progress). Reads are
 * Temporal queries on MarketStreamWorkflow, so every door sees the same state.
 */
import { z } from 'zod';
import { ACTION_IDEMPOTENT, READ, verb } from '../api/define';
import { BarSchema, TickSchema, TimeframeSchema } from '../domain/market';
import { productIdSchema } from '../domain/product';

const Symbol = productIdSchema('a product id like BTC-USD');
const Symbols = z.array(Symbol).min(1).max(50);
const Feed = z.enum(['coinbase', 'replay', 'simulated']);
const Timeframe = TimeframeSchema;
const DecimalStr = z.string();

export const BackfillProgressOut = z.object({
  state: z.enum(['idle', 'running', 'done']),
  pagesTotal: z.number(),
  pagesDone: z.number(),
  bars: z.number(),
  symbols: z.record(z.string(), z.object({ bars: z.number(), done: z.boolean() })),
  errors: z.array(z.string()),
});

const FeedHealthOut = z.object({ state: z.enum(['ok', 'degraded', 'down', 'idle']), detail: z.string(), at: z.number() }).nullable();

/** Minutes missed by the live feed and refilled over REST (`filled` may hold fewer bars than minutes: no trades). */
export const MarketGapsOut = z
  .object({
    pending: z.number().int().min(0),
    filled: z.number().int().min(0),
    unfilled: z.number().int().min(0),
    barsRefilled: z.number().int().min(0),
    recent: z.array(
      z
        .object({
          symbol: z.string(),
          start: z.number(),
          end: z.number(),
          state: z.enum(['pending', 'filled', 'unfilled']),
          attempts: z.number().int().min(0),
          bars: z.number().int().min(0),
          error: z.string().nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const MarketSnapshotOut = z.object({
  feed: Feed,
  timeframe: Timeframe,
  asOf: z.number(),
  symbols: z.record(
    z.string(),
    z.object({
      symbol: z.string(),
      price: DecimalStr.nullable(),
      time: z.number().nullable(),
      bars: z.number(),
      rejected: z.number(),
      backfilled: z.boolean(),
      features: z.record(z.string(), z.number()),
    }),
  ),
  backfill: BackfillProgressOut,
  barsAccepted: z.number(),
  barsRejected: z.number(),
  batches: z.number(),
  feedHealth: FeedHealthOut,
  recentRejections: z.array(z.object({ symbol: z.string(), time: z.number(), reason: z.string(), detail: z.string() })),
  gaps: MarketGapsOut,
}).strict();

export const FeatureVectorOut = z.object({
  symbol: z.string(),
  barTime: z.number().nullable(),
  bars: z.number(),
  asOf: z.number(),
  values: z.record(z.string(), z.number().nullable()),
});

const SymbolsChangeOut = z.object({ symbols: z.array(z.string()), added: z.array(z.string()), removed: z.array(z.string()) });

export const marketApi = {
  start_market_stream: verb({
    description:
      'Start the market stream (or attach to the running one): backfill recent history, then ingest live bars and keep per-symbol feature vectors. Symbols default to MARKET_SYMBOLS, the feed to MARKET_FEED.',
    input: z
      .object({
        symbols: Symbols.optional(),
        feed: Feed.optional(),
        backfillMinutes: z.number().int().min(0).max(43_200).optional(),
      })
      .strict(),
    output: z.object({ workflowId: z.string(), runId: z.string(), started: z.boolean(), feed: Feed, symbols: z.array(z.string()), added: z.array(z.string()) }),
    annotations: ACTION_IDEMPOTENT,
    temporal: 'workflow',
    mcp: true,
  }),
  stop_market_stream: verb({
    description: 'Stop the market stream and its live feed. Feature vectors stop updating.',
    input: z.object({}).strict(),
    output: z.object({ stopped: z.boolean(), wasRunning: z.boolean() }),
    annotations: ACTION_IDEMPOTENT,
    temporal: 'signal',
    mcp: true,
  }),
  add_market_symbols: verb({
    description: 'Add symbols to the running market stream (each is backfilled, then streamed).',
    input: z.object({ symbols: Symbols }).strict(),
    output: SymbolsChangeOut,
    annotations: ACTION_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
  remove_market_symbols: verb({
    description: 'Remove symbols from the running market stream (at least one must remain).',
    input: z.object({ symbols: Symbols }).strict(),
    output: SymbolsChangeOut,
    annotations: ACTION_IDEMPOTENT,
    temporal: 'update',
    mcp: true,
  }),
  get_market_snapshot: verb({
    description: 'Latest price, bar time and numeric features of every streamed symbol, with feed health, backfill progress and the minutes missed by the live feed and refilled over REST (gaps).',
    input: z.object({}).strict(),
    output: MarketSnapshotOut,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_feature_vector: verb({
    description: 'The feature vector of one symbol (SMA, EMA, RSI, MACD, Bollinger, ATR, VWAP, returns, realised volatility, staleness); null values are still warming up.',
    input: z.object({ symbol: Symbol }).strict(),
    output: FeatureVectorOut,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_candles: verb({
    description: 'Recent candles of one symbol for the chart (1m kept; coarser timeframes resampled from them).',
    input: z.object({ symbol: Symbol, timeframe: Timeframe.optional(), limit: z.number().int().min(1).max(5000).optional() }).strict(),
    output: z.object({ symbol: z.string(), timeframe: Timeframe, candles: z.array(BarSchema) }),
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  get_backfill_progress: verb({
    description: 'Progress of the market stream\'s historical backfill.',
    input: z.object({}).strict(),
    output: BackfillProgressOut,
    annotations: READ,
    temporal: 'query',
    mcp: false,
  }),
};

/** The market stream's push events (merged into core/api/events.ts). */
export const marketEvents = {
  /** Every accepted tick (trade or ticker update) at full feed rate. */
  'market.tick': TickSchema,
  /** A closed bar (1m), as sent to the market stream workflow. */
  'market.bar': BarSchema,
  /** Feed health changes: connected, degraded (gap, stale, reconnecting), down, idle. */
  'market.health': z.object({
    feed: z.enum(['coinbase', 'replay', 'simulated']).nullable(),
    state: z.enum(['ok', 'degraded', 'down', 'idle']),
    detail: z.string(),
    symbols: z.array(z.string()),
    counters: z.record(z.string(), z.number()),
    at: z.number(),
  }),
};
