/** A run's progress bar and status tag, shown in the runs list and the selected run. */
import { fmtNum } from '../../lib/format';
import type { BacktestSummary, Progress } from '../../lib/backtest';

export function ProgressBar({ p, testId }: { p: Progress | undefined; testId?: string }) {
  if (!p || p.status !== 'running') return null;
  return (
    <div className="row" style={{ flexWrap: 'nowrap', gap: 6 }} data-testid={testId} data-ratio={p.ratio.toFixed(3)}>
      <div className="progress" style={{ flex: 1 }} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p.ratio * 100)}>
        <div style={{ width: `${(p.ratio * 100).toFixed(1)}%` }} />
      </div>
      <span className="mono faint" style={{ flex: 'none' }}>
        {fmtNum(p.barsDone, 0)} / {fmtNum(p.totalBars, 0)}
      </span>
    </div>
  );
}

export function StatusTag({ status }: { status: BacktestSummary['status'] }) {
  const cls = status === 'completed' ? 'good' : status === 'failed' ? 'bad' : '';
  return <span className={`tag ${cls}`}>{status}</span>;
}
