/**
 * The ledger CLI end to end through `main` (argument parsing, validation, exit codes), against a
 * real ledger file and the local brokerage; no cockpit running (orders need one: see
 * tests/reliability/live-guards.test.ts for `trade place` through the cockpit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCdpKey } from '../exchange/coinbase/jwt';
import { FakeCoinbaseBrokerage } from '../testing/fake-coinbase-brokerage/server';
import { main } from '../cli/main';
import type { CliIO } from '../cli/registry';

const key = generateCdpKey('ES256', 'organizations/cli/apiKeys/test');
let fake: FakeCoinbaseBrokerage;
let dir: string;
const saved: Record<string, string | undefined> = {};
const ENV = ['COINBASE_REST_URL', 'COINBASE_USER_WS_URL', 'COINBASE_API_KEY_NAME', 'COINBASE_API_PRIVATE_KEY', 'VIGIL_DATA_DIR'];

function io(answers: string[] = [], interactive = false) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const cli: CliIO = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    interactive,
    ask: async (q) => {
      asked.push(q);
      return answers.shift() ?? '';
    },
  };
  return { cli, out, err, asked, text: () => out.join('\n'), json: <T>() => JSON.parse(out.join('\n')) as T };
}

async function vigil(args: string[], o = io()) {
  const code = await main([...args, '--data-dir', dir], o.cli);
  return { code, ...o };
}

beforeAll(async () => {
  for (const k of ENV) saved[k] = process.env[k];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-ledger-'));
  fake = new FakeCoinbaseBrokerage({
    keys: [key],
    products: [{ id: 'BTC-USD', bids: [{ price: '49990', size: '2' }], asks: [{ price: '50010', size: '2' }] }],
    balances: { USD: '20000', BTC: '0.2' },
  });
  const urls = await fake.start();
  process.env.COINBASE_REST_URL = urls.restUrl;
  process.env.COINBASE_USER_WS_URL = urls.userWsUrl;
  process.env.COINBASE_API_KEY_NAME = key.name;
  process.env.COINBASE_API_PRIVATE_KEY = key.privateKey.replace(/\n/g, '\\n');
});
afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const funding = () => `coinbase:${fake.portfolioId}:funding`;
const order = (k: string, extra: string[] = []) => ['trade', 'place', '--wallet', funding(), '--product', 'BTC-USD', '--side', 'buy', '--qty', '0.01', '--expected-edge', '0.02', '--idempotency-key', k, ...extra];

describe('vigil ledger / wallet / trade / reconcile', () => {
  it('explains itself', async () => {
    const r = await vigil(['trade', 'place', '--help']);
    expect(r.code).toBe(0);
    expect(r.text()).toMatch(/dry run/);
    expect(r.text()).toMatch(/--idempotency-key/);
  });

  it('seeds wallets from Coinbase and lists them', async () => {
    const s = await vigil(['ledger', 'seed-from-coinbase', '--json']);
    expect(s.code).toBe(0);
    expect(s.json<{ entries: number }>().entries).toBe(2);
    const l = await vigil(['wallet', 'list', '--json']);
    const w = l.json<{ wallets: { id: string; balances: { currency: string; amount: string }[] }[] }>().wallets.find((x) => x.id === funding());
    expect(w?.balances).toEqual([
      { currency: 'BTC', amount: '0.2', tradeable: '0' },
      { currency: 'USD', amount: '20000', tradeable: '0' },
    ]);
    expect((await vigil(['ledger', 'verify'])).code).toBe(0);
  });

  it('rejects bad arguments with exit 2 and names the field', async () => {
    const noKey = await vigil(['trade', 'place', '--wallet', funding(), '--product', 'BTC-USD', '--side', 'buy', '--qty', '0.01', '--expected-edge', '0.02']);
    expect(noKey.code).toBe(2);
    expect(noKey.err.join('\n')).toMatch(/--idempotency-key is required/);
    const both = await vigil(order('bad-args-01', ['--notional', '100']));
    expect(both.code).toBe(2);
    expect(both.err.join('\n')).toMatch(/exactly one of --qty or --notional/);
    const side = await vigil([...order('bad-args-02').map((a) => (a === 'buy' ? 'hold' : a))]);
    expect(side.code).toBe(2);
    expect(side.err.join('\n')).toMatch(/--side must be buy or sell/);
    const frac = await vigil(['wallet', 'set-tradeable-fraction', funding(), '2']);
    expect(frac.code).toBe(2);
    expect(frac.err.join('\n')).toMatch(/between 0 and 1/);
    const nowallet = await vigil(['wallet', 'set-tradeable-fraction', 'coinbase:nope:funding', '0.5']);
    expect(nowallet.code).toBe(2);
    expect(nowallet.err.join('\n')).toMatch(/no wallet/);
    const thr = await vigil(['reconcile', 'run', '--threshold', 'abc']);
    expect(thr.code).toBe(2);
    const bracketBuy = await vigil(order('bad-args-03', ['--type', 'bracket', '--limit-price', '60000', '--stop-price', '40000']));
    expect(bracketBuy.code).toBe(2);
    expect(bracketBuy.err.join('\n')).toMatch(/--type bracket is an exit: --side sell/);
    const stopless = await vigil(order('bad-args-04', ['--type', 'stop-limit', '--limit-price', '60000']));
    expect(stopless.code).toBe(2);
    expect(stopless.err.join('\n')).toMatch(/need --stop-price and --limit-price/);
    const stray = await vigil(order('bad-args-05', ['--stop-price', '40000']));
    expect(stray.code).toBe(2);
    expect(stray.err.join('\n')).toMatch(/--stop-price goes with --type stop-limit or bracket/);
    const stopArgs = ['trade', 'stop', '--wallet', funding(), '--product', 'BTC-USD', '--side', 'sell', '--qty', '0.01', '--idempotency-key', 'bad-stop-01'];
    const twoWays = await vigil([...stopArgs, '--stop-price', '40000', '--trail-pct', '0.05']);
    expect(twoWays.code).toBe(2);
    expect(twoWays.err.join('\n')).toMatch(/exactly one of --stop-price, --trail-pct or --trail-amount/);
    const pct = await vigil([...stopArgs, '--trail-pct', '5']);
    expect(pct.code).toBe(2);
    expect(pct.err.join('\n')).toMatch(/--trail-pct is a fraction like 0.05/);
    const noReason = await vigil(['trade', 'cancel-stop', 'bad-stop-01']);
    expect(noReason.code).toBe(2);
    expect(noReason.err.join('\n')).toMatch(/--reason is required/);
    const sellExits = await vigil([...order('bad-args-07').map((a) => (a === 'buy' ? 'sell' : a)), '--stop-loss-pct', '0.03']);
    expect(sellExits.code).toBe(2);
    expect(sellExits.err.join('\n')).toMatch(/exits \(--stop-loss, --take-profit\) go with a market or limit buy/);
    const twice = await vigil(order('bad-args-08', ['--stop-loss', '100', '--stop-loss-pct', '0.03']));
    expect(twice.code).toBe(2);
    const badType = await vigil(order('bad-args-06', ['--type', 'trailing']));
    expect(badType.code).toBe(2);
    expect(badType.err.join('\n')).toMatch(/--type must be market, limit, stop-limit or bracket/);
  });

  it('trade place goes through the running cockpit (its kill switch and risk limits): without one it exits 4 and sends nothing', async () => {
    const r = await vigil([...order('cli-nocockpit-01', ['--live'])]);
    expect(r.code).toBe(4);
    expect(r.err.join('\n')).toMatch(/cockpit/i);
    expect(fake.orderRequests()).toBe(0);
    expect(fake.requests.filter((x) => x.path.endsWith('/orders/preview'))).toHaveLength(0);
  });

  it('reconcile run exits 0 when clean and 3 on drift', async () => {
    const clean = await vigil(['reconcile', 'run', '--threshold', '0.00000001']);
    expect(clean.code).toBe(0);
    fake.setBalance('BTC', '0.3');
    const drift = await vigil(['reconcile', 'run', '--threshold', '0.01', '--json']);
    expect(drift.code).toBe(3);
    expect(drift.json<{ status: string }>().status).toBe('drift');
  });

  it('without Coinbase credentials, commands that need it exit 4 with a clear message', async () => {
    const name = process.env.COINBASE_API_KEY_NAME;
    delete process.env.COINBASE_API_KEY_NAME;
    try {
      const r = await vigil(['reconcile', 'run']);
      expect(r.code).toBe(4);
      expect(r.err.join('\n')).toMatch(/COINBASE_API_KEY_NAME/);
      expect((await vigil(['wallet', 'list'])).code).toBe(0);
    } finally {
      process.env.COINBASE_API_KEY_NAME = name;
    }
  });

  it('refuses a corrupt ledger file and leaves it untouched', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-corrupt-'));
    fs.writeFileSync(path.join(other, 'ledger.sqlite'), 'garbage'.repeat(1000));
    const o = io();
    const code = await main(['wallet', 'list', '--data-dir', other], o.cli);
    expect(code).toBe(1);
    expect(o.err.join('\n')).toMatch(/not a SQLite database/);
    expect(fs.readFileSync(path.join(other, 'ledger.sqlite'), 'utf8')).toBe('garbage'.repeat(1000));
    fs.rmSync(other, { recursive: true, force: true });
  });
});
