/**
 * The MCP bridge as an outside assistant sees it: the SDK's real Client over stdio, launching the
 * built bridge (`vigil mcp`) against a real running cockpit (headless host on a real dev server).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { api, type VerbName } from '../api/contract';
import { WORKFLOW_IDS } from '../domain/ids';
import { startHeadless, type Headless } from '../host/headless';
import { workflowBundle } from '../../tests/support/temporal';
import { fillPlaceholders, TOOL_EXAMPLES } from './examples';
import { toolVerbs } from './tools';
import { FakeCoinbaseMarket } from '../testing/fake-coinbase-market/server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-mcp-'));
let cockpit: Headless | null = null;
let market: FakeCoinbaseMarket | null = null;

async function connect(extraArgs: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(root, 'bin/vigil.mjs'), 'mcp', ...extraArgs],
    env: { ...(process.env as Record<string, string>), VIGIL_DATA_DIR: dataDir, VIGIL_FROM_SOURCE: '' },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'vigil-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type ToolCall = Awaited<ReturnType<Client['callTool']>>;

/** A bridge driven with raw JSON-RPC lines on stdin, one request at a time. */
function rawSession() {
  const child = spawn(process.execPath, [path.join(root, 'bin/vigil.mjs'), 'mcp'], {
    env: { ...(process.env as Record<string, string>), VIGIL_DATA_DIR: dataDir, VIGIL_FROM_SOURCE: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let buf = '';
  const waiting = new Map<number, (v: { result?: unknown; error?: unknown }) => void>();
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const msg = JSON.parse(line) as { id?: number; result?: unknown; error?: unknown };
      if (typeof msg.id === 'number') waiting.get(msg.id)?.(msg);
    }
  });
  let id = 0;
  const send = (method: string, paramsJson: string): Promise<{ result?: unknown; error?: unknown }> => {
    const n = ++id;
    return new Promise((resolve) => {
      waiting.set(n, resolve);
      child.stdin.write(`{"jsonrpc":"2.0","id":${n},"method":"${method}","params":${paramsJson}}\n`);
    });
  };
  return {
    async initialize() {
      await send('initialize', JSON.stringify({ protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }));
      child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    },
    async call(method: string, paramsJson: string): Promise<unknown> {
      const r = await send(method, paramsJson);
      if (r.error) throw new Error(JSON.stringify(r.error));
      return r.result;
    },
    close() {
      child.kill();
    },
  };
}
const text = (r: ToolCall) => (r.content as { type: string; text: string }[]).map((c) => c.text).join('\n');

beforeAll(async () => {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--no-renderer', '--quiet'], { stdio: 'inherit' });
  expect(b.status).toBe(0);
  // Coinbase's public candles (download_market_data) come from a local server speaking its API.
  market = new FakeCoinbaseMarket({ products: [{ id: 'BTC-USD', price: '42000' }], maxRps: 1000 });
  const { restUrl } = await market.start();
  cockpit = await startHeadless({ dataDir, stderr: false, rendererDir: null, workflows: { bundle: await workflowBundle() }, env: { VIGIL_TASK_QUEUE: 'vigil-mcp-it', VIGIL_AUTOSTART: 'false', COINBASE_REST_URL: restUrl } });
});

