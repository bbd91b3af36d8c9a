/**
 * The `agent` strategy end to end in process: the real LlmClient (openai package) against the
 * local OpenAI-compatible server, the real engine and the SQLite response cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBacktestActivities } from './activities';
import type { ActivityDeps } from '../activities/deps';
import { LlmClient } from '../agents/llm/client';
import { executionPromptId, loadDefaultTemplates } from '../agents/prompts';
import { EventBus } from '../host/bus';
import { silentLogger } from '../runtime/log';
import { packageRoot } from '../runtime/package-root';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest, type ScriptedReply } from '../testing/fake-openai/server';
import { emptySeries, type BarSeries } from './bars';
import { createEngine, type Engine } from './engine';
import { createModelDriver, modelUsage, ModelBudgetExceeded, stableJson, type Clock } from './model-driver';
import { buildResult, engineConfig } from './runner';
import { BacktestSpecSchema } from './spec';
import { BacktestStore } from './store';
import type { AgentParams, AgentStrategy } from './strategies/agent';

const MIN = 60_000;
const T0 = Date.UTC(2022, 0, 3);

function walk(symbol: string, n: number, seed = 7, start = 100): BarSeries {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const s = emptySeries(symbol, MIN, n);
  let p = start;
  for (let i = 0; i < n; i++) {
    const o = p;
    const c = Math.round(o * (1 + (rnd() - 0.5) * 0.02) * 100) / 100;
    s.time[i] = T0 + i * MIN;
    s.open[i] = o;
    s.high[i] = Math.max(o, c) + Math.round(rnd() * 50) / 100;
    s.low[i] = Math.min(o, c) - Math.round(rnd() * 50) / 100;
    s.close[i] = c;
    s.volume[i] = 1 + (i % 7);
    p = c;
  }
  return s;
}

const templates = loadDefaultTemplates(path.join(packageRoot().root, 'prompts'));
const noCosts = { fees: { taker: '0.001', maker: '0.001' }, spreadBps: 0, slippage: false } as const;

/**
 * A deterministic "model": by nudge number n (from the user message) and step.
 * n % 4 == 1: buy $2000 · 2: read_features, then hold · 3: sell everything ·
 * 0: garbled calls at every step (truncated JSON, then an unknown tool) — no decision.
 */
function scripted(req: RecordedRequest): ScriptedReply {
  const user = req.messages.find((m) => m.role === 'user');
  const n = Number(/Nudge (\d+)/.exec(String(user?.content))?.[1]);
  const step = req.messages.filter((m) => m.role === 'assistant').length;
  const symbol = /- ([A-Z]+-[A-Z]+): price/.exec(String(req.messages[0]?.content))?.[1] ?? 'BTC-USD';
  const usage = { prompt: 1000, completion: 100 };
  if (n % 4 === 1) return { kind: 'tool_calls', usage, calls: [{ name: 'place_order', arguments: JSON.stringify({ symbol, side: 'buy', notional: '2000', expected_edge_bps: 40, rationale: 'trend up' }) }] };
  if (n % 4 === 2) return step === 0 ? { kind: 'tool_calls', usage, calls: [{ name: 'read_features', arguments: '{}' }] } : { kind: 'tool_calls', usage, calls: [{ name: 'hold', arguments: JSON.stringify({ rationale: 'nothing to add' }) }] };
  if (n % 4 === 3) return { kind: 'tool_calls', usage, calls: [{ name: 'place_order', arguments: JSON.stringify({ symbol, side: 'sell', notional: '1000000', expected_edge_bps: 15, rationale: 'take profit' }) }] };
  return step % 2 === 0 ? { kind: 'tool_calls', usage, calls: [{ name: 'place_order', arguments: '{"symbol": "BTC-USD", "side": "bu' }] } : { kind: 'tool_calls', usage, calls: [{ name: 'buy_now', arguments: '{}' }] };
}

class FakeClock implements Clock {
  t = 1_700_000_000_000;
  sleeps: number[] = [];
  now = () => this.t;
  sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.t += ms;
  };
}

let fake: FakeOpenAI;
let dir: string;
let store: BacktestStore;
let seq = 0;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-bt-'));
});
afterAll(async () => {
  store?.close();
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.respondWith(scripted);
});

