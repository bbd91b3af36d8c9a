/**
 * JSON for checkpoints: engine and strategy state hold NaN ("not yet defined") which plain JSON
 * turns into null, and null compares as 0. A sentinel keeps NaN a NaN across SQLite and Temporal.
 */
const NAN = '\u0000NaN';

export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && Number.isNaN(x) ? NAN : x));
}

export function fromJson<T>(s: string): T {
  return JSON.parse(s, (_k, x: unknown) => (x === NAN ? NaN : x)) as T;
}
