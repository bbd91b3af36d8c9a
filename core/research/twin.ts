/**
 * The twin report: a finished paper session beside its backtest twin — the same agent version
 * over the same bars — trade by trade. Each paper fill is paired with the twin's nearest fill of
 * the same symbol and side (within `window` ms); each pair's gaps are measured and explained:
 *
 * - timing: the twin fills at the open of the bar after its decision bar; the paper ledger filled
 *   when the order arrived, against the last mark;
 * - price: split into the move of the reference (paper: the mark at the order; twin: the next
 *   bar's open) and the difference in spread and slippage charged on top of it;
 * - fee: the rates (the paper ledger's may have been changed during the session) times notional;
 * - size: both size from their own equity, which drifts apart with every earlier difference.
 *
 * Fills without a partner are listed with what the twin or the session did instead. Pure.
 */
import { Dec } from '../domain/decimal';
import type { TwinFill } from './types';

export type { TwinFill };

export interface TwinPair {
  symbol: string;
  side: 'buy' | 'sell';
  paper: TwinFill;
  twin: TwinFill;
  /** twin time − paper time, ms. */
  timingMs: number;
  /** (twin price − paper price) / paper price, bps (positive: the twin paid more on a buy). */
  priceGapBps: number;
  /** Of which the reference moved: (twin reference − paper reference) / paper reference, bps. */
  referenceMoveBps: number;
  /** And the rest: spread and slippage charged differently, bps. */
  costGapBps: number;
  /** twin fee − paper fee, exact. */
  feeGap: string;
  /** twin quantity − paper quantity, exact. */
  quantityGap: string;
  explanation: string[];
}

export interface TwinUnmatched {
  source: 'paper' | 'twin';
  fill: TwinFill;
  explanation: string;
}

export interface TwinSummary {
  paperFills: number;
  twinFills: number;
  matched: number;
  paperFees: string;
  twinFees: string;
  meanTimingMs: number | null;
  meanPriceGapBps: number | null;
  meanReferenceMoveBps: number | null;
  meanCostGapBps: number | null;
}

const bps = (a: Dec, b: Dec): number => (b.isZero() ? 0 : a.sub(b).div(b).toNumber() * 10_000);
const fmtMs = (ms: number) => (Math.abs(ms) >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function pairFills(paper: readonly TwinFill[], twin: readonly TwinFill[], opts: { window: number; barMs: number }): { pairs: TwinPair[]; unmatched: TwinUnmatched[]; summary: TwinSummary } {
  const used = new Set<number>();
  const pairs: TwinPair[] = [];
  const unmatched: TwinUnmatched[] = [];
  const sortedPaper = [...paper].sort((a, b) => a.time - b.time);
  for (const p of sortedPaper) {
    let best = -1;
    for (let k = 0; k < twin.length; k++) {
      const t = twin[k]!;
      if (used.has(k) || t.symbol !== p.symbol || t.side !== p.side || Math.abs(t.time - p.time) > opts.window) continue;
      if (best < 0 || Math.abs(t.time - p.time) < Math.abs(twin[best]!.time - p.time)) best = k;
    }
    if (best < 0) {
      unmatched.push({ source: 'paper', fill: p, explanation: `the twin did not ${p.side} ${p.symbol} within ${fmtMs(opts.window)} of this fill: the backtest decided differently here (different portfolio, or the live agent decided between the backtest's nudges)` });
      continue;
    }
    used.add(best);
    const t = twin[best]!;
    const pp = Dec.of(p.price);
    const tp = Dec.of(t.price);
    const priceGapBps = bps(tp, pp);
    const referenceMoveBps = bps(Dec.of(t.referencePrice), Dec.of(p.referencePrice));
    const costGapBps = priceGapBps - referenceMoveBps;
    const feeGap = Dec.of(t.fee).sub(p.fee);
    const quantityGap = Dec.of(t.quantity).sub(p.quantity);
    const timingMs = t.time - p.time;
    const explanation: string[] = [];
    explanation.push(
      timingMs === 0
        ? 'same time'
        : `timing: the twin filled ${fmtMs(Math.abs(timingMs))} ${timingMs > 0 ? 'later' : 'earlier'} — it fills at the open of the bar after its decision bar (${fmtMs(opts.barMs)} bars), the paper ledger when the order arrived`,
    );
    if (Math.abs(referenceMoveBps) >= 0.01) explanation.push(`price: the reference moved ${referenceMoveBps.toFixed(2)} bps between the paper mark (${p.referencePrice}) and the twin's bar open (${t.referencePrice})`);
    if (Math.abs(costGapBps) >= 0.01) explanation.push(`costs: spread and slippage differ by ${costGapBps.toFixed(2)} bps (paper ${p.slippageBps.toFixed(2)} bps, twin ${t.slippageBps.toFixed(2)} bps over their references)`);
    if (!feeGap.isZero()) {
      const pr = Dec.of(p.notional).isZero() ? null : Dec.of(p.fee).div(p.notional);
      const tr = Dec.of(t.notional).isZero() ? null : Dec.of(t.fee).div(t.notional);
      explanation.push(
        pr && tr && !pr.round(6).eq(tr.round(6))
          ? `fee: a different rate (paper ${pr.mul('100').round(4).toString()}%, twin ${tr.mul('100').round(4).toString()}% of notional)`
          : `fee: the same rate on a different notional (paper ${p.notional}, twin ${t.notional})`,
      );
    }
    if (!quantityGap.isZero()) explanation.push(`size: ${quantityGap.isPositive() ? 'the twin bought or sold more' : 'the twin traded less'} (${t.quantity} vs ${p.quantity}): each sizes from its own equity, which earlier differences moved apart`);
    pairs.push({ symbol: p.symbol, side: p.side, paper: p, twin: t, timingMs, priceGapBps, referenceMoveBps, costGapBps, feeGap: feeGap.toString(), quantityGap: quantityGap.toString(), explanation });
  }
  twin.forEach((t, k) => {
    if (!used.has(k)) unmatched.push({ source: 'twin', fill: t, explanation: `the session did not ${t.side} ${t.symbol} within ${fmtMs(opts.window)} of this twin fill: the live agent held, skipped the nudge (stale or unmoved price), or an order was refused` });
  });
  unmatched.sort((a, b) => a.fill.time - b.fill.time);
  return {
    pairs,
    unmatched,
    summary: {
      paperFills: paper.length,
      twinFills: twin.length,
      matched: pairs.length,
      paperFees: Dec.sum(paper.map((f) => f.fee)).toString(),
      twinFees: Dec.sum(twin.map((f) => f.fee)).toString(),
      meanTimingMs: mean(pairs.map((x) => x.timingMs)),
      meanPriceGapBps: mean(pairs.map((x) => x.priceGapBps)),
      meanReferenceMoveBps: mean(pairs.map((x) => x.referenceMoveBps)),
      meanCostGapBps: mean(pairs.map((x) => x.costGapBps)),
    },
  };
}
