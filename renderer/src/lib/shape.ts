/** Reading results of verbs whose exact shape is still landing: find the list, read a field. */
export type Rec = Record<string, unknown>;

export function isRec(v: unknown): v is Rec {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The array itself, or the first array-valued field among `keys` (then any array field). */
export function listOf(v: unknown, ...keys: string[]): Rec[] {
  if (Array.isArray(v)) return v.filter(isRec);
  if (!isRec(v)) return [];
  for (const k of keys) if (Array.isArray(v[k])) return (v[k] as unknown[]).filter(isRec);
  for (const x of Object.values(v)) if (Array.isArray(x)) return x.filter(isRec);
  return [];
}

export function str(v: unknown, fallback = '—'): string {
  if (v === null || v === undefined) return fallback;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

export function pick(v: unknown, ...keys: string[]): unknown {
  if (!isRec(v)) return undefined;
  for (const k of keys) if (v[k] !== undefined) return v[k];
  return undefined;
}
