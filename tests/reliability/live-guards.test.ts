/**
 * The order port holds at every door, with live trading armed against the local Coinbase
 * brokerage (a real HTTP server speaking Advanced Trade, JWTs verified) and a cockpit running as
 * its own process (`vigil serve`, real dev server, real SQLite ledger):
 *
 *   door              how it asks for a live order
 *   HTTP gateway      place_ledger_order over POST /api/call (the page's door)
 *   MCP               request_live_order from the stdio bridge, approved in the app
 *   CLI               vigil trade place --live, through the running cockpit
 *   broker tool       the chat model calls request_live_order
 *   execution agent   a scripted model's place_order, routed to the production ledger as the
 *                     agent's child ledger order
 *
 * For each: kill switch engaged → no request reaches the brokerage's order endpoint and the answer
 * names the kill switch; max order value exceeded → blocked with the rule; the day's loss past the
 * limit after real live fills → blocked. Then the host is killed with SIGKILL while an agent's
 * order is in flight at the exchange: after the restart there is one order for its key, never two.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CoinbaseClient } from '../../core/exchange/coinbase/client';
import { generateCdpKey } from '../../core/exchange/coinbase/jwt';
import { LIVE_ARM_PHRASE, Ledger, openLedger } from '../../core/ledger/ledger';
import { seedFromExchange } from '../../core/ledger/router';
import type { RiskLimits } from '../../core/risk/limits';
import { dataPaths } from '../../core/runtime/paths';
import { silentLogger } from '../../core/runtime/log';
import { FakeCoinbaseBrokerage } from '../../core/testing/fake-coinbase-brokerage/server';
import { startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from '../../core/testing/fake-openai/server';
import { buildOnce, repoRoot, startCockpit, type CockpitProcess } from '../support/cockpit-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-live-guards-'));
const key = generateCdpKey('ES256', 'organizations/guards/apiKeys/live');
let fake: FakeCoinbaseBrokerage;
let model: FakeOpenAI;
let cockpit: CockpitProcess;
let env: Record<string, string>;
let funding = '';

/** What the scripted models do next: the agent's place_order arguments, the broker's request. */
let agentOrder: Record<string, unknown> = {};
let brokerRequest: Record<string, unknown> = {};

const OPEN_LIMITS: RiskLimits = { maxPositionNotional: null, maxExposurePct: null, maxOrderNotional: null, dailyLossLimit: null, maxTradesPerDay: null, lossCooldown: null };

