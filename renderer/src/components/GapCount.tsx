/** Gaps in the live feed the market stream refilled (or gave up on): nothing while there were none. */
export interface GapCounts {
  pending: number;
  filled: number;
  unfilled: number;
  barsRefilled: number;
}

export function GapCount({ gaps }: { gaps: GapCounts | undefined }) {
  if (!gaps || gaps.filled + gaps.unfilled + gaps.pending === 0) return null;
  return (
    <span
      className={`mono ${gaps.unfilled ? 'down' : 'faint'}`}
      data-testid="gap-count"
      title={`Minutes the live feed missed (a dropped connection), refilled from the exchange's candles: ${gaps.barsRefilled} bars so far. Unfilled: the refill failed 3 times and the live bars went on without those minutes.`}
    >
      {` · gaps ${gaps.filled} refilled${gaps.unfilled ? `, ${gaps.unfilled} unfilled` : ''}${gaps.pending ? `, ${gaps.pending} pending` : ''}`}
    </span>
  );
}
