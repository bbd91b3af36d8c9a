import type { ActivityDeps } from './deps';

export function createSystemActivities(deps: ActivityDeps) {
  return {
    /** Records a line in the host log: lets the smoke path prove activities run in the host. */
    async recordSmoke(message: string): Promise<string> {
      deps.log.info('smoke activity ran', { message });
      return `ack:${message}`;
    },
  };
}
