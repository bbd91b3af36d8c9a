/**
 * Agent orders through the production ledger. With ENABLE_REAL_LEDGER (config) or the
 * `realLedgerRouting` preference on, an agent's order leaves the paper ledger and takes the real
 * path: reserve -> cost gate -> funding->trading -> Coinbase order -> fills -> consume
 * (ledgerOrderWorkflow, one workflow per idempotency key). It stays a dry run unless live trading
 * is armed and the wallet has a tradeable fraction — the router decides that, not this module.
 */
import type { Client } from '@temporalio/client';
import { Dec } from '../domain/decimal';
import { WORKFLOW_IDS } from '../domain/ids';
import type { Ledger } from '../ledger/ledger';
import type { OrderOutcome, PlaceOrderInput } from '../ledger/router';

export interface AgentOrder {
  symbol: string;
  side: 'buy' | 'sell';
  type?: 'market' | 'limit';
  quantity?: string;
  notional?: string;
  limitPrice?: string;
  idempotencyKey: string;
  expectedEdgeBps?: number | null;
  correlationId?: string;
}

export interface RoutedAttempt {
  ok: boolean;
  summary: string;
  result: Record<string, unknown> | null;
  error: string | null;
}

/** Whether agent orders go to the production ledger right now. */
export async function realRoutingOn(client: Client, enabledByConfig: boolean, portfolioId: string): Promise<boolean> {
  if (enabledByConfig) return true;
  try {
    const prefs = (await client.workflow.getHandle(WORKFLOW_IDS.executionLedger(portfolioId)).query('preferences')) as { realLedgerRouting?: boolean };
    return prefs.realLedgerRouting === true;
  } catch {
    // No paper ledger yet means no preference was ever set: the default is paper.
    return false;
  }
}

/** The funding wallet agents may draw from: the first Coinbase funding wallet with a tradeable fraction. */
export function agentWallet(ledger: Ledger): string | null {
  const w = ledger.listWallets().find((x) => x.kind === 'funding' && Dec.of(x.tradeableFraction).isPositive());
  return w?.id ?? null;
}

export function toLedgerOrder(o: AgentOrder, walletId: string): PlaceOrderInput {
  const key = o.idempotencyKey.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 128).padEnd(8, '0');
  const edge = Dec.fromMeasured(o.expectedEdgeBps ?? 0).div('10000');
  return {
    walletId,
    product: o.symbol,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    ...(o.quantity ? { qty: o.quantity } : {}),
    ...(o.notional && !o.quantity ? { notional: o.notional } : {}),
    ...(o.type === 'limit' && o.limitPrice && o.quantity ? { limitPrice: o.limitPrice } : {}),
    postOnly: false,
    expectedEdge: edge.toString(),
    idempotencyKey: key,
    // Asking for live is safe: the router runs it dry unless the user armed live trading.
    live: true,
    ...(o.correlationId ? { correlationId: o.correlationId.slice(0, 200) } : {}),
  };
}

const WAIT_MS = 20_000;

export async function routeToRealLedger(client: Client, taskQueue: string, ledger: Ledger | undefined, o: AgentOrder): Promise<RoutedAttempt> {
  if (!ledger) return { ok: false, summary: 'real-ledger routing is on but the ledger is not open in this host', result: null, error: 'ledger unavailable' };
  const walletId = agentWallet(ledger);
  if (!walletId) {
    const msg = 'real-ledger routing is on but no funding wallet has a tradeable fraction: set one in Ledger (or `vigil wallet set-tradeable-fraction`)';
    return { ok: false, summary: msg, result: null, error: msg };
  }
  const order = toLedgerOrder(o, walletId);
  const handle = await client.workflow.start('ledgerOrderWorkflow', {
    taskQueue,
    workflowId: WORKFLOW_IDS.ledgerOps(`order/${order.idempotencyKey}`),
    args: [{ order }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const out = (await Promise.race([handle.result(), new Promise((r) => setTimeout(() => r(null), WAIT_MS))])) as OrderOutcome | null;
  if (!out) return { ok: true, summary: `real ledger: ${order.side} ${order.product} submitted, fills are being tracked`, result: { workflowId: handle.workflowId }, error: null };
  const ok = !['blocked', 'rejected', 'failed'].includes(out.status);
  const what = out.mode === 'dry_run' ? 'dry run (live trading not armed)' : out.status;
  return {
    ok,
    summary: `real ledger: ${order.side} ${order.product} ${what}${out.reason ? ` — ${out.reason}` : ''}`,
    result: out as unknown as Record<string, unknown>,
    error: ok ? null : (out.reason ?? out.status),
  };
}
