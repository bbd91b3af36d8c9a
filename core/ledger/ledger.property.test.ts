import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import { silentLogger } from '../runtime/log';
import { LedgerError } from './errors';
import { Ledger, openLedger } from './ledger';

/**
 * Random sequences of reservations, orders, fills, cancels and transfers. Whatever the sequence
 * (including operations the ledger must refuse), every entry balances, balances equal the sum of
 * postings, no user wallet goes negative, and no reservation is over-consumed.
 */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ledger-prop-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const amount = fc.integer({ min: 1, max: 5_000_000 }).map((n) => Dec.int(n).div('10000').toString()); // 0.0001 .. 500
const btcQty = fc.integer({ min: 1, max: 200_000 }).map((n) => Dec.int(n).div('100000000').toString());
const price = fc.integer({ min: 1_000_000, max: 9_000_000 }).map((n) => Dec.int(n).div('100').toString());

type Op =
  | { op: 'transfer'; dir: 'in' | 'out'; cur: 'USD' | 'BTC'; amount: string }
  | { op: 'fraction'; f: string }
  | { op: 'reserve'; amount: string }
  | { op: 'order'; side: 'BUY' | 'SELL'; qty: string }
  | { op: 'fill'; orderIdx: number; part: number; price: string; feeBps: number }
  | { op: 'cancel'; orderIdx: number }
  | { op: 'release'; idx: number }
  | { op: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('transfer' as const), dir: fc.constantFrom('in' as const, 'out' as const), cur: fc.constantFrom('USD' as const, 'BTC' as const), amount }),
  fc.record({ op: fc.constant('fraction' as const), f: fc.constantFrom('0', '0.1', '0.5', '1') }),
  fc.record({ op: fc.constant('reserve' as const), amount }),
  { arbitrary: fc.record({ op: fc.constant('order' as const), side: fc.constantFrom('BUY' as const, 'SELL' as const), qty: btcQty }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('fill' as const), orderIdx: fc.nat(20), part: fc.integer({ min: 1, max: 100 }), price, feeBps: fc.integer({ min: 0, max: 120 }) }), weight: 6 },
  fc.record({ op: fc.constant('cancel' as const), orderIdx: fc.nat(20) }),
  fc.record({ op: fc.constant('release' as const), idx: fc.nat(20) }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1000, max: 20 * 60_000 }) }),
);

