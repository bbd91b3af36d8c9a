/**
 * `vigil market start|stop|snapshot|features|candles`: the market stream verbs through a running
 * cockpit (its workers own the feed). Tables on a terminal, JSON with --json.
 */
import { z } from 'zod';
import type { VerbResult } from '../api/contract';
import { TimeframeSchema } from '../domain/market';
import { productIdSchema } from '../domain/product';
import { command, EXIT, type CliCommand } from '../cli/registry';
import { callVerb, withRuntime } from '../cli/remote';

const call = callVerb;

const symbolList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(productIdSchema('symbols are product ids like BTC-USD')).min(1).max(50));
const fmt = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? '-' : Math.abs(x) >= 1000 ? x.toFixed(2) : x.toPrecision(d));

const start = command({
  name: 'market start',
  summary: 'Start (or attach to) the market stream: backfill, then live bars and feature vectors.',
  help: 'Flags: --symbols BTC-USD,ETH-USD (default MARKET_SYMBOLS) --feed coinbase|replay|simulated\n(default MARKET_FEED) --backfill-minutes N (default BACKFILL_MINUTES).\nExit codes: 0 started or attached · 2 bad arguments · 3 rejected (running on another feed) · 4 no cockpit.',
  flags: { symbols: { type: 'string' }, feed: { type: 'string' }, 'backfill-minutes': { type: 'string' } },
  schema: z.object({
    symbols: symbolList.optional(),
    feed: z.enum(['coinbase', 'replay', 'simulated']).optional(),
    'backfill-minutes': z.coerce.number().int().min(0).max(43_200).optional(),
  }),
  async run(args, ctx) {
    const input = { ...(args.symbols ? { symbols: args.symbols } : {}), ...(args.feed ? { feed: args.feed } : {}), ...(args['backfill-minutes'] !== undefined ? { backfillMinutes: args['backfill-minutes'] } : {}) };
    const r = await withRuntime(ctx, (rt) => call<VerbResult<'start_market_stream'>>(rt, 'start_market_stream', input));
    if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
    else ctx.io.out(`${r.started ? 'started' : 'attached to'} the market stream on ${r.feed}: ${r.symbols.join(', ')}${r.added.length && !r.started ? ` (added ${r.added.join(', ')})` : ''}`);
    return EXIT.ok;
  },
});

const stop = command({
  name: 'market stop',
  summary: 'Stop the market stream and its feed.',
  help: 'Exit codes: 0 stopped (or was not running) · 4 no cockpit.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    const r = await withRuntime(ctx, (rt) => call<VerbResult<'stop_market_stream'>>(rt, 'stop_market_stream', {}));
    if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
    else ctx.io.out(r.wasRunning ? 'market stream stopped' : 'the market stream was not running');
    return EXIT.ok;
  },
});

/** The snapshot's gap line, or null while the live feed has had no gap. */
export function gapsLine(g: VerbResult<'get_market_snapshot'>['gaps']): string | null {
  if (g.pending + g.filled + g.unfilled === 0) return null;
  const last = g.recent.at(-1);
  const latest = last ? `; latest: ${last.symbol} ${new Date(last.start).toISOString()} to ${new Date(last.end).toISOString()} ${last.state}${last.error ? ` (${last.error})` : ''}` : '';
  return `gaps in the live feed: ${g.filled} refilled (${g.barsRefilled} bars), ${g.unfilled} unfilled, ${g.pending} pending${latest}`;
}

