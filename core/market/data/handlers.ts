/**
 * Market data handlers. List, upload and import work on `<dataDir>/market` directly (the files
 * are local to every door: host, CLI, MCP bridge); a download is a workflow per series on the
 * cockpit's workers, so it survives a restart and reports progress by query.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Handlers, VerbResult } from '../../api/contract';
import { ApiFailure } from '../../api/result';
import { WORKFLOW_IDS } from '../../domain/ids';
import type { Timeframe } from '../../domain/market';
import { listDatasets, userMarketDir } from './datasets';
import { DownloadError, normaliseRequest } from './download';
import { ImportError, importCsv } from './import';
import { defaultMarketDataDir } from './columns';
import { dataDownloadStatusQuery, dataDownloadWorkflow, type DataDownloadStatus } from './download.workflow';
import type { HandlerDeps } from '../../host/handler-deps';
import { AGENT_DOORS } from '../../orders/origin';

type DataVerbs = 'list_market_data' | 'upload_market_data' | 'import_market_data' | 'download_market_data' | 'get_market_data_download' | 'cancel_market_data_download';
type Status = VerbResult<'get_market_data_download'>;

/** Staged uploads: at most this many bytes each, removed a day after their last part. */
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
const UPLOAD_TTL_MS = 86_400_000;

export function uploadsDir(dataDir: string): string {
  return path.join(userMarketDir(dataDir), '.uploads');
}

function status(workflowId: string, s: DataDownloadStatus): Status {
  return { workflowId, symbol: s.request.symbol, timeframe: s.request.timeframe, from: s.request.from, to: s.request.to, state: s.state, progress: s.progress, error: s.error };
}

export function createDataHandlers(deps: HandlerDeps): Pick<Handlers, DataVerbs> {
  const shipped = () => defaultMarketDataDir();

  async function query(symbol: string, timeframe: Timeframe): Promise<Status> {
    const workflowId = WORKFLOW_IDS.dataDownload(symbol, timeframe);
    try {
      return status(workflowId, await deps.client.workflow.getHandle(workflowId).query(dataDownloadStatusQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiFailure('not_found', `no download of ${symbol} ${timeframe} yet`);
      throw err;
    }
  }

  return {
    async list_market_data() {
      return { dataDir: userMarketDir(deps.dataDir), datasets: listDatasets(deps.dataDir, shipped()) };
    },

    async upload_market_data({ uploadId, offset, text }) {
      const dir = uploadsDir(deps.dataDir);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const f of fs.readdirSync(dir)) {
        const p = path.join(dir, f);
        if (Date.now() - fs.statSync(p).mtimeMs > UPLOAD_TTL_MS) fs.rmSync(p, { force: true });
      }
      const file = path.join(dir, `${uploadId}.csv`);
      const have = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (offset < have.length) {
        // A part sent again (a retried call): accepted when it is the same text.
        if (have.slice(offset, offset + text.length) !== text) throw new ApiFailure('rejected', `upload ${uploadId}: the part at ${offset} differs from what was received there; start a new upload`);
        return { uploadId, received: have.length };
      }
      if (offset > have.length) throw new ApiFailure('rejected', `upload ${uploadId} has ${have.length} characters; send the part at offset ${have.length} next`);
      if (Buffer.byteLength(have) + Buffer.byteLength(text) > MAX_UPLOAD_BYTES) throw new ApiFailure('rejected', `uploads are at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB; import a larger file by path`);
      fs.appendFileSync(file, text);
      return { uploadId, received: have.length + text.length };
    },

    async import_market_data(args, ctx) {
      let file: string;
      let staged: string | null = null;
      if (args.path !== undefined) {
        // A path makes the host read a file: only for the people at the app and the shell, never
        // for an outside assistant or the broker's model (their error messages would quote it).
        if (ctx.door === 'mcp' || AGENT_DOORS.has(ctx.door)) throw new ApiFailure('rejected', 'importing by path is for the app and the CLI; send the rows with upload_market_data and import the uploadId');
        file = path.resolve(args.path);
      } else {
        staged = path.join(uploadsDir(deps.dataDir), `${args.uploadId}.csv`);
        if (!fs.existsSync(staged)) throw new ApiFailure('not_found', `no upload ${args.uploadId}: send the file with upload_market_data first`);
        file = staged;
      }
      try {
        return importCsv(deps.dataDir, { file, symbol: args.symbol, timeframe: args.timeframe, name: args.name, replace: args.replace, refuseGaps: args.refuseGaps, shippedDir: shipped() });
      } catch (err) {
        if (err instanceof ImportError) throw new ApiFailure('rejected', err.message, err.rows.map((r) => ({ path: `line ${r.line}`, message: r.reason })));
        throw err;
      } finally {
        if (staged) fs.rmSync(staged, { force: true });
      }
    },

    async download_market_data({ symbol, timeframe, from, to }) {
      const now = Date.now();
      let req;
      try {
        req = normaliseRequest({ symbol, timeframe, from, to: to ?? now }, now);
      } catch (err) {
        if (err instanceof DownloadError) throw new ApiFailure('rejected', err.message);
        throw err;
      }
      const workflowId = WORKFLOW_IDS.dataDownload(req.symbol, req.timeframe);
      try {
        await deps.client.workflow.start(dataDownloadWorkflow, { workflowId, taskQueue: deps.taskQueue, args: [req] });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const running = await query(req.symbol, req.timeframe);
        if (running.from !== req.from || running.to !== req.to) {
          throw new ApiFailure('rejected', `a download of ${req.symbol} ${req.timeframe} is already running (${new Date(running.from).toISOString()} to ${new Date(running.to).toISOString()}); wait for it or cancel it first`);
        }
        return running;
      }
      return { workflowId, symbol: req.symbol, timeframe: req.timeframe, from: req.from, to: req.to, state: 'running' as const, progress: null, error: null };
    },

    async get_market_data_download({ symbol, timeframe }) {
      return query(symbol, timeframe);
    },

    async cancel_market_data_download({ symbol, timeframe }) {
      const h = deps.client.workflow.getHandle(WORKFLOW_IDS.dataDownload(symbol, timeframe));
      try {
        const d = await h.describe();
        if (d.status.name !== 'RUNNING') return { cancelled: false };
        await h.cancel();
        return { cancelled: true };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { cancelled: false };
        throw err;
      }
    },
  };
}
