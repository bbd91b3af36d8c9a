/** Every CLI command. Add a capability's commands with one spread line. */
import type { CliCommand } from '../registry';
import { systemCommands } from './system';
import { ledgerCommands } from '../../ledger/cli';
import { walletCommands } from '../../ledger/cli-wallet';
import { tradeCommands } from '../../ledger/cli-trade';
import { paperCommands } from '../../paper/cli';
import { reconcileCommands } from '../../ledger/cli-reconcile';
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
