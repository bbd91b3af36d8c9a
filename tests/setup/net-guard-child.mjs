/**
 * Preloaded (`NODE_OPTIONS=--import …`) into every Node process a test spawns — `vigil serve`,
 * the MCP bridge, `scripts/start.mjs`, the CLI. Installs the same guard and appends each refused
 * attempt as a JSON line to `VIGIL_NET_GUARD_LOG`, which the test process reads after every test.
 */
import fs from 'node:fs';
import { installNetGuard } from './net-guard.mjs';

const log = process.env.VIGIL_NET_GUARD_LOG;
installNetGuard((v) => {
  const line = JSON.stringify({ ...v, argv: process.argv.slice(1, 3).join(' ') });
  if (log) {
    try {
      fs.appendFileSync(log, `${line}\n`);
      return;
    } catch {
      // fall through to stderr
    }
  }
  process.stderr.write(`[net-guard] ${line}\n`);
});
