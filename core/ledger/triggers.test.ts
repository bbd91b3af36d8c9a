import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from '../domain/decimal';
import { armTrigger, stepTrigger, TriggerSpecSchema, type TriggerSpec, type TriggerState } from './triggers';

const at = (bid: string, ask = String(Number(bid) + 10), t = 0) => ({ bid, ask, at: t });
const stop = (stopPrice: string): TriggerSpec => TriggerSpecSchema.parse({ kind: 'stop', stopPrice });
const trail = (x: { trailPct?: string; trailAmount?: string }): TriggerSpec => TriggerSpecSchema.parse({ kind: 'trailing_stop', ...x });

function armed(spec: TriggerSpec, side: 'BUY' | 'SELL', t: ReturnType<typeof at>): TriggerState {
  const r = armTrigger(spec, side, t, '0.01');
  if (!r.ok) throw new Error(r.reason);
  return r.state;
}

describe('emulated live triggers', () => {
  it('a sell stop fires when the best bid reaches it, reporting the stop and the price seen', () => {
    const s = armed(stop('48000'), 'SELL', at('50000'));
    const a = stepTrigger(stop('48000'), 'SELL', s, at('48500'), '0.01');
    expect(a.fired).toBe(false);
    const b = stepTrigger(stop('48000'), 'SELL', a.state, at('47000', '47010', 5), '0.01');
    expect(b).toMatchObject({ fired: true, triggerPrice: '48000', observed: '47000', state: { lastPrice: '47000', lastAt: 5, observations: 3 } });
  });

  it('a buy stop watches the ask and fires at or above it', () => {
    const s = armed(stop('51000'), 'BUY', at('49990', '50010'));
    expect(stepTrigger(stop('51000'), 'BUY', s, at('50990', '50999'), '0.01').fired).toBe(false);
    expect(stepTrigger(stop('51000'), 'BUY', s, at('50995', '51000'), '0.01')).toMatchObject({ fired: true, observed: '51000' });
  });

  it('a trailing sell stop follows the highest bid, never loosens, and fires on the stop from before the touch', () => {
    const spec = trail({ trailPct: '0.05' });
    let s = armed(spec, 'SELL', at('100'));
    expect(s).toMatchObject({ stop: '95', extreme: '100' });
    s = (stepTrigger(spec, 'SELL', s, at('120'), '0.01') as { state: TriggerState }).state;
    expect(s).toMatchObject({ stop: '114', extreme: '120' });
    s = (stepTrigger(spec, 'SELL', s, at('115'), '0.01') as { state: TriggerState }).state;
    expect(s).toMatchObject({ stop: '114', extreme: '120' });
    expect(stepTrigger(spec, 'SELL', s, at('113.99'), '0.01')).toMatchObject({ fired: true, triggerPrice: '114' });
    // By an amount, rounded down to the price step.
    const byAmount = armed(trail({ trailAmount: '2.555' }), 'SELL', at('100'));
    expect(byAmount.stop).toBe('97.44');
  });

  it('refuses to arm a stop on the wrong side of the market, or against an empty side', () => {
    expect(armTrigger(stop('50000'), 'SELL', at('50000'), '0.01')).toEqual({ ok: false, reason: 'a sell stop at 50000 is not below the best bid 50000: it would fire at once' });
    expect(armTrigger(stop('50010'), 'BUY', at('50000', '50010'), '0.01')).toMatchObject({ ok: false, reason: expect.stringMatching(/not above the best ask 50010/) });
    expect(armTrigger(stop('1'), 'SELL', { bid: undefined, ask: '5', at: 0 }, '0.01')).toMatchObject({ ok: false, reason: expect.stringMatching(/no best bid/) });
    expect(armTrigger(trail({ trailAmount: '200' }), 'SELL', at('100'), '0.01')).toMatchObject({ ok: false, reason: expect.stringMatching(/wider than the price/) });
  });

  it('validates its spec with the reason', () => {
    expect(TriggerSpecSchema.safeParse({ kind: 'stop' }).error?.issues[0]?.message).toBe('a stop takes stopPrice');
    expect(TriggerSpecSchema.safeParse({ kind: 'trailing_stop', trailPct: '0.05', trailAmount: '1' }).error?.issues[0]?.message).toMatch(/exactly one of trailPct or trailAmount/);
    expect(TriggerSpecSchema.safeParse({ kind: 'trailing_stop', trailPct: '5' }).success).toBe(false);
    expect(TriggerSpecSchema.safeParse({ kind: 'stop', stopPrice: '1', extra: 1 }).success).toBe(false);
  });

  it('property: a trailing sell stop never fires above its stop, only ever rises, and stays a trail below the best bid seen', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 5_000, max: 20_000 }), { minLength: 1, maxLength: 60 }), (cents) => {
        const spec = trail({ trailPct: '0.1' });
        let s = armed(spec, 'SELL', at('100'));
        let best = Dec.of('100');
        for (const c of cents) {
          const bid = Dec.of(String(c)).div('100').toString();
          const before = s.stop;
          const r = stepTrigger(spec, 'SELL', s, at(bid), '0.01');
          if (r.fired) {
            expect(Dec.of(bid).lte(before)).toBe(true);
            return;
          }
          expect(Dec.of(r.state.stop).gte(before)).toBe(true);
          best = Dec.max(best, bid);
          expect(Dec.of(r.state.stop).lte(best.mul('0.9'))).toBe(true);
          s = r.state;
        }
      }),
    );
  });
});
