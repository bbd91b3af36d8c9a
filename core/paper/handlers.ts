/**
 * Paper trading handlers: each verb is one update or query on the paper book workflow.
 * The first call starts the book if it is not running (conflict policy USE_EXISTING), so the
 * first order just works; the starting cash comes from config, nowhere else.
 */
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { Handlers } from '../api/contract';
import { WORKFLOW_IDS } from '../domain/ids';
import { originOf } from '../orders/origin';
import type { HandlerDeps } from '../host/handler-deps';
import { Dec } from '../domain/decimal';
import type { FeeTier } from '../exchange/coinbase/types';
import { COINBASE_ENTRY_TIER } from '../trading/fees';
import { ledgerOpWorkflow } from '../ledger/ledger-ops.workflow';
import { paperBookInput } from './start';
import { unwrapLedgerFailure } from '../ledger/handlers';
import {
  cancelOrderUpdate,
  executionLedgerWorkflow,
  performanceQuery,
  equityHistoryQuery,
  placeOrderUpdate,
  portfolioStatusQuery,
  preferencesQuery,
  riskQuery,
  setFeesUpdate,
  setPreferencesUpdate,
  transactionsQuery,
  type PaperBookInput,
} from './paper-book.workflow';

type PaperVerbs =
  | 'place_mock_order'
  | 'cancel_order'
  | 'get_portfolio_status'
  | 'get_transaction_history'
  | 'get_performance_metrics'
  | 'get_risk_metrics'
  | 'get_equity_history'
  | 'set_user_preferences'
  | 'set_paper_fees'
  | 'get_user_preferences'
  | 'set_kill_switch';


export function createPaperHandlers(deps: HandlerDeps, portfolioId = 'default'): Pick<Handlers, PaperVerbs> {
  const workflowId = WORKFLOW_IDS.paperBook(portfolioId);
  const startOptions = () => ({
    workflowId,
    taskQueue: deps.taskQueue,
    args: [paperBookInput(deps, portfolioId)] as [PaperBookInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
  });
  let started: Promise<unknown> | null = null;

  /** A handle to the running book, starting it once per process if needed. */
  async function book(): Promise<WorkflowHandle<typeof executionLedgerWorkflow>> {
    started ??= deps.client.workflow.start(executionLedgerWorkflow, startOptions()).catch((err: unknown) => {
      started = null;
      throw err;
    });
    await started;
    return deps.client.workflow.getHandle<typeof executionLedgerWorkflow>(workflowId);
  }

  /** Runs `op`; if the book was closed (terminated by hand), starts a fresh one and retries once. */
  async function withBook<T>(op: (h: WorkflowHandle<typeof executionLedgerWorkflow>) => Promise<T>): Promise<T> {
    try {
      return await op(await book());
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      started = null;
      return op(await book());
    }
  }

  const update = <T>(fn: (h: WorkflowHandle<typeof executionLedgerWorkflow>) => Promise<T>) => withBook(fn);

  return {
    async place_mock_order(args, ctx) {
      // The door, not the caller, says who placed the order (the judge scores the execution agent's fills).
      const order = { ...args, agent: originOf(ctx.door), correlationId: args.correlationId ?? ctx.correlationId };
      // Update-with-start: the first order of a fresh install starts the book in the same call.
      const op = new WithStartWorkflowOperation(executionLedgerWorkflow, startOptions());
      return deps.client.workflow.executeUpdateWithStart(placeOrderUpdate, { args: [order], startWorkflowOperation: op });
    },
    async cancel_order(args) {
      return update((h) => h.executeUpdate(cancelOrderUpdate, { args: [args] }));
    },
    async get_portfolio_status() {
      const s = await withBook((h) => h.query(portfolioStatusQuery));
      return { workflowId, ...s };
    },
    async get_transaction_history(filter) {
      return { transactions: await withBook((h) => h.query(transactionsQuery, filter)) };
    },
    async get_performance_metrics() {
      return withBook((h) => h.query(performanceQuery));
    },
    async get_equity_history({ since }) {
      const h = await withBook((x) => x.query(equityHistoryQuery));
      return { initialCash: h.initialCash, points: since === undefined ? h.points : h.points.filter((p) => p.t >= since) };
    },
    async get_risk_metrics() {
      return withBook((h) => h.query(riskQuery));
    },
    async set_user_preferences(patch) {
      return update((h) => h.executeUpdate(setPreferencesUpdate, { args: [patch] }));
    },
    async set_paper_fees(input) {
      if ('taker' in input) return update((h) => h.executeUpdate(setFeesUpdate, { args: [{ taker: input.taker, maker: input.maker, source: 'manual' }] }));
      if (input.source === 'default') return update((h) => h.executeUpdate(setFeesUpdate, { args: [{ ...COINBASE_ENTRY_TIER, source: 'default' }] }));
      // The account's tier, read from Coinbase by the production ledger's activity (the key lives there).
      let tier: FeeTier;
      try {
        tier = (await deps.client.workflow.execute(ledgerOpWorkflow, { workflowId: WORKFLOW_IDS.ledgerOps(`get_fee_tier/${randomUUID()}`), taskQueue: deps.taskQueue, args: [{ op: 'get_fee_tier' }] })) as FeeTier;
      } catch (err) {
        unwrapLedgerFailure(err);
      }
      const taker = Dec.of(tier.takerFeeRate).toString();
      const maker = Dec.of(tier.makerFeeRate).toString();
      return update((h) => h.executeUpdate(setFeesUpdate, { args: [{ taker, maker, source: 'coinbase', pricingTier: tier.pricingTier }] }));
    },
    async get_user_preferences() {
      return withBook((h) => h.query(preferencesQuery));
    },
    async set_kill_switch({ on }) {
      return update((h) => h.executeUpdate(setPreferencesUpdate, { args: [{ killSwitch: on }] }));
    },
  };
}

