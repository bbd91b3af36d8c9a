import { describe, expect, it } from 'vitest';
import { Dec } from '../domain/decimal';
import { checkOrder, defaultRiskLimits, RiskLimitsSchema, type RiskContext } from './limits';

const base = (over: Partial<RiskContext> = {}): RiskContext => ({
  limits: defaultRiskLimits('1000'),
  killSwitch: false,
  side: 'buy',
  symbol: 'BTC-USD',
  orderNotional: Dec.of('100'),
  positionValue: Dec.ZERO,
  exposure: Dec.ZERO,
  equity: Dec.of('1000'),
  dayPnl: Dec.ZERO,
  tradesToday: 0,
  lossStreak: 0,
  lastLossAt: null,
  now: 1_000_000,
  ...over,
});

describe('risk limits', () => {
  it('defaults scale with the starting cash', () => {
    expect(defaultRiskLimits('1000')).toMatchObject({ maxOrderNotional: '250', maxPositionNotional: '500', dailyLossLimit: '100' });
    expect(RiskLimitsSchema.safeParse(defaultRiskLimits('1000')).success).toBe(true);
  });

  it('passes an ordinary order', () => {
    expect(checkOrder(base())).toEqual({ ok: true });
  });

  it('names each rule it enforces', () => {
    expect(checkOrder(base({ killSwitch: true, side: 'sell' }))).toMatchObject({ ok: false, rule: 'kill_switch' });
    expect(checkOrder(base({ orderNotional: Dec.of('250.01') }))).toMatchObject({ ok: false, rule: 'max_order_notional' });
    expect(checkOrder(base({ tradesToday: 100, side: 'sell' }))).toMatchObject({ ok: false, rule: 'max_trades_per_day' });
    expect(checkOrder(base({ dayPnl: Dec.of('-100') }))).toMatchObject({ ok: false, rule: 'daily_loss_limit' });
    expect(checkOrder(base({ lossStreak: 3, lastLossAt: 1_000_000 - 29 * 60_000 }))).toMatchObject({ ok: false, rule: 'loss_cooldown' });
    expect(checkOrder(base({ positionValue: Dec.of('450') }))).toMatchObject({ ok: false, rule: 'max_position' });
    expect(checkOrder(base({ exposure: Dec.of('850') }))).toMatchObject({ ok: false, rule: 'max_exposure' });
  });

  it('lets risk-reducing sells through the loss and size rules', () => {
    expect(checkOrder(base({ side: 'sell', dayPnl: Dec.of('-500'), lossStreak: 9, lastLossAt: 1_000_000, positionValue: Dec.of('900'), exposure: Dec.of('990') }))).toEqual({ ok: true });
  });

  it('ends the cooldown after its minutes and treats null limits as off', () => {
    expect(checkOrder(base({ lossStreak: 3, lastLossAt: 1_000_000 - 30 * 60_000 }))).toEqual({ ok: true });
    const off = { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null };
    expect(checkOrder(base({ limits: off, orderNotional: Dec.of('1e6'.replace('1e6', '1000000')), dayPnl: Dec.of('-999'), tradesToday: 10_000 }))).toEqual({ ok: true });
  });

  it('explains the block in words a user understands', () => {
    const v = checkOrder(base({ exposure: Dec.of('850') }));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toBe('exposure would be 95.0% of equity, above the max 90%');
  });
});
