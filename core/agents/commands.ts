/**
 * The broker's command language, used when no model is configured: a few plain commands mapped
 * onto contract verbs, which then run through dispatch with the same validation and gates as
 * any other door. Pure: parsing only.
 */
import { PRODUCT_RE } from '../domain/product';
import { isExecutionMode } from './prompt-ids';

export type ParsedCommand =
  | { kind: 'verb'; verb: string; input: Record<string, unknown>; describe: string }
  | { kind: 'help' }
  | { kind: 'unknown'; text: string };

const AMOUNT = /^\d+(\.\d+)?$/;

export const COMMAND_HELP = [
  'I am running without a language model, so I understand these commands:',
  '  status | portfolio            - cash, positions, P&L',
  '  metrics                       - performance metrics',
  '  risk                          - risk metrics and limits',
  '  buy 0.01 BTC-USD              - paper market order in base units',
  '  buy $100 BTC-USD              - paper market order by notional',
  '  sell 0.01 BTC-USD at 65000    - paper limit order',
  '  buy $100 BTC-USD tp 66000 sl 58000  - with a bracket (take-profit, stop-loss; either alone)',
  '  stop sell 0.01 BTC-USD at 58000    - stop (stop 58000 limit 57900 for a stop-limit)',
  '  trail sell 0.01 BTC-USD 2%         - trailing stop (2% under the best price since)',
  '  take profit sell 0.01 BTC-USD at 66000',
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
  if (w0 === 'mode' && words.length === 2 && isExecutionMode(w1)) {
    return v('set_execution_mode', { mode: w1 }, `switch the execution agent to ${w1}`);
  }
  if (w0 === 'kill' && w1 === 'switch' && (w2 === 'on' || w2 === 'off') && words.length === 3) return v('set_kill_switch', { on: w2 === 'on' }, `kill switch ${w2}`);
  if (w0 === 'start' && w1 === 'stream' && words.length >= 3) {
    const symbols = words.slice(2).map((s) => s.toUpperCase());
    if (symbols.every((s) => PRODUCT_RE.test(s))) return v('start_market_stream', { symbols }, `start the market stream for ${symbols.join(', ')}`);
  }
  if (w0 === 'stop' && w1 === 'stream' && words.length === 2) return v('stop_market_stream', {}, 'stop the market stream');
  const conditional = parseConditional(words, orderKey);
  if (conditional) return conditional;
  // buy $100 BTC-USD [at 60000] tp 66000 sl 58000: an entry with its bracket.
  if (w0 === 'buy' && words.length >= 5 && (words.includes('tp') || words.includes('sl'))) {
    const head = words.slice(0, words.findIndex((w) => w === 'tp' || w === 'sl'));
    const tail = words.slice(head.length);
    const entry = parseCommand(head.join(' '), orderKey);
    const bracket: Record<string, unknown> = {};
    for (let i = 0; i < tail.length; i += 2) {
      const [k, px] = [tail[i], tail[i + 1]];
      if (!px || !AMOUNT.test(px) || (k !== 'tp' && k !== 'sl') || (k === 'tp' ? 'takeProfit' : 'stopLoss') in bracket) return { kind: 'unknown', text };
      bracket[k === 'tp' ? 'takeProfit' : 'stopLoss'] = k === 'tp' ? { limitPrice: px } : { stopPrice: px };
    }
    if (entry.kind !== 'verb' || entry.verb !== 'place_mock_order') return { kind: 'unknown', text };
    const b = bracket as { takeProfit?: { limitPrice: string }; stopLoss?: { stopPrice: string } };
    const legs = [b.takeProfit ? `take-profit ${b.takeProfit.limitPrice}` : null, b.stopLoss ? `stop-loss ${b.stopLoss.stopPrice}` : null].filter(Boolean).join(', ');
    return v('place_mock_order', { ...entry.input, bracket }, `${entry.describe} with ${legs}`);
  }
  if ((w0 === 'buy' || w0 === 'sell') && (words.length === 3 || words.length === 5)) {
    let amount = w1!;
    const symbol = w2!.toUpperCase();
    const byNotional = amount.startsWith('$');
    if (byNotional) amount = amount.slice(1);
    if (AMOUNT.test(amount) && PRODUCT_RE.test(symbol)) {
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

/**
 * stop sell 0.01 BTC-USD at 58000 [limit 57900] · trail sell 0.01 BTC-USD 2% (or 500) ·
 * take profit sell 0.01 BTC-USD at 66000. Quantities in base units: the price is not known yet.
 */
function parseConditional(words: string[], orderKey: string): ParsedCommand | null {
  const take = words[0] === 'take' && words[1] === 'profit';
  const rest = take ? words.slice(2) : words.slice(1);
  const kind = take ? 'take_profit' : words[0] === 'stop' ? 'stop' : words[0] === 'trail' ? 'trailing_stop' : null;
  if (!kind || rest.length < 4) return null;
  const [side, qty, sym] = rest as [string, string, string];
  const symbol = sym.toUpperCase();
  if ((side !== 'buy' && side !== 'sell') || !AMOUNT.test(qty) || !PRODUCT_RE.test(symbol)) return null;
  const base = { symbol, side, quantity: qty, idempotencyKey: orderKey };
  if (kind === 'trailing_stop' && rest.length === 4) {
    const t = rest[3]!;
    const pct = /^(\d+(\.\d+)?)%$/.exec(t);
    if (pct && Number(pct[1]) > 0 && Number(pct[1]) < 50) {
      const fraction = (Number(pct[1]) / 100).toFixed(8).replace(/0+$/, '');
      return v('place_mock_order', { ...base, type: 'trailing_stop', trailingPct: fraction }, `${side} ${qty} ${symbol} on a ${pct[1]}% trailing stop`);
    }
    if (AMOUNT.test(t)) return v('place_mock_order', { ...base, type: 'trailing_stop', trailingAmount: t }, `${side} ${qty} ${symbol} on a trailing stop ${t} behind the best price`);
    return null;
  }
  if (rest[3] !== 'at' || !AMOUNT.test(rest[4] ?? '')) return null;
  const px = rest[4]!;
  if (kind === 'take_profit' && rest.length === 5) return v('place_mock_order', { ...base, type: 'take_profit', limitPrice: px }, `take profit: ${side} ${qty} ${symbol} at ${px}`);
  if (kind === 'stop' && rest.length === 5) return v('place_mock_order', { ...base, type: 'stop', stopPrice: px }, `stop: ${side} ${qty} ${symbol} when it trades at ${px}`);
  if (kind === 'stop' && rest.length === 7 && rest[5] === 'limit' && AMOUNT.test(rest[6]!)) {
    return v('place_mock_order', { ...base, type: 'stop_limit', stopPrice: px, limitPrice: rest[6] }, `stop-limit: ${side} ${qty} ${symbol} at ${px}, limit ${rest[6]!}`);
  }
  return null;
}

function v(verb: string, input: Record<string, unknown>, describe: string): ParsedCommand {
  return { kind: 'verb', verb, input, describe };
}
