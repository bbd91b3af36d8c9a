/**
 * One alert's webhook delivery: the activity posts it, signed; a failure is retried with back-off
 * (2 s doubling to 5 min, WEBHOOK_MAX_ATTEMPTS attempts), each attempt in the delivery log. Durable:
 * a delivery outlives a host restart and picks up where it was.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createAlertActivities } from '../activities/alerts';
import { WEBHOOK_MAX_ATTEMPTS } from '../alerts/kinds';

const { deliverAlertWebhook } = proxyActivities<ReturnType<typeof createAlertActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: WEBHOOK_MAX_ATTEMPTS },
});

export async function alertDeliveryWorkflow(input: { alertId: string }): Promise<{ delivered: boolean }> {
  return deliverAlertWebhook(input);
}
