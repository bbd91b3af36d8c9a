/**
 * Product ids (BTC-USD) and currency codes: the one rule every door, feed, dataset and ledger
 * checks them by. Coinbase's spot product ids are BASE-QUOTE of upper-case letters and digits,
 * from one character (T-USD) to more than ten (a long token name), so each side is 1 to 12.
 * Pure: safe to import from workflows and the renderer.
 */
import { z } from 'zod';

const CODE = '[A-Z0-9]{1,12}';

/** A currency or asset code as a product id's side holds it (BTC, USD, 1INCH). */
export const CURRENCY_RE = new RegExp(`^${CODE}$`);

/** A product id inside a larger pattern (a dataset's file name). */
export const PRODUCT_PATTERN = `${CODE}-${CODE}`;

/** A product id: BASE-QUOTE, upper case. */
export const PRODUCT_RE = new RegExp(`^${PRODUCT_PATTERN}$`);

/** The product-id schema; each door words its own message. */
export function productIdSchema(message = 'a product id like BTC-USD') {
  return z.string().regex(PRODUCT_RE, message);
}

/** A product id as a person types it (btc-usd): upper-cased, then held to the rule. */
export function typedProductIdSchema(message = 'a product id like BTC-USD', text: z.ZodString = z.string()) {
  return text.transform((s) => s.toUpperCase()).pipe(productIdSchema(message));
}

export const ProductIdSchema = productIdSchema();
export type ProductId = z.infer<typeof ProductIdSchema>;

export function isProductId(s: unknown): s is ProductId {
  return typeof s === 'string' && PRODUCT_RE.test(s);
}

/** A product id split into base and quote. */
export interface ProductParts {
  base: string;
  quote: string;
}

export class ProductIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProductIdError';
  }
}

export function parseProduct(symbol: string): ProductParts {
  if (!isProductId(symbol)) throw new ProductIdError(`invalid product id ${JSON.stringify(String(symbol).slice(0, 30))}: expected BASE-QUOTE like BTC-USD`);
  const [base, quote] = symbol.split('-') as [string, string];
  return { base, quote };
}
