import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { windowFor } from '../lib/virtual';
import './VirtualTable.css';

export interface Column<T> {
  key: string;
  header: ReactNode;
  /** 'num' right-aligns in the tabular monospace face. */
  className?: string;
  width?: number | string;
  render: (row: T, index: number) => ReactNode;
}

export interface VirtualTableProps<T> {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T, index: number) => string | number;
  /** Fixed row height in px: cells are one line, overflow is ellipsised (full text in the title). */
  rowHeight?: number;
  /** Height of the scroll viewport in px. */
  height?: number;
  testId?: string;
  rowTestId?: string;
  onRowClick?: (row: T, index: number) => void;
  selectedKey?: string | number | null;
}

/**
 * A table whose DOM holds only the rows in view: backtest trade lists and the journal can run to
 * six figures and must scroll without jank. The viewport height is measured, so the component
 * also works inside panels that grow.
 */
export function VirtualTable<T>(props: VirtualTableProps<T>) {
  const rowHeight = props.rowHeight ?? 24;
  const height = props.height ?? 320;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(height);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setViewport(el.clientHeight || height));
    ro.observe(el);
    return () => ro.disconnect();
  }, [height]);

  // The header row sits inside the scroller (sticky), so it takes one row of the viewport.
  const w = windowFor({ scrollTop, viewport: Math.max(0, viewport - rowHeight), rowHeight, count: props.rows.length });
  const cols = props.columns.length;
  const body: ReactNode[] = [];
  for (let i = w.start; i < w.end; i++) {
    const row = props.rows[i] as T;
    const key = props.rowKey(row, i);
    body.push(
      <tr
        key={key}
        style={{ height: rowHeight }}
        className={props.selectedKey !== undefined && props.selectedKey === key ? 'selected' : undefined}
        data-testid={props.rowTestId}
        data-index={i}
        onClick={props.onRowClick ? () => props.onRowClick!(row, i) : undefined}
      >
        {props.columns.map((c) => (
          <td key={c.key} className={c.className}>
            {c.render(row, i)}
          </td>
        ))}
      </tr>,
    );
  }

  // Short lists shrink to their rows instead of leaving an empty band under them.
  return (
    <div
      ref={ref}
      className="vt"
      style={{ height: Math.min(height, (props.rows.length + 1) * rowHeight + 2) }}
      data-testid={props.testId}
      data-rows={props.rows.length}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <table style={{ ['--vt-row' as string]: `${rowHeight}px` }}>
        <thead>
          <tr style={{ height: rowHeight }}>
            {props.columns.map((c) => (
              <th key={c.key} className={c.className} style={c.width !== undefined ? { width: c.width } : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {w.padTop > 0 ? <tr aria-hidden="true" className="vt-pad" style={{ height: w.padTop }}><td colSpan={cols} /></tr> : null}
          {body}
          {w.padBottom > 0 ? <tr aria-hidden="true" className="vt-pad" style={{ height: w.padBottom }}><td colSpan={cols} /></tr> : null}
        </tbody>
      </table>
    </div>
  );
}
