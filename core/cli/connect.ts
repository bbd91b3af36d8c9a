/**
 * How CLI commands reach a running cockpit: through core/host/remote.ts, with "no cockpit" and
 * "its Temporal does not answer" turned into the CLI's exit code for an unavailable cockpit.
 */
import type { VigilConfig } from '../runtime/config';
import { CockpitUnavailable, connectRemote, type RemoteRuntime } from '../host/remote';
import { CliError, EXIT } from './registry';

export { noCockpitMessage } from '../runtime/runtime-file';
export type { RemoteRuntime } from '../host/remote';

export async function connectRuntime(config: VigilConfig, dataDir: string): Promise<RemoteRuntime> {
  try {
    return await connectRemote(config, dataDir);
  } catch (err) {
    if (err instanceof CockpitUnavailable) throw new CliError(EXIT.unavailable, err.message);
    throw err;
  }
}
