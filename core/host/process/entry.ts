/**
 * Entry of the desktop app's runtime process. Electron starts it with `utilityProcess.fork` (its
 * channel is `process.parentPort`); tests and tools start the same file with Node's
 * `child_process.fork` (its channel is the IPC channel behind `process.send`).
 */
import { serveRuntime, type ParentChannel } from './child';
import { startDesktopHost } from './desktop-host';
import type { FromRuntime } from './protocol';

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
  on(event: 'close', fn: () => void): void;
}

function parentChannel(): ParentChannel {
  const port = (process as NodeJS.Process & { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      post: (m: FromRuntime) => port.postMessage(m),
      onMessage: (fn) => port.on('message', (e) => fn(e.data)),
      // Electron ends its utility processes with the app; nothing to watch.
      onClose: () => {},
      // postMessage hands the message to the pipe at once; a turn of the loop lets it go out.
      flush: () => new Promise((r) => setTimeout(r, 50)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('The runtime process is started by the desktop app (or child_process.fork), not directly.\n');
    process.exit(2);
  }
  let sending = 0;
  const drained: (() => void)[] = [];
  return {
    post: (m: FromRuntime) => {
      sending++;
      send(m, undefined, undefined, () => {
        if (--sending === 0) for (const r of drained.splice(0)) r();
      });
    },
    onMessage: (fn) => void process.on('message', (m: unknown) => fn(m)),
    onClose: (fn) => void process.once('disconnect', fn),
    flush: () => (sending === 0 ? Promise.resolve() : new Promise<void>((r) => drained.push(r))),
  };
}

const runtime = serveRuntime({
  parent: parentChannel(),
  start: startDesktopHost,
  exit: (code) => process.exit(code),
  log: (line) => process.stderr.write(`[runtime] ${line}\n`),
});
// A terminate from the parent (utilityProcess.kill, child.kill) stops the host in order too.
process.once('SIGTERM', () => void runtime.stop(0));
process.once('SIGINT', () => void runtime.stop(0));
