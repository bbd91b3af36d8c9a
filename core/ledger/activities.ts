/**
 * Ledger activities: thin adapters from Temporal to the ledger module and the order router. The
 * host injects the open ledger (`deps.ledger`) and, when Coinbase is configured, an exchange
 * client (`deps.exchange`, or one built from the config's secrets on first use).
 *
 * A LedgerError is the ledger saying no (bad input, insufficient funds, a used key): it becomes a
 * non-retryable ApplicationFailure carrying the message, so callers see it as it is and Temporal
 * does not retry a refusal. Anything else (a network blip) is retried by the activity policy.
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import { Dec } from '../domain/decimal';
import { CoinbaseClient, CoinbaseError } from '../exchange/coinbase/client';
import { LedgerError } from './errors';
import type { Ledger, Reservation } from './ledger';
import { createSettingsStore, MCP_LIVE_ORDERS_SETTING } from '../runtime/settings-store';
import {
  exchangeBalances,
  planExits,
  planOrder,
  prepareOrder,
  sweepOrders,
  submitOrder,
  syncOrder,
  type ExchangePort,
  type Exits,
  type ExitPlan,
  type OrderMeta,
  type OrderPlan,
  type PlanResult,
  type OrderOutcome,
  PlaceOrderInput,
  type RouterContext,
} from './router';
import type { ActivityDeps } from '../activities/deps';
import { bookGuardReader } from '../orders/book-guard';
import { WORKFLOW_IDS } from '../domain/ids';
import type { OrderRow } from './ledger';
import { armTrigger, stepTrigger, TriggerSpecSchema, type TriggerSpec, type TriggerState } from './triggers';

export interface TriggerWatchInput {
  key: string;
  product: string;
  side: 'BUY' | 'SELL';
  trigger: TriggerSpec;
  state: TriggerState;
  pollMs: number;
}

export interface TriggerFired {
  triggerPrice: string;
  observed: string;
  state: TriggerState;
}

export type LedgerOp =
  | { op: 'list_wallets' }
  | { op: 'set_tradeable_fraction'; walletId: string; fraction: string; door: string }
  | { op: 'get_journal'; walletId?: string; correlationId?: string; limit?: number }
  | { op: 'get_reservations'; status?: Reservation['status']; limit?: number }
  | { op: 'get_ledger_events'; correlationId?: string; type?: string; limit?: number; afterSeq?: number }
  | { op: 'get_reconcile_history'; limit?: number }
  | { op: 'approve_correction'; driftId: string; door: string }
  | { op: 'reject_correction'; driftId: string; door: string }
  | { op: 'get_live_trading_status' }
  | { op: 'arm_live_trading'; confirm: string; door: string }
  | { op: 'disarm_live_trading'; door: string }
  | { op: 'get_fee_tier' }
  | { op: 'quote_order'; order: Omit<PlaceOrderInput, 'idempotencyKey' | 'live'> };

function refusal(err: unknown): never {
  if (err instanceof LedgerError) throw ApplicationFailure.create({ message: err.message, type: `LedgerError.${err.code}`, nonRetryable: true });
  // An order the router's own schema refuses will not improve with retries: say why, once.
  if (err instanceof z.ZodError) throw ApplicationFailure.create({ message: err.issues.map((i) => `${i.path.join('.') || 'order'}: ${i.message}`).join('; '), type: 'LedgerError.invalid', nonRetryable: true });
  // Wrong credentials or a payload the exchange refuses will not improve with retries.
  if (err instanceof CoinbaseError && (err.kind === 'auth' || err.kind === 'rejected' || err.kind === 'bad_response')) {
    throw ApplicationFailure.create({ message: err.message, type: `LedgerError.exchange_${err.kind}`, nonRetryable: true });
  }
  throw err;
}

/** Doors through which the user acts directly; every other door is an outside requester. */
const USER_DOORS = new Set(['ipc', 'http', 'cli']);

