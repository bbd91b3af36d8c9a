import { useState } from 'react';
import { useAction, useEvent, useInvalidateAfter, useVerb } from '../api/hooks';
import { ApiCallError, client, type InputOf, type ResultOf } from '../api/client';
import { IssuesAlert, Panel, Q, Seg } from '../components/ui';
import { fmtNum } from '../lib/format';
import { TIMEFRAMES } from '../../../core/domain/market';
import { DOWNLOAD_TIMEFRAMES } from '../../../core/market/coinbase/schemas';
import { day, downloadRatio, foldDownload, gapsText, newUploadId, seriesKey, sortDatasets, uploadParts, type Dataset, type DownloadProgressMap } from '../lib/data';

const IMPORT_TIMEFRAMES = ['auto', ...TIMEFRAMES] as const;
type ImportResult = ResultOf<'import_market_data'>;

function Bar({ ratio, label, testId }: { ratio: number; label: string; testId?: string }) {
  return (
    <div className="row" style={{ flexWrap: 'nowrap', gap: 6 }} data-testid={testId} data-ratio={ratio.toFixed(3)}>
      <div className="progress" style={{ flex: 1 }} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)}>
        <div style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </div>
      <span className="mono faint" style={{ flex: 'none' }}>
        {label}
      </span>
    </div>
  );
}

