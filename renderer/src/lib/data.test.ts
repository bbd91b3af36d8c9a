import { describe, expect, it } from 'vitest';
import { day, downloadRatio, foldDownload, gapsText, newUploadId, sortDatasets, uploadParts, type Dataset, type DownloadEvent } from './data';

describe('data page logic', () => {
  it('splits an upload into ordered parts that rebuild the text', () => {
    const text = 'x'.repeat(250_001);
    const parts = uploadParts(text, 100_000);
    expect(parts.map((p) => p.offset)).toEqual([0, 100_000, 200_000]);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(uploadParts('')).toEqual([{ offset: 0, text: '' }]);
  });
  it('makes upload ids the verb accepts', () => {
    expect(newUploadId(() => 'ABCDEF12-3456-7890-abcd-ef1234567890')).toMatch(/^[a-z0-9-]{8,64}$/);
  });
  it('describes gaps and ranges', () => {
    expect(gapsText({ gaps: 0, missingBars: 0, largestGap: null })).toBe('none');
    expect(gapsText({ gaps: 1, missingBars: 1, largestGap: { after: 0, before: 2, missing: 1 } })).toBe('1 (1 bar)');
    expect(gapsText({ gaps: 2, missingBars: 30, largestGap: { after: Date.UTC(2019, 2, 19), before: 0, missing: 24 } })).toBe('2 (30 bars; largest 24 after 2019-03-19 00:00)');
    expect(day(null)).toBe('—');
  });
  it('folds download events per series and measures them', () => {
    const e = (pagesDone: number, state: DownloadEvent['state'] = 'running'): DownloadEvent => ({ symbol: 'BTC-USD', timeframe: '1h', from: 0, to: 1, pagesDone, pagesTotal: 4, requests: pagesDone, added: 0, rows: 0, done: pagesDone === 4, state, error: null });
    const s = foldDownload(foldDownload({}, e(1)), e(3));
    expect(Object.keys(s)).toEqual(['BTC-USD 1h']);
    expect(downloadRatio(s['BTC-USD 1h']!)).toBe(0.75);
    expect(downloadRatio({ pagesDone: 0, pagesTotal: 0 })).toBe(0);
  });
  it('lists the data dir first', () => {
    const d = (symbol: string, timeframe: Dataset['timeframe'], location: Dataset['location']) => ({ symbol, timeframe, location }) as Dataset;
    const sorted = sortDatasets([d('BTC-USD', '1d', 'shipped'), d('ZZZ-USD', '1h', 'data dir'), d('BTC-USD', '1h', 'shipped'), d('ABC-USD', '1m', 'data dir')]);
    expect(sorted.map((x) => `${x.symbol} ${x.timeframe} ${x.location}`)).toEqual(['ABC-USD 1m data dir', 'ZZZ-USD 1h data dir', 'BTC-USD 1h shipped', 'BTC-USD 1d shipped']);
  });
});
