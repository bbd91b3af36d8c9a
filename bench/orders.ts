/**
 * Paper order path: place-order latency (p50/p99) and sustained orders/s through the
 * `place_order` update of ExecutionLedgerWorkflow (validator, risk checks, fill model, portfolio
 * apply, fill recorded, event activity batched), beside an `echo` update on the same workflow on
 * the same dev server in the same run: the floor any update pays for the round trip.
 *
 *   npx tsx bench/orders.ts [sequential=300] [throughput=1000] [concurrency=8]
 *
 * Targets: p50 within 2x of the echo floor; >= 100 orders/s sustained.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createPaperActivities } from '../core/paper/activities';
import { EventBus } from '../core/host/bus';
import { DevServer } from '../core/runtime/dev-server';
import { silentLogger } from '../core/runtime/log';
import type { PlaceOrder } from '../core/trading/orders';
import { barsSignal, echoUpdate, executionLedgerWorkflow, placeOrderUpdate, portfolioStatusQuery } from '../core/paper/paper-book.workflow';

const SEQ = Number(process.argv[2] ?? 300);
const THR = Number(process.argv[3] ?? 1000);
// The server admits 10 in-flight updates per workflow; stay under it.
const CONC = Number(process.argv[4] ?? 8);
const cli = process.env.TEMPORAL_CLI_PATH ?? path.join(os.homedir(), '.cache/vigil/temporal-cli/1.5.1/temporal');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function main(): Promise<void> {
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-orders-'));
  const server = new DevServer({ cliPath: cli, dbFile: path.join(dir, 't.sqlite'), namespace: 'default', logFile: path.join(dir, 't.log'), log: silentLogger, headless: true });
  await server.start();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const nc = await NativeConnection.connect({ address: server.address });
  const taskQueue = 'bench-orders';
  const worker = await Worker.create({
    connection: nc,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: path.resolve('core/workflows/index.ts'), logger: new DefaultLogger('WARN') }),
    activities: createPaperActivities({ bus: new EventBus(), log: silentLogger }),
  });
  const running = worker.run();
  try {
    const off = { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null };
    const h = await client.workflow.start(executionLedgerWorkflow, {
      taskQueue,
      workflowId: 'vigil/execution-ledger/bench',
      args: [{ portfolioId: 'bench', initialCash: '100000000', riskLimits: off, notify: process.env.BENCH_NOTIFY !== '0' }],
    });
    await h.signal(barsSignal, [{ symbol: 'BTC-USD', timeframe: '1m', time: 0, open: '50000', high: '50000', low: '50000', close: '50000', volume: '1' }]);
    // Seed holdings so concurrent sells never outrun the buys they alternate with.
    await h.executeUpdate(placeOrderUpdate, { args: [{ symbol: 'BTC-USD', side: 'buy', type: 'market', quantity: '10', idempotencyKey: 'bench-seed-0001', agent: 'bench', correlationId: 'bench-seed' }] });
    let n = 0;
    // Alternate buy/sell so every order fills against cash or holdings.
    const order = (): PlaceOrder => {
      n++;
      return { symbol: 'BTC-USD', side: n % 2 ? 'buy' : 'sell', type: 'market', quantity: '0.001', idempotencyKey: `bench-order-${n}`, agent: 'bench', correlationId: `bench-${n}` };
    };
    const timeEach = async (count: number, f: () => Promise<unknown>) => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        await f();
        out.push(performance.now() - t);
      }
      return out;
    };
    // Warm both paths (bundle JIT, connection, caches).
    await timeEach(50, () => h.executeUpdate(echoUpdate, { args: ['x'] }));
    await timeEach(50, () => h.executeUpdate(placeOrderUpdate, { args: [order()] }));

    // Interleave halves so drift on a shared machine hits both sides alike.
    const echo: number[] = [];
    const place: number[] = [];
    for (let round = 0; round < 2; round++) {
      echo.push(...(await timeEach(SEQ / 2, () => h.executeUpdate(echoUpdate, { args: ['x'] }))));
      place.push(...(await timeEach(SEQ / 2, () => h.executeUpdate(placeOrderUpdate, { args: [order()] }))));
    }

    let filled = 0;
    const sustained = async (f: () => Promise<void>) => {
      const t0 = performance.now();
      let issued = 0;
      await Promise.all(
        Array.from({ length: CONC }, async () => {
          while (issued < THR) {
            issued++;
            await f();
          }
        }),
      );
      return THR / ((performance.now() - t0) / 1000);
    };
    const echoRate = await sustained(async () => {
      await h.executeUpdate(echoUpdate, { args: ['x'] });
    });
    const rate = await sustained(async () => {
      const r = await h.executeUpdate(placeOrderUpdate, { args: [order()] });
      if (r.status === 'filled') filled++;
    });

    const status = await client.workflow.getHandle('vigil/execution-ledger/bench').query(portfolioStatusQuery);
    const e50 = pct(echo, 50);
    const p50 = pct(place, 50);
    console.log(`orders bench (${os.cpus().length} cpus, dev server ${server.address})`);
    console.log(`  echo update       p50 ${ms(e50)}  p99 ${ms(pct(echo, 99))}  (n=${echo.length})`);
    console.log(`  place_order       p50 ${ms(p50)}  p99 ${ms(pct(place, 99))}  (n=${place.length})`);
    console.log(`  p50 ratio place/echo: ${(p50 / e50).toFixed(2)}x  (target <= 2x)`);
    console.log(`  sustained: ${rate.toFixed(1)} orders/s over ${THR} orders, ${CONC} in flight, ${filled} filled  (target >= 100/s)`);
    console.log(`  sustained echo: ${echoRate.toFixed(1)} updates/s, same concurrency; orders/echo ${(rate / echoRate).toFixed(2)}x`);
    console.log(`  ledger after run: ${status.counts.fills} fills retained, cash ${Number(status.valuation.cash).toFixed(2)}, fees ${Number(status.valuation.feesPaid).toFixed(2)}`);
    await h.terminate('bench done');
  } finally {
    worker.shutdown();
    await running.catch(() => {});
    await nc.close().catch(() => {});
    await connection.close().catch(() => {});
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
