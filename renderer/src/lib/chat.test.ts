import { describe, expect, it } from 'vitest';
import { splitMessage, summarize } from './chat';

const reply = `(No language model is configured.)
Done: buy $100 of BTC-USD at market.
{
 "orderId": "ord-1",
 "status": "filled",
 "symbol": "BTC-USD",
 "fill": { "price": "60007.89", "fee": "1.19", "note": "a } inside a string" },
 "rule": null
}
Anything else?`;

describe('chat message segments', () => {
  it('separates prose from JSON blocks, strings with brackets included', () => {
    const s = splitMessage(reply);
    expect(s.map((x) => x.kind)).toEqual(['text', 'data', 'text']);
    expect(s[0]).toMatchObject({ kind: 'text', text: '(No language model is configured.)\nDone: buy $100 of BTC-USD at market.' });
    expect(s[1]).toMatchObject({ kind: 'data', value: { status: 'filled', fill: { note: 'a } inside a string' } } });
    expect(s[2]).toMatchObject({ kind: 'text', text: 'Anything else?' });
  });

  it('keeps bracketed prose and broken JSON as text', () => {
    expect(splitMessage('[note] prices are delayed')).toEqual([{ kind: 'text', text: '[note] prices are delayed' }]);
    expect(splitMessage('{ "a": 1')).toEqual([{ kind: 'text', text: '{ "a": 1' }]);
    expect(splitMessage('plain')).toEqual([{ kind: 'text', text: 'plain' }]);
  });

  it('summarises the fields worth a glance, ids last and nulls out', () => {
    const s = splitMessage(reply)[1]!;
    const sum = summarize(s.kind === 'data' ? s.value : null, 4);
    expect(sum.fields.map((f) => f.key)).toEqual(['status', 'symbol', 'fill.price', 'fill.fee']);
    expect(sum.hidden).toBe(2);
    expect(summarize([1, 2, 3]).count).toBe(3);
    expect(summarize({ positions: [{}, {}] }).fields).toEqual([{ key: 'positions', value: '2 items' }]);
  });
});
