/**
 * What the broker's model may do with a tool it was offered. The tool list already leaves out
 * keys, arming, real orders and prompt edits (core/agents/activities/broker.ts `brokerToolAllowed`); this
 * refuses the calls of offered tools that would loosen the code-enforced safety net, whatever a
 * chat message, a market text or a tool result talked the model into:
 *
 *   set_user_preferences   only `{ killSwitch: true }`: risk limits, the profit scrape share and
 *                          real-ledger routing are the user's, in Settings (or the command language);
 *   set_kill_switch        only `{ on: true }`: stopping new orders is always allowed, releasing is not.
 *
 * Tightening by engaging the kill switch stays possible ("stop everything" in the chat works).
 */

export interface BrokerCallRefusal {
  tool: string;
  reason: string;
}

const USER_ONLY = 'only the user can change this, in Settings or with the command language (type `help` with no model configured)';

/** Null when the call may go ahead, else why it is refused. `args` is the parsed JSON arguments. */
export function brokerCallRefusal(tool: string, args: unknown): BrokerCallRefusal | null {
  if (tool === 'set_user_preferences') {
    const a = args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : null;
    const keys = a ? Object.keys(a) : [];
    if (a && keys.length === 1 && keys[0] === 'killSwitch' && a.killSwitch === true) return null;
    const touched = keys.filter((k) => !(k === 'killSwitch' && a?.killSwitch === true));
    const what = touched.length ? touched.map((k) => (k === 'killSwitch' ? 'releasing the kill switch' : k)).join(', ') : 'this change';
    return { tool, reason: `the assistant may only engage the kill switch; ${what}: ${USER_ONLY}` };
  }
  if (tool === 'set_kill_switch') {
    const on = args && typeof args === 'object' ? (args as { on?: unknown }).on : undefined;
    if (on === true) return null;
    return { tool, reason: `the assistant may engage the kill switch but not release it: ${USER_ONLY}` };
  }
  return null;
}
