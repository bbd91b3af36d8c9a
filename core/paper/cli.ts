/**
 * `vigil paper order|cancel`: paper orders from the terminal, through the running cockpit's order
 * port (door `cli`: the kill switch, risk limits, protections and the cost gate apply), every type
 * the book takes — market, limit, stop, stop-limit, take-profit, trailing stop, and a bracket on an
 * entry.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { VerbResult } from '../api/contract';
import { Dec } from '../domain/decimal';
import { typedProductIdSchema } from '../domain/product';
import { command, EXIT, type CliCommand } from '../cli/registry';
import { callVerb, withRuntime } from '../cli/remote';

const decimal = (what: string) => z.string().regex(/^\d+(\.\d+)?$/, `${what} must be a positive decimal like 0.01`);
/** "2.5" (percent) as the exact fraction "0.025". */
const percent = (what: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `${what} is a percent like 2 or 2.5`)
    .transform((p) => Dec.of(p).div('100').toString());

const order = command({
  name: 'paper order',
  summary: 'Place a paper order: market, limit, stop, stop-limit, take-profit or trailing stop, with an optional bracket.',
  help: [
    'Goes through the running cockpit like every door: the kill switch, the risk limits, the',
    'protections and (for a buy that states --edge-bps) the cost gate apply; a refusal names its rule.',
    '',
    'Examples:',
    '  vigil paper order --symbol BTC-USD --side buy --notional 100',
    '  vigil paper order --symbol BTC-USD --side buy --notional 100 --take-profit 66000 --stop-loss 58000',
    '  vigil paper order --symbol BTC-USD --side sell --type stop --quantity 0.01 --stop-price 58000',
    '  vigil paper order --symbol BTC-USD --side sell --type stop_limit --quantity 0.01 --stop-price 58000 --limit-price 57900',
    '  vigil paper order --symbol BTC-USD --side sell --type trailing_stop --quantity 0.01 --trailing-pct 2',
    '',
    'Without --idempotency-key a fresh one is made (the command then is not safe to repeat).',
    'Exit codes: 0 filled or working · 2 bad arguments · 3 refused (the rule is named) · 4 no cockpit.',
  ].join('\n'),
  flags: {
    symbol: { type: 'string' },
    side: { type: 'string' },
    type: { type: 'string' },
    quantity: { type: 'string' },
    notional: { type: 'string' },
    'limit-price': { type: 'string' },
    'stop-price': { type: 'string' },
    'trailing-pct': { type: 'string' },
    'trailing-amount': { type: 'string' },
    'take-profit': { type: 'string' },
    'stop-loss': { type: 'string' },
    'edge-bps': { type: 'string' },
    'idempotency-key': { type: 'string' },
  },
  schema: z.object({
    symbol: typedProductIdSchema('--symbol must look like BTC-USD', z.string({ error: '--symbol is required, e.g. BTC-USD' })),
    side: z.string({ error: '--side is required: buy or sell' }).pipe(z.enum(['buy', 'sell'], { error: '--side must be buy or sell' })),
    type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'take_profit', 'trailing_stop'], { error: '--type is market, limit, stop, stop_limit, take_profit or trailing_stop' }).default('market'),
    quantity: decimal('--quantity').optional(),
    notional: decimal('--notional').optional(),
    'limit-price': decimal('--limit-price').optional(),
    'stop-price': decimal('--stop-price').optional(),
    'trailing-pct': percent('--trailing-pct').optional(),
    'trailing-amount': decimal('--trailing-amount').optional(),
    'take-profit': decimal('--take-profit').optional(),
    'stop-loss': decimal('--stop-loss').optional(),
    'edge-bps': z.coerce.number({ error: '--edge-bps is a number of basis points' }).finite().optional(),
    'idempotency-key': z.string().regex(/^[\w.:/-]{8,128}$/, '--idempotency-key: 8-128 characters of letters, digits and _ . : / -').optional(),
  }),
  async run(args, ctx) {
    const bracket =
      args['take-profit'] || args['stop-loss']
        ? { ...(args['take-profit'] ? { takeProfit: { limitPrice: args['take-profit'] } } : {}), ...(args['stop-loss'] ? { stopLoss: { stopPrice: args['stop-loss'] } } : {}) }
        : undefined;
    const input = {
      symbol: args.symbol,
      side: args.side,
      type: args.type,
      ...(args.quantity !== undefined ? { quantity: args.quantity } : {}),
      ...(args.notional !== undefined ? { notional: args.notional } : {}),
      ...(args['limit-price'] !== undefined ? { limitPrice: args['limit-price'] } : {}),
      ...(args['stop-price'] !== undefined ? { stopPrice: args['stop-price'] } : {}),
      ...(args['trailing-pct'] !== undefined ? { trailingPct: args['trailing-pct'] } : {}),
      ...(args['trailing-amount'] !== undefined ? { trailingAmount: args['trailing-amount'] } : {}),
      ...(bracket ? { bracket } : {}),
      ...(args['edge-bps'] !== undefined ? { expectedEdgeBps: args['edge-bps'] } : {}),
      idempotencyKey: args['idempotency-key'] ?? `cli-${randomUUID()}`,
      rationale: 'order from the command line',
    };
    return withRuntime(ctx, async (rt) => {
      const r = await callVerb<VerbResult<'place_mock_order'>>(rt, 'place_mock_order', input);
      if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
      else if (r.status === 'rejected') ctx.io.out(`REFUSED by ${r.rule ?? 'the book'}: ${r.reason ?? ''}`);
      else if (r.fill) ctx.io.out(`FILLED ${r.side} ${r.fill.quantity} ${r.symbol} at ${r.fill.price}, fee ${r.fill.fee} (order ${r.orderId})${bracket ? ' · bracket placed' : ''}`);
      else ctx.io.out(`${r.status.toUpperCase()}: ${r.type.replace('_', ' ')} ${r.side} ${r.symbol} (order ${r.orderId})`);
      return r.status === 'rejected' ? EXIT.rejected : EXIT.ok;
    });
  },
});

const cancel = command({
  name: 'paper cancel',
  summary: 'Cancel a working paper order (limit, stop, take-profit, trailing) by its order id.',
  help: 'vigil paper cancel <orderId>. Exit codes: 0 cancelled · 3 not open · 4 no cockpit.',
  flags: {},
  positionals: ['orderId'],
  schema: z.object({ orderId: z.string({ error: 'give the order id (see `vigil paper order` or the Portfolio page)' }).min(1).max(64) }),
  async run(args, ctx) {
    return withRuntime(ctx, async (rt) => {
      const r = await callVerb<VerbResult<'cancel_order'>>(rt, 'cancel_order', { orderId: args.orderId });
      ctx.io.out(ctx.json ? JSON.stringify(r, null, 2) : r.cancelled ? `cancelled ${r.orderId}` : `not cancelled: ${r.reason ?? ''}`);
      return r.cancelled ? EXIT.ok : EXIT.rejected;
    });
  },
});

export const paperCommands: CliCommand[] = [order, cancel];
