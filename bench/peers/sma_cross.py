"""
Peer run for bench/backtest.ts: the same long-only SMA cross on the same bars with backtesting.py
(pinned in requirements.txt). Reads a CSV (time_ms,open,high,low,close,volume), prints one JSON
line: timing of Backtest.run only (data loading excluded on both sides), trades, final equity.

Configuration mirrors Vigil's engine: orders fill at the next bar's open (trade_on_close=False),
commission charged on entry and exit as a fraction of value, no spread, all available cash on
entry (size < 1 means a share of available margin), 1e-8 units (FractionalBacktest) like the
BTC size step, positions left open at the end are marked, not closed (finalize_trades=False).
"""
import json
import sys
import time
import warnings

import pandas as pd
from backtesting import Strategy
from backtesting.lib import FractionalBacktest, crossover

warnings.filterwarnings("ignore")


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    fast = 10
    slow = 30

    def init(self):
        self.f = self.I(sma, self.data.Close, self.fast)
        self.s = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if crossover(self.f, self.s):
            if not self.position:
                self.buy()
        elif crossover(self.s, self.f):
            if self.position:
                self.position.close()


def main():
    path, fast, slow, cash, commission = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    df = pd.read_csv(path)
    df.index = pd.to_datetime(df["time_ms"], unit="ms")
    df = df.rename(columns={"open": "Open", "high": "High", "low": "Low", "close": "Close", "volume": "Volume"})[["Open", "High", "Low", "Close", "Volume"]]
    best = None
    stats = None
    for _ in range(repeats):
        bt = FractionalBacktest(df, SmaCross, cash=cash, commission=commission, spread=0.0, trade_on_close=False,
                                exclusive_orders=False, finalize_trades=False, fractional_unit=1e-8)
        t0 = time.perf_counter()
        stats = bt.run(fast=fast, slow=slow)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    trades = stats["_trades"]
    out = {
        "bars": len(df),
        "seconds": best,
        "finalEquity": float(stats["Equity Final [$]"]),
        "trades": [
            {"entryBar": int(r.EntryBar), "exitBar": int(r.ExitBar), "size": float(r.Size), "entryPrice": float(r.EntryPrice),
             "exitPrice": float(r.ExitPrice), "pnl": float(r.PnL)}
            for r in trades.itertuples()
        ],
        "openTrades": int(len(stats["_strategy"].trades)) if hasattr(stats["_strategy"], "trades") else None,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
