/** What the host injects into activity factories. Capabilities extend this with optional fields. */
import type { EventBus } from '../api/bus';
import type { VigilConfig } from '../runtime/config';
import type { Logger } from '../runtime/log';
import type { Ledger } from '../ledger/ledger';
import type { ExchangePort } from '../ledger/router';
import type { GuardReader } from '../orders/guard';

export type AgentDoor = 'broker' | 'execution-agent';

export interface ActivityDeps {
  config: VigilConfig;
  dataDir: string;
  bus: EventBus;
  log: Logger;
  /** The production ledger (`openLedger(<dataDir>/ledger.sqlite)`), when the host opened it. */
  ledger?: Ledger;
  /** Exchange for the real ledger; built from COINBASE_* secrets when absent. */
  exchange?: ExchangePort | null;
  /** The kill switch and risk limits; default: read from the paper book workflow through `client`. */
  guard?: GuardReader;
  /** Temporal client for activities that query or update other workflows (agents read market and ledger). */
  client?: import('@temporalio/client').Client;
  /** The host's market feed manager (core/market/feed-manager.ts): live feeds and historical candles. */
  market?: import('../market/port').MarketFeedPort;
  /** Shipped recordings for backtests (default: resources/market); the data dir's datasets (`<dataDir>/market`) are read before them. */
  marketDir?: string;
  /**
   * Calls a contract verb through dispatch as one of the agents: the broker's tools and the
   * execution agent's orders enter exactly like any other door's input (validated, guarded), and
   * the door they name is who the order is recorded as placed by.
   */
  callVerb?: (name: string, input: unknown, ctx: { door: AgentDoor; correlationId?: string }) => Promise<import('../api/result').ApiResult<unknown>>;
}
