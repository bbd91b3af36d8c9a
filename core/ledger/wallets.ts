/**
 * Currencies (the precision the ledger keeps for each) and wallets: the user's `funding` and
 * `trading` wallets per exchange account and the counter-accounts (`equity`, `fees`, `market`)
 * that keep every entry balanced, with the share of a wallet agents may trade.
 */
import { Dec } from '../domain/decimal';
import { CURRENCY_RE } from '../domain/product';
import type { LedgerConnection, Row } from './connection';
import { LedgerError } from './errors';
import type { EventLog } from './events';

export type WalletKind = 'funding' | 'trading' | 'equity' | 'fees' | 'market';
export const USER_WALLET_KINDS: readonly WalletKind[] = ['funding', 'trading'];

export interface Wallet {
  id: string;
  exchange: string;
  exchangeAccount: string;
  kind: WalletKind;
  name: string;
  tradeableFraction: string;
  createdAt: string;
}

export interface EnsureWalletInput {
  exchange: string;
  exchangeAccount: string;
  kind: WalletKind;
  name?: string;
}

const FIAT_LIKE = new Set(['USD', 'USDC', 'USDT', 'EUR', 'GBP']);

export function walletId(exchange: string, account: string, kind: WalletKind): string {
  return `${exchange}:${account}:${kind}`;
}

export class Wallets {
  private readonly precisions = new Map<string, number>();
  private readonly walletKinds = new Map<string, WalletKind>();

  constructor(
    private readonly conn: LedgerConnection,
    private readonly events: EventLog,
    private readonly defaultPrecision: number,
  ) {
    for (const r of conn.sqlite.prepare(`SELECT code, precision FROM currencies`).all() as { code: string; precision: number }[]) {
      this.precisions.set(r.code, r.precision);
    }
    for (const r of conn.sqlite.prepare(`SELECT id, kind FROM wallets`).all() as { id: string; kind: WalletKind }[]) this.walletKinds.set(r.id, r.kind);
  }

  // ---------------------------------------------------------------- currencies

  ensureCurrency(code: string, precision?: number): number {
    const known = this.precisions.get(code);
    if (known !== undefined) return known;
    if (!CURRENCY_RE.test(code)) throw new LedgerError('invalid', `invalid currency code ${JSON.stringify(code)}`);
    const p = precision ?? (FIAT_LIKE.has(code) ? 8 : this.defaultPrecision);
    if (!Number.isInteger(p) || p < 0 || p > 12) throw new LedgerError('invalid', `precision for ${code} must be 0..12`);
    this.conn.sqlite.prepare(`INSERT OR IGNORE INTO currencies (code, precision) VALUES (?, ?)`).run(code, p);
    const row = this.conn.sqlite.prepare(`SELECT precision FROM currencies WHERE code = ?`).get(code) as { precision: number };
    this.precisions.set(code, row.precision);
    return row.precision;
  }

  precision(code: string): number {
    const p = this.precisions.get(code);
    if (p === undefined) throw new LedgerError('not_found', `unknown currency ${code}`);
    return p;
  }

  /** The precision of a currency the ledger knows, or undefined (no lookup, no insert: the posting hot path). */
  knownPrecision(code: string): number | undefined {
    return this.precisions.get(code);
  }

  /** Round an amount to what the ledger keeps for the currency (creating the currency if new). */
  roundFor(code: string, amount: Dec | string, mode: 'half-even' | 'up' | 'down' = 'half-even'): string {
    return Dec.of(amount).round(this.ensureCurrency(code), mode).toString();
  }

  // ---------------------------------------------------------------- wallets

  /** The kind of a wallet the ledger knows, or undefined. */
  kindOf(id: string): WalletKind | undefined {
    return this.walletKinds.get(id);
  }

  ensure(input: EnsureWalletInput): Wallet {
    const id = walletId(input.exchange, input.exchangeAccount, input.kind);
    const at = this.conn.nowIso();
    this.conn.sqlite
      .prepare(
        `INSERT OR IGNORE INTO wallets (id, exchange, exchange_account, kind, name, tradeable_fraction, created_at) VALUES (?, ?, ?, ?, ?, '0', ?)`,
      )
      .run(id, input.exchange, input.exchangeAccount, input.kind, input.name ?? `${input.exchange} ${input.kind}`, at);
    this.walletKinds.set(id, input.kind);
    return this.get(id);
  }

  /** The funding and trading wallets of one exchange account, plus their counter-accounts. */
  ensureAccount(exchange: string, exchangeAccount: string, name?: string): { funding: Wallet; trading: Wallet } {
    return this.conn.tx(() => this.ensureAccountInTx(exchange, exchangeAccount, name));
  }

  /** `ensureAccount` inside the caller's transaction. */
  ensureAccountInTx(exchange: string, exchangeAccount: string, name?: string): { funding: Wallet; trading: Wallet } {
    for (const kind of ['equity', 'fees', 'market'] as const) this.ensure({ exchange, exchangeAccount, kind, name: `${name ?? exchange} ${kind}` });
    return {
      funding: this.ensure({ exchange, exchangeAccount, kind: 'funding', name: `${name ?? exchange} funding` }),
      trading: this.ensure({ exchange, exchangeAccount, kind: 'trading', name: `${name ?? exchange} trading` }),
    };
  }

  get(id: string): Wallet {
    const r = this.conn.sqlite.prepare(`SELECT * FROM wallets WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new LedgerError('not_found', `no wallet ${JSON.stringify(id)}; list them with \`vigil wallet list\``);
    return mapWallet(r);
  }

  list(opts: { includeCounter?: boolean } = {}): Wallet[] {
    const rows = this.conn.sqlite
      .prepare(`SELECT * FROM wallets ${opts.includeCounter ? '' : `WHERE kind IN ('funding','trading')`} ORDER BY exchange, exchange_account, kind`)
      .all() as Row[];
    return rows.map(mapWallet);
  }

  setTradeableFraction(walletId: string, fraction: string): Wallet {
    const f = Dec.of(fraction);
    if (f.isNegative() || f.gt(Dec.ONE)) throw new LedgerError('invalid', `tradeable fraction must be between 0 and 1, got ${fraction}`);
    const w = this.get(walletId);
    if (!USER_WALLET_KINDS.includes(w.kind)) throw new LedgerError('invalid', `${walletId} is a ${w.kind} account, not a wallet`);
    this.conn.tx(() => {
      this.conn.sqlite.prepare(`UPDATE wallets SET tradeable_fraction = ? WHERE id = ?`).run(f.toString(), walletId);
      this.events.appendInTx({
        type: 'wallet.fraction_set',
        summary: `${walletId}: tradeable fraction ${w.tradeableFraction} -> ${f.toString()}`,
        data: { walletId, from: w.tradeableFraction, to: f.toString() },
      });
    });
    return this.get(walletId);
  }
}

function mapWallet(r: Row): Wallet {
  return {
    id: String(r.id),
    exchange: String(r.exchange),
    exchangeAccount: String(r.exchange_account),
    kind: r.kind as WalletKind,
    name: String(r.name),
    tradeableFraction: String(r.tradeable_fraction),
    createdAt: String(r.created_at),
  };
}
