/**
 * The account's paper book (`executionLedgerWorkflow`): how it is started. Besides paper fills it
 * holds the account's preferences — the kill switch and the risk limits every order of every door
 * is checked against (core/orders/guard.ts) — so a production order starts it too.
 */
import type { HandlerDeps } from '../host/handler-deps';
import { WORKFLOW_IDS } from '../domain/ids';
import { executionLedgerWorkflow, type PaperBookInput } from './paper-book.workflow';

export function paperBookInput(deps: Pick<HandlerDeps, 'config'>, portfolioId = 'default'): PaperBookInput {
  return { portfolioId, initialCash: deps.config.INITIAL_PORTFOLIO_BALANCE, profitScrapePct: deps.config.PROFIT_SCRAPE_PCT };
}

/** Start the account's paper book if it is not running (idempotent). */
export async function ensurePaperBook(deps: Pick<HandlerDeps, 'client' | 'config' | 'taskQueue'>, portfolioId = 'default'): Promise<void> {
  await deps.client.workflow.start(executionLedgerWorkflow, {
    workflowId: WORKFLOW_IDS.paperBook(portfolioId),
    taskQueue: deps.taskQueue,
    args: [paperBookInput(deps, portfolioId)],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
