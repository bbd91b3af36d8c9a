/**
 * Long-lived host-side services (feeds, databases, clients of outside systems) that activities
 * use. Built before the worker starts, stopped after it drains. Capabilities add theirs here.
 */
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../activities/deps';
import type { EventBus } from './bus';
import type { VigilConfig } from '../runtime/config';
import type { Logger } from '../runtime/log';
import { dataPaths } from '../runtime/paths';

export interface HostService {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One line for the status bar, e.g. "feed: coinbase (2 symbols, healthy)". */
  health?(): { state: 'ok' | 'degraded' | 'down' | 'idle'; detail: string };
}

export interface ServiceContext {
  config: VigilConfig;
  dataDir: string;
  bus: EventBus;
  log: Logger;
  client: Client;
  taskQueue: string;
}

export interface BuiltServices {
  services: HostService[];
  /** Extra fields merged into ActivityDeps. */
  activityDeps: Partial<ActivityDeps>;
}

export async function createServices(ctx: ServiceContext): Promise<BuiltServices> {
  const services: HostService[] = [];
  const activityDeps: Partial<ActivityDeps> = {};

  // The production ledger: opened (and migrated) at start; a corrupt or newer file stops the
  // start with its own message rather than being touched.
  const { openLedger } = await import('../ledger/ledger');
  const ledger = openLedger(dataPaths(ctx.dataDir).ledgerDb, {
    log: ctx.log.child('ledger'),
    onEvent: (e) =>
      ctx.bus.emit('domain.event', {
        id: e.id,
        type: e.type,
        at: e.at,
        correlationId: e.correlationId ?? null,
        summary: e.summary,
        data: (e.data ?? {}) as Record<string, unknown>,
      }),
  });
  activityDeps.ledger = ledger;
  services.push({
    name: 'ledger',
    async start() {},
    async stop() {
      ledger.close();
    },
    health: () => ({ state: 'ok', detail: 'ledger open' }),
  });

  // Market feeds run here, in the host: the market stream workflow leases them through an activity.
  const { FeedManager } = await import('../market/feed-manager');
  // The simulated market's clock (MARKET_SIM_SPEED); its timeline is kept in the data dir across restarts.
  const { createSimClock } = await import('../market/sim-clock');
  const simClock = createSimClock({ speed: ctx.config.MARKET_SIM_SPEED, dataDir: ctx.dataDir });
  if (simClock.speed !== 1) ctx.log.info('simulated market runs faster than the wall clock', { speed: simClock.speed });
  const market = new FeedManager({ config: ctx.config, bus: ctx.bus, log: ctx.log.child('market'), client: ctx.client, taskQueue: ctx.taskQueue, simulatedNow: () => simClock.now() });
  activityDeps.market = market;
  services.push({
    name: 'market',
    start: () => market.start(),
    stop: () => market.stop(),
    health: () => {
      const h = market.health();
      return { state: h.state, detail: `feed: ${h.detail}` };
    },
  });

  return { services, activityDeps };
}
