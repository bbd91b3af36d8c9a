import { PRODUCT_RE } from '../domain/product';

/** Prompts an MCP client can offer its user for common requests. */
export interface McpPrompt {
  name: string;
  title: string;
  description: string;
  arguments: { name: string; description: string; required: boolean }[];
  template: (args: Record<string, string>) => string;
}

export const MCP_PROMPTS: McpPrompt[] = [
  {
    name: 'portfolio_review',
    title: 'Review my portfolio',
    description: 'Summarise positions, P&L, risk usage and what the judge said recently.',
    arguments: [],
    template: () =>
      'Use get_portfolio_status, get_performance_metrics, get_risk_metrics and get_judge_scores. Summarise cash, equity, open positions with unrealised P&L, drawdown, risk-limit usage and the latest judge scores. Point out anything that needs my attention. Do not place orders.',
  },
  {
    name: 'market_brief',
    title: 'Market brief for a symbol',
    description: 'Read the feature vector of a symbol and explain trend, momentum and volatility.',
    arguments: [{ name: 'symbol', description: 'Product id like BTC-USD', required: true }],
    template: (a) =>
      `Use get_feature_vector for ${a.symbol} (start a market stream with start_market_stream if none is running). Explain the trend (SMA/EMA), momentum (RSI, MACD), volatility (ATR, Bollinger width, realised volatility) and how fresh the data is. No orders.`,
  },
  {
    name: 'paper_trade',
    title: 'Place a paper order with a rationale',
    description: 'Check the market and risk budget, then place one paper order with an idempotency key.',
    arguments: [
      { name: 'symbol', description: 'Product id like BTC-USD', required: true },
      { name: 'side', description: 'buy or sell', required: true },
      { name: 'notional', description: 'Quote amount, e.g. 50', required: true },
    ],
    template: (a) =>
      `Check get_feature_vector for ${a.symbol} and get_risk_metrics. If the order fits the risk limits, place one paper order with place_mock_order: ${a.side} ${a.notional} notional of ${a.symbol}, a fresh idempotency key, an expected edge in basis points and a one-sentence rationale. Report the fill or the reason it was blocked.`,
  },
];

/** Render a prompt, or null when there is no such prompt. Arguments are validated, not trusted. */
export function renderPrompt(name: string, args: Record<string, string>): string | null {
  const p = MCP_PROMPTS.find((x) => x.name === name);
  if (!p) return null;
  for (const a of p.arguments) {
    if (a.required && !args[a.name]) throw new Error(`prompt ${name} needs the argument ${a.name}`);
  }
  if (args.symbol !== undefined && !PRODUCT_RE.test(args.symbol)) throw new Error(`symbol must look like BTC-USD`);
  if (args.side !== undefined && !['buy', 'sell'].includes(args.side)) throw new Error('side must be buy or sell');
  if (args.notional !== undefined && !/^\d+(\.\d+)?$/.test(args.notional)) throw new Error('notional must be a positive decimal');
  return p.template(args);
}
