/**
 * The one contract: every verb any door can call, merged from per-capability modules.
 * Add a capability by writing `core/api/modules/<name>.ts` and spreading it here.
 */
import type { z } from 'zod';
import type { VerbDef } from './define';
import type { Door } from '../orders/origin';
import { systemApi } from './modules/system';
import { settingsApi } from './modules/settings';
import { ledgerApi } from '../ledger/contract';
import { paperApi } from '../paper/contract';
import { backtestApi } from '../backtest/contract';
import { agentsApi } from '../agents/contract';
import { marketApi } from '../market/contract';
import { dataApi } from '../market/data/contract';
import { alertsApi } from '../alerts/contract';
import { researchApi } from '../research/api';

export const api = {
  ...systemApi,
  ...settingsApi,
  ...ledgerApi,
  ...paperApi,
  ...backtestApi,
  ...agentsApi,
  ...marketApi,
  ...dataApi,
  ...alertsApi,
  ...researchApi,
} satisfies Record<string, VerbDef>;

export type Api = typeof api;
export type VerbName = keyof Api;
export type VerbInput<K extends VerbName> = z.input<Api[K]['input']>;
export type VerbArgs<K extends VerbName> = z.output<Api[K]['input']>;
export type VerbResult<K extends VerbName> = z.output<Api[K]['output']>;

export interface HandlerContext {
  /** Which door the call came through: set by the adapter, never by the caller. It decides who an order is recorded as placed by, and appears in audit events. */
  door: Door;
  /** Correlation id carried into workflows and domain events. */
  correlationId: string;
}

export type Handler<K extends VerbName> = (args: VerbArgs<K>, ctx: HandlerContext) => Promise<VerbResult<K>>;
export type Handlers = { [K in VerbName]: Handler<K> };

export function isVerb(name: string): name is VerbName {
  return Object.prototype.hasOwnProperty.call(api, name);
}
