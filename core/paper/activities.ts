/**
 * Announces what the paper book did (fills, risk blocks, cancellations) on the host's event
 * bus, so the UI, tray and notifications react without polling.
 */
import type { PaperBookEvent } from './book';
import { PROTECTION_RULES } from '../risk/protections';
import type { ActivityDeps } from '../activities/deps';

export function createPaperActivities(deps: Pick<ActivityDeps, 'bus' | 'log'>) {
  return {
    async publishTradingEvents(portfolioId: string, events: PaperBookEvent[]): Promise<number> {
      for (const e of events) {
        if (e.kind === 'fill') {
          const f = e.fill;
          deps.bus.emit('trading.fill', { portfolioId, fill: f });
          deps.bus.emit('alert', { kind: 'fill', level: 'info', title: `${f.side === 'buy' ? 'Bought' : 'Sold'} ${f.quantity} ${f.symbol}`, body: `at ${f.price}, fee ${trim(f.fee)} (${f.agent}, paper)`, data: { symbol: f.symbol, side: f.side, quantity: f.quantity, price: f.price, fee: f.fee, placedBy: f.agent, correlationId: f.correlationId, ledger: 'paper' } });
        } else if (e.kind === 'blocked') {
          const b = e.order;
          deps.bus.emit('trading.blocked', { portfolioId, order: b });
          // A protection refusing an entry is a protection engaging; anything else is a blocked order.
          const protection = (PROTECTION_RULES as readonly string[]).includes(b.rule);
          deps.bus.emit('alert', { kind: protection ? 'protection' : 'order_blocked', level: 'warning', title: `${protection ? 'Protection' : 'Order blocked by'} ${b.rule}: ${b.side} ${b.symbol}`, body: b.reason, data: { symbol: b.symbol, side: b.side, rule: b.rule, placedBy: b.agent, correlationId: b.correlationId, ledger: 'paper' } });
        } else if (e.kind === 'stop_hit') {
          deps.bus.emit('alert', {
            kind: 'stop_hit',
            level: 'warning',
            title: `Stop hit: ${e.side === 'sell' ? 'sold' : 'bought'} ${e.quantity} ${e.symbol}`,
            body: `${e.type.replace('_', ' ')} at ${e.triggerPrice}${e.gap ? ', gapped through: filled from the open' : ''}, filled at ${e.price} (paper)`,
            data: { ...e, portfolioId, ledger: 'paper' },
          });
        } else if (e.kind === 'protection') {
          deps.bus.emit('alert', { kind: 'protection', level: 'warning', title: `Protection ${e.lock.rule}${e.lock.symbol ? `: ${e.lock.symbol}` : ''}`, body: e.lock.reason, data: { ...e.lock, portfolioId } });
        } else if (e.kind === 'kill_switch') {
          deps.bus.emit('alert', e.on
            ? { kind: 'kill_switch', level: 'warning', title: 'Kill switch engaged', body: 'New orders are refused at every door, paper and live; positions stay as they are.', data: { on: true, portfolioId } }
            : { kind: 'kill_switch', level: 'info', title: 'Kill switch released', body: 'Orders pass the risk limits and the cost gate again.', data: { on: false, portfolioId } });
        } else {
          deps.bus.emit('trading.cancelled', { portfolioId, orderId: e.orderId, symbol: e.symbol, reason: e.reason });
        }
      }
      deps.log.debug('trading events published', { portfolioId, count: events.length });
      return events.length;
    },
  };
}

function trim(d: string): string {
  const [i, f = ''] = d.split('.');
  return f.length > 6 ? `${i}.${f.slice(0, 6)}` : d;
}
