import { describe, expect, it } from 'vitest';
import { renderToString } from 'react-dom/server';
import { GapCount } from './GapCount';

describe('GapCount', () => {
  it('shows nothing without gaps (or before the snapshot arrives)', () => {
    expect(renderToString(<GapCount gaps={undefined} />)).toBe('');
    expect(renderToString(<GapCount gaps={{ pending: 0, filled: 0, unfilled: 0, barsRefilled: 0 }} />)).toBe('');
  });

  it('counts refilled, unfilled and pending gaps; unfilled ones are flagged', () => {
    const ok = renderToString(<GapCount gaps={{ pending: 0, filled: 2, unfilled: 0, barsRefilled: 14 }} />);
    expect(ok).toContain(' · gaps 2 refilled<');
    expect(ok).toContain('class="mono faint"');
    expect(ok).toContain('14 bars so far');
    const bad = renderToString(<GapCount gaps={{ pending: 1, filled: 2, unfilled: 1, barsRefilled: 14 }} />);
    expect(bad).toContain(' · gaps 2 refilled, 1 unfilled, 1 pending<');
    expect(bad).toContain('class="mono down"');
  });
});
