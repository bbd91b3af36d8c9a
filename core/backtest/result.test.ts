import { describe, expect, it } from 'vitest';
import { BacktestRiskSchema } from './result';

describe('a backtest result’s risk block', () => {
  it('is decimal strings; a result stored with numbers reads as their shortest decimals', () => {
    const now = { var95: { var: '0.031', cvar: '0.042', varAmount: '310', cvarAmount: '420' }, var99: null, exposure: '0.5', cashShare: '0.5', herfindahl: '1' };
    expect(BacktestRiskSchema.parse(now)).toEqual(now);
    const stored = { var95: { var: 0.031, cvar: 0.042, varAmount: '310', cvarAmount: '420' }, var99: null, exposure: 0.5, cashShare: 0.5, herfindahl: 1 };
    expect(BacktestRiskSchema.parse(stored)).toEqual(now);
    expect(BacktestRiskSchema.safeParse({ ...now, exposure: '5e-1' }).success).toBe(false);
  });
});
