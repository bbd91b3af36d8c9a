import { useState } from 'react';
import { useAction } from '../api/hooks';
import { IssuesAlert, Seg } from './ui';
import { fmtDec, fmtQty } from '../lib/format';

function newKey(): string {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `ui-${Date.now().toString(36)}-${r[0]!.toString(36)}${r[1]!.toString(36)}`;
}

/** Paper order ticket: place_mock_order; validation and risk rejections shown as they come back. */
export function OrderTicket({ defaultSymbol = 'BTC-USD' }: { defaultSymbol?: string }) {
  const [symbol, setSymbol] = useState(defaultSymbol);
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [type, setType] = useState<'market' | 'limit'>('market');
  const [sizeMode, setSizeMode] = useState<'notional' | 'quantity'>('notional');
  const [size, setSize] = useState('100');
  const [limitPrice, setLimitPrice] = useState('');
  const place = useAction('place_mock_order', ['get_portfolio_status', 'get_transaction_history', 'get_risk_metrics', 'get_performance_metrics']);
  const r = place.data;
  const bad = (path: string) => place.error?.error.issues?.some((i) => i.path === path || i.path.startsWith(path + '.')) ?? false;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    place.mutate({
      symbol: symbol.trim().toUpperCase(),
      side,
      type,
      ...(sizeMode === 'notional' ? { notional: size.trim() } : { quantity: size.trim() }),
      ...(type === 'limit' ? { limitPrice: limitPrice.trim() } : {}),
      idempotencyKey: newKey(),
      rationale: 'manual order from the cockpit',
    });
  };

  return (
    <form className="form" onSubmit={submit} data-testid="order-ticket">
      <div className="row">
        <label className="field">
          Symbol
          <input value={symbol} onChange={(e) => setSymbol(e.target.value)} aria-invalid={bad('symbol')} data-testid="ticket-symbol" />
        </label>
      </div>
      <div className="row">
        <Seg value={side} options={['buy', 'sell'] as const} onChange={setSide} label="Side" />
        <Seg value={type} options={['market', 'limit'] as const} onChange={setType} label="Type" />
        <Seg value={sizeMode} options={['notional', 'quantity'] as const} onChange={setSizeMode} label="Size in" />
      </div>
      <div className="row">
        <label className="field">
          {sizeMode === 'notional' ? 'Notional (quote)' : 'Quantity (base)'}
          <input value={size} onChange={(e) => setSize(e.target.value)} inputMode="decimal" aria-invalid={bad(sizeMode) || bad('quantity')} data-testid="ticket-size" />
        </label>
        {type === 'limit' ? (
          <label className="field">
            Limit price
            <input value={limitPrice} onChange={(e) => setLimitPrice(e.target.value)} inputMode="decimal" aria-invalid={bad('limitPrice')} data-testid="ticket-limit" />
          </label>
        ) : null}
      </div>
      <button className={`btn ${side}`} type="submit" disabled={place.isPending} data-testid="ticket-submit">
        {place.isPending ? 'Placing…' : `${side === 'buy' ? 'Buy' : 'Sell'} ${symbol || '…'} (paper)`}
      </button>
      <IssuesAlert error={place.error} />
      {r ? (
        r.status === 'rejected' ? (
          <div className="alert" role="alert" data-testid="order-rejected">
            Rejected by <b>{r.rule ?? 'validation'}</b>: {r.reason}
          </div>
        ) : (
          <div className="ok-note" data-testid="order-result">
            {r.status === 'filled' && r.fill
              ? `Filled ${fmtQty(r.fill.quantity)} @ ${fmtDec(r.fill.price)} · fee ${fmtDec(r.fill.fee, 4)}`
              : `Order ${r.status}`}
            {r.duplicate ? ' (duplicate key: first result)' : ''}
          </div>
        )
      ) : null}
    </form>
  );
}
