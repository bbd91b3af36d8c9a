/**
 * The Backtest page: the run form (form.tsx) and the runs list (runs.tsx) on the left; the
 * comparison of ticked runs (compare.tsx) and the selected run (results.tsx) on the right. The page
 * holds what they share: the selected run, the ticked runs and each run's pushed progress.
 */
import { useEffect, useState } from 'react';
import { useEvent, useVerb } from '../../api/hooks';
import { Empty, Panel } from '../../components/ui';
import { useUi } from '../../store';
import { foldProgress, progressOf, type Progress } from '../../lib/backtest';
import { RunForm, useRunForm } from './form';
import { RunsPanel } from './runs';
import { Comparison } from './compare';
import { SelectedRun } from './results';

export function BacktestPage() {
  const catalog = useVerb('list_backtest_strategies', {}, { staleTime: Infinity });
  const [selected, setSelected] = useState<string | null>(null);
  // A backtest opened from another page (a study's trial on the Research page).
  const opened = useUi((s) => s.pageRequest);
  useEffect(() => {
    if (opened?.backtestId) setSelected(opened.backtestId);
  }, [opened]);
  const [checked, setChecked] = useState<string[]>([]);
  const [comparing, setComparing] = useState<string[] | null>(null);
  const [progress, setProgress] = useState<Record<string, Progress>>({});

  // Progress arrives by push; a run's end refreshes the list and its result (invalidation.ts).
  useEvent('backtest.progress', (e) => setProgress((s) => foldProgress(s, e)));

  const runForm = useRunForm(catalog.data?.strategies, (r) => {
    setSelected(r.id);
    // A short run's pushed progress (even its end) can arrive before this reply: never go back over it.
    setProgress((s) => (s[r.id] ? s : { ...s, [r.id]: progressOf({ status: 'running', barsDone: 0, totalBars: r.totalBars }) }));
  });

  return (
    <div className="page">
      <div className="page-head">
        <h1>Backtest</h1>
        <span className="dim">Recorded candles through the same strategy, fill, fee and risk code as paper and live trading.</span>
      </div>
      <div className="grid g-main-side" style={{ gridTemplateColumns: '320px minmax(0,1fr)' }}>
        <div className="grid" style={{ alignContent: 'start' }}>
          <RunForm state={runForm} />
          <RunsPanel progress={progress} selected={selected} setSelected={setSelected} checked={checked} setChecked={setChecked} setComparing={setComparing} />
        </div>
        <div className="grid" style={{ alignContent: 'start' }}>
          {comparing ? <Comparison ids={comparing} onClose={() => setComparing(null)} /> : null}
          {selected ? (
            <SelectedRun id={selected} live={progress[selected]} catalog={catalog.data?.strategies} onReuse={runForm.reuse} />
          ) : comparing ? null : (
            <Panel title="Result">
              <Empty title="Pick or run a backtest">Equity and drawdown, metrics, blocked orders and every trade appear here; tick two or more finished runs to overlay them.</Empty>
            </Panel>
          )}
        </div>
      </div>
    </div>
  );
}
