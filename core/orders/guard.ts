/**
 * The guard every order passes before it may reach either ledger: the kill switch, then the risk
 * limits of core/risk. It is one state — the account's preferences, held by the paper book workflow
 * (`vigil/execution-ledger/<portfolio>`) — honoured by both ledgers:
 *
 *   paper       the book checks it inside its `place_order` update, atomically with the fill;
 *   production  the ledger order's first activity reads it (a query on the book), checks the kill
 *               switch before anything is priced and the limits against the live book
 *               (core/orders/live-book.ts), and the send step reads the kill switch again right
 *               before Coinbase is called.
 *
 * Fail closed: when the state cannot be read, a production order is refused, never let through.
 */
import { z } from 'zod';
import { RiskLimitsSchema, type RiskRule } from '../risk/limits';
import { PROTECTION_RULES } from '../risk/protections';

export { KILL_SWITCH_REASON } from '../risk/limits';

export const GuardStateSchema = z.object({
  killSwitch: z.boolean(),
  riskLimits: RiskLimitsSchema,
});
export type GuardState = z.infer<typeof GuardStateSchema>;

/** Reads the current guard state; throws GuardUnavailable when it cannot. */
export type GuardReader = () => Promise<GuardState>;

/** A reader for a process that has no way to the guard state: every order it would send is refused. */
export function noGuard(why: string): GuardReader {
  return () => Promise.reject(new GuardUnavailable(why));
}

export class GuardUnavailable extends Error {
  constructor(detail: string) {
    super(`the kill switch and risk limits could not be read (${detail}): no order is sent without them`);
    this.name = 'GuardUnavailable';
  }
}

/** What refused an order at the port: the kill switch, a risk limit, or the cost gate. */
export const GuardRuleSchema = z.enum(['kill_switch', 'max_order_notional', 'max_trades_per_day', 'daily_loss_limit', 'loss_cooldown', 'max_position', 'max_exposure', 'cost_gate', ...PROTECTION_RULES]);
export type GuardRule = z.infer<typeof GuardRuleSchema>;
// Every risk rule is a guard rule (checked at compile time).
const _rulesCovered: RiskRule extends GuardRule ? true : never = true;
void _rulesCovered;