async function ok<T>(verb: string, input: unknown): Promise<T> {
  const r = await cockpit.call<T>(verb, input);
  if (!r.ok) throw new Error(`${verb}: ${r.error.code} ${r.error.message}`);
  return r.result;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function scriptedModel(req: { tools: { function: { name: string } }[]; messages: { role: string }[] }): ScriptedReply {
  const tools = req.tools.map((t) => t.function.name);
  const last = req.messages[req.messages.length - 1]!;
  if (tools.includes('place_order')) {
    if (last.role === 'tool') return { kind: 'message', content: 'done' };
    return { kind: 'tool_calls', calls: [{ name: 'place_order', arguments: JSON.stringify(agentOrder) }] };
  }
  if (tools.includes('request_live_order')) {
    if (last.role === 'tool') return { kind: 'message', content: 'I asked for it; it waits for your approval in the app.' };
    return { kind: 'tool_calls', calls: [{ name: 'request_live_order', arguments: JSON.stringify(brokerRequest) }] };
  }
  return { kind: 'message', content: 'ok' };
}

interface Answer {
  /** Everything the door answered, as text to look for the rule in. */
  text: string;
}

let seq = 0;
const nextKey = (door: string) => `guard-${door}-${String(++seq).padStart(4, '0')}`;

/** Orders as each door spells them: a buy of `notional` USD of ETH with a large stated edge. */
const doors: Record<string, (notional: string) => Promise<Answer>> = {
  async http(notional) {
    const r = await cockpit.call('place_ledger_order', { walletId: funding, product: 'ETH-USD', side: 'BUY', notional, expectedEdge: '0.05', idempotencyKey: nextKey('http'), live: true });
    return { text: JSON.stringify(r) };
  },

  async cli(notional) {
    const args = ['trade', 'place', '--wallet', funding, '--product', 'ETH-USD', '--side', 'buy', '--notional', notional, '--expected-edge', '0.05', '--idempotency-key', nextKey('cli'), '--live', '--json'];
    const { code, out } = await run(process.execPath, [path.join(repoRoot, 'bin/vigil.mjs'), ...args], { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_FROM_SOURCE: '' });
    expect(code, out).toBe(3);
    return { text: out };
  },

  async mcp(notional) {
    const client = await mcpClient();
    try {
      const r = await client.callTool({ name: 'request_live_order', arguments: { walletId: funding, product: 'ETH-USD', side: 'BUY', notional, expectedEdge: '0.05', idempotencyKey: nextKey('mcp'), reason: 'guard test through MCP' } });
      return { text: JSON.stringify(r) };
    } finally {
      await client.close();
    }
  },

  async broker(notional) {
    brokerRequest = { walletId: funding, product: 'ETH-USD', side: 'BUY', notional, expectedEdge: '0.05', idempotencyKey: nextKey('broker'), reason: 'the user asked me in chat' };
    const from = model.requests.length;
    const reply = await ok<{ tools: string[] }>('broker_chat', { sessionId: `guards-${seq}`, message: `Please buy ${notional} USD of ETH for real.` });
    expect(reply.tools).toEqual(['request_live_order']);
    const toolResults = model.requests.slice(from).flatMap((r) => r.messages.filter((m) => m.role === 'tool').map((m) => String(m.content)));
    return { text: toolResults.join('\n') };
  },

  async agent(notional) {
    agentOrder = { symbol: 'ETH-USD', side: 'buy', notional, expected_edge_bps: 500, rationale: 'guard test' };
    const before = await ok<{ decisions: number }>('get_execution_agent_status', {});
    await ok('resume_execution_agent', {});
    const st = await waitFor('the agent to decide', async () => {
      const s = await ok<{ decisions: number; lastDecision: { source: string; order: { summary: string } | null } | null }>('get_execution_agent_status', {});
      return s.decisions > before.decisions ? s : null;
    });
    expect(st.lastDecision?.source).toBe('model');
    return { text: st.lastDecision?.order?.summary ?? JSON.stringify(st.lastDecision) };
  },
};

function run(cmd: string, args: string[], childEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('exit', (code) => resolve({ code, out }));
  });
}

