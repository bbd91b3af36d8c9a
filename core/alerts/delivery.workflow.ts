/**
 * One alert's webhook delivery: the activity posts it, signed; a failure is retried with back-off
 * (2 s doubling to 5 min, WEBHOOK_MAX_ATTEMPTS attempts by default), each attempt in the delivery
 * log. Durable: a delivery outlives a host restart and picks up where it was.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createAlertActivities } from './activities';
import { WEBHOOK_MAX_ATTEMPTS } from './kinds';

export interface AlertDeliveryInput {
  alertId: string;
  /** Attempts before giving up (default WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** First back-off (default 2 s; it doubles up to 5 minutes). */
  firstRetrySeconds?: number;
}

export async function alertDeliveryWorkflow(input: AlertDeliveryInput): Promise<{ delivered: boolean }> {
  const maxAttempts = input.maxAttempts ?? WEBHOOK_MAX_ATTEMPTS;
  const { deliverAlertWebhook } = proxyActivities<ReturnType<typeof createAlertActivities>>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: `${input.firstRetrySeconds ?? 2} seconds`, backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: maxAttempts },
  });
  return deliverAlertWebhook({ alertId: input.alertId, maxAttempts });
}