function freshStore(): BacktestStore {
  store?.close();
  return (store = new BacktestStore(path.join(dir, `bt-${++seq}.sqlite`)));
}

function client(model = 'fake-model'): LlmClient {
  return new LlmClient({ agent: 'execution', configured: true, model, baseUrl: fake.baseURL, reason: null }, { timeoutMs: 10_000, maxRetries: 0 });
}

interface RunOpts {
  id: string;
  data: BarSeries[];
  params?: Partial<AgentParams>;
  model?: string;
  clock?: Clock;
  /** Called at every deferral with the engine, before the driver answers. */
  onAsk?: (engine: Engine, driver: ReturnType<typeof createModelDriver>) => void;
}

async function runAgent(o: RunOpts) {
  const spec = BacktestSpecSchema.parse({ strategy: 'agent', symbols: o.data.map((d) => d.symbol), timeframe: '1m', params: { every: 60, rpm: 100_000, ...o.params }, ...noCosts });
  const cfg = engineConfig(spec, o.data);
  const engine = createEngine(cfg, o.data);
  const llm = client(o.model);
  const driver = createModelDriver(cfg, o.data, { backtestId: o.id, model: llm, cache: store, prompt: (mode) => ({ template: templates[executionPromptId(mode)], version: 3 }), ...(o.clock ? { clock: o.clock } : {}) });
  while (!engine.done()) {
    engine.run(Infinity);
    if (engine.deferred().length) {
      o.onAsk?.(engine, driver);
      await driver.answerDeferred(engine);
    }
  }
  const usage = modelUsage({ strategies: engine.save().strategies, spend: store.modelSpend(o.id), model: llm.model, params: cfg.strategyParams as AgentParams, promptVersion: 1 });
  return buildResult(spec, { cfg, series: o.data, reports: [] }, engine.state(), { id: o.id, createdAt: 0, finishedAt: 0 }, usage);
}

/** The result without what legitimately differs between a first run and a cached rerun. */
function tradingPart(r: Awaited<ReturnType<typeof runAgent>>) {
  const { summary, model, ...rest } = r;
  const { id: _id, model: _m, ...s } = summary;
  const { calls: _c, cacheHits: _h, spentPromptTokens: _p, spentCompletionTokens: _q, spentCostUsd: _s, ...m } = model!;
  return { ...rest, summary: s, model: m };
}

