/** Every CLI command. Add a capability's commands with one spread line. */
import type { CliCommand } from '../registry';
import { systemCommands } from './system';

export const allCommands: CliCommand[] = [
  ...systemCommands,
];
