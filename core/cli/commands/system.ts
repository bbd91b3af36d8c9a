import { z } from 'zod';
import { createLogger, Redactor } from '../../runtime/log';
import { secretValues } from '../../runtime/config';
import { readRuntimeInfo } from '../../runtime/runtime-file';
import { runDoctor } from '../doctor';
import { resolveTemporalCli } from '../../runtime/temporal-cli';
import { defaultCacheDir } from '../../runtime/paths';
import { cliProgress, command, EXIT, CliError, type CliCommand } from '../registry';

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => resolve(s);
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}

const doctor = command({
  name: 'doctor',
  summary: 'Show what Vigil found on this machine and what is configured.',
  help: 'Prints Node, npm, the Temporal CLI (path, version, source), Electron, Chromium, the data dir,\nwhether a cockpit is running, and whether the LLM, Coinbase and Langfuse are configured.\nExit code 0 when everything needed to run is there, 1 otherwise.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    const checks = await runDoctor(ctx.config, ctx.dataDir);
    if (ctx.json) ctx.io.out(JSON.stringify({ checks }, null, 2));
    else {
      const w = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) ctx.io.out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(w)}  ${c.detail}`);
    }
    const needed = ['node', 'data dir'];
    return checks.some((c) => needed.includes(c.name) && !c.ok) ? EXIT.failed : EXIT.ok;
  },
});

const serve = command({
  name: 'serve',
  summary: 'Run the headless cockpit: runtime + HTTP/WebSocket gateway on 127.0.0.1.',
  help: 'Starts the embedded Temporal dev server (unless TEMPORAL_ADDRESS is set), the workers and\nthe gateway, and prints the URL to open in a browser. Stops cleanly on Ctrl-C.',
  flags: { port: { type: 'string' } },
  schema: z.object({ port: z.coerce.number().int().min(0).max(65535).optional() }),
  async run(args, ctx) {
    const started = Date.now();
    const { startHeadless } = await import('../../host/headless');
    const printer = cliProgress(ctx.io);
    const hl = await startHeadless({
      dataDir: ctx.dataDir,
      ...(args.port !== undefined ? { port: args.port } : {}),
      onProgress: printer.line,
      stderr: false,
    }).finally(() => printer.end());
    if (ctx.json) ctx.io.out(JSON.stringify({ url: hl.url, baseUrl: hl.baseUrl, dataDir: hl.dataDir, temporal: hl.host.status().temporal }));
    else {
      ctx.io.out(`Vigil is ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Open: ${hl.url}`);
      const ui = hl.host.status().temporal.uiUrl;
      if (ui) ctx.io.out(`Temporal Web UI: ${ui}`);
    }
    const sig = await untilSignal();
    ctx.io.err(`${sig}: shutting down…`);
    await hl.stop();
    return EXIT.ok;
  },
});

const worker = command({
  name: 'worker',
  summary: 'Run extra workers against a Temporal cluster (TEMPORAL_ADDRESS) or the running cockpit.',
  help: 'Scale-out: with TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE / TLS settings) set, runs the Vigil\nworkers against that cluster. Without it, attaches to the cockpit running for the data dir.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    let config = ctx.config;
    if (!config.TEMPORAL_ADDRESS) {
      const info = readRuntimeInfo(ctx.dataDir);
      if (!info) throw new CliError(EXIT.unavailable, 'set TEMPORAL_ADDRESS to a cluster, or start a cockpit first (`npm start`) to attach to it');
      config = { ...config, TEMPORAL_ADDRESS: info.address, TEMPORAL_NAMESPACE: info.namespace, VIGIL_TASK_QUEUE: info.taskQueue };
    }
    const log = createLogger({ level: config.VIGIL_LOG_LEVEL, redactor: new Redactor(secretValues(config)) });
    const { startHost } = await import('../../host/host');
    const printer = cliProgress(ctx.io);
    const host = await startHost({ mode: 'worker', config, dataDir: ctx.dataDir, log, onProgress: printer.line }).finally(() => printer.end());
    ctx.io.out(`worker polling ${host.taskQueue} on ${config.TEMPORAL_ADDRESS}`);
    await untilSignal();
    await host.stop();
    return EXIT.ok;
  },
});

const status = command({
  name: 'status',
  summary: 'Status of the running cockpit (through Temporal).',
  help: 'Reads runtime.json in the data dir and asks the running cockpit for its status.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    const { connectRuntime } = await import('../connect');
    const rt = await connectRuntime(ctx.config, ctx.dataDir);
    try {
      const r = await rt.call('get_runtime_status', {});
      if (!r.ok) throw new CliError(EXIT.failed, r.error.message);
      const info = rt.info;
      if (ctx.json) ctx.io.out(JSON.stringify({ ...info, status: r.result }, null, 2));
      else {
        ctx.io.out(`cockpit   pid ${info.pid} (${info.mode}) since ${info.startedAt}`);
        ctx.io.out(`temporal  ${info.address} namespace ${info.namespace}${info.uiUrl ? `  UI ${info.uiUrl}` : ''}`);
        if (info.httpUrl) ctx.io.out(`gateway   ${info.httpUrl}`);
      }
      return EXIT.ok;
    } finally {
      await rt.close();
    }
  },
});

const setup = command({
  name: 'setup',
  summary: 'Obtain the Temporal CLI now (find it, build it with Go, or download it) and cache it.',
  help: 'Runs the same resolver the cockpit uses at start, with progress: TEMPORAL_CLI_PATH, PATH,\nthe cache, a Go build (a few minutes, once), then the SDK download.',
  flags: {},
  schema: z.object({}),
  async run(_args, ctx) {
    const printer = cliProgress(ctx.io);
    const cli = await resolveTemporalCli({
      version: ctx.config.TEMPORAL_CLI_VERSION,
      cacheDir: ctx.config.VIGIL_CACHE_DIR ?? defaultCacheDir(),
      envPath: ctx.config.TEMPORAL_CLI_PATH,
      onProgress: printer.line,
    }).finally(() => printer.end());
    if (ctx.json) ctx.io.out(JSON.stringify(cli));
    else ctx.io.out(`Temporal CLI: ${cli.path} (${cli.source}; ${cli.version})`);
    return EXIT.ok;
  },
});

export const systemCommands: CliCommand[] = [doctor, setup, serve, worker, status];
