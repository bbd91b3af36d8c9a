/**
 * `vigil <command> [args] [--json] [--data-dir DIR]`. Commands live in core/cli/commands/; this file
 * parses, validates with each command's zod schema and maps failures to meaningful exit codes.
 */
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, ConfigError } from '../runtime/config';
import { resolveDataDir } from '../host/headless';
import { packageRoot } from '../runtime/package-root';
import { allCommands } from './commands';
import { CliError, EXIT, type CliCommand, type CliContext, type CliIO, type ExitCode } from './registry';
import { stderrProgress } from '../runtime/progress-line';

function findCommand(words: string[]): { cmd: CliCommand; rest: string[] } | null {
  let best: { cmd: CliCommand; rest: string[] } | null = null;
  for (const cmd of allCommands) {
    const parts = cmd.name.split(' ');
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.cmd.name.split(' ').length)) {
      best = { cmd, rest: words.slice(parts.length) };
    }
  }
  return best;
}

function usage(): string {
  const w = Math.max(...allCommands.map((c) => c.name.length));
  return [
    'Usage: vigil <command> [options] [--json] [--data-dir DIR]',
    '',
    'Commands:',
    ...allCommands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Run `vigil <command> --help` for a command’s options.',
    'Exit codes: 0 ok, 1 failed, 2 bad arguments, 3 rejected by a gate or limit, 4 unavailable.',
  ].join('\n');
}

/** Command groups: the first word of every command with more than one (`backtest`, `ledger`, …). */
export function commandGroups(): string[] {
  return [...new Set(allCommands.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];
}

function groupHelp(group: string): string {
  const cmds = allCommands.filter((c) => c.name.split(' ')[0] === group);
  const w = Math.max(...cmds.map((c) => c.name.length));
  return [
    `Usage: vigil ${group} <command> [options] [--json] [--data-dir DIR]`,
    '',
    'Commands:',
    ...cmds.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    `Run \`vigil ${group} <command> --help\` for a command’s options.`,
  ].join('\n');
}

function commandHelp(cmd: CliCommand): string {
  const flags = Object.entries(cmd.flags).map(([k, v]) => `  --${k}${v.type === 'string' ? ' <value>' : ''}${v.multiple ? ' (repeatable)' : ''}`);
  return [`Usage: vigil ${cmd.name}${(cmd.positionals ?? []).map((p) => ` <${p}>`).join('')} [options]`, '', cmd.summary, '', cmd.help, '', 'Options:', ...flags, '  --json            machine-readable output', '  --data-dir <dir>  data dir (default: VIGIL_DATA_DIR or the OS app-data folder)', '  -h, --help        this help'].join('\n');
}

function makeIO(): CliIO {
  return {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    progress: stderrProgress,
    ask: (q) =>
      new Promise((resolve) => {
        const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
        rl.question(q, (a) => {
          rl.close();
          resolve(a);
        });
      }),
  };
}

export async function main(argv: string[], io: CliIO = makeIO()): Promise<ExitCode> {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  if (argv[0] === '--version' || argv[0] === '-v' || words[0] === 'version') {
    io.out(packageRoot().version);
    return EXIT.ok;
  }
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  // `vigil help <command or group>` is `vigil <command or group> --help`.
  if (words[0] === 'help' && words.length > 1) return main([...words.slice(1), '--help'], io);
  if (words.length === 0 || words[0] === 'help') {
    io.out(usage());
    return argv.length === 0 || words[0] === 'help' || wantsHelp ? EXIT.ok : EXIT.usage;
  }
  const found = findCommand(words);
  if (!found) {
    const group = commandGroups().includes(words[0]!) ? words[0]! : null;
    if (group && words.length === 1) {
      // `vigil backtest --help` lists the group's commands; `vigil backtest` alone asks which one.
      if (wantsHelp) {
        io.out(groupHelp(group));
        return EXIT.ok;
      }
      io.err(`vigil ${group}: which command?\n\n${groupHelp(group)}`);
      return EXIT.usage;
    }
    io.err(`unknown command: ${words.join(' ')}\n\n${group ? groupHelp(group) : usage()}`);
    return EXIT.usage;
  }
  const { cmd } = found;
  const rest = argv.slice(cmd.name.split(' ').length);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...cmd.flags, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'data-dir': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.err(`vigil ${cmd.name}: ${(err as Error).message}\nRun \`vigil ${cmd.name} --help\`.`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    io.out(commandHelp(cmd));
    return EXIT.ok;
  }
  const names = cmd.positionals ?? [];
  if (parsed.positionals.length > names.length) {
    io.err(`vigil ${cmd.name}: unexpected argument ${JSON.stringify(parsed.positionals[names.length])}\nRun \`vigil ${cmd.name} --help\`.`);
    return EXIT.usage;
  }
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed.values)) if (!['json', 'help', 'data-dir'].includes(k)) raw[k] = v;
  names.forEach((n, i) => {
    if (parsed.positionals[i] !== undefined) raw[n] = parsed.positionals[i];
  });
  const args = cmd.schema.safeParse(raw);
  if (!args.success) {
    const lines = args.error.issues.map((i) => `  ${i.path.join('.') || '(arguments)'}: ${i.message}`);
    io.err(`vigil ${cmd.name}: invalid arguments\n${lines.join('\n')}\nRun \`vigil ${cmd.name} --help\`.`);
    return EXIT.usage;
  }
  let ctx: CliContext;
  try {
    const env = { ...process.env, ...(typeof parsed.values['data-dir'] === 'string' ? { VIGIL_DATA_DIR: parsed.values['data-dir'] } : {}) };
    const config = loadConfig(env);
    ctx = { config, dataDir: resolveDataDir(config), json: Boolean(parsed.values.json), io };
  } catch (err) {
    io.err(err instanceof ConfigError ? err.message : `configuration error: ${(err as Error).message}`);
    return EXIT.usage;
  }
  try {
    return await cmd.run(args.data, ctx);
  } catch (err) {
    if (err instanceof CliError) {
      if (ctx.json) io.out(JSON.stringify({ ok: false, error: err.message, exit: err.exit }));
      io.err(`vigil ${cmd.name}: ${err.message}`);
      return err.exit;
    }
    if (err instanceof z.ZodError) {
      io.err(`vigil ${cmd.name}: ${err.issues.map((i) => i.message).join('; ')}`);
      return EXIT.usage;
    }
    io.err(`vigil ${cmd.name}: ${(err as Error).message}`);
    return EXIT.failed;
  }
}

const isEntry = (() => {
  const argv1 = process.argv[1] ?? '';
  return /(?:cli\.mjs|main\.ts|vigil(?:\.mjs)?)$/.test(argv1);
})();
if (isEntry || process.env.VIGIL_CLI_ENTRY === '1') {
  main(process.argv.slice(2)).then(
    (code) => {
      // Long-running commands (serve, worker, mcp) resolve only when they are done.
      process.exitCode = code;
      // Exit once stdout and stderr are flushed: on a pipe writes are asynchronous, and exiting
      // at once cut `--json` output at 64 KiB (`vigil backtest run --json | jq`).
      if (!['serve', 'worker', 'mcp'].includes(process.argv[2] ?? '')) process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    },
    (err: Error) => {
      process.stderr.write(`vigil: ${err.message}\n`);
      process.exit(EXIT.failed);
    },
  );
}
