/** Stable workflow ids: one cockpit per data dir, so fixed ids make starts idempotent. */
export const WORKFLOW_IDS = {
  smoke: (key: string) => `vigil/smoke/${key}`,
  marketStream: 'vigil/market-stream',
  paperBook: (portfolio = 'default') => `vigil/execution-ledger/${portfolio}`,
  executionAgent: 'vigil/agent/execution',
  judgeAgent: 'vigil/agent/judge',
  brokerSession: (session: string) => `vigil/agent/broker/${session}`,
  backtest: (id: string) => `vigil/backtest/${id}`,
  research: (id: string) => `vigil/research/${id}`,
  ledgerOps: (op: string) => `vigil/ledger/${op}`,
  liveOrderRequest: (key: string) => `vigil/ledger/live-request/${key}`,
  reconcileSchedule: 'vigil/schedule/reconcile',
  dataDownload: (symbol: string, timeframe: string) => `vigil/data/download/${symbol}/${timeframe}`,
  alertDelivery: (alertId: string) => `vigil/alerts/${alertId}`,
} as const;

/** A short unique id, deterministic when given a seeded source (workflows pass `uuid4`). */
export function newId(prefix: string, random: () => string): string {
  return `${prefix}_${random().replace(/-/g, '').slice(0, 20)}`;
}
