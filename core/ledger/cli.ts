/**
 * `vigil ledger …` and the helpers the wallet/trade/reconcile commands share. These commands open
 * `<dataDir>/ledger.sqlite` in-process (no cockpit needed); WAL and the busy timeout make that
 * safe next to a running cockpit.
 */
import path from 'node:path';
import { z } from 'zod';
import { exchangeFromConfig } from './activities';
import { CoinbaseError } from '../exchange/coinbase/client';
import { CdpKeyError } from '../exchange/coinbase/jwt';
import { LedgerError } from './errors';
import { openLedger, type Ledger } from './ledger';
import { seedFromExchange, type ExchangePort, type RouterContext } from './router';
import { noGuard } from '../orders/guard';
import { createLogger, Redactor, type Logger } from '../runtime/log';
import { secretValues } from '../runtime/config';
import { command, CliError, EXIT, type CliCommand, type CliContext, type ExitCode } from '../cli/registry';

export function ledgerFile(dataDir: string): string {
  return path.join(dataDir, 'ledger.sqlite');
}

function cliLogger(ctx: CliContext): Logger {
  return createLogger({ level: ctx.config.VIGIL_LOG_LEVEL === 'debug' ? 'debug' : 'warn', redactor: new Redactor(secretValues(ctx.config)) }, 'vigil-cli');
}

/** Map what the ledger and the exchange say into exit codes (see core/cli/registry.ts). */
export function toCliError(err: unknown): unknown {
  if (err instanceof LedgerError) {
    const exit: Record<LedgerError['code'], ExitCode> = {
      invalid: EXIT.usage,
      not_found: EXIT.usage,
      insufficient: EXIT.rejected,
      conflict: EXIT.rejected,
      not_armed: EXIT.rejected,
      corrupt: EXIT.failed,
      newer_version: EXIT.failed,
      integrity: EXIT.failed,
    };
    return new CliError(exit[err.code], err.message);
  }
  if (err instanceof CoinbaseError) {
    if (err.kind === 'auth') return new CliError(EXIT.unavailable, `${err.message}. Check COINBASE_API_KEY_NAME / COINBASE_API_PRIVATE_KEY.`);
    if (err.kind === 'rejected') return new CliError(EXIT.rejected, err.message);
    return new CliError(EXIT.unavailable, err.message);
  }
  if (err instanceof CdpKeyError) return new CliError(EXIT.unavailable, err.message);
  return err;
}

export interface LedgerSession {
  ledger: Ledger;
  router: RouterContext;
  log: Logger;
}

export async function withLedger<T>(ctx: CliContext, fn: (s: LedgerSession) => Promise<T>, opts: { exchange?: ExchangePort | null } = {}): Promise<T> {
  const log = cliLogger(ctx);
  let ledger: Ledger;
  try {
    ledger = openLedger(ledgerFile(ctx.dataDir), { log });
  } catch (err) {
    throw toCliError(err);
  }
  try {
    let exchange: ExchangePort | null;
    try {
      exchange = opts.exchange !== undefined ? opts.exchange : exchangeFromConfig({ config: ctx.config, log });
    } catch (err) {
      throw toCliError(err);
    }
    // The CLI opens the ledger file itself, without the cockpit's kill switch and risk limits: an
    // order it would send (a reconcile resuming one, say) is refused; orders go through the cockpit.
    return await fn({ ledger, log, router: { ledger, exchange, log, guard: noGuard('this command opened the ledger file directly, without the running cockpit') } });
  } catch (err) {
    throw toCliError(err);
  } finally {
    ledger.close();
  }
}

export function requireExchange(s: LedgerSession): void {
  if (!s.router.exchange) throw new CliError(EXIT.unavailable, 'Coinbase is not configured: set COINBASE_API_KEY_NAME and COINBASE_API_PRIVATE_KEY (and COINBASE_REST_URL for a non-default endpoint).');
}

const seed = command({
  name: 'ledger seed-from-coinbase',
  summary: 'Create ledger wallets from your Coinbase portfolios and post their opening balances.',
  help: [
    'Reads every Coinbase account (available + hold), creates a funding and a trading wallet per',
    'portfolio, and posts each balance as an opening entry against equity. Safe to run again: a',
    'currency already seeded is skipped. New wallets start with tradeable fraction 0.',
    '',
    'Exit codes: 0 seeded · 4 Coinbase not configured or unreachable · 1 ledger file problem.',
  ].join('\n'),
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    return withLedger(ctx, async (s) => {
      requireExchange(s);
      const r = await seedFromExchange(s.router);
      if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
      else {
        ctx.io.out(`seeded ${r.entries} opening balance(s); ${r.skipped.length} already present`);
        for (const w of r.wallets) ctx.io.out(`  ${w}`);
        ctx.io.out('Wallets start with tradeable fraction 0: `vigil wallet set-tradeable-fraction <id> <f>`.');
      }
      return EXIT.ok;
    });
  },
});

const verify = command({
  name: 'ledger verify',
  summary: 'Check every entry balances and balances equal the sum of postings.',
  help: 'Read-only. Exit code 0 when the ledger is consistent, 1 with the problems listed otherwise.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    return withLedger(
      ctx,
      async (s) => {
        const problems = s.ledger.verify();
        if (ctx.json) ctx.io.out(JSON.stringify({ ok: problems.length === 0, problems }, null, 2));
        else if (problems.length === 0) ctx.io.out(`ledger ok (${ledgerFile(ctx.dataDir)})`);
        else for (const p of problems) ctx.io.out(`problem: ${p}`);
        return problems.length === 0 ? EXIT.ok : EXIT.failed;
      },
      { exchange: null },
    );
  },
});

export const ledgerCommands: CliCommand[] = [seed, verify];
