import { describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import { checkOrder, defaultRiskLimits } from '../risk/limits';
import { DAY_MS, liveBook, liveRiskContext, productsToMark, tradingPnlSince, type LiveFill } from './live-book';

const NOW = Date.UTC(2026, 11, 6, 15, 0, 0);
const TODAY = NOW - 3600_000;
const YESTERDAY = NOW - DAY_MS;
const fill = (side: 'BUY' | 'SELL', size: string, price: string, fee: string, at = TODAY, product = 'ETH-USD'): LiveFill => ({ product, side, size, price, fee, at });
const marks = (m: Record<string, string>) => new Map(Object.entries(m).map(([k, v]) => [k, Dec.of(v)]));

describe('live book', () => {
  it('keeps an average cost with fees and counts a losing close', () => {
    const book = liveBook([fill('BUY', '1', '100', '1'), fill('BUY', '1', '110', '1'), fill('SELL', '1', '100', '1', TODAY + 1)]);
    const eth = book.positions.get('ETH-USD')!;
    expect(eth.qty.toString()).toBe('1');
    expect(eth.avgCost.toString()).toBe('106');
    expect(book.lossStreak).toBe(1);
    expect(book.lastLossAt).toBe(TODAY + 1);
  });

  it('a winning close ends the streak; selling more than Vigil bought has no basis and no P&L', () => {
    const book = liveBook([fill('BUY', '1', '100', '0'), fill('SELL', '1', '90', '0'), fill('BUY', '1', '100', '0'), fill('SELL', '1', '120', '0'), fill('SELL', '3', '50', '0')]);
    expect(book.lossStreak).toBe(0);
    expect(book.positions.get('ETH-USD')!.qty.toString()).toBe('0');
  });

  it("today's P&L counts today's fills marked now, fees included, and leaves earlier days out", () => {
    const fills = [fill('BUY', '2', '50', '0.5', YESTERDAY), fill('BUY', '1', '100', '1'), fill('SELL', '1', '95', '1')];
    // today: -100 + 95 - 2 = -7; net base today 0; yesterday's buy is not re-marked.
    expect(tradingPnlSince(fills, NOW - (NOW % DAY_MS), marks({ 'ETH-USD': '80' })).toString()).toBe('-7');
    // an open buy from today is marked: -100 - 1 + 1 x 97
    expect(tradingPnlSince([fill('BUY', '1', '100', '1')], 0, marks({ 'ETH-USD': '97' })).toString()).toBe('-4');
    expect(() => tradingPnlSince([fill('BUY', '1', '100', '1')], 0, marks({}))).toThrow(/no price for ETH-USD/);
  });

  it('names the products it must price: open positions and today’s traded ones', () => {
    const fills = [fill('BUY', '1', '100', '0', YESTERDAY, 'BTC-USD'), fill('BUY', '1', '10', '0', TODAY, 'SOL-USD'), fill('SELL', '1', '11', '0', TODAY, 'SOL-USD')];
    expect(productsToMark(fills, liveBook(fills), NOW)).toEqual(['BTC-USD', 'SOL-USD']);
  });

  it('builds a risk context that the same checkOrder judges like a paper one', () => {
    const limits = { ...defaultRiskLimits('1000'), dailyLossLimit: '5' };
    const fills = [fill('BUY', '1', '100', '1'), fill('SELL', '1', '95', '1')];
    const ctx = liveRiskContext({ limits, side: 'buy', product: 'ETH-USD', orderNotional: Dec.of('10'), fills, marks: marks({ 'ETH-USD': '95' }), quoteAvailable: Dec.of('900'), ordersToday: 2, now: NOW });
    expect(ctx.dayPnl.toString()).toBe('-7');
    expect(ctx.tradesToday).toBe(2);
    expect(checkOrder(ctx)).toMatchObject({ ok: false, rule: 'daily_loss_limit' });
    // A sell still reduces risk and passes the loss rules.
    expect(checkOrder({ ...ctx, side: 'sell' })).toEqual({ ok: true });
  });

  it('values positions for the size and exposure limits', () => {
    const limits = { ...defaultRiskLimits('1000'), maxPositionNotional: '60' };
    const ctx = liveRiskContext({ limits, side: 'buy', product: 'ETH-USD', orderNotional: Dec.of('10'), fills: [fill('BUY', '0.5', '100', '0', YESTERDAY)], marks: marks({ 'ETH-USD': '110' }), quoteAvailable: Dec.of('45'), ordersToday: 0, now: NOW });
    expect(ctx.positionValue.toString()).toBe('55');
    expect(ctx.exposure.toString()).toBe('55');
    expect(ctx.equity.toString()).toBe('100');
    expect(checkOrder(ctx)).toMatchObject({ ok: false, rule: 'max_position' });
  });
});