afterAll(async () => {
  await cockpit?.stop();
  await market?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('vigil mcp over stdio', () => {
  it('lists every MCP verb with schemas and honest annotations', async () => {
    const client = await connect();
    try {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name).sort();
      expect(names).toEqual(toolVerbs(false).slice().sort());
      // What moves real money or widens what outside callers may do is the user's alone: an
      // assistant may ask for a live order, never approve one, arm trading or flip the setting.
      for (const forbidden of ['place_ledger_order', 'arm_live_trading', 'set_tradeable_fraction', 'approve_correction', 'decide_live_order_request', 'set_mcp_live_orders', 'set_secret']) expect(names).not.toContain(forbidden);
      expect(names).toContain('request_live_order');
      for (const t of tools) {
        const def = api[t.name as VerbName];
        expect(t.inputSchema.type).toBe('object');
        expect(t.outputSchema?.type).toBe('object');
        expect(t.annotations?.readOnlyHint).toBe(def.annotations.readOnly);
        expect(t.annotations?.destructiveHint).toBe(def.annotations.destructive);
        expect(t.annotations?.idempotentHint).toBe(def.annotations.idempotent);
      }
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain('vigil://portfolio');
      const { prompts } = await client.listPrompts();
      expect(prompts.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('calls each tool against the running cockpit and the output matches its schema', async () => {
    const client = await connect();
    try {
      const tools = toolVerbs(false);
      for (const name of tools) expect(TOOL_EXAMPLES, `no example input for ${name}`).toHaveProperty(name);
      const values: Record<string, string> = {};
      // Two backtests first, so the tools that take an id have real ones.
      for (const key of ['backtest', 'backtest2']) {
        const r = await client.callTool({ name: 'run_backtest', arguments: TOOL_EXAMPLES.run_backtest as Record<string, unknown> });
        expect(r.isError, text(r)).toBeFalsy();
        values[key] = (r.structuredContent as { id: string }).id;
      }
      for (const name of Object.keys(TOOL_EXAMPLES).filter((n) => tools.includes(n as VerbName)) as VerbName[]) {
        const args = fillPlaceholders(TOOL_EXAMPLES[name], values) as Record<string, unknown>;
        // Some answers need a moment on a fresh cockpit (the first bars after a stream starts).
        let r = await client.callTool({ name, arguments: args });
        for (let i = 0; r.isError && i < 40; i++) {
          await new Promise((res) => setTimeout(res, 500));
          r = await client.callTool({ name, arguments: args });
        }
        expect(r.isError, `${name}: ${text(r)}`).toBeFalsy();
        const def = api[name];
        const structured = r.structuredContent as Record<string, unknown>;
        const value = 'result' in structured && Object.keys(structured).length === 1 && def.output.safeParse(structured).success === false ? structured.result : structured;
        const parsed = def.output.safeParse(value);
        expect(parsed.success, `${name} output: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
        expect(text(r).length).toBeGreaterThan(0);
        if (name === 'optimize_strategy') values.study = (value as { id: string }).id;
      }
    } finally {
      await client.close();
    }
  });

  it('answers invalid arguments, unknown tools and oversized input with error results and keeps serving', async () => {
    const client = await connect();
    try {
      const bad = await client.callTool({ name: 'get_runtime_status', arguments: { unexpected: 1 } });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toMatch(/invalid_input/);
      const unknown = await client.callTool({ name: 'drain_the_treasury', arguments: {} });
      expect(unknown.isError).toBe(true);
      expect(text(unknown)).toMatch(/unknown tool/);
      const huge = await client.callTool({ name: 'get_runtime_status', arguments: { blob: 'x'.repeat(300_000) } });
      expect(huge.isError).toBe(true);
      expect(text(huge)).toMatch(/too large|invalid_input/);
      const ok = await client.callTool({ name: 'get_runtime_status', arguments: {} });
      expect(ok.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('the door says who placed an order: a claimed `agent` is refused, `__proto__` beside a valid order is refused before the SDK can drop it, and the fill is recorded as mcp', async () => {
    // The paper book (started by its first call) and a price to fill at.
    await cockpit!.host.call('get_portfolio_status', {}, { door: 'test' });
    const now = Date.now() - (Date.now() % 60_000);
    await cockpit!.host.client.workflow.getHandle(WORKFLOW_IDS.paperBook('default')).signal('bars', [{ symbol: 'BTC-USD', timeframe: '1m', time: now, open: '50000', high: '50000', low: '50000', close: '50000', volume: '1' }]);
    const order = { symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '20', idempotencyKey: 'mcp-door-0001' };
    // Raw JSON-RPC lines, exactly as a client would write them (an SDK client might normalise them).
    const session = rawSession();
    try {
      await session.initialize();
      const proto = await session.call('tools/call', `{"name":"place_mock_order","arguments":{"__proto__":{"agent":"execution-agent"},${JSON.stringify(order).slice(1, -1)}}}`);
      expect(proto).toMatchObject({ isError: true });
      expect(JSON.stringify(proto)).toMatch(/Unrecognized key: \\"__proto__\\"/);
      const posing = await session.call('tools/call', JSON.stringify({ name: 'place_mock_order', arguments: { ...order, agent: 'execution-agent' } }));
      expect(posing).toMatchObject({ isError: true });
      expect(JSON.stringify(posing)).toMatch(/Unrecognized key: \\"agent\\"/);
      const filled = await session.call('tools/call', JSON.stringify({ name: 'place_mock_order', arguments: order }));
      expect(filled).toMatchObject({ structuredContent: { status: 'filled', idempotencyKey: 'mcp-door-0001' } });
    } finally {
      session.close();
    }
    const hist = await cockpit!.host.call('get_transaction_history', { limit: 10 }, { door: 'test' });
    const fills = (hist as { ok: true; result: { transactions: { idempotencyKey: string; agent: string }[] } }).result.transactions.filter((f) => f.idempotencyKey.startsWith('mcp-door-'));
    expect(fills).toEqual([expect.objectContaining({ idempotencyKey: 'mcp-door-0001', agent: 'mcp' })]);
  });

  it('exposes no write tools in read-only mode', async () => {
    const client = await connect(['--read-only']);
    try {
      const { tools } = await client.listTools();
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
      const writeVerb = toolVerbs(false).find((v) => !api[v].annotations.readOnly);
      if (writeVerb) {
        const r = await client.callTool({ name: writeVerb, arguments: (TOOL_EXAMPLES[writeVerb] ?? {}) as Record<string, unknown> });
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(/read-only/);
      }
    } finally {
      await client.close();
    }
  });

  it('says how to start a cockpit when it stops, and keeps serving', async () => {
    const client = await connect();
    try {
      expect((await client.callTool({ name: 'get_runtime_status', arguments: {} })).isError).toBeFalsy();
      await cockpit!.stop();
      cockpit = null;
      const r = await client.callTool({ name: 'get_runtime_status', arguments: {} });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/no Vigil cockpit is running|not reachable|unavailable/);
      const again = await client.listTools();
      expect(again.tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});
