/**
 * Find or obtain the `temporal` CLI (which embeds the dev server), in this order:
 *   1. TEMPORAL_CLI_PATH
 *   2. `temporal` on PATH
 *   3. the project's cache: <cache dir>/temporal-cli/<version>/temporal
 *   4. a build from its Go module when `go` is present (minutes the first time, then cached)
 *   5. the Temporal SDK's own download (needs internet), copied into the cache
 * Each step that fails says why; the final error lists them all with what to do next.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

export type CliSource = 'env' | 'path' | 'cache' | 'go-build' | 'sdk-download';

export interface ResolvedCli {
  path: string;
  source: CliSource;
  /** What `temporal --version` printed (first line). */
  version: string;
}

export interface ResolveOptions {
  version: string;
  cacheDir: string;
  envPath?: string | undefined;
  /** PATH to search; defaults to process.env.PATH. */
  searchPath?: string | undefined;
  allowBuild?: boolean;
  allowDownload?: boolean;
  onProgress?: ProgressFn;
}

/**
 * A progress line. `transient` lines are the status of a long step (the Go build: step, counts,
 * elapsed, what is left), sent about once a second; each replaces the previous one — on a
 * terminal in place, elsewhere printed every few seconds (core/runtime/progress-line.ts).
 */
export type ProgressFn = (line: string, meta?: ProgressMeta) => void;
export interface ProgressMeta {
  transient: true;
  /** The step the line belongs to: a printer that thins transient lines prints every new step. */
  step: string;
}

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export class TemporalCliNotFoundError extends Error {
  constructor(readonly attempts: string[]) {
    super(
      [
        'The Temporal CLI (which runs the embedded dev server) could not be found or obtained. Tried:',
        ...attempts.map((a) => `  - ${a}`),
        'Fix one of: set TEMPORAL_CLI_PATH to a temporal binary; install Go (https://go.dev/dl) so Vigil can build it;',
        'or connect to the internet once so the Temporal SDK can download it. Or point TEMPORAL_ADDRESS at a running cluster.',
      ].join('\n'),
    );
    this.name = 'TemporalCliNotFoundError';
  }
}

export function cachedCliPath(cacheDir: string, version: string): string {
  return path.join(cacheDir, 'temporal-cli', version, EXE);
}

/** Everything `go` printed during the last build of this version (kept after the build). */
export function buildLogPath(cacheDir: string, version: string): string {
  return path.join(cacheDir, 'temporal-cli', version, 'build.log');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function which(cmd: string, searchPath = process.env.PATH ?? ''): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const full = path.join(dir, cmd + ext);
      if (isExecutable(full)) return full;
    }
  }
  return null;
}

export function cliVersion(file: string): string | null {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) return null;
  return (r.stdout || r.stderr).split('\n')[0]?.trim() || null;
}

