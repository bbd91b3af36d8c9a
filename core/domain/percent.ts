/**
 * Percentages typed by a person ("1.5") to the exact decimal fractions the specs hold ("0.015"):
 * a decimal shift, never a float multiplication. The one conversion behind the Backtest page's
 * percent fields and the CLI's percent flags.
 */
import { Dec } from './decimal';

/** "1.5" (percent) to the exact fraction "0.015"; null unless a plain decimal in [0, below) percent. */
export function percentToFraction(v: string, below = '100'): string | null {
  const t = v.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const d = Dec.of(t);
  if (d.gte(below)) return null;
  return d.div('100').toString();
}

/** A fraction (a decimal string, or a number read by its shortest decimal) as a percentage: 0.015 -> "1.5". */
export function fractionToPercent(v: string | number): string {
  return (typeof v === 'number' ? Dec.fromMeasured(v) : Dec.of(v)).mul('100').toString();
}
