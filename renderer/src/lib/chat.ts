/**
 * Broker replies mix prose with the JSON results of the verbs it ran (always so in the command
 * language). The chat shows prose as prose and each JSON block as a compact card, so a reply is
 * never a wall of JSON; the raw block stays one click away.
 */
export type Segment = { kind: 'text'; text: string } | { kind: 'data'; value: unknown; raw: string };

/** Splits at JSON objects/arrays that start a line and parse; anything else stays text. */
export function splitMessage(content: string): Segment[] {
  const out: Segment[] = [];
  let text = '';
  let i = 0;
  const flush = () => {
    if (text.trim()) out.push({ kind: 'text', text: text.replace(/\n+$/, '') });
    text = '';
  };
  while (i < content.length) {
    const atLineStart = i === 0 || content[i - 1] === '\n';
    const ch = content[i];
    if (atLineStart && (ch === '{' || ch === '[')) {
      const end = matchingBracket(content, i);
      if (end > i) {
        const raw = content.slice(i, end + 1);
        try {
          const value: unknown = JSON.parse(raw);
          if (value !== null && typeof value === 'object') {
            flush();
            out.push({ kind: 'data', value, raw });
            i = end + 1;
            if (content[i] === '\n') i++;
            continue;
          }
        } catch {
          // Not JSON after all (e.g. "[note] ..."): keep it as text.
        }
      }
    }
    text += ch;
    i++;
  }
  flush();
  return out;
}

/** Index of the bracket closing the one at `start`, skipping strings; -1 when unbalanced. */
function matchingBracket(s: string, start: number): number {
  let depth = 0;
  let inStr = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export interface Field {
  key: string;
  value: string;
}

const PRIORITY = ['status', 'symbol', 'side', 'type', 'fill.price', 'fill.quantity', 'fill.notional', 'fill.fee', 'rule', 'reason', 'equity', 'cash', 'mode', 'on', 'killSwitch'];

/**
 * The fields worth a glance: scalars of the object and of its nested objects one level down
 * (`fill.price`), important keys first, nulls and ids left for the raw view.
 */
export function summarize(value: unknown, max = 8): { fields: Field[]; hidden: number; count: number | null } {
  if (Array.isArray(value)) return { fields: [], hidden: 0, count: value.length };
  if (!value || typeof value !== 'object') return { fields: [], hidden: 0, count: null };
  const all: Field[] = [];
  const add = (key: string, v: unknown) => {
    if (v === null || v === undefined || v === '') return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') all.push({ key, value: String(v) });
    else if (Array.isArray(v)) all.push({ key, value: `${v.length} item${v.length === 1 ? '' : 's'}` });
  };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) add(`${k}.${k2}`, v2);
    else add(k, v);
  }
  const rank = (f: Field) => {
    const p = PRIORITY.indexOf(f.key);
    if (p >= 0) return p;
    return /(^|\.)(id|.*Id|idempotencyKey|correlationId)$/.test(f.key) ? 1000 : 100;
  };
  const sorted = all.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
  return { fields: sorted.slice(0, max), hidden: Math.max(0, sorted.length - max), count: null };
}
