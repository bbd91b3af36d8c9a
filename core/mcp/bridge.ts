/**
 * `vigil mcp`: a stdio MCP server for outside assistants. It is a Temporal client of the running
 * cockpit (found through runtime.json): every tool is a contract verb, and every verb is a
 * workflow, update, signal or query. With `--start` and no cockpit running, it starts the
 * headless runtime itself; otherwise it says how to start one. Logs go to stderr only: stdout
 * belongs to the protocol.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  McpError,
  ErrorCode,
} from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { inputSizeOk } from '../api/dispatch';
import type { ApiResult } from '../api/result';
import type { VigilConfig } from '../runtime/config';
import { CockpitUnavailable, connectRemote, type RemoteRuntime } from '../host/remote';
import { noCockpitMessage } from '../runtime/runtime-file';
import { describeTools, errorResult, toToolResult, type ToolDescriptor } from './tools';
import { MCP_PROMPTS, renderPrompt } from './prompts';
import { strictStdin } from './strict-stdin';

export interface BridgeOptions {
  config: VigilConfig;
  dataDir: string;
  readOnly: boolean;
  /** Start the headless runtime in this process when none is running. */
  startIfMissing: boolean;
  log: (line: string) => void;
  version: string;
}

export interface Bridge {
  server: Server;
  close(): Promise<void>;
}

type Caller = (verb: string, input: unknown) => Promise<ApiResult<unknown>>;

export function createBridge(opts: BridgeOptions): Bridge {
  const tools = describeTools(opts.readOnly);
  const byName = new Map<string, ToolDescriptor>(tools.map((t) => [t.name, t]));
  let remote: RemoteRuntime | null = null;
  let embedded: { call: Caller; stop(): Promise<void> } | null = null;

  // Reconnect lazily on every call after a failure: the cockpit may have restarted on a new port.
  const caller = async (): Promise<Caller> => {
    if (embedded) return embedded.call;
    if (remote) return (v, i) => remote!.call(v, i, 'mcp');
    try {
      remote = await connectRemote(opts.config, opts.dataDir);
      opts.log(`connected to the cockpit (pid ${remote.info.pid}) at ${remote.info.address}`);
      return (v, i) => remote!.call(v, i, 'mcp');
    } catch (err) {
      if (!(err instanceof CockpitUnavailable) || !opts.startIfMissing) throw err;
    }
    opts.log('no cockpit running: starting the headless runtime');
    const { startHeadless } = await import('../host/headless');
    const hl = await startHeadless({ dataDir: opts.dataDir, stderr: false });
    embedded = { call: (v, i) => hl.host.call(v, i, { door: 'mcp' }), stop: () => hl.stop() };
    return embedded.call;
  };

  const invoke = async (verb: string, input: unknown): Promise<ApiResult<unknown>> => {
    let call: Caller;
    try {
      call = await caller();
    } catch (err) {
      const msg = err instanceof CockpitUnavailable ? err.message : `cannot reach the cockpit: ${(err as Error).message}`;
      return { ok: false, error: { code: 'unavailable', message: `${msg}${opts.startIfMissing ? '' : ' (or run the bridge with --start)'}` } };
    }
    const r = await call(verb, input);
    if (!r.ok && r.error.code === 'unavailable' && remote) {
      // The cockpit went away mid-call: drop the connection so the next call looks again.
      await remote.close().catch(() => {});
      remote = null;
    }
    return r;
  };

  const server = new Server(
    { name: 'vigil', version: opts.version },
    {
      capabilities: { tools: {}, resources: {}, prompts: {} },
      instructions:
        'Vigil is a crypto trading cockpit. Tools read market data, the paper portfolio, agent logs and backtests, and (unless read-only) place paper orders and change preferences through the same risk gates as the app. Live orders are never placed through this bridge without approval in the app.',
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.map(({ wrapped: _w, ...t }) => t),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    const { name, arguments: args } = req.params;
    const tool = byName.get(name);
    if (!tool) {
      const hint = opts.readOnly ? ' (the bridge is in read-only mode: write tools are not exposed)' : '';
      return errorResult(`unknown tool ${JSON.stringify(name)}${hint}. Use tools/list to see what is available.`);
    }
    if (!inputSizeOk(args)) return errorResult('arguments too large (limit 256 KiB)');
    try {
      return toToolResult(await invoke(name, args ?? {}), tool.wrapped);
    } catch (err) {
      return errorResult(`internal error in ${name}: ${(err as Error).message}`);
    }
  });

  const resources = [
    { uri: 'vigil://portfolio', name: 'portfolio', title: 'Paper portfolio', description: 'Cash, equity, positions and P&L of the paper portfolio.', mimeType: 'application/json', verb: 'get_portfolio_status' },
    { uri: 'vigil://prompts', name: 'prompts', title: 'Agent prompt templates', description: 'The active prompt templates and their version history.', mimeType: 'application/json', verb: 'get_prompt_history' },
    { uri: 'vigil://runtime', name: 'runtime', title: 'Runtime status', description: 'Temporal server, workers and data dir of the cockpit.', mimeType: 'application/json', verb: 'get_runtime_status' },
  ];
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: resources.map(({ verb: _v, ...r }) => r),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    const res = resources.find((r) => r.uri === req.params.uri);
    if (!res) throw new McpError(ErrorCode.InvalidParams, `unknown resource ${req.params.uri}`);
    const r = await invoke(res.verb, {});
    if (!r.ok) throw new McpError(ErrorCode.InternalError, `${r.error.code}: ${r.error.message}`);
    return { contents: [{ uri: res.uri, mimeType: res.mimeType, text: JSON.stringify(r.result, null, 2) }] };
  });

  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: MCP_PROMPTS.map((p) => ({ name: p.name, title: p.title, description: p.description, arguments: p.arguments })),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) => {
    const text = renderPrompt(req.params.name, req.params.arguments ?? {});
    if (text === null) throw new McpError(ErrorCode.InvalidParams, `unknown prompt ${req.params.name}`);
    return { messages: [{ role: 'user', content: { type: 'text', text } }] };
  });

  return {
    server,
    async close() {
      await server.close().catch(() => {});
      await remote?.close().catch(() => {});
      await embedded?.stop().catch(() => {});
    },
  };
}

/** stdio, with the raw arguments of every tool call checked before the SDK parses them. */
export function strictStdioTransport(): Transport {
  return new StdioServerTransport(strictStdin(process.stdin, (line) => process.stdout.write(line)), process.stdout);
}

export async function runStdioBridge(opts: BridgeOptions, transport: Transport = strictStdioTransport()): Promise<Bridge> {
  const bridge = createBridge(opts);
  await bridge.server.connect(transport);
  opts.log(`vigil mcp ready (${opts.readOnly ? 'read-only' : 'read-write'}; data dir ${opts.dataDir})`);
  return bridge;
}

export { noCockpitMessage };
