import { describe, expect, it } from 'vitest';
import { ExitsSchema, planExits } from './exits';

describe("a live entry's exits", () => {
  it('both legs make a bracket; a stop alone a stop-limit 1% under it; a take-profit alone a limit — on the price step, never closer than asked', () => {
    expect(planExits(ExitsSchema.parse({ stopPct: '0.05', takeProfitPct: '0.1' }), '3002', '0.01')).toEqual({ type: 'bracket', limitPrice: '3302.2', stopPrice: '2851.9' });
    expect(planExits(ExitsSchema.parse({ stopPct: '0.03' }), '101.37', '0.01')).toEqual({ type: 'stop_limit', stopPrice: '98.32', limitPrice: '97.33' });
    expect(planExits(ExitsSchema.parse({ takeProfitPct: '0.015' }), '101.37', '0.01')).toEqual({ type: 'limit', limitPrice: '102.9', stopPrice: null });
    expect(planExits(ExitsSchema.parse({ stopPrice: '95', takeProfitPrice: '120' }), '100', '0.01')).toEqual({ type: 'bracket', limitPrice: '120', stopPrice: '95' });
  });

  it('refuses what cannot be an exit, with the reason', () => {
    expect(ExitsSchema.safeParse({}).error?.issues[0]?.message).toBe('exits need a stop, a take-profit or both');
    expect(ExitsSchema.safeParse({ stopPct: '0.05', stopPrice: '1' }).error?.issues[0]?.message).toMatch(/stopPct or stopPrice, not both/);
    expect(ExitsSchema.safeParse({ stopPct: '5' }).success).toBe(false);
    expect(ExitsSchema.safeParse({ stopPct: '0.05', trail: '1' }).success).toBe(false);
  });
});
