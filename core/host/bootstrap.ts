/**
 * What a cockpit starts on its own once the runtime is up, so it is alive out of the box: the
 * reconcile schedule when Coinbase is configured, and (added by the capabilities) the market
 * stream and the agents. Every step is idempotent — a restart attaches to what is running — and
 * a failing step is logged and reported without stopping the others. VIGIL_AUTOSTART=false
 * starts nothing (tests, or a user who wants a quiet cockpit).
 */
import type { Client } from '@temporalio/client';
import type { HandlerContext } from '../api/contract';
import type { ApiResult } from '../api/result';
import type { VigilConfig } from '../runtime/config';
import type { Logger } from '../runtime/log';
import type { EventBus } from './bus';

export interface BootstrapContext {
  client: Client;
  config: VigilConfig;
  taskQueue: string;
  log: Logger;
  bus: EventBus;
  /** The host's `call`: a verb through dispatch, as the UI would call it. */
  call: (verb: string, input: unknown, ctx?: Partial<HandlerContext>) => Promise<ApiResult<unknown>>;
}

interface Step {
  name: string;
  when: (c: BootstrapContext) => boolean;
  run: (c: BootstrapContext) => Promise<void>;
}

const steps: Step[] = [
  {
    name: 'reconcile schedule',
    when: (c) => Boolean(c.config.secrets.COINBASE_API_KEY_NAME && c.config.secrets.COINBASE_API_PRIVATE_KEY),
    run: async (c) => {
      const { ensureReconcileSchedule } = await import('../ledger/handlers');
      await ensureReconcileSchedule(c.client, c.taskQueue);
    },
  },
  {
    // The market first: the agents read its feature vectors. Symbols and feed from the config.
    name: 'market stream',
    when: () => true,
    run: async (c) => {
      const r = await c.call('start_market_stream', {}, { door: 'test', correlationId: 'autostart' });
      if (!r.ok) throw new Error(r.error.message);
    },
  },
  {
    // The paper portfolio the execution agent reads and trades: started by its first call, which
    // must not wait for a page to be opened (a headless cockpit would otherwise skip every nudge
    // with "portfolio unavailable").
    name: 'paper ledger',
    when: () => true,
    run: async (c) => {
      const r = await c.call('get_portfolio_status', {}, { door: 'test', correlationId: 'autostart' });
      if (!r.ok) throw new Error(r.error.message);
    },
  },
  {
    // Without a model the execution agent trades on paper with the built-in policy.
    name: 'agents',
    when: () => true,
    run: async (c) => {
      const { ensureAgentsStarted } = await import('../agents/handlers');
      await ensureAgentsStarted(c.client, c.config, c.taskQueue);
    },
  },
];

export async function bootstrap(c: BootstrapContext): Promise<{ started: string[]; failed: string[] }> {
  const started: string[] = [];
  const failed: string[] = [];
  if (!c.config.VIGIL_AUTOSTART) return { started, failed };
  for (const s of steps) {
    if (!s.when(c)) continue;
    try {
      await s.run(c);
      started.push(s.name);
    } catch (err) {
      failed.push(s.name);
      c.log.error(`autostart: ${s.name} failed`, { error: (err as Error).message });
      c.bus.emit('alert', { kind: 'runtime_degraded', level: 'warning', title: `Could not start ${s.name}`, body: (err as Error).message });
    }
  }
  return { started, failed };
}
