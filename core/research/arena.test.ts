import { describe, expect, it } from 'vitest';
import { agreement, arenaReport, decodeActions, encodeActions, type Action, type ArenaRunFigures, type SymbolTape } from './arena';

const H = 3_600_000;
const tape = (actions: string, from = 0, symbol = 'BTC-USD'): SymbolTape => ({ symbol, from, barMs: H, actions: encodeActions(actions.split('') as Action[]) });

describe('decision tapes', () => {
  it('run-length encode one action per bar', () => {
    const xs = '---b--hhs-'.split('') as Action[];
    expect(encodeActions(xs)).toBe('3-1b2-2h1s1-');
    expect(decodeActions(encodeActions(xs))).toEqual(xs);
    expect(decodeActions('')).toEqual([]);
  });

  it('agree where both decided, aligned by time', () => {
    // b decides every bar; a every third bar, starting one bar later.
    const a = [tape('b--h--s--', H)];
    const b = [tape('hbhhhhhsh', 0)];
    // a's decisions sit at bars 1, 4, 7 of b: b, h, s against b, h, s.
    expect(agreement(a, b)).toEqual({ compared: 3, equal: 3 });
    expect(agreement([tape('b--b--b--', H)], b)).toEqual({ compared: 3, equal: 1 });
    expect(agreement(a, [tape('hhh', 0, 'ETH-USD')])).toEqual({ compared: 0, equal: 0 });
  });
});

describe('arena report', () => {
  const run = (contestant: number, sample: number, pnl: string, modelCost: string, actions: string): ArenaRunFigures => ({ contestant, sample, ok: true, pnl, fees: '1.5', modelCost, tapes: [tape(actions)] });

  it('ranks by P&L net of model cost, exactly, with the spread of the samples', () => {
    const r = arenaReport(
      ['policy', 'model A', 'model B'],
      [
        run(0, 0, '100', '0', 'hbhs'),
        run(1, 0, '150.10', '0.30', 'hbhs'),
        run(1, 1, '149.90', '0.30', 'hbhh'),
        run(2, 0, '300', '250.5', 'bbbb'),
      ],
    );
    expect(r.ranking.map((x) => [x.label, x.net, x.rank])).toEqual([
      ['model A', '149.7', 1],
      ['policy', '100', 2],
      ['model B', '49.5', 3],
    ]);
    const a = r.ranking[0]!;
    expect(a.pnl).toBe('150');
    expect(a.modelCost).toBe('0.3');
    expect(a.netStdev).toBeCloseTo(Math.sqrt(0.02), 12);
    expect([a.netMin, a.netMax]).toEqual(['149.6', '149.8']);
    expect(r.ranking[1]!.netStdev).toBeNull();
    // First samples: policy vs A agree on 4 of 4 bars, policy vs B on 1 of 4.
    expect(r.agreement).toEqual([
      [1, 1, 0.25],
      [1, 1, 0.25],
      [0.25, 0.25, 1],
    ]);
    expect(r.selfAgreement).toEqual([null, 0.75, null]);
  });

  it('puts a configuration with no finished run last', () => {
    const r = arenaReport(['a', 'b'], [{ ...run(1, 0, '-5', '0', 'h'), ok: true }, { ...run(0, 0, '9', '0', 'h'), ok: false }]);
    expect(r.ranking.map((x) => [x.label, x.samples])).toEqual([
      ['b', 1],
      ['a', 0],
    ]);
  });
});
