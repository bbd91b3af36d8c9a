/**
 * Writes the per-bar equity of the backtests whose ratios tests/reference/metrics_vectors.py
 * recomputes with pandas: `npx tsx tests/reference/export_equity.ts > /tmp/equity.json`.
 * Every bar is kept (maxCurvePoints above the bar count): `t` is the bar's close time.
 */
import { createEngine } from '../../core/backtest/engine';
import { prepare } from '../../core/backtest/runner';
import { BacktestSpecSchema } from '../../core/backtest/spec';
import { defaultMarketDataDir } from '../../core/market/data/columns';
import { METRIC_RUNS } from './metric-runs';

const out = METRIC_RUNS.map(({ name, spec }) => {
  const parsed = BacktestSpecSchema.parse({ ...spec, maxCurvePoints: 100_000 });
  const p = prepare(parsed, defaultMarketDataDir());
  const e = createEngine(p.cfg, p.series);
  while (e.run(10_000_000) > 0);
  const st = e.state();
  if (st.curve.length !== st.step) throw new Error(`${name}: ${st.curve.length} curve points for ${st.step} timeline steps`);
  return { name, initialCash: parsed.initialCash, t: st.curve.map((c) => c.t), equity: st.curve.map((c) => c.equity) };
});
process.stdout.write(JSON.stringify(out));
