import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefaultTemplates, renderTemplate, validateTemplate } from './prompts';

const dir = path.resolve(__dirname, '../../prompts');

describe('prompt templates', () => {
  it('ships five valid templates', () => {
    const t = loadDefaultTemplates(dir);
    expect(Object.keys(t).sort()).toEqual(['broker', 'execution-aggressive', 'execution-conservative', 'execution-standard', 'judge']);
    expect(t['execution-conservative']).toMatch(/CONSERVATIVE/);
  });

  it('renders the execution prompt with the live context, unescaped', () => {
    const t = loadDefaultTemplates(dir)['execution-standard'];
    const text = renderTemplate(t, {
      now: '2025-01-01T00:00:00Z',
      mode: 'standard',
      markets: [{ symbol: 'BTC-USD', price: '64000.10', changePct: '0.8', features: [{ name: 'rsi14', value: '55.2' }] }],
      portfolio: { equity: '1000', quote: 'USD', cash: '900', positions: [{ symbol: 'ETH-USD', quantity: '0.05', avgPrice: '2000', unrealizedPnl: '1.5' }] },
      limits: [{ name: 'maxOrderNotional', value: '250' }],
      constraints: null,
      recentDecisions: [{ at: 't1', action: 'hold', symbol: 'BTC-USD', rationale: 'flat & "quiet" <market>' }],
    });
    expect(text).toContain('BTC-USD: price 64000.10 (0.8% since last decision), rsi14 55.2');
    expect(text).toContain('holding 0.05 ETH-USD at average 2000');
    expect(text).toContain('flat & "quiet" <market>');
    expect(text).not.toContain('Judge constraints');
  });

  it('refuses a template that does not parse, with the parser message', () => {
    const r = validateTemplate('judge', 'Scores: {{#scores}}{{overall}}');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/Unclosed section "scores"/);
    expect(validateTemplate('judge', '{{ unclosed').ok).toBe(false);
  });

  it('refuses unknown variables and partials, accepts known ones', () => {
    const r = validateTemplate('broker', 'Hi {{now}} {{executon.mode}}');
    expect(!r.ok && r.error).toMatch(/executon\.mode/);
    expect(validateTemplate('broker', 'x {{> other}}').ok).toBe(false);
    expect(validateTemplate('broker', 'Hi {{now}} {{execution.mode}} {{#execution}}{{anything}}{{/execution}}').ok).toBe(true);
    expect(validateTemplate('broker', '   ').ok).toBe(false);
  });
});