export async function resolveTemporalCli(opts: ResolveOptions): Promise<ResolvedCli> {
  const attempts: string[] = [];
  const progress = opts.onProgress ?? (() => {});

  if (opts.envPath) {
    if (!isExecutable(opts.envPath)) {
      // An explicit setting that is wrong is an error, not something to silently skip.
      throw new TemporalCliNotFoundError([`TEMPORAL_CLI_PATH=${opts.envPath}: not an executable file`]);
    }
    const v = cliVersion(opts.envPath);
    if (!v) throw new TemporalCliNotFoundError([`TEMPORAL_CLI_PATH=${opts.envPath}: '--version' failed`]);
    return { path: opts.envPath, source: 'env', version: v };
  }
  attempts.push('TEMPORAL_CLI_PATH: not set');

  const onPath = which('temporal', opts.searchPath);
  if (onPath) {
    const v = cliVersion(onPath);
    if (v) return { path: onPath, source: 'path', version: v };
    attempts.push(`temporal on PATH (${onPath}): '--version' failed`);
  } else attempts.push('temporal on PATH: not found');

  const cached = cachedCliPath(opts.cacheDir, opts.version);
  if (isExecutable(cached)) {
    // The cache is versioned by path and only written by an atomic rename after a good build,
    // so a start does not pay for spawning `--version` (doctor asks for the real one).
    return { path: cached, source: 'cache', version: `v${opts.version} (cached build)` };
  }
  attempts.push(`cache ${cached}: not present`);

  if (opts.allowBuild !== false) {
    const go = which('go', opts.searchPath);
    if (go) {
      try {
        const built = await goBuild(go, opts.cacheDir, opts.version, progress);
        const v = cliVersion(built);
        if (v) return { path: built, source: 'go-build', version: v };
        attempts.push(`go build: produced ${built} but '--version' failed`);
      } catch (err) {
        attempts.push(`go build: ${(err as Error).message} (go's output: ${buildLogPath(opts.cacheDir, opts.version)})`);
      }
    } else attempts.push('go build: `go` not found on PATH');
  }

  if (opts.allowDownload !== false) {
    try {
      const dl = await sdkDownload(opts.cacheDir, opts.version, progress);
      const v = cliVersion(dl);
      if (v) return { path: dl, source: 'sdk-download', version: v };
      attempts.push(`SDK download: produced ${dl} but '--version' failed`);
    } catch (err) {
      attempts.push(`SDK download: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new TemporalCliNotFoundError(attempts);
}

/** The Go module that holds the CLI's main package. */
export const CLI_MODULE_ROOT = 'github.com/temporalio/cli';

const STEPS = 3;

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Number of modules a go.mod requires (direct and indirect): the most a build can download. */
export function countRequires(goMod: string): number {
  let n = 0;
  let inBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (inBlock) {
      if (line === ')') inBlock = false;
      else if (line) n++;
    } else if (/^require\s*\($/.test(line)) inBlock = true;
    else if (/^require\s+\S+\s+\S+/.test(line)) n++;
  }
  return n;
}

/** What one line of go's output means for the progress of the build. */
export function classifyGoLine(line: string): 'download' | 'package' | 'other' {
  const t = line.trim();
  if (/^go: downloading \S+ v\S+/.test(t)) return 'download';
  // `go install -v` prints the import path of every package it compiles, alone on its line.
  if (/^[A-Za-z0-9][\w.\-~]*(\/[\w.\-~+]+)*$/.test(t)) return 'package';
  return 'other';
}

/** The one status line of the build: step, counts, elapsed and what is left. */
export function buildStatusLine(a: { version: string; step: 1 | 2 | 3; done: number; total: number | null; elapsedMs: number }): string {
  const head = `Temporal CLI v${a.version} (first start only): step ${a.step}/${STEPS}`;
  const of = (unit: string) => `${a.done.toLocaleString('en-US')}${a.total !== null ? ` of ${a.step === 2 ? 'at most ' : ''}${a.total.toLocaleString('en-US')}` : ''} ${unit}`;
  const what = a.step === 1 ? 'fetching the CLI source' : a.step === 2 ? `downloading Go modules — ${of('modules')}` : `compiling — ${of('packages')}`;
  const left = a.step === 1 ? ' · then: download its modules, compile' : a.step === 2 ? ' · then: compile' : '';
  return `${head} ${what} · ${formatElapsed(a.elapsedMs)} elapsed${left}`;
}

/**
 * Build the CLI from its Go module into a staging dir, then rename it into the cache, so a build
 * interrupted halfway never leaves a broken binary behind. A lock dir serialises builds. Three
 * steps, each with a count for the progress line; everything go prints goes to build.log:
 *   1. `go mod download -json github.com/temporalio/cli@v<version>`: the CLI's source and go.mod
 *      (how many modules it requires: the most step 2 can download);
 *   2. `go list -deps ./cmd/temporal` in that source: downloads the modules the build needs and
 *      counts its packages (what step 3 compiles);
 *   3. `go install -v github.com/temporalio/cli/cmd/temporal@v<version>` with GOBIN=staging:
 *      compiles, printing each package it builds.
 * Steps 1 and 2 only make the progress exact: when either fails, step 3 still builds (and
 * downloads what it needs itself).
 */
async function goBuild(go: string, cacheDir: string, version: string, progress: ProgressFn): Promise<string> {
  const target = cachedCliPath(cacheDir, version);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.build-lock');
  await withDirLock(lock, progress, async () => {
    if (isExecutable(target)) return;
    const staging = fs.mkdtempSync(path.join(dir, '.staging-'));
    const logFile = buildLogPath(cacheDir, version);
    const log = fs.openSync(logFile, 'w');
    const started = Date.now();
    const state: { step: 1 | 2 | 3; done: number; total: number | null } = { step: 1, done: 0, total: null };
    let lastSent = 0;
    const status = (force = false) => {
      const now = Date.now();
      if (!force && now - lastSent < 1000) return;
      lastSent = now;
      progress(buildStatusLine({ version, ...state, elapsedMs: now - started }), { transient: true, step: `go-build-${state.step}` });
    };
    const ticker = setInterval(() => status(true), 1000);
    const env = { ...process.env, CGO_ENABLED: '0' };
    const note = (text: string) => fs.writeSync(log, `# ${new Date().toISOString()} ${text}\n`);
    progress(`Building the Temporal CLI v${version} from its Go module (first start only; a few minutes). go's output: ${logFile}`);
    try {
      status(true);
      let moduleDir: string | null = null;
      try {
        note(`step 1/${STEPS}: go mod download -json ${CLI_MODULE_ROOT}@v${version}`);
        const out = await runGo(go, ['mod', 'download', '-json', `${CLI_MODULE_ROOT}@v${version}`], { env, log, keepStdout: true });
        const info = JSON.parse(out) as { Dir?: string; GoMod?: string; Error?: string };
        if (info.Error) throw new Error(info.Error);
        if (!info.Dir || !info.GoMod) throw new Error('go mod download did not say where the source is');
        moduleDir = info.Dir;
        state.total = countRequires(fs.readFileSync(info.GoMod, 'utf8'));
      } catch (err) {
        note(`step 1 failed (the build goes on without exact counts): ${(err as Error).message}`);
      }
      state.step = 2;
      state.done = 0;
      status(true);
      let packages: number | null = null;
      if (moduleDir) {
        try {
          note(`step 2/${STEPS}: go list -deps ./cmd/temporal (in ${moduleDir})`);
          const out = await runGo(go, ['list', '-deps', '-f', '{{.ImportPath}}', './cmd/temporal'], {
            env,
            log,
            cwd: moduleDir,
            onLine: (l) => {
              if (classifyGoLine(l) === 'download') {
                state.done++;
                status();
              }
            },
            keepStdout: true,
          });
          packages = out.split('\n').filter((l) => l.trim()).length;
        } catch (err) {
          note(`step 2 failed (go install downloads what it needs): ${(err as Error).message}`);
        }
      }
      state.step = 3;
      state.done = 0;
      state.total = packages;
      status(true);
      note(`step 3/${STEPS}: go install -v ${CLI_MODULE}@v${version} (GOBIN=${staging})`);
      await runGo(go, ['install', '-v', `${CLI_MODULE}@v${version}`], {
        env: { ...env, GOBIN: staging },
        log,
        onLine: (l) => {
          if (classifyGoLine(l) === 'package') {
            state.done = state.total === null ? state.done + 1 : Math.min(state.total, state.done + 1);
            status();
          }
        },
      });
      const out = path.join(staging, EXE);
      if (!fs.existsSync(out)) throw new Error(`go install finished but ${out} is missing`);
      fs.renameSync(out, target);
      note(`built ${target} in ${formatElapsed(Date.now() - started)}`);
      progress(`Temporal CLI built in ${formatElapsed(Date.now() - started)}: ${target} (go's output: ${logFile})`);
    } finally {
      clearInterval(ticker);
      fs.closeSync(log);
      fs.rmSync(staging, { recursive: true, force: true });
    }
  });
  return target;
}

async function withDirLock(lock: string, progress: ProgressFn, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 20 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - fs.statSync(lock).mtimeMs;
      if (age > 30 * 60_000) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) progress('Another process is building the Temporal CLI; waiting for it…');
      announced = true;
      if (Date.now() > deadline) throw new Error('timed out waiting for another build of the Temporal CLI');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Run go, appending everything it prints to the build log. Resolves with stdout (when kept);
 * rejects with the last lines of output.
 */
function runGo(go: string, args: string[], o: { env: NodeJS.ProcessEnv; log: number; cwd?: string; onLine?: (line: string) => void; keepStdout?: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let stdout = '';
    const reader = (isStdout: boolean) => {
      let partial = '';
      return (buf: Buffer) => {
        const text = buf.toString();
        fs.writeSync(o.log, text);
        if (isStdout && o.keepStdout) stdout += text;
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 20) tail.shift();
          o.onLine?.(line);
        }
      };
    };
    child.stdout.on('data', reader(true));
    child.stderr.on('data', reader(false));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`go ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}

/**
 * The SDK downloads the CLI when it starts an ephemeral server. Start one in a scratch dir, stop it,
 * and keep the binary it fetched.
 */
async function sdkDownload(cacheDir: string, version: string, progress: ProgressFn): Promise<string> {
  const target = cachedCliPath(cacheDir, version);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-temporal-dl-'));
  progress(`Downloading the Temporal CLI v${version} through the Temporal SDK…`);
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: scratch, version: `v${version}` } },
    });
    await env.teardown();
    const found = findFile(scratch, (f) => path.basename(f).startsWith('temporal') && isExecutable(f));
    if (!found) throw new Error(`the SDK started a server but no binary was found under ${scratch}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(found, target);
    fs.chmodSync(target, 0o755);
    return target;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function findFile(dir: string, pred: (f: string) => boolean): string | null {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const f = findFile(full, pred);
      if (f) return f;
    } else if (pred(full)) return full;
  }
  return null;
}
