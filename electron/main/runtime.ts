/**
 * The runtime off the main process: the Temporal worker, the SQLite ledgers and the backtest
 * engine run in a utility process (core/host/process/entry.ts, built to out/main/runtime.js), so
 * a synchronous ledger write or a backtest chunk never stalls the window. The main process keeps
 * the windows, IPC, tray and notifications and reaches the runtime through RuntimeProcess
 * (core/host/process/parent.ts), which also restarts it after a crash.
 */
import path from 'node:path';
import { utilityProcess } from 'electron';
import { RuntimeProcess, type RuntimeChildHandle } from '../../core/host/process/parent';
import type { SecretStore } from '../../core/runtime/secret-store';

function utilityHandle(entry: string): RuntimeChildHandle {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Vigil runtime', stdio: 'inherit' });
  return {
    post: (m) => child.postMessage(m),
    onMessage: (fn) => void child.on('message', (m: unknown) => fn(m)),
    onExit: (fn) => void child.once('exit', (code: number) => fn(code)),
    kill: () => void child.kill(),
    get pid() {
      return child.pid;
    },
  };
}

export function startRuntime(opts: { here: string; secrets: SecretStore | null; dataDir: string; onProgress: (line: string) => void }): Promise<RuntimeProcess> {
  const entry = path.join(opts.here, 'runtime.js');
  return RuntimeProcess.start({
    spawn: () => utilityHandle(entry),
    dataDir: opts.dataDir,
    secrets: opts.secrets,
    onProgress: opts.onProgress,
    log: (line) => process.stderr.write(`[vigil] ${line}\n`),
  });
}