describe('agent strategy: the execution agent with a model as a backtest strategy', () => {
  const data = [walk('BTC-USD', 600)];

  it('asks at the cadence with the live prompt and tools, maps tool calls to orders and counts every outcome', async () => {
    freshStore();
    const before = fake.requests.length;
    const r = await runAgent({ id: 'bt_first', data });
    const reqs = fake.requests.slice(before);
    // Nudges at bars 60, 120, ..., 600; the last is on the final bar (nothing could fill): no call.
    // Requests: n=1,3,5,7,9 one each; n=2,6 two (read_features, hold); n=4,8 five garbled steps.
    expect(reqs).toHaveLength(19);
    const m = r.model!;
    expect(m).toMatchObject({ decisions: 10, lastBarSkips: 1, requests: 19, calls: 19, cacheHits: 0, buys: 3, sells: 2, holds: 2, invalidCalls: 10, invalidDecisions: 2, refusals: 0, model: 'fake-model', mode: 'standard', promptId: 'execution-standard', promptVersion: 3 });
    expect(m.promptTokens).toBe(19_000);
    expect(m.completionTokens).toBe(1_900);
    expect(r.summary.model).toMatchObject({ calls: 19, cacheHits: 0, decisions: 10 });
    // Buys fill at the open of the bar after the nudge bar; sells flatten.
    const buys = r.fills.filter((f) => f.side === 'buy');
    expect(buys).toHaveLength(3);
    expect(buys[0]!.bar).toBe(60);
    expect(Number(buys[0]!.notional)).toBeCloseTo(2000, -1);
    expect(r.fills.filter((f) => f.side === 'sell').map((f) => f.bar)).toEqual([180, 420]);

    // The request is the live one: the standard prompt rendered from the bar's close time, price
    // and feature vector, the nudge message, the execution tools.
    const first = reqs[0]!;
    expect(first.tools.map((t) => t.function.name)).toEqual(['read_features', 'read_portfolio', 'place_order', 'hold']);
    const sys = String(first.messages[0]!.content);
    expect(sys).toContain('STANDARD mode');
    expect(sys).toContain(`Time: ${new Date(T0 + 60 * MIN).toISOString()}`);
    expect(sys).toContain(`- BTC-USD: price ${data[0]!.close[59]} (n/a% since last decision)`);
    expect(sys).toMatch(/rsi_14 \d/);
    expect(sys).toContain('- no open positions');
    expect(first.messages[1]).toMatchObject({ role: 'user', content: 'Nudge 1: decide now with the tools (place_order or hold).' });
    // The second nudge remembers the first decision and holds the position bought.
    const second = String(reqs[1]!.messages[0]!.content);
    expect(second).toMatch(/- holding [\d.]+ BTC-USD at average/);
    expect(second).toContain('buy BTC-USD: "trend up"');
    // read_features answered with the symbol's point; garbled calls got the error back, as live.
    const afterRead = reqs[2]!.messages.at(-1)!;
    expect(afterRead.role).toBe('tool');
    expect(JSON.parse(String(afterRead.content)).markets[0].symbol).toBe('BTC-USD');
    const garbled = reqs.find((q) => q.messages.some((x) => x.role === 'tool' && String(x.content).includes('arguments are not valid JSON')));
    expect(garbled).toBeDefined();
  });

  it('a rerun of the same spec sends zero requests and decides identically (responses from the cache)', async () => {
    const before = fake.requests.length;
    const a = await runAgent({ id: 'bt_again', data });
    expect(fake.requests.length).toBe(before);
    expect(a.model).toMatchObject({ requests: 19, calls: 0, cacheHits: 19, spentCostUsd: '0' });
    freshStore();
    const b = await runAgent({ id: 'bt_fresh', data });
    expect(fake.requests.length).toBe(before + 19);
    expect(tradingPart(a)).toEqual(tradingPart(b));
    expect(a.fills.length).toBeGreaterThan(3);
  });

  it('keys the cache on the whole request: another temperature or model is a miss', async () => {
    const before = fake.requests.length;
    await runAgent({ id: 'bt_temp', data, params: { temperature: 0 } });
    expect(fake.requests.length).toBe(before + 19);
    expect(fake.requests.at(-1)!.raw.temperature).toBe(0);
    expect(stableJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });

  it('honours the rate limit on the injected clock; cache hits never wait', async () => {
    freshStore();
    const clock = new FakeClock();
    const at: number[] = [];
    fake.respondWith((req) => {
      at.push(clock.now());
      return scripted(req);
    });
    await runAgent({ id: 'bt_rate', data, params: { rpm: 6 }, clock });
    expect(at).toHaveLength(19);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(10_000);
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(5_000);
    const waited = clock.sleeps.length;
    await runAgent({ id: 'bt_rate2', data, params: { rpm: 6 }, clock });
    expect(at).toHaveLength(19);
    expect(clock.sleeps.length).toBe(waited);
  });

  it('stops before exceeding maxCalls, with the parameter named', async () => {
    freshStore();
    const before = fake.requests.length;
    await expect(runAgent({ id: 'bt_calls', data, params: { maxCalls: 5 } })).rejects.toThrow(ModelBudgetExceeded);
    expect(fake.requests.length - before).toBe(5);
    await expect(runAgent({ id: 'bt_calls', data, params: { maxCalls: 5 } })).rejects.toThrow(/5 requests sent, maxCalls is 5/);
    expect(fake.requests.length - before).toBe(5);
  });

  it('stops before the estimated spend would pass maxCostUsd (priced model)', async () => {
    freshStore();
    const before = fake.requests.length;
    // gpt-4o: 1000 prompt + 100 completion tokens = 0.0035 USD a call.
    const err = await runAgent({ id: 'bt_cost', data, model: 'gpt-4o', params: { maxCostUsd: '0.02' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelBudgetExceeded);
    expect((err as Error).message).toMatch(/maxCostUsd is 0.02/);
    const spend = store.modelSpend('bt_cost');
    expect(spend.calls).toBe(fake.requests.length - before);
    expect(spend.calls).toBeGreaterThan(1);
    expect(spend.costNano).toBe(spend.calls * 3_500_000);
    expect(spend.costNano).toBeLessThanOrEqual(20_000_000);
  });

  it('a refusal holds and is counted', async () => {
    freshStore();
    fake.respondWith(() => ({ kind: 'refusal', refusal: 'I cannot give trading advice' }));
    const r = await runAgent({ id: 'bt_refuse', data });
    expect(r.model).toMatchObject({ decisions: 10, refusals: 9, requests: 9 });
    expect(r.fills).toHaveLength(0);
  });

  it('asks each symbol on its own with the whole portfolio, sized on the symbol\'s allocation', async () => {
    freshStore();
    const before = fake.requests.length;
    const r = await runAgent({ id: 'bt_two', data: [walk('BTC-USD', 300, 3), walk('ETH-USD', 300, 11, 50)] });
    const reqs = fake.requests.slice(before);
    // Per symbol: nudges 1..4 asked (1 + 2 + 1 + 5 requests), nudge 5 on the last bar skipped.
    expect(reqs).toHaveLength(18);
    expect(r.model).toMatchObject({ decisions: 10, lastBarSkips: 2, requests: 18, buys: 2, sells: 2 });
    const eth2 = reqs.find((q) => /- ETH-USD: price/.test(String(q.messages[0]!.content)) && String(q.messages[1]!.content).startsWith('Nudge 2:'))!;
    const sys = String(eth2.messages[0]!.content);
    expect(sys).not.toContain('- BTC-USD: price');
    expect(sys).toMatch(/holding [\d.]+ BTC-USD/);
    expect(sys).toMatch(/holding [\d.]+ ETH-USD/);
    // $2000 of each symbol's $5000 allocation: 40% target, bought at the next open.
    const buys = r.fills.filter((f) => f.side === 'buy');
    expect(buys.map((f) => f.symbol).sort()).toEqual(['BTC-USD', 'ETH-USD']);
    for (const b of buys) expect(Number(b.notional)).toBeCloseTo(2000, -1);
  });

  it('no look-ahead: every prompt up to bar i is identical when all bars after i are replaced', async () => {
    const base = walk('BTC-USD', 900, 5);
    const other = walk('BTC-USD', 900, 77, 300);
    const cut = 500;
    const perturbed = emptySeries('BTC-USD', MIN, 900);
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
      perturbed[k].set(base[k].subarray(0, cut + 1));
      perturbed[k].set(other[k].subarray(cut + 1), cut + 1);
    }
    perturbed.time.set(base.time);
    const prompts = async (d: BarSeries, id: string) => {
      freshStore();
      const out: { time: number; messages: string }[] = [];
      await runAgent({
        id,
        data: [d],
        params: { every: 30 },
        onAsk: (e, drv) => {
          const q = (e.strategy(0) as AgentStrategy).state().question!;
          out.push({ time: q.time, messages: JSON.stringify(drv.questionMessages(e, 0)) });
        },
      });
      return out;
    };
    const a = await prompts(base, 'bt_la_a');
    const b = await prompts(perturbed, 'bt_la_b');
    const upTo = (xs: typeof a) => xs.filter((x) => x.time <= base.time[cut]! + MIN);
    expect(upTo(a).length).toBe(Math.floor((cut + 1) / 30));
    expect(upTo(b)).toEqual(upTo(a));
    // ...and the prompts after the cut do see the different future.
    expect(a.at(-1)!.messages).not.toBe(b.at(-1)!.messages);
  });
});

describe('agent strategy without a model', () => {
  it('fails at once, not retried, naming the setting and suggesting strategy policy', async () => {
    const deps = { dataDir: dir, bus: new EventBus(), log: silentLogger, config: { secrets: {} } } as unknown as ActivityDeps;
    const acts = createBacktestActivities(deps);
    const err = await acts.backtestPrepare({ id: 'bt_nomodel01', createdAt: 1, spec: BacktestSpecSchema.parse({ strategy: 'agent', symbols: ['BTC-USD'], timeframe: '1h' }) }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/strategy agent needs the execution agent's model.*EXECUTION_MODEL.*strategy policy/);
    expect((err as { nonRetryable?: boolean }).nonRetryable).toBe(true);
    // Nothing was registered.
    const s = BacktestStore.forDataDir(dir);
    try {
      expect(s.get('bt_nomodel01')).toBeNull();
    } finally {
      s.close();
    }
  });
});
