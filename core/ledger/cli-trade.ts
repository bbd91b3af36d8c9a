import { z } from 'zod';
import { Dec } from '../domain/decimal';
import { typedProductIdSchema } from '../domain/product';
import type { VerbResult } from '../api/contract';
import { command, CliError, EXIT, type CliCommand, type ExitCode } from '../cli/registry';
import { callVerb, withRuntime } from '../cli/remote';
import { isProtectiveExit, orderTerms } from '../orders/terms';

type OrderOutcome = VerbResult<'place_ledger_order'>;

const decimal = (what: string) => z.string().regex(/^\d+(\.\d+)?$/, `${what} must be a positive decimal like 0.01`);

/** The flags every order command shares, checked the same way. */
const orderFlags = {
  wallet: z.string({ error: '--wallet is required (see `vigil wallet list`)' }).min(1),
  product: typedProductIdSchema('--product must look like BTC-USD', z.string({ error: '--product is required, e.g. BTC-USD' })),
  side: z.string({ error: '--side is required: buy or sell' }).transform((s) => s.toUpperCase()).pipe(z.enum(['BUY', 'SELL'], { error: '--side must be buy or sell' })),
};
const keyFlag = z.string({ error: '--idempotency-key is required (8-128 chars of A-Z a-z 0-9 . _ : -)' }).regex(/^[A-Za-z0-9._:-]{8,128}$/, '--idempotency-key: 8-128 characters of A-Z a-z 0-9 . _ : -');

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
    'Exits of a buy (--stop-loss / --stop-loss-pct, --take-profit / --take-profit-pct; pct as a',
    'fraction of the average fill, e.g. 0.03): once a live buy filled, a bracket (both), a stop-limit',
    '1% under the stop (stop alone) or a limit sell (take-profit alone) is placed on Coinbase for',
    'what it bought.',
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
    'stop-loss': { type: 'string' },
    'stop-loss-pct': { type: 'string' },
    'take-profit': { type: 'string' },
    'take-profit-pct': { type: 'string' },
    'post-only': { type: 'boolean' },
    'expected-edge': { type: 'string' },
    'safety-buffer': { type: 'string' },
    'override-reason': { type: 'string' },
    'idempotency-key': { type: 'string' },
    live: { type: 'boolean' },
  },
  schema: z
    .object({
      ...orderFlags,
      qty: decimal('--qty').optional(),
      notional: decimal('--notional').optional(),
      'limit-price': decimal('--limit-price').optional(),
      type: z.enum(['market', 'limit', 'stop-limit', 'bracket'], { error: '--type must be market, limit, stop-limit or bracket' }).optional(),
      'stop-price': decimal('--stop-price').optional(),
      'stop-loss': decimal('--stop-loss').optional(),
      'stop-loss-pct': z.string().regex(/^0\.\d{1,8}$/, '--stop-loss-pct is a fraction like 0.03 for 3%').optional(),
      'take-profit': decimal('--take-profit').optional(),
      'take-profit-pct': z.string().regex(/^0\.\d{1,8}$/, '--take-profit-pct is a fraction like 0.05 for 5%').optional(),
      'post-only': z.boolean().optional(),
      'expected-edge': z.string({ error: '--expected-edge is required: the expected edge as a fraction of notional, e.g. 0.004' }).regex(/^-?\d+(\.\d+)?$/, '--expected-edge must be a decimal fraction like 0.004'),
      'safety-buffer': decimal('--safety-buffer').optional(),
      'override-reason': z.string().min(3, '--override-reason needs a few words').max(300).optional(),
      'idempotency-key': keyFlag,
      live: z.boolean().optional(),
    })
    .refine((v) => (v.qty === undefined) !== (v.notional === undefined), { message: 'give exactly one of --qty or --notional', path: ['qty'] })
    .refine((v) => v['limit-price'] === undefined || v.qty !== undefined, { message: '--limit-price needs --qty', path: ['limit-price'] })
    .refine((v) => (v.type !== 'stop-limit' && v.type !== 'bracket') || (v['stop-price'] !== undefined && v['limit-price'] !== undefined), { message: '--type stop-limit and bracket need --stop-price and --limit-price', path: ['stop-price'] })
    .refine((v) => v['stop-price'] === undefined || v.type === 'stop-limit' || v.type === 'bracket', { message: '--stop-price goes with --type stop-limit or bracket', path: ['stop-price'] })
    .refine((v) => v.type !== 'bracket' || v.side === 'SELL', { message: '--type bracket is an exit: --side sell', path: ['type'] })
    .refine((v) => !(v['stop-loss'] && v['stop-loss-pct']) && !(v['take-profit'] && v['take-profit-pct']), { message: 'give each exit once: --stop-loss or --stop-loss-pct, --take-profit or --take-profit-pct', path: ['stop-loss'] })
    .refine((v) => ![v['stop-loss'], v['stop-loss-pct'], v['take-profit'], v['take-profit-pct']].some((x) => x !== undefined) || (v.side === 'BUY' && v.type !== 'stop-limit' && v.type !== 'bracket'), { message: 'exits (--stop-loss, --take-profit) go with a market or limit buy', path: ['stop-loss'] }),
  async run(args, ctx) {
    const exits = {
      ...(args['stop-loss'] !== undefined ? { stopPrice: args['stop-loss'] } : {}),
      ...(args['stop-loss-pct'] !== undefined ? { stopPct: args['stop-loss-pct'] } : {}),
      ...(args['take-profit'] !== undefined ? { takeProfitPrice: args['take-profit'] } : {}),
      ...(args['take-profit-pct'] !== undefined ? { takeProfitPct: args['take-profit-pct'] } : {}),
    };
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
      const o = await callVerb<VerbResult<'place_ledger_order'>>(rt, 'place_ledger_order', { ...order, ...(Object.keys(exits).length ? { exits } : {}), idempotencyKey: args['idempotency-key'], live: args.live ?? false });
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
  if (o.exchangeOrderId) ctx.io.out(`  Coinbase order ${o.exchangeOrderId}, filled ${o.filledBase}${o.avgFillPrice ? ` at ${o.avgFillPrice} on average` : ''}`);
  if (o.exits) {
    const e = o.exits;
    ctx.io.out(`  exits (${e.clientOrderId}): ${e.type ?? 'none'}${e.takeProfitPrice ? ` take profit ${e.takeProfitPrice}` : ''}${e.stopPrice ? ` stop ${e.stopPrice}` : ''} — ${e.status}${e.reason && e.status === 'refused' ? `: ${e.reason}` : ''}`);
  }
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
    case 'open':
    case 'filled':
    case 'cancelled':
    case 'dry_run':
      return EXIT.ok;
  }
}

