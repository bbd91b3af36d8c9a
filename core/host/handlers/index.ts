/**
 * The handler map: every verb of the contract, built over a Temporal client. Add a capability
 * with one spread line.
 */
import type { Handlers } from '../../api/contract';
import type { HandlerDeps } from '../handler-deps';
import { createSystemHandlers } from './system';
import { createSettingsHandlers } from './settings';
import { createLedgerHandlers } from '../../ledger/handlers';
import { createPaperHandlers } from '../../paper/handlers';
import { createBacktestHandlers } from '../../backtest/handlers';
import { createAgentHandlers } from '../../agents/handlers';
import { createMarketHandlers } from '../../market/handlers';
import { createDataHandlers } from '../../market/data/handlers';
import { createAlertHandlers } from '../../alerts/handlers';
import { createResearchHandlers } from '../../research/handlers';

export function createHandlers(deps: HandlerDeps): Partial<Handlers> {
  return {
    ...createSystemHandlers(deps),
    ...createSettingsHandlers(deps),
    ...createLedgerHandlers(deps),
    ...createPaperHandlers(deps),
    ...createBacktestHandlers(deps),
    ...createAgentHandlers(deps),
    ...createMarketHandlers(deps),
    ...createDataHandlers(deps),
    ...createAlertHandlers(deps),
    ...createResearchHandlers(deps),
  };
}
