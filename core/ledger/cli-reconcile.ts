import { z } from 'zod';
import { exchangeBalances } from './router';
import { command, EXIT, type CliCommand } from '../cli/registry';
import { requireExchange, withLedger } from './cli';

const run = command({
  name: 'reconcile run',
  summary: 'Compare ledger balances with Coinbase per currency and record the drift.',
  help: [
    'Drift above --threshold (default 0.01, in each currency’s units) is stored with a proposed',
    'correcting entry; approve or reject it in the cockpit (approve_correction / reject_correction).',
    '',
    'Exit codes: 0 clean · 3 drift above the threshold · 4 Coinbase not configured or unreachable.',
  ].join('\n'),
  flags: { threshold: { type: 'string' } },
  schema: z.object({
    threshold: z
      .string()
      .regex(/^\d+(\.\d+)?$/, '--threshold must be a non-negative decimal like 0.01')
      .default('0.01'),
  }),
  async run(args, ctx) {
    return withLedger(ctx, async (s) => {
      requireExchange(s);
      const balances = await exchangeBalances(s.router.exchange!);
      const r = s.ledger.reconcile({ exchange: 'coinbase', exchangeBalances: balances, threshold: args.threshold });
      if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
      else {
        ctx.io.out(`reconcile ${r.id}: ${r.status} (max drift ${r.maxDrift}, threshold ${r.threshold})`);
        for (const d of r.drifts.filter((x) => x.drift !== '0')) {
          ctx.io.out(`  ${d.walletId} ${d.currency}: ledger ${d.ledgerAmount}, exchange ${d.exchangeAmount}, drift ${d.drift}${d.aboveThreshold ? `  -> correction proposed (${d.id})` : ''}`);
        }
      }
      return r.status === 'clean' ? EXIT.ok : EXIT.rejected;
    });
  },
});

export const reconcileCommands: CliCommand[] = [run];
