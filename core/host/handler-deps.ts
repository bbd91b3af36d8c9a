/**
 * What handlers are built from. Handlers talk to Temporal only (start/execute a workflow, send
 * an update or signal, run a query), so the same map serves the host, the CLI and the MCP
 * bridge, which share nothing but the Temporal client.
 */
import type { Client } from '@temporalio/client';
import type { VigilConfig } from '../runtime/config';
import type { RuntimeStatus } from '../api/modules/system';
import type { SecretKey } from '../domain/secrets';
import type { SecretStore } from '../runtime/secret-store';
import type { SettingsStore } from '../runtime/settings-store';

export interface HandlerDeps {
  client: Client;
  config: VigilConfig;
  taskQueue: string;
  dataDir: string;
  /** Live runtime status; the host supplies its own, other doors read runtime.json. */
  status: () => RuntimeStatus;
  /** The app's secret store (host only): Settings writes keys here. */
  secrets?: {
    store: SecretStore;
    location: string;
    /** Keys that came from the environment at start (they win over stored ones). */
    fromEnvironment: Set<SecretKey>;
    /** A key was stored or removed: apply it to the live config and the log redactor. */
    applied(name: SecretKey, value: string | null): void;
  };
  /** Non-secret settings from the app (models per agent). */
  settings?: {
    store: SettingsStore;
    fromEnvironment: Set<string>;
    applied(name: string, value: string | null): void;
  };
}
