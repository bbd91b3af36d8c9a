/**
 * The twin of a paper session, computed in an activity: the paper ledger's fills and equity in
 * the window (queries on its workflow), the bars the session saw (the market stream's, else the
 * recorded data for the window), a backtest of the same agent version over those bars (the arena's
 * run: the same engine, driver, cache and budgets), and the fills paired (core/research/twin.ts).
 */
import type { Client } from '@temporalio/client';
import { emptySeries, type BarSeries } from '../backtest/bars';
import { Dec } from '../domain/decimal';
import { WORKFLOW_IDS } from '../domain/ids';
import type { Bar } from '../domain/market';
import type { ExecutionMode } from '../agents/prompt-ids';
import type { FillRecord as PaperFill } from '../paper/book';
import { equityHistoryQuery, portfolioStatusQuery, transactionsQuery } from '../paper/paper-book.workflow';
import { marketCandlesQuery } from '../market/market-stream.workflow';
import { runArena, type ArenaRunDeps } from './arena-run';
import { asData } from './bias';
import type { DataCache } from './runner';
import { pairFills, type TwinFill } from './twin';
import type { TwinState } from './types';

const MIN = 60_000;

export interface TwinInput {
  id: string;
  portfolio: string;
  from: number;
  to: number | null;
  symbols: string[] | null;
  strategy: 'policy' | 'agent';
  mode: ExecutionMode;
  /** agent: 1m bars between decisions. */
  every: number;
}

export class TwinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TwinError';
  }
}

function toSeries(symbol: string, bars: readonly Bar[]): BarSeries {
  const s = emptySeries(symbol, MIN, bars.length);
  bars.forEach((b, i) => {
    s.time[i] = b.time;
    s.open[i] = Number(b.open);
    s.high[i] = Number(b.high);
    s.low[i] = Number(b.low);
    s.close[i] = Number(b.close);
    s.volume[i] = Number(b.volume);
  });
  return s;
}

const asTwinFill = (f: Pick<PaperFill, 'symbol' | 'side' | 'time' | 'quantity' | 'price' | 'notional' | 'fee' | 'referencePrice' | 'slippageBps'>): TwinFill => ({
  symbol: f.symbol,
  side: f.side,
  time: f.time,
  quantity: f.quantity,
  price: f.price,
  notional: f.notional,
  fee: f.fee,
  referencePrice: f.referencePrice,
  slippageBps: f.slippageBps,
});

/** Rows of each list the report keeps (the summary counts them all). */
const KEEP = 500;

