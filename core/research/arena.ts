/**
 * The arena's arithmetic: decision tapes (what each configuration did at each bar), agreement
 * between configurations and between repeated samples of one, and the ranking by P&L net of
 * fees (booked in the backtest) and of model cost. Money is exact (`Dec`); agreement and spread
 * are statistics. Pure.
 */
import { Dec } from '../domain/decimal';
import type { SymbolTape } from './types';

/** What a configuration did at one bar: '-' no decision there, 'h' hold, 'b' buy, 's' sell. */
export type Action = '-' | 'h' | 'b' | 's';

export type { SymbolTape };

export function encodeActions(actions: readonly Action[]): string {
  let out = '';
  for (let i = 0; i < actions.length; ) {
    let j = i;
    while (j < actions.length && actions[j] === actions[i]) j++;
    out += `${j - i}${actions[i]}`;
    i = j;
  }
  return out;
}

export function decodeActions(rle: string): Action[] {
  const out: Action[] = [];
  const re = /(\d+)([-hbs])/g;
  for (let m = re.exec(rle); m; m = re.exec(rle)) for (let k = 0; k < Number(m[1]); k++) out.push(m[2] as Action);
  return out;
}

/** Bars where both decided (same symbol and time) and how many of those decisions were the same. */
export function agreement(a: readonly SymbolTape[], b: readonly SymbolTape[]): { compared: number; equal: number } {
  let compared = 0;
  let equal = 0;
  for (const ta of a) {
    const tb = b.find((x) => x.symbol === ta.symbol && x.barMs === ta.barMs);
    if (!tb) continue;
    const xa = decodeActions(ta.actions);
    const xb = decodeActions(tb.actions);
    const shift = Math.round((ta.from - tb.from) / ta.barMs);
    for (let i = 0; i < xa.length; i++) {
      const j = i + shift;
      if (j < 0 || j >= xb.length) continue;
      if (xa[i] === '-' || xb[j] === '-') continue;
      compared++;
      if (xa[i] === xb[j]) equal++;
    }
  }
  return { compared, equal };
}

const share = (r: { compared: number; equal: number }) => (r.compared > 0 ? r.equal / r.compared : null);

export interface ArenaRunFigures {
  contestant: number;
  sample: number;
  ok: boolean;
  /** Final equity − initial cash: after every fee the backtest booked. */
  pnl: string;
  fees: string;
  /** Model cost of every answer this configuration used, cached or not (what running it costs). */
  modelCost: string;
  tapes: SymbolTape[];
}

export interface RankRow {
  contestant: number;
  label: string;
  samples: number;
  /** Means over the samples that finished (exact decimals, 8 places). */
  pnl: string;
  fees: string;
  modelCost: string;
  /** P&L − model cost. */
  net: string;
  /** Sample standard deviation of net across samples (null under two). */
  netStdev: number | null;
  netMin: string | null;
  netMax: string | null;
  rank: number;
}

export interface ArenaReport {
  ranking: RankRow[];
  /** Pairwise share of equal decisions where both decided (first sample of each); null: no common decision. */
  agreement: (number | null)[][];
  /** Per configuration: mean agreement between its samples (null under two samples). */
  selfAgreement: (number | null)[];
}

export function arenaReport(labels: readonly string[], runs: readonly ArenaRunFigures[]): ArenaReport {
  const byContestant = labels.map((_, c) => runs.filter((r) => r.contestant === c && r.ok).sort((a, b) => a.sample - b.sample));
  const rows: Omit<RankRow, 'rank'>[] = byContestant.map((rs, c) => {
    const n = rs.length;
    const mean = (f: (r: ArenaRunFigures) => Dec) => (n ? Dec.sum(rs.map(f)).div(Dec.int(n)).round(8).toString() : '0');
    const nets = rs.map((r) => Dec.of(r.pnl).sub(r.modelCost));
    const netsF = nets.map((x) => x.toNumber());
    const m = netsF.reduce((a, b) => a + b, 0) / Math.max(1, n);
    return {
      contestant: c,
      label: labels[c]!,
      samples: n,
      pnl: mean((r) => Dec.of(r.pnl)),
      fees: mean((r) => Dec.of(r.fees)),
      modelCost: mean((r) => Dec.of(r.modelCost)),
      net: n ? Dec.sum(nets).div(Dec.int(n)).round(8).toString() : '0',
      netStdev: n >= 2 ? Math.sqrt(netsF.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1)) : null,
      netMin: n ? nets.reduce((a, b) => Dec.min(a, b)).toString() : null,
      netMax: n ? nets.reduce((a, b) => Dec.max(a, b)).toString() : null,
    };
  });
  // Ranked by mean net; configurations with no finished sample last.
  const order = [...rows].sort((a, b) => (a.samples === 0 ? 1 : 0) - (b.samples === 0 ? 1 : 0) || Dec.of(b.net).cmp(Dec.of(a.net)) || a.contestant - b.contestant);
  const ranking = order.map((r, i) => ({ ...r, rank: i + 1 }));
  const first = byContestant.map((rs) => rs[0] ?? null);
  const matrix = labels.map((_, i) => labels.map((__, j) => (i === j ? (first[i] ? 1 : null) : first[i] && first[j] ? share(agreement(first[i]!.tapes, first[j]!.tapes)) : null)));
  const selfAgreement = byContestant.map((rs) => {
    if (rs.length < 2) return null;
    const xs: number[] = [];
    for (let a = 0; a < rs.length; a++) for (let b = a + 1; b < rs.length; b++) {
      const s = share(agreement(rs[a]!.tapes, rs[b]!.tapes));
      if (s !== null) xs.push(s);
    }
    return xs.length ? xs.reduce((p, q) => p + q, 0) / xs.length : null;
  });
  return { ranking, agreement: matrix, selfAgreement };
}
