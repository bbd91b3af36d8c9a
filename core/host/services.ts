/**
 * Long-lived host-side services (feeds, databases, clients of outside systems) that activities
 * use. Built before the worker starts, stopped after it drains. Capabilities add theirs here.
 */
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../activities/deps';
import type { EventBus } from './bus';
import type { VigilConfig } from '../runtime/config';
import type { Logger } from '../runtime/log';

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

export async function createServices(_ctx: ServiceContext): Promise<BuiltServices> {
  const services: HostService[] = [];
  const activityDeps: Partial<ActivityDeps> = {};
  return { services, activityDeps };
}
