/**
 * What the execution agent is doing now, or waiting for, in one title and one line of detail:
 * the empty states of the Portfolio and Agents pages and the "now" line above the decision
 * timeline. Read from the agent's own status (its last decision or skip and their reasons, as
 * the workflow and the built-in policy word them in core/agents/execution-agent.workflow.ts and
 * core/agents/policy.ts).
 */
import type { VerbResult } from '../../../core/api/contract';

export type ExecutionStatus = VerbResult<'get_execution_agent_status'>;

export interface AgentNow {
  /** waiting: it decided not to act, and why; acted: its last decision placed an order; off: not deciding. */
  state: 'waiting' | 'acted' | 'off';
  title: string;
  detail: string;
}

/** The rationale without the "<mode>: " prefix the policy puts first. */
const unmoded = (s: string) => s.replace(/^(conservative|standard|aggressive): /, '');

export function executionNow(st: ExecutionStatus | null | undefined, unavailable: string | null = null): AgentNow {
  if (!st) {
    return {
      state: 'off',
      title: 'The execution agent is not running',
      detail: unavailable ?? 'It starts with the cockpit (VIGIL_AUTOSTART) and with Pause / Resume / a mode change on the Agents page.',
    };
  }
  if (st.paused) return { state: 'off', title: 'The execution agent is paused', detail: 'It makes no decisions until you resume it on the Agents page.' };
  const last = st.lastDecision;
  if (!last) {
    return {
      state: 'waiting',
      title: 'Waiting for its first nudge',
      detail: `It decides at every nudge (EXECUTION_NUDGE_SECONDS, 25 s by default) once the market stream has prices; ${st.mode} mode, ${st.model.configured ? `model ${st.model.model}` : 'built-in policy'}.`,
    };
  }
  const why = last.rationale;
  if (last.action === 'skip') {
    const moved = /^prices moved ([\d.]+)% since the last decision \(< ([\d.]+)%\)/.exec(why);
    if (moved) {
      return {
        state: 'waiting',
        title: `Waiting for a ${moved[2]}% price move`,
        detail: `Prices moved ${moved[1]}% since its last decision; it decides again when any symbol moves ${moved[2]}% (EXECUTION_MIN_PRICE_MOVE_PCT).`,
      };
    }
    if (why.startsWith('prices stale')) return { state: 'waiting', title: 'Waiting for fresh prices', detail: `${why}. Is the market stream running? (Market page)` };
    if (why.startsWith('no market data')) return { state: 'waiting', title: 'Waiting for market data', detail: `${why}. Start the market stream on the Market page.` };
    return { state: 'waiting', title: 'Skipped its last nudge', detail: why };
  }
  if (last.action === 'hold') {
    const text = unmoded(why);
    if (text.startsWith('warming up')) return { state: 'waiting', title: 'Warming up', detail: `${text}.` };
    const waiting = /waiting: (.*)$/.exec(text);
    if (waiting) {
      return {
        state: 'waiting',
        title: 'Waiting for an expected move that pays for its costs',
        detail: `${waiting[1]}.`,
      };
    }
    if (/^holding .* nothing to do/.test(text)) return { state: 'waiting', title: 'Holding its target allocation', detail: `${text}.` };
    return { state: 'waiting', title: `Holding (${last.source === 'model' ? 'the model decided' : 'built-in policy'})`, detail: text };
  }
  const verb = last.action === 'buy' ? 'Bought' : 'Sold';
  if (last.order && !last.order.ok) return { state: 'waiting', title: `Its last ${last.action} of ${last.symbol ?? '?'} was refused`, detail: last.order.summary };
  return { state: 'acted', title: `${verb} ${last.symbol ?? ''}`.trim(), detail: unmoded(why) };
}
