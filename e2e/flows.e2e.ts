/**
 * Cockpit flows across pages, in Chromium against a real headless host: a paper order chatted to
 * the broker shows up in Portfolio, as a marker on the Market chart and as a chain on Agents; a
 * backtest shows its progress, results and a comparison; the production ledger reconciles
 * against a local Coinbase brokerage, drift is charted and a correction approved. The steps live
 * in scenarios.ts and run unchanged in the Electron window (electron.e2e.ts). Screenshots go to
 * e2e/artifacts/flow-*.png.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startCockpit, startLocalBrokerage, type Cockpit, type LocalBrokerage } from './fixtures';
import { backtestInvalidScenario, backtestScenario, brokerOrderScenario, ledgerReconcileScenario } from './scenarios';

let c: Cockpit;
let brokerage: LocalBrokerage;

beforeAll(async () => {
  brokerage = await startLocalBrokerage();
  c = await startCockpit({ env: brokerage.env, prepare: (dataDir) => brokerage.seed(dataDir) });
  await c.page.goto(c.headless.url);
  await c.page.waitForSelector('[data-testid=status-temporal][data-state=ready]', { timeout: 30_000 });
});

afterAll(async () => {
  await c?.stop();
  await brokerage?.stop();
});

describe('a paper order chatted to the broker', () => {
  it('fills, appears in Portfolio, is marked on the Market chart and chained on Agents', () => brokerOrderScenario(c));
});

describe('a backtest from the Backtest page', () => {
  it('shows progress, then equity, metrics and trades; two runs overlay in a comparison', () => backtestScenario(c));
  it('refuses an invalid run with the field named', () => backtestInvalidScenario(c));
});

describe('the production ledger against a local Coinbase brokerage', () => {
  it('shows seeded wallets, edits the tradeable fraction, reconciles clean, then shows drift and approves the correction', () => ledgerReconcileScenario(c, brokerage.exchange));
});
