/**
 * The broker's model, talked into loosening the safety net through a tool it was offered, gets a
 * refusal and nothing is dispatched; engaging the kill switch still works.
 */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../host/bus';
import { loadConfig } from '../runtime/config';
import { silentLogger } from '../runtime/log';
import { createAgentActivities } from './activities';
import { brokerCallRefusal } from './broker-guard';

const LOOSENING: [string, unknown][] = [
  ['set_user_preferences', { riskLimits: { maxOrderNotional: null } }],
  ['set_user_preferences', { riskLimits: { maxOrderNotional: '1000000' } }],
  ['set_user_preferences', { riskLimits: { maxOrderNotional: '1' } }],
  ['set_user_preferences', { killSwitch: false }],
  ['set_user_preferences', { realLedgerRouting: true }],
  ['set_user_preferences', { profitScrapePct: '0' }],
  ['set_user_preferences', { killSwitch: true, riskLimits: { dailyLossLimit: null } }],
  ['set_user_preferences', {}],
  ['set_user_preferences', null],
  ['set_user_preferences', [{ killSwitch: true }]],
  ['set_kill_switch', { on: false }],
  ['set_kill_switch', { on: 'true' }],
  ['set_kill_switch', {}],
];

describe('broker call guard', () => {
  it('refuses every preference change but engaging the kill switch, naming what is refused', () => {
    for (const [tool, args] of LOOSENING) expect(brokerCallRefusal(tool, args), JSON.stringify([tool, args])).not.toBeNull();
    expect(brokerCallRefusal('set_user_preferences', { riskLimits: { maxOrderNotional: null } })!.reason).toMatch(/may only engage the kill switch; riskLimits: only the user can change this/);
    expect(brokerCallRefusal('set_user_preferences', { killSwitch: false })!.reason).toMatch(/releasing the kill switch/);
    expect(brokerCallRefusal('set_user_preferences', { killSwitch: true })).toBeNull();
    expect(brokerCallRefusal('set_kill_switch', { on: true })).toBeNull();
    // Other offered tools are not this guard's business (their verbs validate and gate them).
    expect(brokerCallRefusal('place_mock_order', { symbol: 'BTC-USD' })).toBeNull();
    expect(brokerCallRefusal('get_user_preferences', {})).toBeNull();
  });

  it('the broker tool executor answers the refusal to the model and dispatches nothing', async () => {
    const calls: { name: string; input: unknown }[] = [];
    const acts = createAgentActivities({
      config: loadConfig({}),
      dataDir: '/nonexistent',
      bus: new EventBus(),
      log: silentLogger,
      callVerb: async (name, input) => {
        calls.push({ name, input });
        return { ok: true, result: {} };
      },
    });
    for (const [tool, args] of LOOSENING) {
      const out = JSON.parse(await acts.callBrokerTool({ name: tool, arguments: JSON.stringify(args) })) as { error?: string };
      expect(out.error, JSON.stringify([tool, args])).toMatch(/only the user can change this/);
    }
    expect(calls).toEqual([]);
    await acts.callBrokerTool({ name: 'set_kill_switch', arguments: '{"on":true}' });
    await acts.callBrokerTool({ name: 'set_user_preferences', arguments: '{"killSwitch":true}' });
    expect(calls).toEqual([
      { name: 'set_kill_switch', input: { on: true } },
      { name: 'set_user_preferences', input: { killSwitch: true } },
    ]);
  });
});
