"""
Reference Sharpe, Sortino and one-day VaR for core/analytics/metrics.test.ts, computed with pandas
and numpy from equity series, with pandas doing the daily bucketing on its own:

    equity indexed by close time - 1 ms  ->  .resample('1D').last().ffill()
    the day before the first close holds the starting cash; r = .pct_change().dropna()
    Sharpe  = r.mean() / r.std(ddof=1) * sqrt(365)
    Sortino = r.mean() / sqrt(mean(min(r, 0)^2)) * sqrt(365)
    VaR95   = -r_(k), CVaR95 = -mean(r_(1..k)), k = ceil(0.05 n), r sorted ascending

Inputs: a synthetic hourly equity path made here (numpy, seeded; with a two-day pause and a start
in the middle of a day), and the per-bar equity of the backtests in tests/reference/metric-runs.ts
as written by tests/reference/export_equity.ts:

    npx tsx tests/reference/export_equity.ts > /tmp/equity.json
    /tmp/ref-venv/bin/python tests/reference/metrics_vectors.py /tmp/equity.json > tests/reference/metrics-vectors.json
"""
import json
import math
import sys

import numpy as np
import pandas as pd

DAY = 86_400_000


def reference(initial, t_ms, equity):
    s = pd.Series(np.asarray(equity, dtype=float), index=pd.to_datetime(np.asarray(t_ms, dtype='int64') - 1, unit='ms', utc=True))
    daily = s.resample('1D').last().ffill()
    start = daily.index[0] - pd.Timedelta(days=1)
    daily = pd.concat([pd.Series([float(initial)], index=[start]), daily])
    r = daily.pct_change().dropna().to_numpy()
    n = len(r)
    sharpe = float(r.mean() / r.std(ddof=1) * math.sqrt(365))
    sortino = float(r.mean() / math.sqrt(np.mean(np.minimum(r, 0.0) ** 2)) * math.sqrt(365))
    srt = np.sort(r)
    k = max(1, math.ceil(n * 0.05 - 1e-9))
    return {
        'dailyReturns': n,
        'sharpe': sharpe,
        'sortino': sortino,
        'var95': float(-srt[k - 1]),
        'cvar95': float(-srt[:k].mean()),
        'firstDay': str(daily.index[1].date()),
        'lastDay': str(daily.index[-1].date()),
    }


def synthetic():
    rng = np.random.default_rng(20240601)
    start = pd.Timestamp('2024-03-01T13:00:00Z').value // 1_000_000  # a start in the middle of a day
    t, equity, v = [], [], 10_000.0
    for i in range(24 * 60):
        close = start + (i + 1) * 3_600_000
        if pd.Timestamp('2024-03-20', tz='UTC').value // 1_000_000 <= close - 1 < pd.Timestamp('2024-03-22', tz='UTC').value // 1_000_000:
            continue  # two days without a bar: the feed was paused
        v *= 1 + rng.normal(0.0002, 0.004)
        t.append(int(close))
        equity.append(float(v))
    return {'name': 'synthetic hourly equity, 60 days, a 2-day pause', 'initialCash': '10000', 't': t, 'equity': equity}


def main():
    runs = json.load(open(sys.argv[1])) if len(sys.argv) > 1 else []
    syn = synthetic()
    out = {
        'generator': 'tests/reference/metrics_vectors.py',
        'pandas': pd.__version__,
        'numpy': np.__version__,
        'synthetic': {**syn, **reference(syn['initialCash'], syn['t'], syn['equity'])},
        'backtests': [{'name': r['name'], **reference(r['initialCash'], r['t'], r['equity'])} for r in runs],
    }
    json.dump(out, sys.stdout, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
