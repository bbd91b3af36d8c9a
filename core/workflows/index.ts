/**
 * Every workflow the workers host. This file is the entry of the workflow bundle: it and what
 * it imports must stay deterministic (no Node, no I/O, no clocks); the lint rule enforces it.
 * Add a workflow family with one `export *` line.
 */
export * from './smoke';
export * from '../ledger/ledger-ops.workflow';
export * from '../ledger/triggers.workflow';
export * from '../ledger/live-orders.workflow';
export * from '../paper/paper-book.workflow';
export * from '../agents/execution-agent.workflow';
export * from '../agents/judge-agent.workflow';
export * from '../agents/broker-agent.workflow';
export * from '../backtest/backtest.workflow';
export * from '../market/market-stream.workflow';
export * from '../market/data/download.workflow';
export * from '../alerts/delivery.workflow';
export * from '../research/optimize.workflow';
export * from '../research/read.workflow';
export * from '../research/walk-forward.workflow';
export * from '../research/bias.workflow';
export * from '../research/arena.workflow';
export * from '../research/twin.workflow';
