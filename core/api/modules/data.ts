/**
 * Market data verbs: the datasets a backtest can read (shipped recordings and the data dir's own),
 * CSV import (a file the host can read, or rows uploaded in parts), and downloads from Coinbase's
 * public candles as a durable workflow per series. List, import and upload work on the data dir's
 * files directly (no cockpit needed: the CLI runs them in process); a download runs on the
 * cockpit's workers (the CLI downloads in process).
 */
import { z } from 'zod';
import { ACTION, READ, WRITE, WRITE_IDEMPOTENT, verb } from '../define';
import { productIdSchema } from '../../domain/product';
import { DOWNLOAD_TIMEFRAMES } from '../../market/coinbase/schemas';
import { DatasetSchema } from '../../market/data/dataset-schema';
import { TimeframeSchema } from '../../domain/market';

const Symbol = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(productIdSchema('a symbol is a product id like BTC-USD'));
const When = z.union([z.number().int().min(0), z.string().min(4)]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${JSON.stringify(v)} (use ISO like 2024-01-01 or epoch ms)` });
    return z.NEVER;
  }
  return ms;
});
export const UploadId = z.string().regex(/^[a-z0-9-]{8,64}$/, 'an upload id is 8 to 64 lower-case letters, digits or dashes');

export const DownloadProgressSchema = z.object({
  symbol: z.string(),
  timeframe: TimeframeSchema,
  from: z.number(),
  to: z.number(),
  pagesDone: z.number(),
  pagesTotal: z.number(),
  requests: z.number(),
  added: z.number(),
  rows: z.number(),
  done: z.boolean(),
});

export const DownloadStatusSchema = z.object({
  workflowId: z.string(),
  symbol: z.string(),
  timeframe: TimeframeSchema,
  from: z.number(),
  to: z.number(),
  state: z.enum(['running', 'completed', 'failed', 'cancelled']),
  progress: DownloadProgressSchema.nullable(),
  error: z.string().nullable(),
});

export const ImportResultSchema = z.object({
  symbol: z.string(),
  timeframe: TimeframeSchema,
  timeframeInferred: z.boolean(),
  file: z.string(),
  replaced: z.boolean(),
  rows: z.number(),
  from: z.number(),
  to: z.number(),
  descending: z.boolean(),
  header: z.boolean(),
  columns: z.object({ time: z.string(), open: z.string(), high: z.string(), low: z.string(), close: z.string(), volume: z.string() }),
  gaps: z.number(),
  missingBars: z.number(),
  gapList: z.array(z.object({ after: z.number(), before: z.number(), missing: z.number(), line: z.number() })),
  zeroVolumeBars: z.number(),
  overlapping: z.number(),
  supersedesShipped: z.number(),
});

export const dataEvents = {
  /** A market data download's progress after each page, and its end. */
  'data.progress': DownloadProgressSchema.extend({ state: z.enum(['running', 'completed', 'failed', 'cancelled']), error: z.string().nullable() }),
};

export const dataApi = {
  list_market_data: verb({
    description:
      'The candle datasets backtests can use: shipped recordings and the ones imported or downloaded into the data dir, each with symbol, timeframe, first and last bar, bar count, gaps (runs of missing bars) and, for downloads, the ranges asked of the exchange and a download running now.',
    input: z.object({}).strict(),
    output: z.object({ dataDir: z.string(), datasets: z.array(DatasetSchema) }),
    annotations: READ,
    temporal: 'none',
    mcp: true,
  }),
  upload_market_data: verb({
    description:
      'Sends part of a CSV file to import (parts of up to 200,000 characters, in order, each at the offset of the characters sent before it); then import_market_data with the same uploadId. Sending a part again is harmless.',
    input: z.object({ uploadId: UploadId, offset: z.number().int().min(0), text: z.string().max(200_000) }).strict(),
    output: z.object({ uploadId: z.string(), received: z.number() }),
    annotations: WRITE_IDEMPOTENT,
    temporal: 'none',
    mcp: true,
  }),
  import_market_data: verb({
    description:
      'Imports candles from a CSV (a path the host can read — app and CLI only — or an uploadId from upload_market_data) as a dataset of the named symbol: columns time, open, high, low, close, volume (header optional; time as epoch s/ms or ISO 8601, UTC), timeframe given or inferred. Every row is checked: unreadable numbers, broken candles, repeated or out-of-order times and times off the timeframe grid refuse the whole file, naming the rows; gaps are reported (or refused with refuseGaps).',
    input: z
      .object({
        symbol: Symbol,
        timeframe: TimeframeSchema.optional(),
        path: z.string().min(1).max(4096).optional(),
        uploadId: UploadId.optional(),
        name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'a dataset name is lower-case letters, digits and dashes').optional(),
        replace: z.boolean().default(false),
        refuseGaps: z.boolean().default(false),
      })
      .strict()
      .refine((x) => (x.path === undefined) !== (x.uploadId === undefined), { message: 'give either path or uploadId', path: ['path'] }),
    output: ImportResultSchema,
    annotations: WRITE,
    temporal: 'none',
    mcp: true,
  }),
  download_market_data: verb({
    description:
      "Downloads a symbol's candle history from Coinbase's public market data (1m, 5m, 15m, 1h or 1d; from a date to a date, default now) into the data dir, paged and resumable: asking again continues where it stopped and fetches nothing already there. Returns at once; progress with get_market_data_download or list_market_data.",
    input: z.object({ symbol: Symbol, timeframe: z.enum(DOWNLOAD_TIMEFRAMES, { error: 'timeframe must be one of 1m, 5m, 15m, 1h, 1d (Coinbase has no 4h candles)' }), from: When, to: When.optional() }).strict(),
    output: DownloadStatusSchema,
    annotations: ACTION,
    temporal: 'workflow',
    mcp: true,
  }),
  get_market_data_download: verb({
    description: 'The state of the latest download of one series: running, completed, failed (with the reason) or cancelled, with pages done and candles added.',
    input: z.object({ symbol: Symbol, timeframe: TimeframeSchema }).strict(),
    output: DownloadStatusSchema,
    annotations: READ,
    temporal: 'query',
    mcp: true,
  }),
  cancel_market_data_download: verb({
    description: 'Stops a running download after the page in flight; what was downloaded stays and a later download resumes from there.',
    input: z.object({ symbol: Symbol, timeframe: TimeframeSchema }).strict(),
    output: z.object({ cancelled: z.boolean() }),
    annotations: WRITE_IDEMPOTENT,
    temporal: 'workflow',
    mcp: true,
  }),
};
