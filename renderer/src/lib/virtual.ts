/**
 * Row windowing for long tables (journal, backtest trades, fills): only the rows in view plus an
 * overscan band are in the DOM, and two spacer heights keep the scrollbar honest. Fixed row
 * height keeps this O(1) per scroll event, which is what lets a 100,000-row trade list scroll
 * without layout work proportional to its length.
 */
export interface WindowInput {
  scrollTop: number;
  viewport: number;
  rowHeight: number;
  count: number;
  overscan?: number;
}

export interface RowWindow {
  start: number;
  /** Exclusive. */
  end: number;
  padTop: number;
  padBottom: number;
  total: number;
}

export function windowFor({ scrollTop, viewport, rowHeight, count, overscan = 8 }: WindowInput): RowWindow {
  const h = rowHeight > 0 ? rowHeight : 1;
  const n = Math.max(0, Math.floor(count));
  const total = n * h;
  if (n === 0) return { start: 0, end: 0, padTop: 0, padBottom: 0, total: 0 };
  // A scroll position past the end (rows removed under the user) clamps to the last page.
  const maxTop = Math.max(0, total - Math.max(0, viewport));
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / h);
  const visible = Math.ceil(Math.max(0, viewport) / h) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(n, first + visible + overscan);
  return { start, end, padTop: start * h, padBottom: (n - end) * h, total };
}

/** Scroll offset that brings row `index` into view with the least movement (keyboard navigation). */
export function scrollToReveal(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport);
  return scrollTop;
}