describe('ledger invariants under random operation sequences', () => {
  it('keeps every entry balanced and balances equal to postings; nothing goes negative', () => {
    let run = 0;
    const seen = { fills: 0, refusals: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 60 }), (ops) => {
        let t = Date.parse('2026-01-01T00:00:00Z');
        const ledger = openLedger(path.join(dir, `p${run++}.sqlite`), { log: silentLogger, now: () => new Date(t) });
        try {
          const { funding, trading } = ledger.ensureAccount('coinbase', 'pf');
          const equity = Ledger.walletId('coinbase', 'pf', 'equity');
          ledger.post({
            kind: 'opening',
            memo: 'seed',
            postings: [
              { walletId: funding.id, currency: 'USD', amount: '10000' },
              { walletId: funding.id, currency: 'BTC', amount: '0.5' },
              { walletId: equity, currency: 'USD', amount: '-10000' },
              { walletId: equity, currency: 'BTC', amount: '-0.5' },
            ],
          });
          // Default 0 is covered elsewhere; start tradeable so sequences reach orders and fills.
          ledger.setTradeableFraction(funding.id, '0.5');
          const orders: { id: string; qty: string; side: 'BUY' | 'SELL'; open: boolean; reservation: string | null }[] = [];
          const reservations: string[] = [];
          let trade = 0;
          for (const o of ops) {
            try {
              switch (o.op) {
                case 'transfer':
                  ledger.transfer({
                    from: o.dir === 'in' ? funding.id : trading.id,
                    to: o.dir === 'in' ? trading.id : funding.id,
                    currency: o.cur,
                    amount: o.cur === 'BTC' ? Dec.of(o.amount).div('1000').round(8, 'down').toString() : o.amount,
                    memo: 'move',
                  });
                  break;
                case 'fraction':
                  ledger.setTradeableFraction(funding.id, o.f);
                  break;
                case 'reserve':
                  reservations.push(ledger.reserve({ walletId: funding.id, currency: 'USD', amount: o.amount, purpose: 'prop', ttlMs: 10 * 60_000 }).id);
                  break;
                case 'order': {
                  // Route like production: reserve on funding, move into trading carrying the hold.
                  const cur = o.side === 'BUY' ? 'USD' : 'BTC';
                  const need = o.side === 'BUY' ? Dec.of(o.qty).mul('92000').round(8, 'up').toString() : o.qty;
                  const r = ledger.reserve({ walletId: funding.id, currency: cur, amount: need, purpose: 'order', ttlMs: 3600_000 });
                  ledger.transfer({ from: funding.id, to: trading.id, currency: cur, amount: need, memo: 'fund order', reservationId: r.id });
                  const { order } = ledger.createOrder({
                    clientOrderId: `k${orders.length}`,
                    walletId: trading.id,
                    product: 'BTC-USD',
                    side: o.side,
                    orderType: 'market',
                    baseSize: o.qty,
                    quoteSize: null,
                    limitPrice: null,
                    postOnly: false,
                    mode: 'live',
                    status: 'open',
                    reason: null,
                    reservationId: r.id,
                    costEstimateId: null,
                    preview: null,
                    correlationId: null,
                  });
                  orders.push({ id: order.id, qty: o.qty, side: o.side, open: true, reservation: r.id });
                  break;
                }
                case 'fill': {
                  const ord = orders[o.orderIdx % Math.max(orders.length, 1)];
                  if (!ord || !ord.open) break;
                  const left = Dec.of(ord.qty).sub(ledger.order(ord.id).filledBase);
                  if (!left.isPositive()) break;
                  const size = Dec.max(left.mul(String(o.part)).div('100').round(8, 'down'), '0.00000001');
                  const sz = Dec.min(size, left).toString();
                  const fee = Dec.of(sz).mul(o.price).mul(String(o.feeBps)).div('10000').round(8, 'up').toString();
                  ledger.recordFill({ tradeId: `t${trade++}`, orderId: ord.id, size: sz, price: o.price, fee });
                  seen.fills++;
                  break;
                }
                case 'cancel': {
                  const ord = orders[o.orderIdx % Math.max(orders.length, 1)];
                  if (!ord || !ord.open) break;
                  ord.open = false;
                  ledger.updateOrder(ord.id, { status: 'cancelled' });
                  if (ord.reservation) ledger.release(ord.reservation, 'cancelled');
                  break;
                }
                case 'release': {
                  const id = reservations[o.idx % Math.max(reservations.length, 1)];
                  if (id) ledger.release(id);
                  break;
                }
                case 'tick':
                  t += o.ms;
                  break;
              }
            } catch (err) {
              // Refusals are part of the property (overdrafts, over-reservation); anything else is a bug.
              if (!(err instanceof LedgerError)) throw err;
              seen.refusals++;
              expect(['insufficient', 'conflict', 'invalid']).toContain(err.code);
            }
          }
          expect(ledger.verify()).toEqual([]);
          for (const b of ledger.balances()) {
            const w = ledger.wallet(b.walletId);
            if (w.kind === 'funding' || w.kind === 'trading') expect(Dec.of(b.amount).isNegative()).toBe(false);
          }
          // Per currency, all accounts together sum to zero (a closed double-entry system).
          const totals = new Map<string, Dec>();
          for (const b of ledger.balances()) totals.set(b.currency, (totals.get(b.currency) ?? Dec.ZERO).add(b.amount));
          for (const [, v] of totals) expect(v.isZero()).toBe(true);
          for (const r of ledger.listReservations({ limit: 1000 })) expect(Dec.of(r.consumed).lte(r.amount)).toBe(true);
          // Projection rebuilt from postings is identical.
          const before = ledger.balances();
          ledger.rebuildBalances();
          expect(ledger.balances()).toEqual(before);
        } finally {
          ledger.close();
        }
      }),
      { numRuns: 60 },
    );
    // The sequences must reach the interesting paths, not only be refused.
    expect(seen.fills).toBeGreaterThan(20);
    expect(seen.refusals).toBeGreaterThan(0);
  });
});
