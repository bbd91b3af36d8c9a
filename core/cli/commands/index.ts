/** Every CLI command. Add a capability's commands with one spread line. */
import type { CliCommand } from '../registry';
import { systemCommands } from './system';
import { mcpCommands } from './mcp';

export const allCommands: CliCommand[] = [
  ...systemCommands,
  ...mcpCommands,
];
