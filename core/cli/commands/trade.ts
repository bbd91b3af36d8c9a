import { z } from 'zod';
import { liveBlocker, placeOrderInProcess, quoteOrder, PlaceOrderInput, type OrderOutcome } from '../../ledger/router';
import { Ledger } from '../../ledger/ledger';
import { command, CliError, EXIT, type CliCommand, type ExitCode } from '../registry';
import { requireExchange, withLedger } from './ledger';

const decimal = (what: string) => z.string().regex(/^\d+(\.\d+)?$/, `${what} must be a positive decimal like 0.01`);

const place = command({
  name: 'trade place',
  summary: 'Place an order through the production ledger (a dry run unless --live and armed).',
  help: [
    'Runs reserve -> cost gate -> fund trading wallet -> Coinbase order -> fills. Without --live,',
    'or when live trading is not armed (cockpit setting, or LIVE_TRADING_ACK=true for the CLI), or',
    'when the wallet’s tradeable fraction is 0, it is a dry run: the order is priced, previewed by',
    'Coinbase and recorded, and nothing is sent. On a terminal, a live order shows its preview and',
    'asks for confirmation first.',
    '',
    'The idempotency key is the order’s client_order_id: repeating the command with the same key',
    'returns the same order (and resumes it after a crash) instead of placing another.',
    '',
    'Example: vigil trade place --wallet coinbase:<portfolio>:funding --product BTC-USD --side buy \\',
    '           --qty 0.001 --expected-edge 0.004 --idempotency-key my-order-0001',
    '',
    'Exit codes: 0 filled / open / dry run · 2 bad arguments · 3 blocked by the cost gate, rejected',
    'by Coinbase, insufficient funds or a reused key · 4 Coinbase not configured or unreachable.',
  ].join('\n'),
  flags: {
    wallet: { type: 'string' },
    product: { type: 'string' },
    side: { type: 'string' },
    qty: { type: 'string' },
    notional: { type: 'string' },
    'limit-price': { type: 'string' },
    'post-only': { type: 'boolean' },
    'expected-edge': { type: 'string' },
    'safety-buffer': { type: 'string' },
    'override-reason': { type: 'string' },
    'idempotency-key': { type: 'string' },
    live: { type: 'boolean' },
  },
  schema: z
    .object({
      wallet: z.string({ error: '--wallet is required (see `vigil wallet list`)' }).min(1),
      product: z.string({ error: '--product is required, e.g. BTC-USD' }).regex(/^[A-Za-z0-9]{2,10}-[A-Za-z0-9]{2,10}$/, '--product must look like BTC-USD'),
      side: z.string({ error: '--side is required: buy or sell' }).transform((s) => s.toUpperCase()).pipe(z.enum(['BUY', 'SELL'], { error: '--side must be buy or sell' })),
      qty: decimal('--qty').optional(),
      notional: decimal('--notional').optional(),
      'limit-price': decimal('--limit-price').optional(),
      'post-only': z.boolean().optional(),
      'expected-edge': z.string({ error: '--expected-edge is required: the expected edge as a fraction of notional, e.g. 0.004' }).regex(/^-?\d+(\.\d+)?$/, '--expected-edge must be a decimal fraction like 0.004'),
      'safety-buffer': decimal('--safety-buffer').optional(),
      'override-reason': z.string().min(3, '--override-reason needs a few words').max(300).optional(),
      'idempotency-key': z.string({ error: '--idempotency-key is required (8-128 chars of A-Z a-z 0-9 . _ : -)' }).regex(/^[A-Za-z0-9._:-]{8,128}$/, '--idempotency-key: 8-128 characters of A-Z a-z 0-9 . _ : -'),
      live: z.boolean().optional(),
    })
    .refine((v) => (v.qty === undefined) !== (v.notional === undefined), { message: 'give exactly one of --qty or --notional', path: ['qty'] })
    .refine((v) => v['limit-price'] === undefined || v.qty !== undefined, { message: '--limit-price needs --qty', path: ['limit-price'] }),
  async run(args, ctx) {
    const input = PlaceOrderInput.parse({
      walletId: args.wallet,
      product: args.product.toUpperCase(),
      side: args.side,
      qty: args.qty,
      notional: args.notional,
      limitPrice: args['limit-price'],
      postOnly: args['post-only'] ?? false,
      expectedEdge: args['expected-edge'],
      idempotencyKey: args['idempotency-key'],
      live: args.live ?? false,
      safetyBuffer: args['safety-buffer'],
      override: args['override-reason'] ? { reason: args['override-reason'] } : undefined,
      correlationId: `cli:${args['idempotency-key']}`,
    });
    return withLedger(ctx, async (s) => {
      requireExchange(s);
      const existing = s.ledger.orderByClientId(input.idempotencyKey);
      const wallet = s.ledger.wallet(input.walletId);
      const funding = wallet.kind === 'funding' ? wallet : s.ledger.wallet(Ledger.walletId(wallet.exchange, wallet.exchangeAccount, 'funding'));
      // A live order from a person at a terminal: show what will happen and ask first.
      if (input.live && !existing && liveBlocker(s.router, funding) === null && ctx.io.interactive && !ctx.json) {
        const q = await quoteOrder(s.router, input);
        ctx.io.out(`LIVE ORDER: ${input.side} ${q.qty} ${input.product}${input.limitPrice ? ` limit ${input.limitPrice}` : ' at market'}`);
        ctx.io.out(`  Coinbase preview: total ${q.preview.order_total ?? '?'}, commission ${q.preview.commission_total ?? '?'}${q.preview.errs.length ? `, errors: ${q.preview.errs.join(', ')}` : ''}`);
        ctx.io.out(`  cost gate: ${q.gate.decision} - ${q.gate.reason}`);
        const answer = (await ctx.io.ask('Send this order with real money? Type "yes" to confirm: ')).trim();
        if (answer !== 'yes') {
          ctx.io.out('not sent.');
          return EXIT.rejected;
        }
      }
      const o = await placeOrderInProcess(s.router, input);
      print(ctx, o);
      return exitFor(o);
    });
  },
});

function print(ctx: { json: boolean; io: { out(t: string): void } }, o: OrderOutcome): void {
  if (ctx.json) {
    ctx.io.out(JSON.stringify(o, null, 2));
    return;
  }
  ctx.io.out(`${o.status.toUpperCase()}${o.replayed ? ' (existing order for this key)' : ''}: order ${o.orderId} (${o.mode})`);
  if (o.reason) ctx.io.out(`  ${o.reason}`);
  if (o.gate) {
    const g = o.gate;
    ctx.io.out(`  cost: fee ${g.fee} + spread ${g.spread} + slippage ${g.slippage} + transfer ${g.transferFee} = ${g.total}; required ${g.required}; expected edge ${g.expectedEdgeAmount} -> ${g.decision}`);
  }
  if (o.exchangeOrderId) ctx.io.out(`  Coinbase order ${o.exchangeOrderId}, filled ${o.filledBase}`);
}

function exitFor(o: OrderOutcome): ExitCode {
  switch (o.status) {
    case 'blocked':
    case 'rejected':
      return EXIT.rejected;
    case 'failed':
      return EXIT.failed;
    case 'submitting':
      throw new CliError(EXIT.unavailable, `order ${o.orderId} was not confirmed by Coinbase; run the same command again to resume it`);
    default:
      return EXIT.ok;
  }
}

export const tradeCommands: CliCommand[] = [place];
