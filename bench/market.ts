/**
 * Market data pipeline throughput and latency, beside the raw feed rate measured in the same run.
 *
 *   npx tsx bench/market.ts [--symbols=10] [--seconds=5] [--rate=5] [--soak-seconds=0] [--temporal]
 *
 * Stages, all on the host's real code:
 *   feed      SimulatedFeed.generate: seeded GBM trades for N symbols, nothing else (the baseline);
 *   pipeline  the same trades through FeedManager.ingest (price sanity, `market.tick` on the event
 *             bus, 1m bar aggregation) and, on each bar close, the batch into the stream state the
 *             MarketStreamWorkflow keeps (bar sanity, incremental indicators, bounded candles) and a
 *             feature vector read per symbol, as the workflow's query does.
 * Latency is bar close (the `market.bar` event) to its feature vector being readable. Trades are
 * fed in the chunks a live feed delivers them (one emission interval at a time), so latency
 * includes waiting for the rest of the chunk, as it does live.
 *
 * `--temporal` adds a third stage on a real Temporal dev server: the FeedManager signals each bar
 * batch to a running MarketStreamWorkflow (its activities served by the same FeedManager), and the
 * latency is bar close to the workflow's `featureVector` query returning that bar. The pipeline
 * waits for each batch to be visible before feeding on, so its ticks/s is a floor.
 *
 * `--soak-seconds` runs the pipeline that long and prints heap (after GC) and state size every
 * few seconds: both must stay flat because candles and feature windows are bounded.
 *
 * Target: >= 5,000 ticks/s sustained for 10 symbols.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createMarketActivities } from '../core/market/activities';
import { WORKFLOW_IDS } from '../core/domain/ids';
import type { FeedSink, MarketFeed } from '../core/market/feeds/types';
import { DevServer } from '../core/runtime/dev-server';
import { marketFeatureVectorQuery, marketStreamWorkflow } from '../core/market/market-stream.workflow';
import type { Bar, Tick } from '../core/domain/market';
import { EventBus } from '../core/host/bus';
import { FeedManager } from '../core/market/feed-manager';
import { SimulatedFeed } from '../core/market/feeds/simulated';
import { DEFAULT_SANITY } from '../core/market/sanity';
import { addSymbols, applyLiveBars, streamInit, symbolFeatures, type StreamState } from '../core/market/stream-state';
import { loadConfig } from '../core/runtime/config';
import { silentLogger } from '../core/runtime/log';

const arg = (name: string, def: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.split('=')[1]) : def;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
};
const SYMBOLS = arg('symbols', 10);
const SECONDS = arg('seconds', 5);
/** Virtual trades per second per symbol: bars close every 60 * rate trades. */
const RATE = arg('rate', 5);
const SOAK = arg('soak-seconds', 0);
const TEMPORAL = process.argv.includes('--temporal');
/** Trades per symbol per emission chunk (what a live feed hands over at once); one virtual second. */
const PER_CHUNK = Math.max(1, Math.round(RATE));
const CHUNK_MS = Math.round((PER_CHUNK / RATE) * 1000);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const symbols = Array.from({ length: SYMBOLS }, (_, i) => (i === 0 ? 'BTC-USD' : i === 1 ? 'ETH-USD' : `S${i}-USD`));
const T0 = Date.UTC(2025, 0, 6, 0, 0);

function feed(): SimulatedFeed {
  const f = new SimulatedFeed({ seed: 7, tradesPerSecond: RATE });
  f.setSymbols(symbols);
  return f;
}

/** Baseline: generating the trades alone. */
function measureFeed(seconds: number): { ticks: number; ms: number } {
  const f = feed();
  const perChunk = PER_CHUNK;
  let ticks = 0;
  let sink = 0;
  let vt = T0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (let k = 0; k < 50; k++) {
      const batch = f.generate(perChunk, vt, vt + CHUNK_MS);
      vt += CHUNK_MS;
      for (const t of batch) sink += t.price.length;
      ticks += batch.length;
    }
  }
  if (sink < 0) console.log(sink);
  return { ticks, ms: performance.now() - t0 };
}

interface PipelineResult {
  ticks: number;
  ms: number;
  bars: number;
  vectors: number;
  latenciesMs: number[];
  busTicks: number;
  maxCandles: number;
  heap: { at: number; mb: number; stateKb: number }[];
}

