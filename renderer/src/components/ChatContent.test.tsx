import { describe, expect, it } from 'vitest';
import { renderToString } from 'react-dom/server';
import { ChatContent } from './ChatContent';

describe('ChatContent', () => {
  it('renders a JSON result as a collapsed card with its key fields, prose around it', () => {
    const html = renderToString(<ChatContent text={'Done: buy $100 of BTC-USD.\n{"orderId":"ord-1","status":"filled","symbol":"BTC-USD","fill":{"price":"60007.89"}}'} />);
    expect(html).toContain('Done: buy $100 of BTC-USD.');
    expect(html).toMatch(/<details class="data-card"/);
    expect(html).not.toMatch(/<details[^>]*open/);
    expect(html).toContain('status-filled');
    expect(html).toContain('fill.price');
    // Summary first: the raw JSON only inside the disclosure.
    expect(html.indexOf('<pre>')).toBeGreaterThan(html.indexOf('fill.price'));
  });
});
