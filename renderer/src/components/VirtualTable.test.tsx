import { describe, expect, it } from 'vitest';
import { renderToString } from 'react-dom/server';
import { VirtualTable, type Column } from './VirtualTable';

interface Trade { id: number; side: string; price: string }
const rows: Trade[] = Array.from({ length: 100_000 }, (_, i) => ({ id: i, side: i % 2 ? 'sell' : 'buy', price: `${60000 + i}.25` }));
const columns: Column<Trade>[] = [
  { key: 'id', header: '#', className: 'num', render: (t) => t.id },
  { key: 'side', header: 'Side', render: (t) => t.side },
  { key: 'price', header: 'Price', className: 'num', render: (t) => t.price },
];

describe('VirtualTable', () => {
  it('puts only the first window of 100,000 rows in the markup, with a spacer for the rest', () => {
    const html = renderToString(<VirtualTable rows={rows} columns={columns} rowKey={(t) => t.id} rowHeight={20} height={300} rowTestId="trade-row" />);
    const rendered = html.match(/data-testid="trade-row"/g)?.length ?? 0;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(40);
    expect(html).toContain('60000.25');
    expect(html).not.toContain('160000.25');
    // Spacer keeps the scrollbar the height of all rows: (100,000 - rendered) * 20px.
    expect(html).toContain(`height:${(100_000 - rendered) * 20}px`);
    expect(html).toContain('data-rows="100000"');
  });

  it('renders the header and no spacers for an empty list', () => {
    const html = renderToString(<VirtualTable rows={[]} columns={columns} rowKey={(t) => t.id} />);
    expect(html).toContain('<th class="num">#</th>');
    expect(html).not.toContain('vt-pad');
  });

  it('marks the selected row', () => {
    const html = renderToString(<VirtualTable rows={rows.slice(0, 3)} columns={columns} rowKey={(t) => t.id} selectedKey={1} />);
    expect(html.match(/class="selected"/g)).toHaveLength(1);
  });
});
