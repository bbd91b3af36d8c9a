/** `vigil doctor`: what this machine has, what Vigil found, and what is configured — the truth. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SETTING_LIVE_ARMED } from '../ledger/live';
import type { VigilConfig } from '../runtime/config';
import { packageRoot } from '../runtime/package-root';
import { dataPaths, defaultCacheDir } from '../runtime/paths';
import { readRuntimeInfo } from '../runtime/runtime-file';
import { cachedCliPath, cliVersion, resolveTemporalCli, which } from '../runtime/temporal-cli';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export function electronBinary(): { present: boolean; detail: string } {
  try {
    const req = createRequire(path.join(packageRoot().root, 'package.json'));
    const pkgDir = path.dirname(req.resolve('electron/package.json'));
    const pathTxt = path.join(pkgDir, 'path.txt');
    if (!fs.existsSync(pathTxt)) return { present: false, detail: `electron package installed, binary not downloaded (${electronInstallNote() ?? 'ELECTRON_SKIP_BINARY_DOWNLOAD or no internet'}; retry: node scripts/install-electron.mjs)` };
    const bin = path.join(pkgDir, 'dist', fs.readFileSync(pathTxt, 'utf8').trim());
    return fs.existsSync(bin) ? { present: true, detail: bin } : { present: false, detail: `binary missing at ${bin}` };
  } catch {
    return { present: false, detail: 'electron package not installed' };
  }
}

/**
 * Whether live trading is armed, read from the ledger file without changing it (armed only in the
 * cockpit with a typed confirmation; every order still passes the kill switch and the risk limits).
 */
export function liveTradingState(ledgerFile: string): string {
  if (!fs.existsSync(ledgerFile)) return 'off: no ledger yet (orders are dry runs until armed in the cockpit)';
  let db: Database.Database | null = null;
  try {
    db = new Database(ledgerFile, { readonly: true, fileMustExist: true });
    const row = db.prepare(`SELECT value FROM settings WHERE key = ?`).get(SETTING_LIVE_ARMED) as { value: string } | undefined;
    const s = row ? (JSON.parse(row.value) as { armed?: boolean; at?: string }) : null;
    return s?.armed ? `ARMED since ${s.at ?? '?'} (orders still pass the kill switch, the risk limits and the cost gate)` : 'off: orders are dry runs until armed in the cockpit (Settings → Live trading)';
  } catch (err) {
    return `unknown: the ledger could not be read (${(err as Error).message})`;
  } finally {
    db?.close();
  }
}

/** Why npm install left no binary, from the note scripts/install-electron.mjs writes. */
function electronInstallNote(): string | null {
  try {
    const file = path.join(packageRoot().root, 'node_modules', '.cache', 'vigil', 'electron-install.json');
    const n = JSON.parse(fs.readFileSync(file, 'utf8')) as { status?: unknown; reason?: unknown; at?: unknown };
    if (n.status === 'failed') return `the download failed at ${String(n.at)}: ${String(n.reason)}`;
    if (n.status === 'skipped') return `the download was skipped: ${String(n.reason)}`;
    return null;
  } catch {
    return null;
  }
}

export function chromiumPath(): string | null {
  for (const c of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const p = which(c);
    if (p) return p;
  }
  return null;
}

export async function runDoctor(config: VigilConfig, dataDir: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'node', ok: nodeMajor >= 20, detail: `v${process.versions.node}${nodeMajor >= 20 ? '' : ' (Vigil needs Node 20 or newer)'}` });
  const npm = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['--version'], { encoding: 'utf8', timeout: 15_000 });
  checks.push({ name: 'npm', ok: npm.status === 0, detail: npm.status === 0 ? npm.stdout.trim() : 'not found' });

  const cacheDir = config.VIGIL_CACHE_DIR ?? defaultCacheDir();
  if (config.TEMPORAL_ADDRESS) {
    checks.push({ name: 'temporal', ok: true, detail: `external cluster ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}); no embedded server` });
  } else {
    try {
      const cli = await resolveTemporalCli({ version: config.TEMPORAL_CLI_VERSION, cacheDir, envPath: config.TEMPORAL_CLI_PATH, allowBuild: false, allowDownload: false });
      checks.push({ name: 'temporal cli', ok: true, detail: `${cli.path} (${cli.source}; ${cliVersion(cli.path) ?? cli.version})` });
    } catch {
      const go = which('go');
      checks.push({
        name: 'temporal cli',
        ok: false,
        detail: `not found (looked at TEMPORAL_CLI_PATH, PATH, ${cachedCliPath(cacheDir, config.TEMPORAL_CLI_VERSION)}); ${go ? `will be built with ${go} on first start` : 'install Go or set TEMPORAL_CLI_PATH; with internet the SDK downloads it'}`,
      });
    }
  }
  const el = electronBinary();
  checks.push({ name: 'electron', ok: el.present, detail: el.present ? el.detail : `${el.detail}; \`npm start\` runs the headless cockpit in your browser instead` });
  const chromium = chromiumPath();
  checks.push({ name: 'chromium', ok: chromium !== null, detail: chromium ? `${chromium} (${cliVersion(chromium) ?? 'version unknown'})` : 'not found (only needed for the e2e tests)' });

  const paths = dataPaths(dataDir);
  let writable = true;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch {
    writable = false;
  }
  checks.push({ name: 'data dir', ok: writable, detail: `${dataDir}${writable ? '' : ' (NOT writable)'}` });
  const running = readRuntimeInfo(dataDir);
  checks.push({
    name: 'cockpit',
    ok: true,
    detail: running ? `running (pid ${running.pid}, ${running.mode}, temporal ${running.address}${running.httpUrl ? `, ${running.httpUrl}` : ''})` : 'not running',
  });
  checks.push({ name: 'workflow bundle', ok: fs.existsSync(path.join(packageRoot().root, 'dist', 'workflow-bundle.js')), detail: fs.existsSync(path.join(packageRoot().root, 'dist', 'workflow-bundle.js')) ? 'built' : 'not built (npm run build)' });
  checks.push({ name: 'ledger db', ok: true, detail: fs.existsSync(paths.ledgerDb) ? paths.ledgerDb : 'not created yet' });

  const llm = config.OPENAI_BASE_URL ?? (config.secrets.OPENAI_API_KEY ? 'api.openai.com' : null);
  checks.push({ name: 'llm', ok: true, detail: llm ? `configured: ${llm} model ${config.OPENAI_MODEL}${config.secrets.OPENAI_API_KEY ? ' (key set)' : ' (no key)'}` : 'not configured: agents use the built-in deterministic policy and command language' });
  const cb = config.secrets.COINBASE_API_KEY_NAME && config.secrets.COINBASE_API_PRIVATE_KEY;
  checks.push({ name: 'coinbase', ok: true, detail: cb ? 'API key configured (live trading still needs arming)' : 'no API key: public market data only, paper trading' });
  const lf = config.secrets.LANGFUSE_PUBLIC_KEY && config.secrets.LANGFUSE_SECRET_KEY;
  checks.push({ name: 'langfuse', ok: true, detail: lf ? `tracing on (${config.LANGFUSE_BASE_URL ?? 'cloud.langfuse.com'})` : 'tracing off (no keys)' });
  checks.push({ name: 'live trading', ok: true, detail: liveTradingState(dataPaths(dataDir).ledgerDb) });
  return checks;
}
