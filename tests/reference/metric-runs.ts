/** The backtests whose daily-return ratios are checked against pandas (tests/reference/metrics_vectors.py). */
export const METRIC_RUNS = [
  // 312 round trips of SMA 10/30 on ETH-USD hours at the default fees (the run the issue measured).
  { name: 'sma_cross 10/30 ETH-USD 1h, default fees', spec: { strategy: 'sma_cross', symbols: ['ETH-USD'], timeframe: '1h', params: { fast: 10, slow: 30 } } },
  // Zero fees: a positive Sharpe; the 12-day gap of the daily file is days without a bar (return 0).
  { name: 'rsi_reversion BTC-USD 1d, no fees', spec: { strategy: 'rsi_reversion', symbols: ['BTC-USD'], timeframe: '1d', fees: { taker: '0', maker: '0' } } },
  // Two symbols on 4h bars over one year.
  { name: 'breakout BTC-USD+LTC-USD 4h 2018', spec: { strategy: 'breakout', symbols: ['BTC-USD', 'LTC-USD'], timeframe: '4h', from: '2018-01-01', to: '2019-01-01' } },
] as const;
