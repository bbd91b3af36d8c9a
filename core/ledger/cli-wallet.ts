import { z } from 'zod';
import { walletsView } from './activities';
import { command, EXIT, type CliCommand } from '../cli/registry';
import { withLedger } from './cli';

const list = command({
  name: 'wallet list',
  summary: 'List ledger wallets with balances and what agents may use.',
  help: 'Tradeable = available x tradeable fraction - active reservations. Read-only; works without a\nrunning cockpit.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    return withLedger(
      ctx,
      async (s) => {
        const wallets = walletsView(s.ledger);
        if (ctx.json) ctx.io.out(JSON.stringify({ wallets }, null, 2));
        else if (wallets.length === 0) ctx.io.out('no wallets yet: run `vigil ledger seed-from-coinbase`');
        else {
          for (const w of wallets) {
            ctx.io.out(`${w.id}  (${w.kind}, fraction ${w.tradeableFraction})`);
            for (const b of w.balances) ctx.io.out(`    ${b.currency.padEnd(6)} ${b.amount.padStart(20)}   tradeable ${b.tradeable}`);
          }
        }
        return EXIT.ok;
      },
      { exchange: null },
    );
  },
});

const setFraction = command({
  name: 'wallet set-tradeable-fraction',
  summary: 'Set the share (0..1) of a wallet that agents may trade.',
  help: 'Example: vigil wallet set-tradeable-fraction coinbase:<portfolio>:funding 0.25\n0 (the default) means nothing in the wallet is tradeable.',
  flags: {},
  positionals: ['walletId', 'fraction'],
  schema: z.object({
    walletId: z.string({ error: 'wallet id is required (see `vigil wallet list`)' }).min(1),
    fraction: z
      .string({ error: 'fraction is required, e.g. 0.25' })
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'fraction must be a decimal between 0 and 1, like 0.25'),
  }),
  async run(args, ctx) {
    return withLedger(
      ctx,
      async (s) => {
        const w = s.ledger.setTradeableFraction(args.walletId, args.fraction);
        if (ctx.json) ctx.io.out(JSON.stringify(w, null, 2));
        else ctx.io.out(`${w.id}: tradeable fraction ${w.tradeableFraction}`);
        return EXIT.ok;
      },
      { exchange: null },
    );
  },
});

export const walletCommands: CliCommand[] = [list, setFraction];
