/**
 * Market activities: the market stream workflow asks the host's feed manager to run the feed it
 * wants (a lease it renews), loads historical candles page by page, and reports rejected prices
 * as domain events. The feed itself never runs inside an activity: ticks go from the feed manager
 * to the event bus, closed bars come back to the workflow as signals.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { Bar } from '../domain/market';
import { MarketDataError } from './coinbase/rest';
import type { EnsureFeedRequest, HistoryRequest, MarketFeedPort } from './port';
import type { FeedHealthView, Rejection } from './stream-state';
import type { ActivityDeps } from '../activities/deps';

export function createMarketActivities(deps: Pick<ActivityDeps, 'bus' | 'log' | 'market'>) {
  const port = (): MarketFeedPort => {
    if (!deps.market) throw ApplicationFailure.create({ message: 'no market feed manager in this host', type: 'MarketUnavailable', nonRetryable: true });
    return deps.market;
  };
  return {
    async marketEnsureFeed(req: EnsureFeedRequest): Promise<{ now: number; health: FeedHealthView }> {
      return port().ensure(req);
    },

    async marketReleaseFeed(): Promise<void> {
      await port().release();
    },

    async marketFetchCandles(req: HistoryRequest): Promise<Bar[]> {
      const ctx = activityContext();
      let bars: Bar[];
      try {
        bars = await port().history(req, (loaded) => ctx?.heartbeat({ loaded }));
      } catch (err) {
        // A refusal that will not change on retry (unknown product, bad payload) fails the page at once;
        // rate limits, 5xx and network errors were already retried by the client and may retry again here.
        if (err instanceof MarketDataError && (err.kind === 'invalid_response' || err.kind === 'unsupported' || (err.kind === 'http' && (err.status ?? 500) < 500))) {
          throw ApplicationFailure.create({ message: err.message, type: `MarketData.${err.kind}`, nonRetryable: true });
        }
        throw err;
      }
      deps.log.debug('backfill page loaded', { symbol: req.symbol, start: req.start, end: req.end, bars: bars.length });
      return bars;
    },

    async marketReportRejections(rejections: Rejection[]): Promise<number> {
      for (const r of rejections) {
        deps.bus.emit('domain.event', {
          id: `mkt_rej_${r.symbol}_${r.time}_${r.reason}`,
          type: 'market.price_rejected',
          at: new Date().toISOString(),
          correlationId: null,
          summary: `${r.symbol} bar at ${new Date(r.time).toISOString()} rejected (${r.reason}): ${r.detail}`,
          data: { ...r },
        });
      }
      deps.log.warn('market bars rejected', { count: rejections.length, first: rejections[0]?.detail });
      return rejections.length;
    },
  };
}

function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null; // called as a plain function in a unit test
  }
}
