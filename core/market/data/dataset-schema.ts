/**
 * What a dataset listing says about one candle series (./datasets.ts builds it from the files; the
 * contract's `list_datasets` verb returns it). Plain schema: the contract imports it without the
 * file access behind it.
 */
import { z } from 'zod';
import { TimeframeSchema } from '../../domain/market';

export const DatasetSchema = z.object({
  symbol: z.string(),
  timeframe: TimeframeSchema,
  /** `data dir`: imported or downloaded by the user; `shipped`: resources/market. */
  location: z.enum(['data dir', 'shipped']),
  /** Where the bars came from: `coinbase` (downloaded), `import`/`import-<name>`, or the shipped file's format. */
  sources: z.array(z.string()),
  files: z.array(z.string()),
  bytes: z.number(),
  /** Open time of the first bar, epoch ms (null when the files could not be read). */
  from: z.number().nullable(),
  /** Close time of the last bar, epoch ms. */
  to: z.number().nullable(),
  bars: z.number(),
  /** Runs of missing bars and how many bars they miss. */
  gaps: z.number(),
  missingBars: z.number(),
  largestGap: z.object({ after: z.number(), before: z.number(), missing: z.number() }).nullable(),
  duplicates: z.number(),
  outOfOrder: z.number(),
  zeroVolumeBars: z.number(),
  /** Downloaded datasets: the ranges asked of the exchange so far (a minute without trades has no candle, so gaps inside them are real). */
  downloaded: z.array(z.tuple([z.number(), z.number()])).optional(),
  /** Why the files could not be loaded (a backtest on this series would fail the same way). */
  error: z.string().nullable(),
  /** A download of this series running now (in this cockpit or a `vigil data download`): its range and how far it is. */
  downloading: z.object({ pid: z.number(), from: z.number(), to: z.number(), startedAt: z.number(), pagesDone: z.number(), pagesTotal: z.number() }).nullable().optional(),
});
export type Dataset = z.infer<typeof DatasetSchema>;
