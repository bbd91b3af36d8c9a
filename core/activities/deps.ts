/** What the host injects into activity factories. Capabilities extend this with optional fields. */
import type { EventBus } from '../host/bus';
import type { VigilConfig } from '../runtime/config';
import type { Logger } from '../runtime/log';

export interface ActivityDeps {
  config: VigilConfig;
  dataDir: string;
  bus: EventBus;
  log: Logger;
}
