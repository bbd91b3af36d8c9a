/**
 * The guard state read where it lives: the paper book workflow's preferences (kill switch, risk
 * limits), by a typed query through the Temporal client. Host side only (activities, handlers).
 */
import type { Client } from '@temporalio/client';
import { WORKFLOW_IDS } from '../domain/ids';
import { preferencesQuery } from '../paper/paper-book.workflow';
import { GuardStateSchema, GuardUnavailable, type GuardReader } from './guard';

export const DEFAULT_PORTFOLIO = 'default';

export function bookGuardReader(client: Client | undefined, portfolioId = DEFAULT_PORTFOLIO): GuardReader {
  return async () => {
    if (!client) throw new GuardUnavailable('no Temporal client in this process');
    let prefs: unknown;
    try {
      prefs = await client.workflow.getHandle(WORKFLOW_IDS.paperBook(portfolioId)).query(preferencesQuery);
    } catch (err) {
      throw new GuardUnavailable(`the account workflow ${WORKFLOW_IDS.paperBook(portfolioId)} did not answer: ${(err as Error).message}`);
    }
    const parsed = GuardStateSchema.safeParse(prefs);
    if (!parsed.success) throw new GuardUnavailable(`the account's preferences are malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  };
}
