/**
 * All activities, built from injected dependencies. Each capability contributes a factory;
 * the worker registers the merged object. Add a capability with one spread line.
 */
import type { ActivityDeps } from './deps';
import { createSystemActivities } from './system';
import { createLedgerActivities } from '../ledger/activities';
import { createPaperActivities } from '../paper/activities';
import { createAgentActivities } from '../agents/activities';
import { createBacktestActivities } from '../backtest/activities';
import { createMarketActivities } from '../market/activities';
import { createDataActivities } from '../market/data/activities';
import { createAlertActivities } from '../alerts/activities';
import { createResearchActivities } from '../research/activities';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
    ...createLedgerActivities(deps),
    ...createPaperActivities(deps),
    ...createAgentActivities(deps),
    ...createBacktestActivities(deps),
    ...createMarketActivities(deps),
    ...createDataActivities(deps),
    ...createAlertActivities(deps),
    ...createResearchActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
