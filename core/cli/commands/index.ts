/** Every CLI command. Add a capability's commands with one spread line. */
import type { CliCommand } from '../registry';
import { systemCommands } from './system';
import { ledgerCommands } from './ledger';
import { walletCommands } from './wallet';
import { tradeCommands } from './trade';
import { paperCommands } from '../../paper/cli';
import { reconcileCommands } from './reconcile';
import { mcpCommands } from './mcp';
import { backtestCommands } from '../../backtest/cli';
import { marketCommands } from '../../market/cli';
import { dataCommands } from '../../market/data/cli';
import { researchCommands } from '../../research/cli';

export const allCommands: CliCommand[] = [
  ...systemCommands,
  ...ledgerCommands,
  ...walletCommands,
  ...tradeCommands,
  ...paperCommands,
  ...reconcileCommands,
  ...mcpCommands,
  ...backtestCommands,
  ...marketCommands,
  ...dataCommands,
  ...researchCommands,
];