async function measurePipeline(seconds: number, sampleEverySec = 0): Promise<PipelineResult> {
  const bus = new EventBus();
  let busTicks = 0;
  bus.on('market.tick', () => busTicks++);
  const closedAt = new Map<string, number>();
  bus.on('market.bar', (b) => closedAt.set(`${b.symbol}@${b.time}`, performance.now()));
  const st: StreamState = streamInit('simulated', { timeframe: '1m', candleKeep: 500, sanity: DEFAULT_SANITY });
  addSymbols(st, symbols, null);
  const latencies: number[] = [];
  let bars = 0;
  let vectors = 0;
  let vt = T0;
  const mgr = new FeedManager({
    config: loadConfig({}),
    bus,
    log: silentLogger,
    now: () => vt,
    deliver: async (batch: Bar[]) => {
      applyLiveBars(st, batch);
      const seen = new Set<string>();
      for (const b of batch) {
        if (seen.has(b.symbol)) continue;
        seen.add(b.symbol);
        if (symbolFeatures(st, b.symbol)) vectors++;
      }
      const done = performance.now();
      for (const b of batch) {
        const k = `${b.symbol}@${b.time}`;
        const at = closedAt.get(k);
        if (at !== undefined) latencies.push(done - at);
        closedAt.delete(k);
      }
      bars += batch.length;
    },
  });
  const f = feed();
  const perChunk = PER_CHUNK;
  let ticks = 0;
  const heap: PipelineResult['heap'] = [];
  let nextSample = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const batch: Tick[] = f.generate(perChunk, vt, vt + CHUNK_MS);
    vt += CHUNK_MS;
    for (const t of batch) mgr.ingest(t);
    ticks += batch.length;
    // Let the bar delivery (queued as a microtask on close) run, as the event loop does live.
    await Promise.resolve();
    await mgr.flush();
    if (sampleEverySec > 0 && performance.now() - t0 >= nextSample * 1000) {
      gc();
      heap.push({ at: Math.round((performance.now() - t0) / 1000), mb: process.memoryUsage().heapUsed / 2 ** 20, stateKb: JSON.stringify(st).length / 1024 });
      nextSample += sampleEverySec;
    }
  }
  const ms = performance.now() - t0;
  await mgr.stop();
  const maxCandles = Math.max(...symbols.map((s) => st.symbols[s]!.candles.length));
  return { ticks, ms, bars, vectors, latenciesMs: latencies, busTicks, maxCandles, heap };
}

/** The bench drives the trades itself; this feed only records that the workflow asked for it. */
class DriverFeed implements MarketFeed {
  readonly kind = 'simulated' as const;
  started = false;
  start(_symbols: string[], _sink: FeedSink): void {
    this.started = true;
  }
  setSymbols(): void {}
  stop(): void {}
  health() {
    return { state: 'ok' as const, detail: 'bench driver', counters: {} };
  }
  async history(): Promise<Bar[]> {
    return [];
  }
}

