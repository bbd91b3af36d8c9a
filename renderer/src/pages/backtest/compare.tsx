/** Several finished runs side by side. */
import { useQueries, type UseQueryResult } from '@tanstack/react-query';
import { useVerb } from '../../api/hooks';
import { client, type ApiCallError } from '../../api/client';
import { LineChart } from '../../components/LineChart';
import { Empty, ErrorState, Loading, Panel, Q } from '../../components/ui';
import { fmtNum } from '../../lib/format';
import { METRICS, OVERLAY_COLORS, bestIndex, metricValue, returnCurve, runLabel, type BacktestView } from '../../lib/backtest';

/**
 * The runs' return curves for the overlay, whether any is still loading and the first error. A
 * module-level function, so react-query reruns it only when a run's query changes and keeps the
 * previous series when nothing in them did.
 */
function combineCurves(results: UseQueryResult<BacktestView>[]): { series: { name: string; color: string; points: ReturnType<typeof returnCurve> }[]; loading: boolean; error: ApiCallError | undefined } {
  return {
    series: results.flatMap((q, i) => {
      const v = q.data;
      if (!v?.result) return [];
      return [{ name: runLabel(v.summary), color: OVERLAY_COLORS[i % OVERLAY_COLORS.length]!, points: returnCurve(v.result) }];
    }),
    loading: results.some((q) => q.isLoading),
    error: results.find((q) => q.error)?.error as ApiCallError | undefined,
  };
}

/** Several runs overlaid as % return from each run's own start, with the metrics side by side. */
export function Comparison({ ids, onClose }: { ids: string[]; onClose: () => void }) {
  const cmp = useVerb('compare_backtests', { ids });
  const { series, loading: loadingCurves, error: curveError } = useQueries({
    queries: ids.map((id) => ({ queryKey: ['get_backtest_result', { id, full: true }], queryFn: () => client().get('get_backtest_result', { id, full: true }) })),
    combine: combineCurves,
  });

  return (
    <Panel title={`Comparison of ${ids.length} runs`} testId="backtest-compare" right={<button className="btn small" onClick={onClose}>Close</button>}>
      <div className="grid">
        {loadingCurves ? <Loading rows={4} /> : curveError ? <ErrorState error={curveError} what="Run curves" /> : series.length ? <LineChart series={series} kind="line" unit="%" height={240} /> : <Empty title="No finished runs to overlay" />}
        <div className="row faint" style={{ flexWrap: 'wrap' }}>
          {series.map((s) => (
            <span key={s.name} style={{ flex: 'none' }}>
              <span style={{ display: 'inline-block', width: 10, height: 3, background: s.color, marginRight: 5, verticalAlign: 'middle' }} />
              {s.name}
            </span>
          ))}
        </div>
        <Q q={cmp} what="Comparison" rows={6}>
          {(d) => (
            <table data-testid="compare-table">
              <thead>
                <tr>
                  <th>Metric</th>
                  {d.rows.map((r, i) => (
                    <th key={r.id} className="num" title={r.id}>
                      <span style={{ color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] }}>■</span> {runLabel(r.summary)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {METRICS.map((m) => {
                  const values = d.rows.map((r) => metricValue(r.performance, m.key));
                  const best = bestIndex(values, m.better);
                  return (
                    <tr key={m.key}>
                      <td className="dim">{m.label}</td>
                      {values.map((v, i) => (
                        <td key={i} className="num" style={best === i ? { color: 'var(--accent)', fontWeight: 600 } : undefined}
                          title={best === i ? 'best of the compared runs' : undefined}>
                          {m.fmt(v)}
                        </td>
                      ))}
                    </tr>
                  );
                })}
                <tr>
                  <td className="dim">Blocked orders</td>
                  {d.rows.map((r) => (
                    <td key={r.id} className="num">{fmtNum(Object.values(r.blockedByRule).reduce((a, b) => a + b, 0), 0)}</td>
                  ))}
                </tr>
              </tbody>
            </table>
          )}
        </Q>
      </div>
    </Panel>
  );
}
