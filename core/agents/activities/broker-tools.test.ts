/**
 * The broker's reach is the MCP tool list minus a few: whatever a chat, a market text or a news
 * item talks the model into, it cannot call a verb it was not offered — keys, tradeable fractions,
 * corrections, real orders, live-trading arming, prompt edits.
 */
import { describe, expect, it } from 'vitest';
import { api } from '../../api/contract';
import { EventBus } from '../../host/bus';
import { loadConfig } from '../../runtime/config';
import { silentLogger } from '../../runtime/log';
import { brokerToolAllowed, brokerTools, createAgentActivities } from './index';

const FORBIDDEN = ['set_secret', 'delete_secret', 'set_model_setting', 'set_tradeable_fraction', 'approve_correction', 'reject_correction', 'arm_live_trading', 'place_ledger_order', 'update_prompt', 'decide_live_order_request', 'set_mcp_live_orders', 'run_smoke_workflow', 'broker_chat', 'constructor', '__proto__', 'toString'];

describe('broker tools', () => {
  it('offers no verb that moves real money, keys or limits outside the risk gates', () => {
    const offered = brokerTools().map((t) => t.name);
    for (const f of FORBIDDEN) {
      expect(offered).not.toContain(f);
      expect(brokerToolAllowed(f)).toBe(false);
    }
    for (const name of offered) expect((api as Record<string, { mcp: boolean }>)[name]!.mcp).toBe(true);
    expect(offered).toContain('place_mock_order');
  });

  it('refuses a tool call the model was not offered, before anything is dispatched', async () => {
    const calls: string[] = [];
    const acts = createAgentActivities({
      config: loadConfig({}),
      dataDir: '/nonexistent',
      bus: new EventBus(),
      log: silentLogger,
      callVerb: async (name) => {
        calls.push(name);
        return { ok: true, result: {} };
      },
    });
    for (const name of FORBIDDEN) {
      const out = JSON.parse(await acts.callBrokerTool({ name, arguments: '{"name":"OPENAI_API_KEY","value":"sk-attacker"}' })) as { error?: string };
      expect(out.error).toMatch(/not available to the assistant/);
    }
    expect(calls).toEqual([]);
    await acts.callBrokerTool({ name: 'get_portfolio_status', arguments: '{}' });
    expect(calls).toEqual(['get_portfolio_status']);
  });

  it('links a chat-placed order to its chat turn, and the door — not the model — says the broker placed it', async () => {
    const seen: { name: string; input: unknown; ctx: unknown }[] = [];
    const acts = createAgentActivities({
      config: loadConfig({}),
      dataDir: '/nonexistent',
      bus: new EventBus(),
      log: silentLogger,
      callVerb: async (name, input, ctx) => {
        seen.push({ name, input, ctx });
        return { ok: true, result: {} };
      },
    });
    await acts.callBrokerTool({ name: 'place_mock_order', arguments: '{"symbol":"BTC-USD","side":"buy","type":"market","notional":"10","idempotencyKey":"chat-0001","agent":"execution"}', correlationId: 'broker-s1-3' });
    // The model's own `agent` claim is passed on untouched, for dispatch to refuse as an unknown key.
    expect(seen[0]).toMatchObject({ name: 'place_mock_order', input: { agent: 'execution', correlationId: 'broker-s1-3' }, ctx: { door: 'broker', correlationId: 'broker-s1-3' } });
    await acts.brokerCommand({ text: 'buy 10 BTC-USD', orderKey: 'broker:s1:4', note: null, correlationId: 'broker-s1-4' });
    expect(seen[1]).toMatchObject({ name: 'place_mock_order', input: { correlationId: 'broker-s1-4' }, ctx: { door: 'broker', correlationId: 'broker-s1-4' } });
    expect(seen[1]!.input).not.toHaveProperty('agent');
  });
});
