/**
 * A tool result shown in the chat as JSON that still parses when it is too long to show whole:
 * rather than cutting the text mid-value (which leaves a blob nobody can read and the cockpit
 * cannot render as a card), the largest parts are shortened first — a long list keeps its first
 * items and says how many more there are, a long string is cut with an ellipsis, a big nested
 * object becomes `{…}` — so small figures such as cash and positions stay whole.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Slot = { parent: Json[] | { [k: string]: Json }; key: string | number; size: number };

const MORE = /^… (\d+) more$/;

function size(v: Json): number {
  return JSON.stringify(v).length;
}

/**
 * What to shorten next: the largest list of more than one item or long string; only when none
 * is left, the largest object (or one-item list) below the root, which becomes a placeholder.
 */
function largest(root: { v: Json }): Slot | null {
  let trim: Slot | null = null;
  let collapse: Slot | null = null;
  const visit = (parent: Slot['parent'], key: string | number, v: Json, isRoot: boolean): void => {
    if (typeof v === 'string') {
      if (v.length > 24 && !MORE.test(v) && (!trim || v.length > trim.size)) trim = { parent, key, size: v.length };
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const s = size(v);
    const items = Array.isArray(v) ? v.filter((x) => !(typeof x === 'string' && MORE.test(x))).length : 0;
    if (Array.isArray(v) && items > 1) {
      if (!trim || s > trim.size) trim = { parent, key, size: s };
    } else if (!isRoot && s > 8 && (!collapse || s > collapse.size)) collapse = { parent, key, size: s };
    if (Array.isArray(v)) v.forEach((x, i) => visit(v, i, x, false));
    else for (const [k, x] of Object.entries(v)) visit(v, k, x, false);
  };
  visit(root as unknown as { [k: string]: Json }, 'v', root.v, true);
  return trim ?? collapse;
}

function shorten(slot: Slot): void {
  const get = (): Json => (slot.parent as Record<string | number, Json>)[slot.key] as Json;
  const set = (x: Json): void => {
    (slot.parent as Record<string | number, Json>)[slot.key] = x;
  };
  const v = get();
  if (typeof v === 'string') {
    set(`${v.slice(0, Math.max(16, Math.floor(v.length / 2)))}…`);
    return;
  }
  if (Array.isArray(v)) {
    const last = v[v.length - 1];
    const more = typeof last === 'string' && MORE.test(last) ? Number(MORE.exec(last)![1]) : 0;
    const items = more ? v.slice(0, -1) : v;
    if (items.length > 1) {
      const keep = Math.max(1, Math.floor(items.length / 2));
      set([...items.slice(0, keep), `… ${items.length - keep + more} more`]);
      return;
    }
    set(`[${items.length + more} item${items.length + more === 1 ? '' : 's'}]`);
    return;
  }
  if (v !== null && typeof v === 'object') set('{…}');
}

/** `JSON.stringify(v, null, 1)` when it fits in `max` characters; otherwise a shortened copy's, always valid JSON. */
export function compactJson(v: unknown, max = 1500): string {
  const whole = JSON.stringify(v, null, 1) ?? '';
  if (whole.length <= max) return whole;
  const root = { v: JSON.parse(JSON.stringify(v) ?? 'null') as Json };
  for (let step = 0; step < 10_000; step++) {
    const text = JSON.stringify(root.v, null, 1);
    if (text.length <= max) return text;
    const slot = largest(root);
    if (!slot) break;
    shorten(slot);
  }
  const top = root.v !== null && typeof root.v === 'object' && !Array.isArray(root.v) ? Object.keys(root.v) : [];
  return JSON.stringify({ ...(top.length ? { fields: top } : {}), note: `result too large to show (${whole.length} characters)` }, null, 1);
}
