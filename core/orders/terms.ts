/**
 * One line saying what a production-ledger order will do on Coinbase, for every place that asks
 * a person to confirm one (the CLI's live prompt, the live-order approval row).
 */
export interface OrderTermsInput {
  side: 'BUY' | 'SELL';
  orderType: 'market' | 'limit' | 'stop_limit' | 'bracket';
  limitPrice: string | null;
  stopPrice?: string | null | undefined;
}

export function orderTerms(o: OrderTermsInput): string {
  switch (o.orderType) {
    case 'market':
      return 'at market';
    case 'limit':
      return `limit ${o.limitPrice ?? '?'}`;
    case 'stop_limit':
      return o.side === 'SELL'
        ? `stop-limit: when the price falls to ${o.stopPrice ?? '?'}, a limit sell at ${o.limitPrice ?? '?'} (not below)`
        : `stop-limit: when the price rises to ${o.stopPrice ?? '?'}, a limit buy at ${o.limitPrice ?? '?'} (not above)`;
    case 'bracket':
      return `bracket exit: take profit at ${o.limitPrice ?? '?'}, stop at ${o.stopPrice ?? '?'} (sells at market once reached); one fill cancels the other`;
  }
}

/** A stop-limit or bracket sell only closes what is held: the cost gate does not hold it back. */
export function isProtectiveExit(o: { side: 'BUY' | 'SELL'; orderType: OrderTermsInput['orderType'] }): boolean {
  return o.side === 'SELL' && (o.orderType === 'stop_limit' || o.orderType === 'bracket');
}
