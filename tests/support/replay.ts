/**
 * Committed workflow histories (the CLI's proto3 JSON, `temporal workflow show --output json`) back
 * into a History for `Worker.runReplayHistory`.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

export function loadHistory(json: unknown): ReturnType<typeof historyFromJSON> {
  return historyFromJSON(json);
}