async function measureTemporal(seconds: number): Promise<{ ticks: number; ms: number; bars: number; latenciesMs: number[] }> {
  const cfg = loadConfig(process.env);
  const cliPath = cfg.TEMPORAL_CLI_PATH ?? path.join(os.homedir(), '.cache/vigil/temporal-cli', cfg.TEMPORAL_CLI_VERSION, 'temporal');
  if (!fs.existsSync(cliPath)) throw new Error(`no Temporal CLI at ${cliPath} (set TEMPORAL_CLI_PATH)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-market-'));
  try {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  } catch {
    // installed already
  }
  const server = new DevServer({ cliPath, dbFile: path.join(dir, 'temporal.sqlite'), namespace: 'default', logFile: path.join(dir, 'temporal.log'), log: silentLogger, headless: true });
  await server.start();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const nc = await NativeConnection.connect({ address: server.address });
  const bus = new EventBus();
  const closedAt = new Map<string, number>();
  bus.on('market.bar', (b) => closedAt.set(`${b.symbol}@${b.time}`, performance.now()));
  let vt = T0;
  const driver = new DriverFeed();
  const mgr = new FeedManager({ config: cfg, bus, log: silentLogger, client, now: () => vt, feeds: { simulated: () => driver } });
  const taskQueue = `bench-market-${process.pid}`;
  const worker = await Worker.create({
    connection: nc,
    namespace: 'default',
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: new URL('../core/workflows/index.ts', import.meta.url).pathname, logger: new DefaultLogger('ERROR') }),
    activities: createMarketActivities({ bus, log: silentLogger, market: mgr }),
  });
  const running = worker.run();
  const latencies: number[] = [];
  let ticks = 0;
  let bars = 0;
  let ms = 0;
  try {
    const h = await client.workflow.start(marketStreamWorkflow, {
      taskQueue,
      workflowId: WORKFLOW_IDS.marketStream,
      args: [{ symbols, feed: 'simulated', backfillMinutes: 0, continueEvery: cfg.STREAM_CONTINUE_EVERY, historyLimit: cfg.STREAM_HISTORY_LIMIT, leaseSeconds: 86_400, forwardToLedger: null }],
    });
    const deadline = Date.now() + 30_000;
    while (!driver.started) {
      if (Date.now() > deadline) throw new Error('the workflow never asked for its feed');
      await new Promise((r) => setTimeout(r, 20));
    }
    const f = feed();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const batch = f.generate(PER_CHUNK, vt, vt + CHUNK_MS);
      vt += CHUNK_MS;
      for (const t of batch) mgr.ingest(t);
      ticks += batch.length;
      await Promise.resolve();
      await mgr.flush();
      if (closedAt.size === 0) continue;
      // Wait until the workflow's feature vector includes every bar of this batch.
      for (const [k, at] of closedAt) {
        const [symbol, time] = k.split('@') as [string, string];
        for (;;) {
          const v = await h.query(marketFeatureVectorQuery, symbol);
          if (v && v.barTime !== null && v.barTime >= Number(time)) break;
          await new Promise((r) => setTimeout(r, 1));
        }
        latencies.push(performance.now() - at);
        bars++;
      }
      closedAt.clear();
    }
    ms = performance.now() - t0;
    await h.terminate('bench done');
  } finally {
    await mgr.stop();
    worker.shutdown();
    await running.catch(() => undefined);
    await nc.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { ticks, ms, bars, latenciesMs: latencies };
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(`market pipeline bench: ${SYMBOLS} symbols, ${RATE} virtual trades/s/symbol (a 1m bar every ${fmt(60 * RATE)} trades per symbol), ${SECONDS}s per stage`);
  // Warm both paths so the JIT has seen them before anything is timed.
  measureFeed(0.3);
  await measurePipeline(0.3);

  const raw = measureFeed(SECONDS);
  const rawRate = (raw.ticks / raw.ms) * 1000;
  const p = await measurePipeline(SECONDS);
  const rate = (p.ticks / p.ms) * 1000;
  if (p.busTicks !== p.ticks) throw new Error(`bus saw ${p.busTicks} ticks of ${p.ticks}: ticks were dropped`);
  console.log('');
  console.log('stage                        ticks/s    ratio to feed');
  console.log(`feed (generate only)     ${fmt(rawRate).padStart(11)}    1.00`);
  console.log(`pipeline to features     ${fmt(rate).padStart(11)}    ${(rate / rawRate).toFixed(2)}`);
  console.log('');
  console.log(`bars closed and delivered: ${fmt(p.bars)}; feature vectors read: ${fmt(p.vectors)}; candles kept per symbol: max ${p.maxCandles} (bound 500)`);
  console.log(`bar close -> feature vector latency: p50 ${pct(p.latenciesMs, 50).toFixed(3)} ms, p99 ${pct(p.latenciesMs, 99).toFixed(3)} ms (${fmt(p.latenciesMs.length)} bars)`);
  console.log(`  beside the feed: one chunk of ${SYMBOLS} x ${PER_CHUNK} trades takes ${(((SYMBOLS * PER_CHUNK) / rawRate) * 1000).toFixed(3)} ms to generate`);
  if (TEMPORAL) {
    const t = await measureTemporal(SECONDS);
    const tr = (t.ticks / t.ms) * 1000;
    console.log('');
    console.log('through a real Temporal dev server (signal per bar batch, then the featureVector query):');
    console.log(`pipeline to workflow     ${fmt(tr).padStart(11)}    ${(tr / rawRate).toFixed(2)}   (waits for each batch to be queryable: a floor)`);
    console.log(`bar close -> workflow feature vector: p50 ${pct(t.latenciesMs, 50).toFixed(1)} ms, p99 ${pct(t.latenciesMs, 99).toFixed(1)} ms (${fmt(t.bars)} bars)`);
  }
  console.log(`target >= 5,000 ticks/s for 10 symbols: ${rate >= 5000 ? 'met' : 'NOT met'} (${(rate / 5000).toFixed(1)}x)`);

  if (SOAK > 0) {
    console.log('');
    console.log(`soak: ${SOAK}s through the pipeline, heap after GC and stream state size`);
    const s = await measurePipeline(SOAK, Math.max(1, Math.round(SOAK / 10)));
    for (const h of s.heap) console.log(`  t=${String(h.at).padStart(4)}s  heap ${h.mb.toFixed(1).padStart(6)} MB  state ${h.stateKb.toFixed(0).padStart(6)} KB`);
    const first = s.heap[Math.min(1, s.heap.length - 1)]!;
    const last = s.heap[s.heap.length - 1]!;
    console.log(`  ${fmt((s.ticks / s.ms) * 1000)} ticks/s sustained over ${fmt(s.ticks)} ticks; heap ${first.mb.toFixed(1)} -> ${last.mb.toFixed(1)} MB; state ${first.stateKb.toFixed(0)} -> ${last.stateKb.toFixed(0)} KB; max candles per symbol ${s.maxCandles}`);
  }
}

await main();
