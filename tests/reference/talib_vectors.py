"""
Reference values for core/indicators/talib.test.ts, computed by TA-Lib itself.

TA-Lib's Python package (PyPI `ta-lib`, whose wheels bundle the TA-Lib C library) runs its C
functions SMA, EMA, RSI, MACD, BBANDS and ATR over real recorded candles from resources/market,
read here with Python's csv module (not Vigil's loader), and over two short synthetic series (a flat
start, a coin priced near 0.000002) where TA-Lib's RSI and BBANDS treat near-zero values in their
own way (docs/market.md lists these differences).

    python3 -m venv /tmp/ref-venv && /tmp/ref-venv/bin/pip install -r tests/reference/requirements.txt
    /tmp/ref-venv/bin/python tests/reference/talib_vectors.py > tests/reference/talib-vectors.json

Values are written with Python's repr (shortest round trip); TA-Lib's NaN (no value yet) as null.
"""
import csv
import datetime as dt
import json
import math
import os
import sys

import numpy as np
import talib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
MARKET = os.path.join(ROOT, 'resources', 'market')


def coinbase_hourly(name, n):
    """CryptoDataDownload file: banner, header, newest first, `2019-06-04 01-AM` (UTC, 12-hour clock)."""
    rows = {}
    with open(os.path.join(MARKET, name), newline='') as f:
        r = csv.reader(f)
        next(r)  # banner
        next(r)  # header
        for row in r:
            if not row:
                continue
            day, clock = row[0].split(' ')
            h12, ampm = clock.split('-')
            hour = int(h12) % 12 + (12 if ampm == 'PM' else 0)
            t = dt.datetime.strptime(day, '%Y-%m-%d').replace(hour=hour, tzinfo=dt.timezone.utc)
            rows[int(t.timestamp() * 1000)] = tuple(float(x) for x in row[2:6])
    times = sorted(rows)[:n]
    return times, [rows[t] for t in times]


def binance_minutes(names, n):
    """Binance kline CSV: open_time (ms), open, high, low, close, volume, ...; optional header."""
    rows = {}
    for name in names:
        with open(os.path.join(MARKET, name), newline='') as f:
            for row in csv.reader(f):
                if not row or not row[0][0].isdigit():
                    continue
                rows[int(row[0])] = tuple(float(x) for x in row[1:5])
    times = sorted(rows)[:n]
    return times, [rows[t] for t in times]


def flat_start():
    """20 identical bars (no change at all: RSI's averages are both 0, the band's deviation is 0), then 40 moving ones."""
    closes = [104.0] * 20 + [104 + 3 * math.sin(i / 3) + 0.1 * i for i in range(40)]
    bars = [(c, c + (0 if i < 20 else 0.5), c - (0 if i < 20 else 0.5), c) for i, c in enumerate(closes)]
    return list(range(len(bars))), bars


def sub_cent():
    """A coin priced near 0.000002: its moves are far below TA-Lib's 1e-8 `TA_IS_ZERO` threshold."""
    closes = [2e-6 * (1 + 0.01 * math.sin(i / 3) + 0.001 * i) for i in range(60)]
    bars = [(c, c * 1.002, c * 0.998, c) for c in closes]
    return list(range(len(bars))), bars


def series(x):
    return [None if math.isnan(v) else float(v) for v in x]


def compute(times, bars):
    o = np.array([b[0] for b in bars], dtype=float)
    h = np.array([b[1] for b in bars], dtype=float)
    l = np.array([b[2] for b in bars], dtype=float)
    c = np.array([b[3] for b in bars], dtype=float)
    macd, signal, hist = talib.MACD(c, fastperiod=12, slowperiod=26, signalperiod=9)
    upper, middle, lower = talib.BBANDS(c, timeperiod=20, nbdevup=2, nbdevdn=2, matype=talib.MA_Type.SMA)
    return {
        'time': times,
        'open': series(o),
        'high': series(h),
        'low': series(l),
        'close': series(c),
        'SMA_20': series(talib.SMA(c, timeperiod=20)),
        'EMA_12': series(talib.EMA(c, timeperiod=12)),
        'EMA_26': series(talib.EMA(c, timeperiod=26)),
        'RSI_14': series(talib.RSI(c, timeperiod=14)),
        'MACD_12_26_9': series(macd),
        'MACD_signal': series(signal),
        'MACD_hist': series(hist),
        'BBANDS_20_2_upper': series(upper),
        'BBANDS_20_2_middle': series(middle),
        'BBANDS_20_2_lower': series(lower),
        'ATR_14': series(talib.ATR(h, l, c, timeperiod=14)),
        'TRANGE': series(talib.TRANGE(h, l, c)),
    }


def main():
    sets = {
        'BTC-USD 1h (Coinbase_BTCUSD_1h.csv, first 600 hours)': coinbase_hourly('Coinbase_BTCUSD_1h.csv', 600),
        'ETH-USDT 1m (ETHUSDT-1m-2022-08-14.csv, first 600 minutes)': binance_minutes(['ETHUSDT-1m-2022-08-14.csv'], 600),
        'synthetic: 20 flat bars, then 40 moving': flat_start(),
        'synthetic: a coin priced near 0.000002': sub_cent(),
    }
    out = {
        'generator': 'tests/reference/talib_vectors.py',
        'talib': talib.__version__,
        'ta_lib_c': talib.__ta_version__.decode() if isinstance(talib.__ta_version__, bytes) else str(talib.__ta_version__),
        'numpy': np.__version__,
        'python': sys.version.split()[0],
        'sets': {name: compute(*data) for name, data in sets.items()},
    }
    json.dump(out, sys.stdout, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