function DatasetsTable({ datasets, live }: { datasets: Dataset[]; live: DownloadProgressMap }) {
  return (
    <table data-testid="datasets">
      <thead>
        <tr>
          <th>Symbol</th>
          <th>TF</th>
          <th>Where</th>
          <th>From (UTC)</th>
          <th>To (UTC)</th>
          <th className="num">Bars</th>
          <th>Gaps</th>
          <th>Source</th>
          <th style={{ width: 180 }}>State</th>
        </tr>
      </thead>
      <tbody>
        {sortDatasets(datasets).map((d) => {
          const ev = d.location === 'data dir' ? live[seriesKey(d.symbol, d.timeframe)] : undefined;
          const running = ev?.state === 'running' ? ev : null;
          const dl = d.downloading;
          return (
            <tr key={`${d.location} ${d.symbol} ${d.timeframe}`} data-testid={`dataset-${d.symbol}-${d.timeframe}-${d.location === 'shipped' ? 'shipped' : 'data'}`}>
              <td className="mono">{d.symbol}</td>
              <td className="mono">{d.timeframe}</td>
              <td className={d.location === 'shipped' ? 'faint' : ''}>{d.location}</td>
              <td className="mono">{day(d.from)}</td>
              <td className="mono">{day(d.to)}</td>
              <td className="num">{fmtNum(d.bars, 0)}</td>
              <td className="mono" title={d.largestGap ? `largest gap: ${d.largestGap.missing} bars after ${day(d.largestGap.after)}` : undefined}>
                {gapsText(d)}
              </td>
              <td className="faint">{d.sources.join(', ')}</td>
              <td>
                {d.error ? (
                  <span className="down" title={d.error}>
                    unreadable
                  </span>
                ) : running ? (
                  <Bar ratio={downloadRatio(running)} label={`${running.pagesDone}/${running.pagesTotal} pages`} />
                ) : dl ? (
                  <Bar ratio={downloadRatio(dl)} label={`${dl.pagesDone}/${dl.pagesTotal} pages`} />
                ) : ev && ev.state !== 'completed' ? (
                  <span className="faint" title={ev.error ?? undefined}>
                    download {ev.state}
                  </span>
                ) : (
                  <span className="faint">ready</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ImportPanel() {
  const invalidateAfter = useInvalidateAfter();
  const [symbol, setSymbol] = useState('');
  const [timeframe, setTimeframe] = useState<(typeof IMPORT_TIMEFRAMES)[number]>('auto');
  const [name, setName] = useState('');
  const [replace, setReplace] = useState(false);
  const [refuseGaps, setRefuseGaps] = useState(false);
  const [mode, setMode] = useState<'upload' | 'path'>('upload');
  const [file, setFile] = useState<File | null>(null);
  const [filePath, setFilePath] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiCallError | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    const base: Omit<InputOf<'import_market_data'>, 'path' | 'uploadId'> = { symbol: symbol.trim().toUpperCase(), replace, refuseGaps };
    if (timeframe !== 'auto') base.timeframe = timeframe;
    if (name.trim()) base.name = name.trim();
    try {
      let input: InputOf<'import_market_data'>;
      if (mode === 'path') input = { ...base, path: filePath.trim() };
      else {
        if (!file) throw new ApiCallError('upload_market_data', { code: 'invalid_input', message: 'choose a CSV file to upload' });
        const parts = uploadParts(await file.text());
        const uploadId = newUploadId();
        for (const [k, part] of parts.entries()) {
          setBusy(`uploading ${file.name}: part ${k + 1} of ${parts.length}`);
          await client().get('upload_market_data', { uploadId, ...part });
        }
        input = { ...base, uploadId };
      }
      setBusy('checking every row…');
      setResult(await client().get('import_market_data', input));
      invalidateAfter('import_market_data');
    } catch (err) {
      setError(err instanceof ApiCallError ? err : new ApiCallError('import_market_data', { code: 'internal', message: (err as Error).message }));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Panel title="Import CSV">
      <form className="form" onSubmit={(e) => void submit(e)} data-testid="import-form">
        <div className="row">
          <label className="field">
            Symbol
            <input value={symbol} onChange={(e) => setSymbol(e.target.value)} placeholder="BTC-USD" data-testid="import-symbol" required />
          </label>
          <label className="field">
            Timeframe
            <select value={timeframe} onChange={(e) => setTimeframe(e.target.value as (typeof IMPORT_TIMEFRAMES)[number])} data-testid="import-timeframe">
              {IMPORT_TIMEFRAMES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        </div>
        <Seg value={mode} options={['upload', 'path'] as const} onChange={setMode} label="Where the file is" />
        {mode === 'upload' ? (
          <label className="field" key="upload">
            File (sent in parts)
            <input type="file" accept=".csv,text/csv,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="import-file" />
          </label>
        ) : (
          <label className="field" key="path">
            Path the cockpit can read
            <input value={filePath} onChange={(e) => setFilePath(e.target.value)} placeholder="/home/me/btc-1h.csv" data-testid="import-path" />
          </label>
        )}
        <div className="row">
          <label className="field">
            Name (optional)
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. kraken" data-testid="import-name" />
          </label>
        </div>
        <div className="row">
          <label className="field check">
            <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> replace
          </label>
          <label className="field check">
            <input type="checkbox" checked={refuseGaps} onChange={(e) => setRefuseGaps(e.target.checked)} /> refuse gaps
          </label>
        </div>
        <div className="faint" style={{ fontSize: 11 }}>
          Columns time, open, high, low, close, volume (header optional; epoch s/ms or ISO time, UTC). One bad row refuses the file, naming the rows.
        </div>
        <button className="btn primary" disabled={busy !== null || !symbol.trim()} data-testid="import-submit">
          Import
        </button>
        {busy ? <div className="faint" data-testid="import-busy">{busy}</div> : null}
        <IssuesAlert error={error} />
        {result ? (
          <div className="mono" data-testid="import-result" style={{ fontSize: 11.5 }}>
            {fmtNum(result.rows, 0)} {result.timeframe} bars of {result.symbol}
            {result.timeframeInferred ? ' (timeframe from the spacing)' : ''}, {day(result.from)} .. {day(result.to)}; gaps {result.gaps ? `${result.gaps} (${fmtNum(result.missingBars, 0)} bars, first at line ${result.gapList[0]?.line})` : 'none'}
            {result.supersedesShipped ? `; ${fmtNum(result.supersedesShipped, 0)} bars replace the shipped ones` : ''}
          </div>
        ) : null}
      </form>
    </Panel>
  );
}

function DownloadPanel({ live }: { live: DownloadProgressMap }) {
  const [symbol, setSymbol] = useState('BTC-USD');
  const [timeframe, setTimeframe] = useState<(typeof DOWNLOAD_TIMEFRAMES)[number]>('1h');
  const [from, setFrom] = useState('2024-01-01');
  const [to, setTo] = useState('');
  const download = useAction('download_market_data');
  const cancel = useAction('cancel_market_data_download');
  const key = seriesKey(symbol.trim().toUpperCase(), timeframe);
  const ev = live[key];
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const input: InputOf<'download_market_data'> = { symbol: symbol.trim().toUpperCase(), timeframe, from };
    if (to) input.to = to;
    download.mutate(input);
  };
  return (
    <Panel title="Download from Coinbase">
      <form className="form" onSubmit={submit} data-testid="download-form">
        <div className="row">
          <label className="field">
            Symbol
            <input value={symbol} onChange={(e) => setSymbol(e.target.value)} data-testid="download-symbol" />
          </label>
          <label className="field">
            Timeframe
            <select value={timeframe} onChange={(e) => setTimeframe(e.target.value as (typeof DOWNLOAD_TIMEFRAMES)[number])} data-testid="download-timeframe">
              {DOWNLOAD_TIMEFRAMES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        </div>
        <div className="row">
          <label className="field">
            From
            <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="download-from" />
          </label>
          <label className="field">
            To (blank: now)
            <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="download-to" />
          </label>
        </div>
        <div className="faint" style={{ fontSize: 11 }}>
          Public candles, 300 a request within the exchange’s rate limit. Resumable: asking again continues where it stopped and skips what is there.
        </div>
        <div className="row">
          <button className="btn primary" disabled={download.isPending || ev?.state === 'running'} data-testid="download-submit">
            Download
          </button>
          {ev?.state === 'running' ? (
            <button type="button" className="btn" onClick={() => cancel.mutate({ symbol: ev.symbol, timeframe: ev.timeframe })} data-testid="download-cancel">
              Cancel
            </button>
          ) : null}
        </div>
        <IssuesAlert error={download.error ?? cancel.error} />
        {ev ? (
          <div data-testid="download-progress" data-state={ev.state} className="grid" style={{ gap: 4 }}>
            <div className="mono faint" style={{ fontSize: 11 }}>
              {ev.symbol} {ev.timeframe}: {fmtNum(ev.added, 0)} candles added, {fmtNum(ev.rows, 0)} in the file
            </div>
            <Bar ratio={downloadRatio(ev)} label={`${ev.pagesDone}/${ev.pagesTotal} pages`} />
            {ev.state !== 'running' ? (
              <div className={ev.state === 'failed' ? 'alert' : 'faint'} style={{ marginTop: 4 }}>
                {ev.state === 'completed' ? `done: ${day(ev.from)} .. ${day(ev.to)}` : `${ev.state}${ev.error ? `: ${ev.error}` : ''}`}
              </div>
            ) : null}
          </div>
        ) : download.data ? (
          <div className="faint">started {download.data.symbol} {download.data.timeframe}…</div>
        ) : null}
      </form>
    </Panel>
  );
}

export function DataPage() {
  const [live, setLive] = useState<DownloadProgressMap>({});
  const list = useVerb('list_market_data', {}, { refetchInterval: (q) => (q.state.data?.datasets.some((d) => d.downloading) ? 2_000 : false) });
  // The first page of a new series, and the end of every download, refresh the list (invalidation.ts).
  useEvent('data.progress', (e) => setLive((s) => foldDownload(s, e)));
  return (
    <div className="page">
      <div className="page-head">
        <h1>Data</h1>
        <span className="dim">Candles backtests can read: shipped with Vigil, imported from CSV or downloaded from Coinbase into the data dir (which wins where both have a bar).</span>
      </div>
      <div className="grid g-main-side" style={{ gridTemplateColumns: '320px minmax(0,1fr)' }}>
        <div className="grid" style={{ alignContent: 'start' }}>
          <ImportPanel />
          <DownloadPanel live={live} />
        </div>
        <Panel title="Datasets" right={list.data ? <span className="faint mono">{list.data.dataDir}</span> : null} flush testId="datasets-panel">
          <Q q={list} what="Datasets" rows={8}>
            {(d) => <DatasetsTable datasets={d.datasets} live={live} />}
          </Q>
        </Panel>
      </div>
    </div>
  );
}