export async function runTwin(input: TwinInput, deps: { client: Client; cache: DataCache; arena: Omit<ArenaRunDeps, 'cache' | 'data' | 'keepFills'> }): Promise<TwinState> {
  const ledger = deps.client.workflow.getHandle(WORKFLOW_IDS.paperBook(input.portfolio));
  const to = input.to ?? Date.now();
  const window = `${new Date(input.from).toISOString()} and ${new Date(to).toISOString()}`;
  let fills: PaperFill[];
  try {
    fills = await ledger.query(transactionsQuery, { from: input.from, to, limit: 500 });
  } catch (err) {
    throw new TwinError(`the paper ledger ${input.portfolio} cannot be read (${(err as Error).message}): a twin needs a paper session`);
  }
  fills = fills.filter((f) => f.time >= input.from && f.time < to && (!input.symbols || input.symbols.includes(f.symbol))).sort((a, b) => a.time - b.time);
  if (fills.length === 0) throw new TwinError(`no paper fills between ${window}${input.symbols ? ` for ${input.symbols.join(', ')}` : ''}: nothing to compare`);
  const status = await ledger.query(portfolioStatusQuery);
  const history = await ledger.query(equityHistoryQuery).catch(() => null);
  const symbols = input.symbols ?? [...new Set(fills.map((f) => f.symbol))].sort();
  const notes: string[] = [];

  // The bars: the stream's while it holds the window, else the recorded data.
  const stream = deps.client.workflow.getHandle(WORKFLOW_IDS.marketStream);
  const barsSource: TwinState['barsSource'] = {};
  const series: BarSeries[] = [];
  for (const symbol of symbols) {
    const live = await stream.query(marketCandlesQuery, symbol, 5000).catch(() => [] as Bar[]);
    const inWindow = live.filter((b) => b.time >= input.from && b.time < to);
    if (inWindow.length > 0) {
      series.push(toSeries(symbol, inWindow));
      barsSource[symbol] = 'market-stream';
      if (inWindow[0]!.time > input.from + MIN) notes.push(`${symbol}: the market stream's bars start at ${new Date(inWindow[0]!.time).toISOString()}, after the session start: the twin starts there`);
      continue;
    }
    const recorded = deps.cache.get({ symbols: [symbol], timeframe: '1m', from: input.from, to, strategy: 'buy_and_hold', initialCash: '1' } as never).series[0]!;
    series.push(recorded);
    barsSource[symbol] = 'recorded';
    notes.push(`${symbol}: the market stream holds no bars of the session (it keeps the last 5,000 minutes); the twin runs over the recorded 1m data for the window`);
  }
  const bars = series.reduce((n, s) => n + s.length, 0);

  // The twin starts flat with the session's equity at its start.
  const atStart = history?.points.filter((p) => p.t <= input.from).at(-1);
  const initialCash = Dec.of(atStart?.equity ?? status.initialCash).round(2, 'down').toString();
  notes.push(atStart ? `the twin starts flat with the session's equity at its start (${initialCash}); positions the paper book held then are not in the twin` : `no paper equity sample before the session: the twin starts flat with the ledger's initial cash (${initialCash})`);
  const fees = { taker: status.fees.taker, maker: status.fees.maker };
  if (status.fees.at > input.from) notes.push(`the paper fee rates were set at ${new Date(status.fees.at).toISOString()}, after the session began: the twin charges the current rates (taker ${fees.taker}, maker ${fees.maker}) on every fill`);
  notes.push(
    input.strategy === 'policy'
      ? 'the twin runs the built-in policy on every closed bar; the live agent decided once per nudge and skipped nudges when the price was stale or had not moved enough'
      : `the twin asks the execution model every ${input.every} bars with the active prompt; the live agent's nudges were on wall-clock time`,
  );
  notes.push('the twin starts with no history: its first decisions see fewer closes (and warming indicators) than the live agent, which had been running, did');

  const out = await runArena(
    {
      arenaId: input.id,
      spec: { strategy: input.strategy, symbols, timeframe: '1m', initialCash, fees, slippage: true, risk: 'none', profitScrapePct: '0', rebalanceBand: 0.05, maxCurvePoints: 2000 } as never,
      contestant: { label: 'twin', kind: input.strategy, mode: input.mode, every: input.every },
      index: 0,
      sample: 0,
      budget: { maxCalls: 2000, maxCostUsd: '5', rpm: 60 },
    },
    { ...deps.arena, cache: deps.cache, data: asData(series), keepFills: true },
  );
  const twinFills = (out.fills ?? []).map(asTwinFill);
  const paired = pairFills(fills.map(asTwinFill), twinFills, { window: Math.max(10, 2 * (input.strategy === 'agent' ? input.every : 1)) * MIN, barMs: MIN });
  return {
    portfolio: input.portfolio,
    strategy: input.strategy,
    mode: input.mode,
    every: input.strategy === 'agent' ? input.every : 1,
    from: input.from,
    to: input.to,
    symbols,
    barsSource,
    bars,
    initialCash,
    fees,
    paper: { fills: fills.length, fees: Dec.sum(fills.map((f) => f.fee)).toString(), realizedPnl: Dec.sum(fills.map((f) => f.realizedPnl)).toString() },
    twin: { pnl: out.pnl, fees: out.fees, metrics: out.metrics, model: out.model, promptVersion: out.promptVersion, calls: out.calls },
    summary: paired.summary,
    pairs: paired.pairs.slice(0, KEEP),
    unmatched: paired.unmatched.slice(0, KEEP),
    notes,
  };
}