async function mcpClient(): Promise<McpClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(repoRoot, 'bin/vigil.mjs'), 'mcp'],
    env: { ...(process.env as Record<string, string>), VIGIL_DATA_DIR: dataDir, VIGIL_FROM_SOURCE: '' },
    stderr: 'pipe',
  });
  const client = new McpClient({ name: 'vigil-guards-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const previews = () => fake.requests.filter((r) => r.path.endsWith('/orders/preview')).length;

async function setGuard(g: { killSwitch?: boolean; riskLimits?: Partial<RiskLimits> }): Promise<void> {
  await ok('set_user_preferences', { ...(g.killSwitch !== undefined ? { killSwitch: g.killSwitch } : {}), riskLimits: { ...OPEN_LIMITS, ...(g.riskLimits ?? {}) } });
}

beforeAll(async () => {
  buildOnce();
  model = await startFakeOpenAI();
  model.respondWith(scriptedModel);
  fake = new FakeCoinbaseBrokerage({
    keys: [key],
    products: [{ id: 'ETH-USD', bids: [{ price: '2999', size: '50' }], asks: [{ price: '3001', size: '50' }] }],
    balances: { USD: '20000', ETH: '2' },
  });
  const urls = await fake.start();
  // The production ledger's wallets and opening balances, as `vigil ledger seed-from-coinbase` makes them.
  const ledger = openLedger(dataPaths(dataDir).ledgerDb, { log: silentLogger });
  try {
    await seedFromExchange({ ledger, exchange: new CoinbaseClient({ ...urls, keyName: key.name, privateKey: key.privateKey, log: silentLogger }), log: silentLogger });
  } finally {
    ledger.close();
  }
  funding = Ledger.walletId('coinbase', fake.portfolioId, 'funding');
  env = {
    COINBASE_REST_URL: urls.restUrl,
    COINBASE_USER_WS_URL: urls.userWsUrl,
    COINBASE_API_KEY_NAME: key.name,
    COINBASE_API_PRIVATE_KEY: key.privateKey,
    OPENAI_BASE_URL: model.baseURL,
    OPENAI_MODEL: 'gpt-4o-mini',
    OPENAI_API_KEY: 'sk-live-guards-test-0001',
    LLM_MAX_RETRIES: '0',
    VIGIL_AUTOSTART: 'true',
    MARKET_FEED: 'simulated',
    MARKET_SYMBOLS: 'ETH-USD',
    // The agent decides when the test resumes it, not on a timer.
    EXECUTION_NUDGE_SECONDS: '3600',
    EXECUTION_MIN_PRICE_MOVE_PCT: '0',
    JUDGE_STARTUP_DELAY_SECONDS: '86400',
    VIGIL_TASK_QUEUE: 'vigil-live-guards',
  };
  cockpit = await startCockpit(dataDir, env);
  await waitFor('the execution agent', async () => (await cockpit.call('get_execution_agent_status', {})).ok);
  await waitFor('a market price', async () => {
    const s = await cockpit.call<{ symbols: Record<string, unknown> }>('get_market_snapshot', {});
    return s.ok && Object.keys(s.result.symbols ?? {}).length > 0;
  });
  // Armed for real: a funding wallet agents may draw on, live trading armed with the phrase,
  // outside requests allowed, agent orders routed to the production ledger.
  await ok('set_tradeable_fraction', { walletId: funding, fraction: '0.5' });
  await ok('arm_live_trading', { confirm: LIVE_ARM_PHRASE });
  await ok('set_mcp_live_orders', { enabled: true });
  await ok('set_user_preferences', { realLedgerRouting: true });
  await setGuard({ killSwitch: false });
}, 300_000);

afterAll(async () => {
  await cockpit?.stop();
  await fake?.stop();
  await model?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('live orders through every door pass the kill switch and the risk limits', () => {
  it('armed and inside the limits, a live order goes out (the doors are open, so a refusal below is the guard)', async () => {
    const r = await ok<{ status: string; mode: string }>('place_ledger_order', { walletId: funding, product: 'ETH-USD', side: 'BUY', notional: '30', expectedEdge: '0.05', idempotencyKey: nextKey('open'), live: true });
    expect(r).toMatchObject({ status: 'filled', mode: 'live' });
    expect(fake.orderRequests()).toBe(1);
    // The agent's door too: its order runs as its child ledger order and fills live, and its
    // mandatory protective stop follows it to the exchange as a resting stop-limit sell.
    const before = new Set(fake.orders.keys());
    const a = await doors.agent!('30');
    expect(a.text).toMatch(/^real ledger: BUY ETH-USD filled/);
    const placed = [...fake.orders.values()].filter((o) => !before.has(o.order_id));
    const entry = placed.find((o) => o.side === 'BUY');
    expect(entry).toMatchObject({ status: 'FILLED', product_id: 'ETH-USD' });
    await waitFor('the agent entry\'s protective stop', async () => [...fake.orders.values()].some((o) => o.client_order_id === `${entry!.client_order_id}:exits`));
    const stop = [...fake.orders.values()].find((o) => o.client_order_id === `${entry!.client_order_id}:exits`)!;
    expect(stop).toMatchObject({ side: 'SELL', status: 'OPEN', type: 'stop_limit', stop_direction: 'STOP_DIRECTION_STOP_DOWN', base_size: entry!.filled_size });
    expect(fake.orderRequests()).toBe(3);
  });

  it('kill switch engaged: no door reaches the order endpoint, and every answer names the kill switch', async () => {
    // A request from MCP, pending before the switch is thrown, is approved after it.
    const client = await mcpClient();
    const pendingKey = nextKey('mcp-pending');
    try {
      const r = await client.callTool({ name: 'request_live_order', arguments: { walletId: funding, product: 'ETH-USD', side: 'BUY', notional: '30', expectedEdge: '0.05', idempotencyKey: pendingKey, reason: 'approved after the kill switch' } });
      expect(JSON.stringify(r)).toMatch(/"status":"pending"/);
    } finally {
      await client.close();
    }
    await ok('set_kill_switch', { on: true });
    const orders = fake.orderRequests();
    const priced = previews();
    for (const [door, place] of Object.entries(doors)) {
      const a = await place('30');
      expect(a.text, door).toMatch(/kill[_ ]switch/i);
      expect(fake.orderRequests(), door).toBe(orders);
    }
    // Nothing was even priced while the switch was on.
    expect(previews()).toBe(priced);
    await ok('decide_live_order_request', { id: pendingKey, approve: true, note: 'approve anyway' });
    const done = await waitFor('the approved request to settle', async () => {
      const s = await ok<{ status: string; outcome: { status: string; rule: string | null } | null }>('get_live_order_request', { id: pendingKey });
      return s.status === 'done' ? s : null;
    });
    expect(done.outcome).toMatchObject({ status: 'blocked', rule: 'kill_switch' });
    expect(fake.orderRequests()).toBe(orders);
    await ok('set_kill_switch', { on: false });
  });

  it('max order value exceeded: every door is refused with the rule, nothing sent', async () => {
    await setGuard({ riskLimits: { maxOrderNotional: '100' } });
    const orders = fake.orderRequests();
    for (const [door, place] of Object.entries(doors)) {
      const a = await place('200');
      expect(a.text, door).toMatch(/max_order_notional/);
      expect(fake.orderRequests(), door).toBe(orders);
    }
    await setGuard({});
  });

  it("the day's loss past the limit after live fills: buys are refused at every door", async () => {
    // A losing round trip on the exchange: bought at the ask, sold at the bid, fees both ways.
    const buy = await ok<{ status: string }>('place_ledger_order', { walletId: funding, product: 'ETH-USD', side: 'BUY', qty: '0.05', expectedEdge: '0.05', idempotencyKey: nextKey('loss-buy'), live: true });
    const sell = await ok<{ status: string }>('place_ledger_order', { walletId: funding, product: 'ETH-USD', side: 'SELL', qty: '0.05', expectedEdge: '0.05', idempotencyKey: nextKey('loss-sell'), live: true });
    expect([buy.status, sell.status]).toEqual(['filled', 'filled']);
    await setGuard({ riskLimits: { dailyLossLimit: '1' } });
    const orders = fake.orderRequests();
    for (const [door, place] of Object.entries(doors)) {
      const a = await place('30');
      expect(a.text, door).toMatch(/daily_loss_limit/);
      expect(fake.orderRequests(), door).toBe(orders);
    }
    await setGuard({});
  });
});

describe('host killed between the gate and the order', () => {
  it('kill -9 while an agent order is in flight at the exchange: after the restart, one order for its key, never two', async () => {
    await ok('set_kill_switch', { on: false });
    const filledBefore = (await ok<{ events: unknown[] }>('get_ledger_events', { type: 'order.filled', limit: 500 })).events.length;
    const knownOrders = new Set([...fake.orders.keys()]);
    fake.inject({ kind: 'hold' });
    agentOrder = { symbol: 'ETH-USD', side: 'buy', notional: '40', expected_edge_bps: 500, rationale: 'in flight when the host dies' };
    await ok('resume_execution_agent', {});
    // Past the gate, the reservation made, the request at the exchange's door: now the host dies.
    await fake.whenHolding();
    const sent = fake.orderRequests();
    cockpit.kill9();
    await new Promise<void>((resolve) => cockpit.child.once('exit', () => resolve()));
    // The exchange takes the order, but its answer goes nowhere.
    fake.release('accept');
    const heldKey = [...fake.orders.values()].find((o) => !knownOrders.has(o.order_id))!.client_order_id;
    expect(heldKey).toMatch(/^exec:/);

    cockpit = await startCockpit(dataDir, env);
    // The agent's child ledger order resumes: the send step is retried with the same client_order_id.
    await waitFor('the resumed order to fill', async () => (await ok<{ events: unknown[] }>('get_ledger_events', { type: 'order.filled', limit: 500 })).events.length > filledBefore, 240_000);
    expect(fake.ordersByClientId(heldKey)).toHaveLength(1);
    for (const o of fake.orders.values()) expect(fake.ordersByClientId(o.client_order_id), o.client_order_id).toHaveLength(1);
    // The retry reached the endpoint again (the key, not luck, kept it to one order).
    expect(fake.orderRequests()).toBeGreaterThan(sent);
    // The agent's nudge outlived the host too: it records the order (filled, or handed to its child
    // if the restart took longer than the nudge waits).
    const status = await waitFor('the agent to record the order', async () => {
      const s = await ok<{ lastDecision: { rationale: string; order: { summary: string } | null } | null }>('get_execution_agent_status', {});
      return s.lastDecision?.rationale === 'in flight when the host dies' ? s : null;
    }, 240_000);
    expect(status.lastDecision?.order?.summary).toMatch(/^real ledger: BUY ETH-USD (filled|sent)/);
  });
});
