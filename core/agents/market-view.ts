/**
 * How the agents see the market and the portfolio: what the market stream's and the paper book's
 * queries answer (read by the execution agent's activities with the typed query definitions),
 * parsed defensively (zod) into the small shapes the agents use.
 */
import { z } from 'zod';
import { PRODUCT_RE } from '../domain/product';
import { COINBASE_ENTRY_TIER } from '../trading/fees';
import type { TradingCosts } from './costs';
import type { MarketPoint } from './policy';

export interface MarketRead {
  ok: boolean;
  source: 'market-stream' | 'ledger-marks' | 'none';
  points: MarketPoint[];
  /** Time of the newest price, epoch ms. */
  asOf: number | null;
  /** Age of the OLDEST symbol's price at read time, seconds: staleness is as bad as the worst symbol. */
  staleSeconds: number | null;
  readAt: number;
  error: string | null;
}

const num = z.number().finite();
const priceLike = z.union([z.string().regex(/^\d+(\.\d+)?$/), num.nonnegative().transform((n) => String(n))]);
const SymbolEntry = z.looseObject({
  price: priceLike.optional(),
  close: priceLike.optional(),
  last: priceLike.optional(),
  time: num.optional(),
  updatedAt: num.optional(),
  features: z.record(z.string(), z.unknown()).optional(),
});

function toPoint(symbol: string, raw: unknown): MarketPoint | null {
  const e = SymbolEntry.safeParse(raw);
  if (!e.success) return null;
  const price = e.data.price ?? e.data.close ?? e.data.last;
  const time = e.data.time ?? e.data.updatedAt;
  if (!price || time === undefined) return null;
  const features: Record<string, number> = {};
  for (const [k, v] of Object.entries(e.data.features ?? {})) if (typeof v === 'number' && Number.isFinite(v)) features[k] = v;
  return { symbol, price, time, ...(Object.keys(features).length ? { features } : {}) };
}

/** Accepts `{ symbols: { SYM: {...} } }`, `{ SYM: {...} }` or `[{ symbol, ... }]`. */
export function parseSnapshot(raw: unknown): MarketPoint[] {
  const out: MarketPoint[] = [];
  const src = (raw && typeof raw === 'object' && 'symbols' in raw ? (raw as { symbols: unknown }).symbols : raw) as unknown;
  if (Array.isArray(src)) {
    for (const x of src) {
      const sym = (x as { symbol?: unknown })?.symbol;
      if (typeof sym === 'string') {
        const p = toPoint(sym, x);
        if (p) out.push(p);
      }
    }
  } else if (src && typeof src === 'object') {
    for (const [sym, x] of Object.entries(src)) {
      if (!PRODUCT_RE.test(sym)) continue;
      const p = toPoint(sym, x);
      if (p) out.push(p);
    }
  }
  return out.sort((a, b) => a.symbol.localeCompare(b.symbol));
}

export interface PortfolioView {
  quote: string;
  equity: string;
  cash: string;
  initialCash: string;
  positions: { symbol: string; quantity: string; avgPrice: string; marketValue: string; unrealizedPnl: string }[];
  limits: { name: string; value: string }[];
  killSwitch: boolean;
  marks: Record<string, string>;
  /** What a fill costs: the ledger's fee rates and spread estimates (bps) per marked symbol. */
  costs: TradingCosts;
}

const dec = z.string();
const StatusSchema = z.looseObject({
  initialCash: dec,
  quoteCurrency: dec,
  valuation: z.looseObject({
    cash: dec,
    equity: dec,
    positions: z.array(z.looseObject({ symbol: z.string(), quantity: dec, avgEntry: dec, marketValue: dec, unrealizedPnl: dec })),
  }),
  marks: z.record(z.string(), z.looseObject({ price: dec })),
  preferences: z.looseObject({ riskLimits: z.record(z.string(), z.unknown()), killSwitch: z.boolean() }),
  fees: z.object({ taker: dec, maker: dec }).optional(),
  spreadBps: z.record(z.string(), dec).optional(),
});

/** The paper book's status as the agents see it (parsed defensively: what the prompt shows is checked). */
export function portfolioView(raw: unknown): PortfolioView {
  const s = StatusSchema.parse(raw);
  const limits = Object.entries(s.preferences.riskLimits)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([name, v]) => ({ name, value: typeof v === 'object' ? JSON.stringify(v) : String(v) }));
  return {
    quote: s.quoteCurrency,
    equity: s.valuation.equity,
    cash: s.valuation.cash,
    initialCash: s.initialCash,
    positions: s.valuation.positions
      .filter((p) => p.quantity !== '0')
      .map((p) => ({ symbol: p.symbol, quantity: p.quantity, avgPrice: p.avgEntry, marketValue: p.marketValue, unrealizedPnl: p.unrealizedPnl })),
    limits,
    killSwitch: s.preferences.killSwitch,
    marks: Object.fromEntries(Object.entries(s.marks).map(([k, v]) => [k, v.price])),
    costs: { fees: s.fees ?? COINBASE_ENTRY_TIER, spreadBps: s.spreadBps ?? {} },
  };
}