export interface LiveRequestOpenInput {
  id: string;
  order: Omit<PlaceOrderInput, 'live' | 'override'>;
  reason: string;
  door: string;
  expiresAt: number;
  workflowId: string;
}

export function exchangeFromConfig(deps: Pick<ActivityDeps, 'config' | 'log'>): ExchangePort | null {
  const name = deps.config.secrets.COINBASE_API_KEY_NAME;
  const key = deps.config.secrets.COINBASE_API_PRIVATE_KEY;
  if (!name || !key) return null;
  return new CoinbaseClient({ restUrl: deps.config.COINBASE_REST_URL, userWsUrl: deps.config.COINBASE_USER_WS_URL, keyName: name, privateKey: key, log: deps.log });
}

/** Wallets with their balances and what agents may use of each. */
export function walletsView(ledger: Ledger) {
  return ledger.listWallets().map((w) => ({
    ...w,
    balances: ledger.balances(w.id).map((b) => ({ currency: b.currency, amount: b.amount, tradeable: ledger.tradeable(w.id, b.currency) })),
  }));
}

export function createLedgerActivities(deps: ActivityDeps) {
  let exchange: ExchangePort | null | undefined = deps.exchange;
  const ledger = (): Ledger => {
    if (!deps.ledger) throw ApplicationFailure.create({ message: 'the ledger is not open in this host', type: 'LedgerUnavailable', nonRetryable: true });
    return deps.ledger;
  };
  const router = (): RouterContext => {
    if (exchange === undefined) exchange = exchangeFromConfig(deps);
    return { ledger: ledger(), exchange, log: deps.log.child('ledger-router'), guard: deps.guard ?? bookGuardReader(deps.client) };
  };

  /**
   * Whether a live workflow still drives this order: its own order workflow, or the live-order
   * request that approved it. Without a Temporal client (never in the host) only orders quiet for
   * an hour count as abandoned.
   */
  const orderWatched = async (o: OrderRow): Promise<boolean> => {
    const c = deps.client;
    if (!c) return Date.now() - Date.parse(o.updatedAt) < 3_600_000;
    for (const id of [WORKFLOW_IDS.ledgerOps(`order/${o.clientOrderId}`), WORKFLOW_IDS.liveOrderRequest(o.clientOrderId)]) {
      try {
        const d = await c.workflow.getHandle(id).describe();
        if (d.status.name === 'RUNNING') return true;
      } catch (err) {
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
      }
    }
    return false;
  };

  return {
    /** Short reads and settings changes (one activity, dispatched by op). */
    async ledgerOp(op: LedgerOp): Promise<unknown> {
      const l = ledger();
      try {
        switch (op.op) {
          case 'get_fee_tier': {
            // The account's Coinbase fee tier (for paper fees that match what live orders pay).
            const ex = router().exchange;
            if (!ex) throw new LedgerError('invalid', 'Coinbase is not configured (COINBASE_API_KEY_NAME / COINBASE_API_PRIVATE_KEY): there is no fee tier to read');
            return await ex.feeTier();
          }
          case 'quote_order': {
            // Judged as a live order would be; the key is never used (nothing is recorded).
            const r = await planOrder(router(), PlaceOrderInput.parse({ ...op.order, idempotencyKey: 'quote-only', live: true }));
            return r.ok ? { plan: r.plan, refusal: null } : { plan: null, refusal: { rule: r.rule, reason: r.reason } };
          }
          case 'list_wallets':
            return { wallets: walletsView(l) };
          case 'set_tradeable_fraction':
            return l.setTradeableFraction(op.walletId, op.fraction);
          case 'get_journal':
            return { entries: l.journal({ walletId: op.walletId, correlationId: op.correlationId, limit: op.limit }) };
          case 'get_reservations':
            return { reservations: l.listReservations({ status: op.status, limit: op.limit }) };
          case 'get_ledger_events':
            return { events: l.listEvents({ correlationId: op.correlationId, type: op.type, limit: op.limit, afterSeq: op.afterSeq }) };
          case 'get_reconcile_history':
            return { runs: l.reconcileHistory(op.limit ?? 20) };
          case 'approve_correction':
            return l.approveCorrection(op.driftId, op.door);
          case 'reject_correction':
            return l.rejectCorrection(op.driftId, op.door);
          case 'get_live_trading_status':
            return l.liveStatus();
          case 'arm_live_trading':
            return l.armLive(op.confirm, op.door);
          case 'disarm_live_trading':
            return l.disarmLive(op.door);
        }
      } catch (err) {
        refusal(err);
      }
    },

    async ledgerPrepareOrder(input: PlaceOrderInput, meta: OrderMeta = {}): Promise<OrderOutcome> {
      try {
        return await prepareOrder(router(), input, meta);
      } catch (err) {
        refusal(err);
      }
    },

    async ledgerSubmitOrder(orderId: string): Promise<OrderOutcome> {
      try {
        return await submitOrder(router(), orderId);
      } catch (err) {
        refusal(err);
      }
    },

    async ledgerSyncOrder(orderId: string): Promise<OrderOutcome> {
      try {
        return await syncOrder(router(), orderId);
      } catch (err) {
        refusal(err);
      }
    },

    /**
     * Opens a live-order request: refused unless the user enabled outside requests in Settings
     * (read now, so switching it off takes effect for the next request); priced with the cost gate
     * and the exchange's preview; recorded in the event log; the app is notified.
     */
    async liveRequestOpen(input: LiveRequestOpenInput): Promise<{ ok: true; plan: OrderPlan } | { ok: false; reason: string }> {
      const l = ledger();
      const refuse = (reason: string) => {
        l.appendEvent({ id: `live_order.refused:${input.id}`, type: 'live_order.refused', correlationId: `live-request:${input.id}`, summary: `live order request ${input.id} via ${input.door} refused: ${reason}`, data: { door: input.door, reason } });
        return { ok: false as const, reason };
      };
      if (!USER_DOORS.has(input.door) && createSettingsStore(deps.dataDir).all()[MCP_LIVE_ORDERS_SETTING] !== 'true') {
        return refuse('live orders from MCP clients and agents are switched off; the user can allow them in Settings → Safety (each one still waits for approval in the app)');
      }
      // The order port's verdict first (core/ledger/router.ts planOrder): nothing is shown for
      // approval while the kill switch is on, and an order the risk limits or the cost gate refuse is
      // refused now, not after someone approves it.
      let planned: PlanResult;
      try {
        planned = await planOrder(router(), PlaceOrderInput.parse({ ...input.order, live: true }));
      } catch (err) {
        if ((err as Error).name === 'ZodError') return refuse((err as Error).message);
        throw err;
      }
      if (!planned.ok) return refuse(planned.rule ? `${planned.rule}: ${planned.reason}` : planned.reason);
      const plan = planned.plan;
      const g = plan.gate;
      const what = `${plan.side} ${plan.qty} ${plan.product} (≈ ${Dec.of(g.notional).round(2).toString()} notional, fee ${Dec.of(g.fee).round(2).toString()})`;
      l.appendEvent({
        id: `live_order.requested:${input.id}`,
        type: 'live_order.requested',
        correlationId: `live-request:${input.id}`,
        summary: `live order requested via ${input.door}: ${what}; waiting for approval`,
        data: { door: input.door, reason: input.reason, plan, expiresAt: new Date(input.expiresAt).toISOString(), workflowId: input.workflowId },
      });
      deps.bus.emit('alert', { kind: 'live_order_approval', level: 'warning', title: 'Live order waiting for your approval', body: `${what} requested via ${input.door}: ${input.reason.slice(0, 200)}` });
      return { ok: true, plan };
    },

    /** Records the end of a request's wait in the event log. */
    async liveRequestRecord(input: { id: string; kind: 'approved' | 'denied' | 'expired'; note: string | null; door: string }): Promise<void> {
      const why = input.kind === 'expired' ? 'no decision before the deadline' : input.note ? `"${input.note.slice(0, 200)}"` : 'no note';
      ledger().appendEvent({
        id: `live_order.${input.kind}:${input.id}`,
        type: `live_order.${input.kind}`,
        correlationId: `live-request:${input.id}`,
        summary: `live order request ${input.id} ${input.kind}${input.kind === 'expired' ? '' : ` via ${input.door}`}: ${why}`,
        data: { door: input.door, note: input.note },
      });
    },

    /** The exit order for a filled entry, priced on the product's price step (router.ts planExits). */
    async ledgerExitPlan(input: { product: string; avgPrice: string; exits: Exits }): Promise<ExitPlan | { error: string }> {
      const ctx = router();
      if (!ctx.exchange) return { error: 'Coinbase is not configured' };
      const product = await ctx.exchange.getProduct(input.product);
      return planExits(input.exits, input.avgPrice, product.quote_increment);
    },

    /**
     * Arms an emulated live stop against Coinbase's book now (core/ledger/triggers.ts): refused
     * with the reason when it would fire at once; recorded in the event log.
     */
    async ledgerArmTrigger(input: { key: string; product: string; side: 'BUY' | 'SELL'; trigger: TriggerSpec; qty: string; placedBy: string | null; correlationId: string }): Promise<{ ok: true; state: TriggerState } | { ok: false; reason: string }> {
      const ctx = router();
      if (!ctx.exchange) return { ok: false, reason: 'Coinbase is not configured (COINBASE_API_KEY_NAME / COINBASE_API_PRIVATE_KEY): nothing to watch' };
      const spec = TriggerSpecSchema.parse(input.trigger);
      const [book, product] = await Promise.all([ctx.exchange.getBook(input.product, 1), ctx.exchange.getProduct(input.product)]);
      const armed = armTrigger(spec, input.side, { bid: book.bids[0]?.price, ask: book.asks[0]?.price, at: Date.now() }, product.quote_increment);
      const what = `${input.side} ${input.qty} ${input.product} ${spec.kind === 'stop' ? `stop ${spec.stopPrice}` : `trailing ${spec.trailPct !== undefined ? `${Dec.of(spec.trailPct).mul('100').toString()}%` : spec.trailAmount}`}`;
      ctx.ledger.appendEvent({
        id: `trigger.${armed.ok ? 'armed' : 'refused'}:${input.key}`,
        type: armed.ok ? 'trigger.armed' : 'trigger.refused',
        correlationId: input.correlationId,
        summary: armed.ok ? `watching ${what} (fires at ${armed.state.stop})` : `${what} refused: ${armed.reason}`,
        data: { key: input.key, trigger: spec, placedBy: input.placedBy, ...(armed.ok ? { state: armed.state } : { reason: armed.reason }) },
      });
      return armed;
    },

    /**
     * Watches the book until the trigger fires: polls the touch every `pollMs`, heartbeats the
     * trigger's state (a retried attempt after a crash resumes the trail where it was), and returns
     * once the price reaches the stop. Cancelled with its workflow's scope. A failed read of the book
     * is logged and retried on the next poll: an exchange blip must not end the watch.
     */
    async ledgerWatchTrigger(input: TriggerWatchInput): Promise<TriggerFired> {
      const act = Context.current();
      const ctx = router();
      if (!ctx.exchange) throw ApplicationFailure.create({ message: 'Coinbase is not configured: the trigger cannot be watched', type: 'LedgerError.invalid', nonRetryable: true });
      const spec = TriggerSpecSchema.parse(input.trigger);
      let state = (act.info.heartbeatDetails as TriggerState | undefined) ?? input.state;
      let increment: string | null = null;
      for (;;) {
        try {
          increment ??= (await ctx.exchange.getProduct(input.product)).quote_increment;
          const book = await ctx.exchange.getBook(input.product, 1);
          const r = stepTrigger(spec, input.side, state, { bid: book.bids[0]?.price, ask: book.asks[0]?.price, at: Date.now() }, increment);
          state = r.state;
          act.heartbeat(state);
          if (r.fired) return { triggerPrice: r.triggerPrice, observed: r.observed, state };
        } catch (err) {
          deps.log.warn('trigger watch: reading the book failed; retrying on the next poll', { key: input.key, error: (err as Error).message });
          act.heartbeat(state);
        }
        await act.sleep(input.pollMs);
      }
    },

    /** A trigger fired: the event log and a stop_hit alert, before its market order goes out. */
    async ledgerTriggerFired(input: { key: string; product: string; side: 'BUY' | 'SELL'; qty: string; kind: TriggerSpec['kind']; triggerPrice: string; observed: string; correlationId: string }): Promise<void> {
      ledger().appendEvent({
        id: `trigger.fired:${input.key}`,
        type: 'trigger.fired',
        correlationId: input.correlationId,
        summary: `${input.kind.replace('_', ' ')} ${input.side} ${input.qty} ${input.product} fired at ${input.observed} (stop ${input.triggerPrice}): sending a market order`,
        data: input,
      });
      deps.bus.emit('alert', {
        kind: 'stop_hit',
        level: 'warning',
        title: `Live ${input.kind.replace('_', ' ')} hit: ${input.side === 'SELL' ? 'selling' : 'buying'} ${input.qty} ${input.product}`,
        body: `The price reached ${input.observed} (stop ${input.triggerPrice}); a market order goes through the order port now.`,
        data: { ...input, ledger: 'production' },
      });
    },

    /** Compare with the exchange, store drift, raise a notification above the threshold. */
    async ledgerReconcile(threshold: string): Promise<unknown> {
      const ctx = router();
      // Housekeeping rides on the periodic run: lapsed holds and idempotency keys past their TTL.
      ctx.ledger.expireReservations();
      ctx.ledger.purgeExpiredKeys();
      // Orders nothing drives any more (a process died mid-submit, a resting limit order outlived
      // its workflow's polling): resume them first, so their fills count in the comparison.
      const sweep = await sweepOrders(ctx, (o) => orderWatched(o));
      if (sweep.resumed.length > 0) {
        deps.bus.emit('alert', { kind: 'reconcile_drift', level: 'info', title: 'Orders resumed', body: sweep.resumed.map((r) => `${r.clientOrderId}: ${r.from} → ${r.to}`).slice(0, 5).join('; ') });
      }
      if (!ctx.exchange) {
        const run = ctx.ledger.reconcile({ exchange: 'coinbase', exchangeBalances: {}, threshold, error: 'Coinbase is not configured' });
        return run;
      }
      let balances: Record<string, Record<string, string>>;
      try {
        balances = await exchangeBalances(ctx.exchange);
      } catch (err) {
        // An unreachable or refusing exchange is a result the user must see now (a failed run in
        // the drift history and a warning), not a retry loop that leaves the button spinning; the
        // schedule tries again on its next tick.
        const failed = ctx.ledger.reconcile({ exchange: 'coinbase', exchangeBalances: {}, threshold, error: (err as Error).message });
        deps.bus.emit('alert', { kind: 'reconcile_drift', level: 'warning', title: 'Reconcile could not reach Coinbase', body: (err as Error).message.slice(0, 300) });
        return failed;
      }
      try {
        const run = ctx.ledger.reconcile({ exchange: 'coinbase', exchangeBalances: balances, threshold });
        if (run.status === 'drift') {
          const worst = run.drifts.filter((d) => d.aboveThreshold).map((d) => `${d.drift} ${d.currency}`);
          deps.bus.emit('alert', {
            kind: 'reconcile_drift',
            level: 'warning',
            title: 'Ledger drift',
            body: `Reconcile found drift above ${Dec.of(threshold).toString()}: ${worst.slice(0, 4).join(', ')}. Review the proposed corrections.`,
          });
        }
        return run;
      } catch (err) {
        refusal(err);
      }
    },
  };
}
