/**
 * Product trading rules. The defaults mirror the fields Coinbase Advanced Trade publishes for its
 * USD books (`base_increment`, `quote_increment`, `base_min_size`, `quote_min_size`); the host
 * may replace them with the live values when exchange keys exist.
 */
import { Dec } from '../domain/decimal';
import { parseProduct } from '../domain/product';
import type { ProductSpec } from './types';

const COINBASE_USD: Record<string, Omit<ProductSpec, 'symbol'>> = {
  'BTC-USD': { baseIncrement: '0.00000001', quoteIncrement: '0.01', baseMinSize: '0.00000001', quoteMinSize: '1', spreadBps: '2' },
  'ETH-USD': { baseIncrement: '0.00000001', quoteIncrement: '0.01', baseMinSize: '0.00000001', quoteMinSize: '1', spreadBps: '3' },
  'SOL-USD': { baseIncrement: '0.00000001', quoteIncrement: '0.01', baseMinSize: '0.00000001', quoteMinSize: '1', spreadBps: '5' },
  'DOGE-USD': { baseIncrement: '0.1', quoteIncrement: '0.00001', baseMinSize: '0.1', quoteMinSize: '1', spreadBps: '8' },
  'XRP-USD': { baseIncrement: '0.000001', quoteIncrement: '0.0001', baseMinSize: '0.000001', quoteMinSize: '1', spreadBps: '6' },
};

/** Fallback for products without published rules: fine steps and a wider spread estimate. */
const FALLBACK: Omit<ProductSpec, 'symbol'> = {
  baseIncrement: '0.00000001',
  quoteIncrement: '0.0001',
  baseMinSize: '0.00000001',
  quoteMinSize: '1',
  spreadBps: '10',
};

export function defaultProductSpec(symbol: string): ProductSpec {
  parseProduct(symbol);
  return { symbol, ...(COINBASE_USD[symbol] ?? FALLBACK) };
}

/** Look up a spec from an override table first, then the defaults. */
export function productSpec(symbol: string, overrides?: Record<string, ProductSpec>): ProductSpec {
  return overrides?.[symbol] ?? defaultProductSpec(symbol);
}

/** Checks a spec's steps are positive decimals; used when specs come from a file or the exchange. */
export function validateProductSpec(spec: ProductSpec): string | null {
  for (const k of ['baseIncrement', 'quoteIncrement'] as const) {
    if (!Dec.isDecimalString(spec[k]) || !Dec.of(spec[k]).isPositive()) return `${spec.symbol}: ${k} must be a positive decimal`;
  }
  for (const k of ['baseMinSize', 'quoteMinSize', 'spreadBps'] as const) {
    if (!Dec.isDecimalString(spec[k]) || Dec.of(spec[k]).isNegative()) return `${spec.symbol}: ${k} must be a non-negative decimal`;
  }
  return null;
}
