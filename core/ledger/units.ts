/**
 * Integer units at a currency's precision (1.5 BTC at 8 places = 150000000n). The database adds
 * units to prove each entry balances; BigInt keeps them exact past 2^53.
 */
import { Dec } from '../domain/decimal';
import { LedgerError } from './errors';

const POW10: bigint[] = Array.from({ length: 19 }, (_, i) => 10n ** BigInt(i));

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

export function toUnits(amount: string | Dec, precision: number, what = 'amount'): bigint {
  // Fast path for canonical strings (the hot path of posting); anything else goes through Dec.
  if (typeof amount === 'string') {
    const m = PLAIN.exec(amount);
    if (m && m[2]!.length <= 30) {
      const frac = (m[3] ?? '').replace(/0+$/, '');
      if (frac.length > precision) throw new LedgerError('invalid', `${what} ${amount} has more than ${precision} decimal places`);
      const v = BigInt(m[2]! + frac.padEnd(precision, '0'));
      return m[1] ? -v : v;
    }
  }
  const d = Dec.of(amount);
  if (d.decimalPlaces() > precision) {
    throw new LedgerError('invalid', `${what} ${d.toString()} has more than ${precision} decimal places`);
  }
  const s = d.toFixed(precision);
  const neg = s.startsWith('-');
  const digits = (neg ? s.slice(1) : s).replace('.', '');
  const v = BigInt(digits);
  return neg ? -v : v;
}

export function fromUnits(units: bigint, precision: number): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  if (precision === 0) return `${neg && abs !== 0n ? '-' : ''}${abs.toString()}`;
  const p = POW10[precision] ?? 10n ** BigInt(precision);
  const whole = abs / p;
  const frac = (abs % p).toString().padStart(precision, '0').replace(/0+$/, '');
  const body = frac ? `${whole.toString()}.${frac}` : whole.toString();
  return neg && abs !== 0n ? `-${body}` : body;
}
