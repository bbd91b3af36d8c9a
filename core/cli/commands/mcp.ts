import { z } from 'zod';
import { packageRoot } from '../../runtime/package-root';
import { command, EXIT, type CliCommand } from '../registry';

const mcp = command({
  name: 'mcp',
  summary: 'Serve the cockpit over MCP on stdio for outside assistants (Claude Desktop, Cursor…).',
  help: 'Every tool is a contract verb backed by Temporal, run against the cockpit found through\nruntime.json in the data dir. --read-only exposes no write tools (also MCP_READ_ONLY=true).\n--start starts the headless runtime in this process when no cockpit is running.',
  flags: { 'read-only': { type: 'boolean' }, start: { type: 'boolean' } },
  schema: z.object({ 'read-only': z.boolean().optional(), start: z.boolean().optional() }),
  async run(args, ctx) {
    const { runStdioBridge } = await import('../../mcp/bridge');
    const bridge = await runStdioBridge({
      config: ctx.config,
      dataDir: ctx.dataDir,
      readOnly: Boolean(args['read-only']) || ctx.config.MCP_READ_ONLY,
      startIfMissing: Boolean(args.start),
      log: (l) => process.stderr.write(`[vigil mcp] ${l}\n`),
      version: packageRoot().version,
    });
    await new Promise<void>((resolve) => {
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await bridge.close();
    return EXIT.ok;
  },
});

export const mcpCommands: CliCommand[] = [mcp];
