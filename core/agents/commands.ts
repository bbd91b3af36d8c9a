/**
 * The broker's command language, used when no model is configured: a few plain commands mapped
 * onto contract verbs, which then run through dispatch with the same validation and gates as
 * any other door. Pure: parsing only.
 */
export type ParsedCommand =
  | { kind: 'verb'; verb: string; input: Record<string, unknown>; describe: string }
  | { kind: 'help' }
  | { kind: 'unknown'; text: string };

const SYMBOL = /^[a-z0-9]{1,12}-[a-z0-9]{1,12}$/i;
const AMOUNT = /^\d+(\.\d+)?$/;

export const COMMAND_HELP = [
  'I am running without a language model, so I understand these commands:',
  '  status | portfolio            - cash, positions, P&L',
  '  metrics                       - performance metrics',
  '  risk                          - risk metrics and limits',
  '  buy 0.01 BTC-USD              - paper market order in base units',
  '  buy $100 BTC-USD              - paper market order by notional',
  '  sell 0.01 BTC-USD at 65000    - paper limit order',
  '  start stream ETH-USD [..]     - start the market stream',
  '  stop stream                   - stop the market stream',
  '  pause | resume                - the execution agent',
  '  mode conservative|standard|aggressive',
  '  evaluate                      - run the judge now',
  '  scores | prompts | usage      - judge scores, prompt history, LLM usage',
  '  kill switch on|off',
  'Risk limits apply to every order whatever the wording.',
].join('\n');

export function parseCommand(raw: string, orderKey: string): ParsedCommand {
  const text = raw.trim().replace(/\s+/g, ' ');
  const words = text.toLowerCase().split(' ');
  const [w0, w1, w2] = words;
  if (!w0 || w0 === 'help' || w0 === '?' || w0 === 'commands') return { kind: 'help' };
  if (words.length === 1 && (w0 === 'status' || w0 === 'portfolio' || w0 === 'positions')) return v('get_portfolio_status', {}, 'portfolio status');
  if (words.length === 1 && (w0 === 'metrics' || w0 === 'performance')) return v('get_performance_metrics', {}, 'performance metrics');
  if (words.length === 1 && w0 === 'risk') return v('get_risk_metrics', {}, 'risk metrics');
  if (words.length === 1 && w0 === 'pause') return v('pause_execution_agent', {}, 'pause the execution agent');
  if (words.length === 1 && w0 === 'resume') return v('resume_execution_agent', {}, 'resume the execution agent');
  if (words.length === 1 && (w0 === 'evaluate' || w0 === 'judge')) return v('trigger_performance_evaluation', {}, 'run the judge now');
  if (words.length === 1 && w0 === 'scores') return v('get_judge_scores', { limit: 5 }, 'judge scores');
  if (words.length === 1 && w0 === 'prompts') return v('get_prompt_history', {}, 'prompt history');
  if (words.length === 1 && w0 === 'usage') return v('get_llm_usage', {}, 'LLM usage');
  if (w0 === 'mode' && words.length === 2 && (w1 === 'conservative' || w1 === 'standard' || w1 === 'aggressive')) {
    return v('set_execution_mode', { mode: w1 }, `switch the execution agent to ${w1}`);
  }
  if (w0 === 'kill' && w1 === 'switch' && (w2 === 'on' || w2 === 'off') && words.length === 3) return v('set_kill_switch', { on: w2 === 'on' }, `kill switch ${w2}`);
  if (w0 === 'start' && w1 === 'stream' && words.length >= 3) {
    const symbols = words.slice(2).map((s) => s.toUpperCase());
    if (symbols.every((s) => SYMBOL.test(s))) return v('start_market_stream', { symbols }, `start the market stream for ${symbols.join(', ')}`);
  }
  if (w0 === 'stop' && w1 === 'stream' && words.length === 2) return v('stop_market_stream', {}, 'stop the market stream');
  if ((w0 === 'buy' || w0 === 'sell') && (words.length === 3 || words.length === 5)) {
    let amount = w1!;
    const symbol = w2!.toUpperCase();
    const byNotional = amount.startsWith('$');
    if (byNotional) amount = amount.slice(1);
    if (AMOUNT.test(amount) && SYMBOL.test(symbol)) {
      const input: Record<string, unknown> = { symbol, side: w0, type: 'market', idempotencyKey: orderKey, ...(byNotional ? { notional: amount } : { quantity: amount }) };
      if (words.length === 5) {
        if (words[3] !== 'at' || !AMOUNT.test(words[4]!)) return { kind: 'unknown', text };
        input.type = 'limit';
        input.limitPrice = words[4];
      }
      const what = `${w0} ${byNotional ? `$${amount} of` : amount} ${symbol}${input.type === 'limit' ? ` limit ${String(input.limitPrice)}` : ' at market'}`;
      return v('place_mock_order', input, what);
    }
  }
  return { kind: 'unknown', text };
}

function v(verb: string, input: Record<string, unknown>, describe: string): ParsedCommand {
  return { kind: 'verb', verb, input, describe };
}