const snapshotCmd = command({
  name: 'market snapshot',
  summary: 'Prices, bar counts, key features, feed health, backfill progress and refilled gaps of every symbol.',
  help: 'Exit codes: 0 ok · 3 the stream is not running · 4 no cockpit.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    const s = await withRuntime(ctx, (rt) => call<VerbResult<'get_market_snapshot'>>(rt, 'get_market_snapshot', {}));
    if (ctx.json) {
      ctx.io.out(JSON.stringify(s, null, 2));
      return EXIT.ok;
    }
    ctx.io.out(`feed ${s.feed} (${s.feedHealth ? `${s.feedHealth.state}: ${s.feedHealth.detail}` : 'no health yet'})  as of ${new Date(s.asOf).toISOString()}`);
    ctx.io.out(`backfill ${s.backfill.state} ${s.backfill.pagesDone}/${s.backfill.pagesTotal} pages, ${s.backfill.bars} bars${s.backfill.errors.length ? `; errors: ${s.backfill.errors.join('; ')}` : ''}`);
    const gaps = gapsLine(s.gaps);
    if (gaps) ctx.io.out(gaps);
    ctx.io.out(`${'symbol'.padEnd(12)} ${'price'.padStart(14)} ${'bars'.padStart(6)} ${'rsi'.padStart(7)} ${'ema12'.padStart(12)} ${'ema26'.padStart(12)} ${'vol(ann)'.padStart(9)} stale`);
    for (const x of Object.values(s.symbols)) {
      const f = x.features;
      ctx.io.out(`${x.symbol.padEnd(12)} ${(x.price ?? '-').padStart(14)} ${String(x.bars).padStart(6)} ${fmt(f.rsi_14).padStart(7)} ${fmt(f.ema_12).padStart(12)} ${fmt(f.ema_26).padStart(12)} ${fmt(f.realised_vol_30_annualised, 3).padStart(9)} ${f.staleness_s === undefined ? '-' : `${Math.round(f.staleness_s)}s`}`);
    }
    if (s.recentRejections.length) ctx.io.out(`rejected ${s.barsRejected} bars; latest: ${s.recentRejections.at(-1)!.detail}`);
    return EXIT.ok;
  },
});

const features = command({
  name: 'market features',
  summary: 'The full feature vector of one symbol.',
  help: 'Usage: vigil market features BTC-USD\nExit codes: 0 ok · 2 bad symbol · 3 not streamed · 4 no cockpit.',
  flags: {},
  positionals: ['symbol'],
  schema: z.object({ symbol: productIdSchema('a product id like BTC-USD') }),
  async run(args, ctx) {
    const v = await withRuntime(ctx, (rt) => call<VerbResult<'get_feature_vector'>>(rt, 'get_feature_vector', { symbol: args.symbol }));
    if (ctx.json) ctx.io.out(JSON.stringify(v, null, 2));
    else {
      ctx.io.out(`${v.symbol}  ${v.bars} bars  last bar ${v.barTime === null ? '-' : new Date(v.barTime).toISOString()}`);
      for (const [k, x] of Object.entries(v.values)) ctx.io.out(`  ${k.padEnd(28)} ${x === null ? 'warming up' : fmt(x, 6)}`);
    }
    return EXIT.ok;
  },
});

const candlesCmd = command({
  name: 'market candles',
  summary: 'Recent candles of one symbol (1m kept by the stream; coarser ones resampled).',
  help: 'Usage: vigil market candles BTC-USD [--timeframe 5m] [--limit 20]',
  flags: { timeframe: { type: 'string' }, limit: { type: 'string' } },
  positionals: ['symbol'],
  schema: z.object({
    symbol: productIdSchema('a product id like BTC-USD'),
    timeframe: TimeframeSchema.optional(),
    limit: z.coerce.number().int().min(1).max(5000).optional(),
  }),
  async run(args, ctx) {
    const r = await withRuntime(ctx, (rt) =>
      call<VerbResult<'get_candles'>>(rt, 'get_candles', { symbol: args.symbol, ...(args.timeframe ? { timeframe: args.timeframe } : {}), limit: args.limit ?? 20 }),
    );
    if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
    else for (const c of r.candles) ctx.io.out(`${new Date(c.time).toISOString().slice(0, 16)}  o ${c.open}  h ${c.high}  l ${c.low}  c ${c.close}  v ${c.volume}`);
    return EXIT.ok;
  },
});

export const marketCommands: CliCommand[] = [start, stop, snapshotCmd, features, candlesCmd];
