/** The trading kernel: one set of pure functions for paper, backtest and live. */
export * from './types';
export * from './products';
export * from './fees';
export * from './fill';
export * from './portfolio';
export * from './orders';
export { checkOrder, defaultRiskLimits, RiskLimitsSchema, type RiskLimits, type RiskContext, type RiskVerdict, type RiskRule } from '../risk/limits';
