/**
 * The production ledger against the local Coinbase brokerage, for integration tests: the fake
 * brokerage (ETH-USD book 2999 / 3001, balances 5000 USD and 1 ETH), the real Coinbase client
 * signing with a fresh key, and a SQLite ledger in `dir` seeded from the brokerage.
 */
import path from 'node:path';
import { CoinbaseClient } from '../../core/exchange/coinbase/client';
import { generateCdpKey } from '../../core/exchange/coinbase/jwt';
import { Ledger, openLedger, type LedgerOptions } from '../../core/ledger/ledger';
import { seedFromExchange } from '../../core/ledger/router';
import { silentLogger } from '../../core/runtime/log';
import { FakeCoinbaseBrokerage } from '../../core/testing/fake-coinbase-brokerage/server';

export interface BrokerageLedger {
  fake: FakeCoinbaseBrokerage;
  exchange: CoinbaseClient;
  ledger: Ledger;
  /** The seeded funding wallet's id. */
  funding: string;
  stop(): Promise<void>;
}

export async function startBrokerageLedger(dir: string, opts: { keyName: string; onEvent?: LedgerOptions['onEvent'] }): Promise<BrokerageLedger> {
  const key = generateCdpKey('ES256', opts.keyName);
  const fake = new FakeCoinbaseBrokerage({
    keys: [key],
    products: [{ id: 'ETH-USD', bids: [{ price: '2999', size: '10' }], asks: [{ price: '3001', size: '10' }] }],
    balances: { USD: '5000', ETH: '1' },
  });
  const urls = await fake.start();
  const exchange = new CoinbaseClient({ ...urls, keyName: key.name, privateKey: key.privateKey, log: silentLogger });
  const ledger = openLedger(path.join(dir, 'ledger.sqlite'), { log: silentLogger, ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
  await seedFromExchange({ ledger, exchange, log: silentLogger });
  return {
    fake,
    exchange,
    ledger,
    funding: Ledger.walletId('coinbase', fake.portfolioId, 'funding'),
    async stop() {
      ledger.close();
      await fake.stop();
    },
  };
}
