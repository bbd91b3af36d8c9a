import { useState } from 'react';
import { useAction } from '../api/hooks';
import { IssuesAlert, Seg } from './ui';
import { fmtDec, fmtQty, percentToRate } from '../lib/format';

function newKey(): string {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `ui-${Date.now().toString(36)}-${r[0]!.toString(36)}${r[1]!.toString(36)}`;
}

const TYPES = ['market', 'limit', 'stop', 'stop_limit', 'take_profit', 'trailing_stop'] as const;
type TicketType = (typeof TYPES)[number];
const TYPE_LABEL: Record<TicketType, string> = { market: 'market', limit: 'limit', stop: 'stop', stop_limit: 'stop-limit', take_profit: 'take-profit', trailing_stop: 'trailing' };
const needsLimit = (t: TicketType) => t === 'limit' || t === 'stop_limit' || t === 'take_profit';
const needsStop = (t: TicketType) => t === 'stop' || t === 'stop_limit';
/**
 * Paper order ticket: place_mock_order. Market, limit, stop, stop-limit, take-profit and trailing
 * stop; a buy at market or limit may carry a bracket (take-profit and stop-loss placed when it
 * fills, one cancelling the other). Validation and refusals are shown as they come back.
 */
export function OrderTicket({ defaultSymbol = 'BTC-USD' }: { defaultSymbol?: string }) {
  const [symbol, setSymbol] = useState(defaultSymbol);
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [type, setType] = useState<TicketType>('market');
  const [sizeMode, setSizeMode] = useState<'notional' | 'quantity'>('notional');
  const [size, setSize] = useState('100');
  const [limitPrice, setLimitPrice] = useState('');
  const [stopPrice, setStopPrice] = useState('');
  const [trailPct, setTrailPct] = useState('2');
  const [tp, setTp] = useState('');
  const [sl, setSl] = useState('');
  const conditional = type !== 'market' && type !== 'limit';
  const bracketable = side === 'buy' && !conditional;
  const place = useAction('place_mock_order');
  const r = place.data;
  const bad = (path: string) => place.error?.error.issues?.some((i) => i.path === path || i.path.startsWith(path + '.')) ?? false;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const trail = percentToRate(trailPct);
    const bracket = bracketable && (tp.trim() || sl.trim()) ? { ...(tp.trim() ? { takeProfit: { limitPrice: tp.trim() } } : {}), ...(sl.trim() ? { stopLoss: { stopPrice: sl.trim() } } : {}) } : undefined;
    place.mutate({
      symbol: symbol.trim().toUpperCase(),
      side,
      type,
      // Conditional orders are sized in base units (their price is not known until they trigger).
      ...(sizeMode === 'notional' && !conditional ? { notional: size.trim() } : { quantity: size.trim() }),
      ...(needsLimit(type) ? { limitPrice: limitPrice.trim() } : {}),
      ...(needsStop(type) ? { stopPrice: stopPrice.trim() } : {}),
      // An unreadable percent goes as typed, for the book to refuse with its own words.
      ...(type === 'trailing_stop' ? { trailingPct: trail ?? trailPct.trim() } : {}),
      ...(bracket ? { bracket } : {}),
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
        {conditional ? null : <Seg value={sizeMode} options={['notional', 'quantity'] as const} onChange={setSizeMode} label="Size in" />}
      </div>
      <label className="field">
        Type
        <select value={type} onChange={(e) => setType(e.target.value as TicketType)} data-testid="ticket-type">
          {TYPES.map((t) => (
            <option key={t} value={t}>{TYPE_LABEL[t]}</option>
          ))}
        </select>
      </label>
      <div className="row">
        <label className="field">
          {sizeMode === 'notional' && !conditional ? 'Notional (quote)' : 'Quantity (base)'}
          <input value={size} onChange={(e) => setSize(e.target.value)} inputMode="decimal" aria-invalid={bad(sizeMode) || bad('quantity')} data-testid="ticket-size" />
        </label>
        {needsStop(type) ? (
          <label className="field">
            Stop price
            <input value={stopPrice} onChange={(e) => setStopPrice(e.target.value)} inputMode="decimal" aria-invalid={bad('stopPrice')} data-testid="ticket-stop" />
          </label>
        ) : null}
        {needsLimit(type) ? (
          <label className="field">
            Limit price
            <input value={limitPrice} onChange={(e) => setLimitPrice(e.target.value)} inputMode="decimal" aria-invalid={bad('limitPrice')} data-testid="ticket-limit" />
          </label>
        ) : null}
        {type === 'trailing_stop' ? (
          <label className="field">
            Trail %
            <input value={trailPct} onChange={(e) => setTrailPct(e.target.value)} inputMode="decimal" aria-invalid={bad('trailingPct')} data-testid="ticket-trail" />
          </label>
        ) : null}
      </div>
      {bracketable ? (
        <div className="row" data-testid="ticket-bracket">
          <label className="field">
            Take-profit
            <input value={tp} onChange={(e) => setTp(e.target.value)} inputMode="decimal" placeholder="none" aria-invalid={bad('bracket')} data-testid="ticket-tp" />
          </label>
          <label className="field">
            Stop-loss
            <input value={sl} onChange={(e) => setSl(e.target.value)} inputMode="decimal" placeholder="none" aria-invalid={bad('bracket')} data-testid="ticket-sl" />
          </label>
        </div>
      ) : null}
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
