/**
 * How a process reaches a running cockpit: runtime.json in the data dir names the Temporal address;
 * the handler map is rebuilt over a client of our own, so every call goes through Temporal exactly
 * as it does from the UI. The CLI (core/cli/connect.ts) and the MCP bridge (core/mcp/bridge.ts)
 * are its two users; each turns `CockpitUnavailable` into its own kind of answer.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { HandlerContext, Handlers } from '../api/contract';
import { dispatch } from '../api/dispatch';
import type { ApiResult } from '../api/result';
import { createHandlers } from './handlers';
import type { VigilConfig } from '../runtime/config';
import { noCockpitMessage, readRuntimeInfo, type RuntimeInfo } from '../runtime/runtime-file';

export interface RemoteRuntime {
  info: RuntimeInfo;
  client: Client;
  handlers: Partial<Handlers>;
  call(verb: string, input: unknown, door?: HandlerContext['door']): Promise<ApiResult<unknown>>;
  close(): Promise<void>;
}

/** No cockpit is registered for the data dir, or the registered one's Temporal does not answer. */
export class CockpitUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CockpitUnavailable';
  }
}

export async function connectRemote(config: VigilConfig, dataDir: string): Promise<RemoteRuntime> {
  const info = readRuntimeInfo(dataDir);
  if (!info) throw new CockpitUnavailable(noCockpitMessage(dataDir));
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: info.address, connectTimeout: 5000 });
  } catch (err) {
    throw new CockpitUnavailable(`the cockpit (pid ${info.pid}) is registered but Temporal at ${info.address} does not answer: ${(err as Error).message}`);
  }
  const client = new Client({ connection, namespace: info.namespace });
  const handlers = createHandlers({
    client,
    config,
    taskQueue: info.taskQueue,
    dataDir,
    status: () => ({
      version: info.version,
      mode: 'cli',
      temporal: { address: info.address, namespace: info.namespace, uiUrl: info.uiUrl, embedded: info.embedded, state: info.embedded ? 'ready' : 'external', restarts: 0 },
      workers: [{ taskQueue: info.taskQueue, state: 'remote' }],
      dataDir,
      startedAt: info.startedAt,
    }),
  });
  return {
    info,
    client,
    handlers,
    call: (verb, input, door = 'cli') => dispatch(handlers, verb, input, { door, correlationId: randomUUID() }),
    close: () => connection.close(),
  };
}
