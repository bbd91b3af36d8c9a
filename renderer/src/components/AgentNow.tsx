/**
 * What the execution agent is doing or waiting for (renderer/src/lib/agent-now.ts), kept fresh by
 * its log events (renderer/src/api/invalidation.ts): the Portfolio and Agents pages' empty states
 * and the line above the timeline.
 */
import { useVerb } from '../api/hooks';
import { executionNow, type AgentNow } from '../lib/agent-now';

export function useExecutionNow(): AgentNow | null {
  const q = useVerb('get_execution_agent_status', {}, { refetchInterval: 15_000 });
  if (q.isLoading) return null;
  return executionNow(q.data, q.error ? q.error.error.message : null);
}

export function AgentNowLine({ now }: { now: AgentNow }) {
  return (
    <div className={`agent-now ${now.state}`} data-testid="agent-now" data-state={now.state}>
      <span className="agent-now-title">Execution agent · {now.title}</span>
      <span className="agent-now-detail">{now.detail}</span>
    </div>
  );
}
