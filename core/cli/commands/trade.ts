import { z } from 'zod';
import type { VerbResult } from '../../api/contract';
import { command, CliError, EXIT, type CliCommand, type ExitCode } from '../registry';
import { callVerb, withRuntime } from '../remote';
import { isProtectiveExit, orderTerms } from '../../orders/terms';

type OrderOutcome = VerbResult<'place_ledger_order'>;

const decimal = (what: string) => z.string().regex(/^\d+(\.\d+)?$/, `${what} must be a positive decimal like 0.01`);

const place = command({
  name: 'trade place',
  summary: 'Place an order through the production ledger (a dry run unless --live and armed).',
  help: [
    'Goes through the running cockpit (start it with `vigil serve` or `npm start`), whose order',
    'port applies, in this order: the kill switch, the risk limits, the cost gate, then reserve ->',
    'fund trading wallet -> Coinbase order -> fills. Without --live, or when live trading is not',
    'armed in the cockpit, or when the wallet’s tradeable fraction is 0, it is a dry run: the order',
    'is priced, previewed by Coinbase and recorded, and nothing is sent. On a terminal, a live',
    'order shows what it will do (quote_ledger_order) and asks for confirmation first.',
    '',
    'The idempotency key is the order’s client_order_id: repeating the command with the same key',
    'returns the same order (and resumes it after a crash) instead of placing another.',
    '',
    'Order types (--type; default market, or limit with --limit-price), all resting on Coinbase itself:',
    '  market       --qty or --notional',
    '  limit        --qty --limit-price [--post-only]',
    '  stop-limit   --qty --stop-price --limit-price: when the price reaches the stop (a sell\'s stop',
    '               below the bid, a buy\'s above the ask), Coinbase places the limit',
    '  bracket      sell only, --qty --limit-price (take profit) --stop-price (stop trigger): an exit',
    '               of a held position, one leg cancelling the other',
    'A stop-limit or bracket sell only closes what is held, so the cost gate does not hold it back;',
    'the kill switch and the risk limits still apply.',
    '',
    'Example: vigil trade place --wallet coinbase:<portfolio>:funding --product BTC-USD --side buy \\',
    '           --qty 0.001 --expected-edge 0.004 --idempotency-key my-order-0001',
    '         vigil trade place --wallet coinbase:<portfolio>:funding --product BTC-USD --side sell \\',
    '           --type stop-limit --qty 0.001 --stop-price 58000 --limit-price 57900 --expected-edge 0 \\',
    '           --idempotency-key my-stop-0001 --live',
    '',
    'Exit codes: 0 filled / open / dry run · 2 bad arguments · 3 blocked by the kill switch, a risk',
    'limit or the cost gate, rejected by Coinbase, insufficient funds or a reused key · 4 no cockpit',
    'running, Coinbase not configured or unreachable.',
  ].join('\n'),
  flags: {
    wallet: { type: 'string' },
    product: { type: 'string' },
    side: { type: 'string' },
    qty: { type: 'string' },
    notional: { type: 'string' },
    'limit-price': { type: 'string' },
    type: { type: 'string' },
    'stop-price': { type: 'string' },
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
      type: z.enum(['market', 'limit', 'stop-limit', 'bracket'], { error: '--type must be market, limit, stop-limit or bracket' }).optional(),
      'stop-price': decimal('--stop-price').optional(),
      'post-only': z.boolean().optional(),
      'expected-edge': z.string({ error: '--expected-edge is required: the expected edge as a fraction of notional, e.g. 0.004' }).regex(/^-?\d+(\.\d+)?$/, '--expected-edge must be a decimal fraction like 0.004'),
      'safety-buffer': decimal('--safety-buffer').optional(),
      'override-reason': z.string().min(3, '--override-reason needs a few words').max(300).optional(),
      'idempotency-key': z.string({ error: '--idempotency-key is required (8-128 chars of A-Z a-z 0-9 . _ : -)' }).regex(/^[A-Za-z0-9._:-]{8,128}$/, '--idempotency-key: 8-128 characters of A-Z a-z 0-9 . _ : -'),
      live: z.boolean().optional(),
    })
    .refine((v) => (v.qty === undefined) !== (v.notional === undefined), { message: 'give exactly one of --qty or --notional', path: ['qty'] })
    .refine((v) => v['limit-price'] === undefined || v.qty !== undefined, { message: '--limit-price needs --qty', path: ['limit-price'] })
    .refine((v) => (v.type !== 'stop-limit' && v.type !== 'bracket') || (v['stop-price'] !== undefined && v['limit-price'] !== undefined), { message: '--type stop-limit and bracket need --stop-price and --limit-price', path: ['stop-price'] })
    .refine((v) => v['stop-price'] === undefined || v.type === 'stop-limit' || v.type === 'bracket', { message: '--stop-price goes with --type stop-limit or bracket', path: ['stop-price'] })
    .refine((v) => v.type !== 'bracket' || v.side === 'SELL', { message: '--type bracket is an exit: --side sell', path: ['type'] }),
  async run(args, ctx) {
    const order = {
      walletId: args.wallet,
      product: args.product.toUpperCase(),
      side: args.side,
      ...(args.qty !== undefined ? { qty: args.qty } : {}),
      ...(args.notional !== undefined ? { notional: args.notional } : {}),
      ...(args['limit-price'] !== undefined ? { limitPrice: args['limit-price'] } : {}),
      ...(args.type !== undefined ? { type: args.type === 'stop-limit' ? ('stop_limit' as const) : args.type } : {}),
      ...(args['stop-price'] !== undefined ? { stopPrice: args['stop-price'] } : {}),
      postOnly: args['post-only'] ?? false,
      expectedEdge: args['expected-edge'],
      ...(args['safety-buffer'] !== undefined ? { safetyBuffer: args['safety-buffer'] } : {}),
      ...(args['override-reason'] ? { override: { reason: args['override-reason'] } } : {}),
    };
    // Through the running cockpit, like every other door: its kill switch and risk limits apply.
    return withRuntime(ctx, async (rt) => {
      // A live order from a person at a terminal: show what will happen and ask first.
      if (args.live && ctx.io.interactive && !ctx.json) {
        const q = await callVerb<VerbResult<'quote_ledger_order'>>(rt, 'quote_ledger_order', order);
        if (q.refusal) {
          ctx.io.out(`REFUSED${q.refusal.rule ? ` by ${q.refusal.rule}` : ''}: ${q.refusal.reason}`);
          return EXIT.rejected;
        }
        const p = q.plan!;
        if (p.liveBlocker === null) {
          ctx.io.out(`LIVE ORDER: ${p.side} ${p.qty} ${p.product} ${orderTerms({ side: p.side, orderType: p.orderType, limitPrice: p.limitPrice, stopPrice: p.stopPrice })}`);
          if (p.preview) ctx.io.out(`  Coinbase preview: total ${p.preview.orderTotal ?? '?'}, commission ${p.preview.commissionTotal ?? '?'}${p.preview.errors.length ? `, errors: ${p.preview.errors.join(', ')}` : ''}`);
          ctx.io.out(`  cost gate: ${p.gate.decision} - ${p.gate.reason}${p.gate.decision === 'blocked' && isProtectiveExit(p) ? ' (an exit of a held position: not held back)' : ''}`);
          const answer = (await ctx.io.ask('Send this order with real money? Type "yes" to confirm: ')).trim();
          if (answer !== 'yes') {
            ctx.io.out('not sent.');
            return EXIT.rejected;
          }
        }
      }
      const o = await callVerb<VerbResult<'place_ledger_order'>>(rt, 'place_ledger_order', { ...order, idempotencyKey: args['idempotency-key'], live: args.live ?? false });
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
  ctx.io.out(`${o.status.toUpperCase()}${o.rule ? ` by ${o.rule}` : ''}${o.replayed ? ' (existing order for this key)' : ''}: order ${o.orderId} (${o.mode})`);
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
