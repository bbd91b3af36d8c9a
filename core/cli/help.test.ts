/** Every command group and every command answers --help (exit 0, on stdout), and so does `vigil help <x>`. */
import { describe, expect, it } from 'vitest';
import { allCommands } from './commands';
import { commandGroups, main } from './main';
import type { CliIO } from './registry';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, ask: () => Promise.resolve('') };
  return { cli, out: () => out.join('\n'), err: () => err.join('\n') };
}

const groups = commandGroups();

describe('vigil --help', () => {
  it('knows every group: the first word of every multi-word command', () => {
    expect(groups.sort()).toEqual(['backtest', 'data', 'ledger', 'market', 'paper', 'reconcile', 'research', 'trade', 'wallet']);
  });

  it.each(groups)('`vigil %s --help` lists the group’s commands and exits 0', async (group) => {
    for (const argv of [[group, '--help'], [group, '-h'], ['help', group]]) {
      const t = io();
      expect(await main(argv, t.cli), argv.join(' ')).toBe(0);
      expect(t.err()).toBe('');
      expect(t.out()).toMatch(new RegExp(`^Usage: vigil ${group} <command>`));
      for (const c of allCommands.filter((x) => x.name.split(' ')[0] === group)) expect(t.out()).toContain(`  ${c.name}`);
      for (const c of allCommands.filter((x) => x.name.split(' ')[0] !== group)) expect(t.out()).not.toContain(`  ${c.name} `);
    }
  });

  it.each(allCommands.map((c) => c.name))('`vigil %s --help` shows its usage and options and exits 0', async (name) => {
    for (const argv of [[...name.split(' '), '--help'], ['help', ...name.split(' ')]]) {
      const t = io();
      expect(await main(argv, t.cli), argv.join(' ')).toBe(0);
      expect(t.out()).toMatch(new RegExp(`^Usage: vigil ${name}[ <]`));
      expect(t.out()).toContain('--json');
    }
  });

  it('a group without a command asks which one (exit 2) and an unknown one lists the group', async () => {
    const bare = io();
    expect(await main(['backtest'], bare.cli)).toBe(2);
    expect(bare.err()).toMatch(/^vigil backtest: which command\?/);
    expect(bare.err()).toContain('backtest run');
    const unknown = io();
    expect(await main(['backtest', 'frobnicate'], unknown.cli)).toBe(2);
    expect(unknown.err()).toMatch(/^unknown command: backtest frobnicate\n\nUsage: vigil backtest <command>/);
    const top = io();
    expect(await main(['frobnicate'], top.cli)).toBe(2);
    expect(top.err()).toMatch(/^unknown command: frobnicate\n\nUsage: vigil <command>/);
  });

  it('the top level answers --help, help and no arguments with exit 0', async () => {
    for (const argv of [['--help'], ['help'], []]) {
      const t = io();
      expect(await main(argv, t.cli)).toBe(0);
      expect(t.out()).toMatch(/^Usage: vigil <command>/);
    }
  });
});
