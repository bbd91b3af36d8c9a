/** Words for order outcomes as the decision log shows them. Pure: workflows import it. */

/** Words for a production outcome, as the decision log shows them. */
export function productionSummary(o: { side: string; product: string; status: string; mode: string; reason: string | null; rule: string | null }): string {
  const what = o.status === 'blocked' && o.rule ? `blocked by ${o.rule}` : o.mode === 'dry_run' && o.status === 'dry_run' ? 'dry run (live trading not armed)' : o.status;
  return `real ledger: ${o.side} ${o.product} ${what}${o.reason ? ` — ${o.reason}` : ''}`;
}