type LedgerStop = VerbResult<'place_ledger_stop'>;

function stopLine(s: LedgerStop): string {
  const kind = s.trigger.kind === 'stop' ? `stop ${s.trigger.stopPrice ?? ''}` : `trailing ${s.trigger.trailPct !== undefined ? `${Dec.of(s.trigger.trailPct).mul('100').toString()}%` : s.trigger.trailAmount}`;
  const head = `${s.status.toUpperCase()}: ${s.key} ${s.side} ${s.qty} ${s.product} ${kind}${s.live ? '' : ' (dry run when it fires)'}`;
  const now = s.status === 'waiting' ? ` — fires at ${s.stop ?? '?'}${s.extreme ? `, best ${s.extreme}` : ''}${s.lastPrice ? `, last ${s.lastPrice}` : ''}` : '';
  const why = s.reason ? ` — ${s.reason}` : '';
  const out = s.outcome ? ` — order ${s.outcome.status}${s.outcome.rule ? ` by ${s.outcome.rule}` : ''}, filled ${s.outcome.filledBase}` : s.status === 'fired' ? ` — fired at ${s.observedPrice ?? '?'}, order in progress` : '';
  return head + now + why + out;
}

const stop = command({
  name: 'trade stop',
  summary: 'A live stop or trailing stop Vigil watches and sends as a market order when it fires.',
  help: [
    'For what Coinbase has no order type for: Vigil reads the book (every --poll-seconds) and, when',
    'the price reaches the stop, sends a market order through the running cockpit\'s order port',
    '(the kill switch and the risk limits judge it then). A sell stop protects a held position: its',
    'stop sits below the best bid; a trailing stop follows the best bid up by --trail-pct or',
    '--trail-amount and never loosens. It needs a running cockpit and lives in it (Temporal keeps it',
    'across restarts). For a stop-limit or an exit bracket resting on Coinbase itself, use',
    '`vigil trade place --type stop-limit|bracket`.',
    '',
    'Example: vigil trade stop --wallet coinbase:<portfolio>:funding --product BTC-USD --side sell \\',
    '           --qty 0.001 --trail-pct 0.05 --idempotency-key my-trail-0001 --live',
    '',
    'Exit codes: 0 waiting (or fired) · 2 bad arguments · 3 refused (it would fire at once) · 4 no cockpit.',
  ].join('\n'),
  flags: {
    wallet: { type: 'string' },
    product: { type: 'string' },
    side: { type: 'string' },
    qty: { type: 'string' },
    'stop-price': { type: 'string' },
    'trail-pct': { type: 'string' },
    'trail-amount': { type: 'string' },
    'expected-edge': { type: 'string' },
    'poll-seconds': { type: 'string' },
    'idempotency-key': { type: 'string' },
    live: { type: 'boolean' },
  },
  schema: z
    .object({
      ...orderFlags,
      qty: decimal('--qty').refine((s) => /[1-9]/.test(s), '--qty must be above 0'),
      'stop-price': decimal('--stop-price').optional(),
      'trail-pct': z.string().regex(/^0\.\d{1,8}$/, '--trail-pct is a fraction like 0.05 for 5%').optional(),
      'trail-amount': decimal('--trail-amount').optional(),
      'expected-edge': z.string().regex(/^-?\d+(\.\d+)?$/, '--expected-edge must be a decimal fraction like 0.004').optional(),
      'poll-seconds': z.coerce.number().int().min(1).max(60).optional(),
      'idempotency-key': keyFlag,
      live: z.boolean().optional(),
    })
    .refine((v) => [v['stop-price'], v['trail-pct'], v['trail-amount']].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of --stop-price, --trail-pct or --trail-amount', path: ['stop-price'] }),
  async run(args, ctx) {
    const input = {
      walletId: args.wallet,
      product: args.product.toUpperCase(),
      side: args.side,
      qty: args.qty,
      kind: args['stop-price'] !== undefined ? ('stop' as const) : ('trailing_stop' as const),
      ...(args['stop-price'] !== undefined ? { stopPrice: args['stop-price'] } : {}),
      ...(args['trail-pct'] !== undefined ? { trailPct: args['trail-pct'] } : {}),
      ...(args['trail-amount'] !== undefined ? { trailAmount: args['trail-amount'] } : {}),
      ...(args['expected-edge'] !== undefined ? { expectedEdge: args['expected-edge'] } : {}),
      ...(args['poll-seconds'] !== undefined ? { pollSeconds: args['poll-seconds'] } : {}),
      idempotencyKey: args['idempotency-key'],
      live: args.live ?? false,
    };
    return withRuntime(ctx, async (rt) => {
      const s = await callVerb<LedgerStop>(rt, 'place_ledger_stop', input);
      ctx.io.out(ctx.json ? JSON.stringify(s, null, 2) : stopLine(s));
      return s.status === 'refused' ? EXIT.rejected : EXIT.ok;
    });
  },
});

const stops = command({
  name: 'trade stops',
  summary: 'Live stops Vigil watches: waiting ones with where they fire now, and recent ended ones.',
  help: 'vigil trade stops [--active] [--limit N] [--json]. Needs a running cockpit.',
  flags: { active: { type: 'boolean' }, limit: { type: 'string' } },
  schema: z.object({ active: z.boolean().optional(), limit: z.coerce.number().int().min(1).max(100).optional() }),
  async run(args, ctx) {
    return withRuntime(ctx, async (rt) => {
      const r = await callVerb<VerbResult<'list_ledger_stops'>>(rt, 'list_ledger_stops', { activeOnly: args.active ?? false, limit: args.limit ?? 20 });
      if (ctx.json) ctx.io.out(JSON.stringify(r, null, 2));
      else if (r.stops.length === 0) ctx.io.out('no live stops');
      else for (const s of r.stops) ctx.io.out(stopLine(s));
      return EXIT.ok;
    });
  },
});

const cancelStop = command({
  name: 'trade cancel-stop',
  summary: 'Stop watching a live stop before it fires.',
  help: 'vigil trade cancel-stop <idempotencyKey> --reason "…". Exit codes: 0 cancelled (or already ended) · 2 bad arguments · 4 no cockpit.',
  flags: { reason: { type: 'string' } },
  positionals: ['key'],
  schema: z.object({
    key: z.string({ error: 'give the stop\'s idempotency key (see `vigil trade stops`)' }).regex(/^[A-Za-z0-9._:-]{8,128}$/, 'an idempotency key: 8-128 characters of A-Z a-z 0-9 . _ : -'),
    reason: z.string({ error: '--reason is required: say why the stop goes' }).trim().min(3, '--reason needs a few words').max(300),
  }),
  async run(args, ctx) {
    return withRuntime(ctx, async (rt) => {
      const s = await callVerb<LedgerStop>(rt, 'cancel_ledger_stop', { idempotencyKey: args.key, reason: args.reason });
      ctx.io.out(ctx.json ? JSON.stringify(s, null, 2) : stopLine(s));
      return EXIT.ok;
    });
  },
});

export const tradeCommands: CliCommand[] = [place, stop, stops, cancelStop];
