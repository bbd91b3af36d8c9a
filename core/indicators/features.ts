/**
 * The per-symbol feature vector the agents read: every indicator of ./incremental fed bar by bar
 * from one plain state object. The workflow keeps one `FeatureState` per symbol; backtests and
 * tests build the same vectors offline with `computeFeatures`, so "live equals offline" is a
 * straight equality.
 *
 * Pure and deterministic: safe to import from workflows.
 */
import {
  atrInit,
  atrUpdate,
  bollingerInit,
  bollingerUpdate,
  emaInit,
  emaUpdate,
  lastLogReturn,
  macdInit,
  macdUpdate,
  realisedVol,
  returnOver,
  returnsInit,
  returnsUpdate,
  rsiInit,
  rsiUpdate,
  smaInit,
  smaUpdate,
  vwapInit,
  vwapUpdate,
  type AtrState,
  type BollingerState,
  type EmaState,
  type MacdState,
  type ReturnsState,
  type RsiState,
  type SmaState,
  type VwapState,
} from './incremental';
import type { Ohlcv } from '../domain/market';

export interface FeatureParams {
  smaPeriod: number;
  emaFast: number;
  emaSlow: number;
  rsiPeriod: number;
  macd: [number, number, number];
  bollinger: [number, number];
  atrPeriod: number;
  volWindow: number;
  /** Bar length, for annualising volatility and for staleness. */
  barMs: number;
}

export const DEFAULT_FEATURE_PARAMS: FeatureParams = {
  smaPeriod: 20,
  emaFast: 12,
  emaSlow: 26,
  rsiPeriod: 14,
  macd: [12, 26, 9],
  bollinger: [20, 2],
  atrPeriod: 14,
  volWindow: 30,
  barMs: 60_000,
};

export interface FeatureState {
  params: FeatureParams;
  bars: number;
  lastTime: number | null;
  lastClose: number | null;
  sma: SmaState;
  emaFast: EmaState;
  emaSlow: EmaState;
  rsi: RsiState;
  macd: MacdState;
  bb: BollingerState;
  atr: AtrState;
  vwap: VwapState;
  ret: ReturnsState;
}

/** Names are stable: agents, prompts and the UI read them. Values are null while warming up. */
export interface FeatureValues {
  close: number | null;
  sma_20: number | null;
  ema_12: number | null;
  ema_26: number | null;
  rsi_14: number | null;
  macd: number | null;
  macd_signal: number | null;
  macd_hist: number | null;
  bb_upper: number | null;
  bb_middle: number | null;
  bb_lower: number | null;
  bb_width: number | null;
  atr_14: number | null;
  vwap: number | null;
  return_1: number | null;
  return_5: number | null;
  return_15: number | null;
  log_return_1: number | null;
  realised_vol_30: number | null;
  realised_vol_30_annualised: number | null;
  /** Seconds since the last bar closed, at `asOf`. */
  staleness_s: number | null;
}

export interface FeatureVector {
  symbol: string;
  /** Open time of the newest bar included, epoch ms. */
  barTime: number | null;
  bars: number;
  asOf: number;
  values: FeatureValues;
}

export function featureInit(params: FeatureParams = DEFAULT_FEATURE_PARAMS): FeatureState {
  return {
    params,
    bars: 0,
    lastTime: null,
    lastClose: null,
    sma: smaInit(params.smaPeriod),
    emaFast: emaInit(params.emaFast),
    emaSlow: emaInit(params.emaSlow),
    rsi: rsiInit(params.rsiPeriod),
    macd: macdInit(...params.macd),
    bb: bollingerInit(...params.bollinger),
    atr: atrInit(params.atrPeriod),
    vwap: vwapInit(),
    ret: returnsInit([1, 5, 15], params.volWindow),
  };
}

/** Feeds one closed bar. Bars must arrive in increasing time; an older or equal bar is refused. */
export function featureUpdate(s: FeatureState, b: Ohlcv): boolean {
  if (s.lastTime !== null && b.time <= s.lastTime) return false;
  s.bars += 1;
  s.lastTime = b.time;
  s.lastClose = b.close;
  smaUpdate(s.sma, b.close);
  emaUpdate(s.emaFast, b.close);
  emaUpdate(s.emaSlow, b.close);
  rsiUpdate(s.rsi, b.close);
  macdUpdate(s.macd, b.close);
  bollingerUpdate(s.bb, b.close);
  atrUpdate(s.atr, b);
  vwapUpdate(s.vwap, b);
  returnsUpdate(s.ret, b.close);
  return true;
}

export function featureValues(s: FeatureState, asOf: number): FeatureValues {
  const rv = realisedVol(s.ret);
  const barsPerYear = (365 * 86_400_000) / s.params.barMs;
  const closedAt = s.lastTime === null ? null : s.lastTime + s.params.barMs;
  return {
    close: s.lastClose,
    sma_20: s.sma.value,
    ema_12: s.emaFast.value,
    ema_26: s.emaSlow.value,
    rsi_14: s.rsi.value,
    macd: s.macd.value?.macd ?? null,
    macd_signal: s.macd.value?.signal ?? null,
    macd_hist: s.macd.value?.histogram ?? null,
    bb_upper: s.bb.value?.upper ?? null,
    bb_middle: s.bb.value?.middle ?? null,
    bb_lower: s.bb.value?.lower ?? null,
    bb_width: s.bb.value?.width ?? null,
    atr_14: s.atr.value,
    vwap: s.vwap.value,
    return_1: returnOver(s.ret, 1),
    return_5: returnOver(s.ret, 5),
    return_15: returnOver(s.ret, 15),
    log_return_1: lastLogReturn(s.ret),
    realised_vol_30: rv,
    realised_vol_30_annualised: rv === null ? null : rv * Math.sqrt(barsPerYear),
    staleness_s: closedAt === null ? null : Math.max(0, (asOf - closedAt) / 1000),
  };
}

export function featureVector(symbol: string, s: FeatureState, asOf: number): FeatureVector {
  return { symbol, barTime: s.lastTime, bars: s.bars, asOf, values: featureValues(s, asOf) };
}

/** Offline: the feature vector after feeding `bars` in order (what the workflow holds live). */
export function computeFeatures(symbol: string, bars: readonly Ohlcv[], asOf: number, params?: FeatureParams): FeatureVector {
  const s = featureInit(params);
  for (const b of bars) featureUpdate(s, b);
  return featureVector(symbol, s, asOf);
}

/** Only the finite numbers, as agents and the snapshot carry them. */
export function numericFeatures(v: FeatureValues): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}
