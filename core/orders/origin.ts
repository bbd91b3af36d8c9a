/**
 * Who placed an order is decided by the door it came through, never by the caller: an MCP client
 * cannot pose as the execution agent (whose fills the judge scores), a chat turn is the broker's,
 * a person in the window is the user. Every adapter (IPC, HTTP, MCP, CLI, the agents' activities)
 * stamps its own door on the handler context; the order port maps it to the order's origin.
 */
import type { OrderAgent } from '../trading/orders';

/** The doors into the contract. `broker` and `execution-agent` are the agents' own tool calls. */
export const DOORS = ['ipc', 'http', 'mcp', 'cli', 'broker', 'execution-agent', 'test'] as const;
export type Door = (typeof DOORS)[number];

const ORIGIN: Record<Door, OrderAgent> = {
  ipc: 'user',
  http: 'user',
  mcp: 'mcp',
  cli: 'cli',
  broker: 'broker',
  'execution-agent': 'execution-agent',
  test: 'test',
};

/** The origin recorded on an order placed through `door`. */
export function originOf(door: Door): OrderAgent {
  return ORIGIN[door];
}

/** Doors through which a person acts directly (the window, the headless page, the terminal). */
export const USER_DOORS: ReadonlySet<Door> = new Set<Door>(['ipc', 'http', 'cli']);
/** Doors of the app itself: only these decide a live-order request. */
export const APP_DOORS: ReadonlySet<Door> = new Set<Door>(['ipc', 'http', 'test']);
/** The agents' own doors. */
export const AGENT_DOORS: ReadonlySet<Door> = new Set<Door>(['broker', 'execution-agent']);
