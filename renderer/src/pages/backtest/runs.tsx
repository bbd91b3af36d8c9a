/** The runs list: every stored run with its pushed progress, a cancel for running ones, ticks to compare. */
import type { Dispatch, SetStateAction } from 'react';
import { useAction, useVerb } from '../../api/hooks';
import { Empty, ErrorState, Panel, Q } from '../../components/ui';
import { fmtTime } from '../../lib/format';
import { equityText, progressOf, returnText, runLabel, type Progress } from '../../lib/backtest';
import { ProgressBar, StatusTag } from './status';

export function RunsPanel({ progress, selected, setSelected, checked, setChecked, setComparing }: {
  progress: Record<string, Progress>;
  selected: string | null;
  setSelected: (id: string) => void;
  checked: string[];
  setChecked: Dispatch<SetStateAction<string[]>>;
  setComparing: (ids: string[]) => void;
}) {
  // Progress comes by push; while a run is unfinished the list also refreshes itself, so a missed
  // final event cannot leave a row "running".
  const list = useVerb('list_backtests', { limit: 100 }, { refetchInterval: (query) => (query.state.data?.backtests.some((b) => b.status === 'running') ? 2_000 : false) });
  const cancel = useAction('cancel_backtest');
  const runs = list.data?.backtests ?? [];
  return (
    <Panel
      title="Runs"
      flush
      testId="backtest-runs"
      right={
        checked.length >= 2 ? (
          <button className="btn small primary" data-testid="bt-compare" onClick={() => setComparing([...checked])}>
            Compare {checked.length}
          </button>
        ) : (
          <span className="faint">tick 2+ to compare</span>
        )
      }
    >
      {list.isLoading || list.error ? (
        <Q q={list} what="Backtests">{() => null}</Q>
      ) : runs.length === 0 ? (
        <Empty title="No backtests yet">Run one above; it keeps going if you leave this page.</Empty>
      ) : (
        <div className="scroll" style={{ maxHeight: 420 }}>
          <table>
            <tbody>
              {runs.map((r) => {
                const pushed = progress[r.id];
                const p = pushed ?? (r.status === 'running' ? undefined : progressOf(r.status === 'completed' ? { status: r.status, barsDone: r.bars, totalBars: r.bars } : { status: r.status, barsDone: 0, totalBars: r.bars }));
                // A finished run's stored status is final; a pushed "running" may be older than it.
                const status = r.status !== 'running' ? r.status : (p?.status ?? r.status);
                return (
                  <tr key={r.id} data-testid="bt-run-row" data-status={status} data-pushed-bars={pushed ? pushed.barsDone : undefined} style={{ cursor: 'pointer', background: r.id === selected ? '#1b2330' : undefined }} onClick={() => setSelected(r.id)}>
                    <td style={{ width: 22 }} onClick={(e) => e.stopPropagation()}>
                      <input
                        type="checkbox"
                        aria-label={`Compare ${runLabel(r)}`}
                        disabled={status !== 'completed'}
                        checked={checked.includes(r.id)}
                        onChange={(e) => setChecked((c) => (e.target.checked ? [...c, r.id] : c.filter((x) => x !== r.id)))}
                      />
                    </td>
                    <td>
                      <div>{runLabel(r)}</div>
                      <div className="faint mono">
                        {fmtTime(r.createdAt).slice(5, 16)} · {equityText(r)}
                      </div>
                      <ProgressBar p={p} />
                    </td>
                    <td className={`num ${r.totalReturn === null ? '' : r.totalReturn >= 0 ? 'up' : 'down'}`}>{returnText(r)}</td>
                    <td style={{ width: 70 }}>
                      {status === 'running' ? (
                        <button className="btn small" data-testid="bt-cancel" disabled={cancel.isPending} onClick={(e) => { e.stopPropagation(); cancel.mutate({ id: r.id }); }}>
                          Cancel
                        </button>
                      ) : (
                        <StatusTag status={status} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {cancel.error ? <ErrorState error={cancel.error} what="Cancel" /> : null}
    </Panel>
  );
}
