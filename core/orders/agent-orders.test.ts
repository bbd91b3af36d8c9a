import { describe, expect, it } from 'vitest';
import { toLedgerOrder, type AgentOrderIntent } from './agent-orders';
import { PlaceOrderInput } from '../ledger/router';

const intent = (x: Partial<AgentOrderIntent>): AgentOrderIntent => ({ symbol: 'BTC-USD', side: 'buy', type: 'market', notional: '100', idempotencyKey: 'exec:e1:3:0', expectedEdgeBps: 150, rationale: 'r', correlationId: 'c', ...x });

describe("the execution agent's orders on the production ledger", () => {
  it("a buy always leaves with a stop: its own, else the protections' distance; a take-profit goes with it", () => {
    expect(toLedgerOrder(intent({}), 'coinbase:p:funding', '0.03').exits).toEqual({ stopPct: '0.03' });
    expect(toLedgerOrder(intent({ exits: { stopPct: '0.05', takeProfitPct: '0.1' } }), 'coinbase:p:funding', '0.03').exits).toEqual({ stopPct: '0.05', takeProfitPct: '0.1' });
    // A sell is an exit itself; a book from before protections adds no stop (as on paper).
    expect(toLedgerOrder(intent({ side: 'sell', notional: undefined, quantity: '0.01' }), 'coinbase:p:funding', '0.03').exits).toBeUndefined();
    expect(toLedgerOrder(intent({}), 'coinbase:p:funding', null).exits).toBeUndefined();
    // What it builds is a valid order for the router.
    expect(PlaceOrderInput.safeParse(toLedgerOrder(intent({}), 'coinbase:p:funding', '0.03')).success).toBe(true);
  });
});
