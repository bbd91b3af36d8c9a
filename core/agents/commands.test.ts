import { describe, expect, it } from 'vitest';
import { api } from '../api/contract';
import { parseCommand } from './commands';

const order = (text: string) => {
  const c = parseCommand(text, 'broker:s1:1');
  if (c.kind !== 'verb') throw new Error(`not a verb: ${text}`);
  // Whatever the words, what reaches the book is a valid order of the contract.
  const parsed = api.place_mock_order.input.safeParse(c.input);
  expect(parsed.success, `${text}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  return c;
};

describe('the command language: conditional orders and brackets', () => {
  it('stops, stop-limits, take-profits and trailing stops', () => {
    expect(order('stop sell 0.01 BTC-USD at 58000').input).toMatchObject({ type: 'stop', side: 'sell', quantity: '0.01', stopPrice: '58000' });
    expect(order('stop sell 0.01 btc-usd at 58000 limit 57900').input).toMatchObject({ type: 'stop_limit', symbol: 'BTC-USD', stopPrice: '58000', limitPrice: '57900' });
    expect(order('take profit sell 0.01 BTC-USD at 66000').input).toMatchObject({ type: 'take_profit', limitPrice: '66000' });
    expect(order('trail sell 0.01 BTC-USD 2%').input).toMatchObject({ type: 'trailing_stop', trailingPct: '0.02' });
    expect(order('trail sell 0.01 BTC-USD 2.5%').input).toMatchObject({ trailingPct: '0.025' });
    expect(order('trail sell 0.01 BTC-USD 500').input).toMatchObject({ type: 'trailing_stop', trailingAmount: '500' });
  });

  it('an entry with its bracket, by quantity or notional, market or limit', () => {
    expect(order('buy $100 BTC-USD tp 66000 sl 58000')).toMatchObject({ input: { type: 'market', notional: '100', bracket: { takeProfit: { limitPrice: '66000' }, stopLoss: { stopPrice: '58000' } } }, describe: expect.stringMatching(/with take-profit 66000, stop-loss 58000/) });
    expect(order('buy 0.01 BTC-USD at 60000 sl 58000').input).toMatchObject({ type: 'limit', limitPrice: '60000', bracket: { stopLoss: { stopPrice: '58000' } } });
  });

  it('anything else is not understood (and nothing is placed)', () => {
    for (const t of ['stop sell 0.01 BTC-USD', 'trail sell 0.01 BTC-USD 60%', 'buy $100 BTC-USD tp', 'buy $100 BTC-USD tp 1 tp 2', 'sell 0.01 BTC-USD tp 66000', 'stop stream now']) {
      expect(parseCommand(t, 'k-0000001').kind, t).toBe('unknown');
    }
    expect(parseCommand('stop stream', 'k-0000001')).toMatchObject({ kind: 'verb', verb: 'stop_market_stream' });
  });
});
